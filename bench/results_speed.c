/* results_speed.c: how fast the results store answers a case's history once it holds many runs (issue 16's goal: under 50 ms at 1,000 runs).
 *
 * Usage: bench_results_speed URL [RUNS [QUERIES]]   (defaults 1000 and 100; URL an empty store)
 * Stores RUNS synthetic clrelu-bench/1 runs through clrelu_results_put_run — four machines in
 * turn, each run 2 devices x 3 ops x 8 sizes = 48 cases of 20 samples — then times QUERIES
 * repetitions of: the history of one case on one machine and device (RUNS / 4 points), the
 * history of that case across every machine (RUNS points), and the first page of the run list:
 * wall time (median, p95, min) and this process's CPU time per query (mean; with PostgreSQL the
 * server's work is in its own process and not counted there).
 * bench/results_speed.py runs it on SQLite and on a PostgreSQL it starts. */
#include "clrelu_results.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double now_ms(void) { return clock_ms(CLOCK_MONOTONIC); }

/* Append to a growing buffer (doubling); exits on out of memory (a benchmark program). */
typedef struct {
    char *p;
    size_t len, cap;
} buf;

static void put(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(buf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n >= 0 && b->p && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap * 2 : 65536;
        while (cap < b->len + (size_t)n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
        b->p = p;
        b->cap = cap;
    }
}

/* One run's document: every case's median drifts with the run number and a little noise. */
static char *make_run(int run)
{
    static const char *const devs[] = {"cpu:0", "host"}, *const ops[] = {"relu", "gelu", "silu"};
    buf b = {0};
    put(&b, "{\"schema\":\"clrelu-bench/1\",\"meta\":{\"clrelu_version\":\"0.1.0\",\"cancelled\":false},"
            "\"devices\":[{\"id\":\"cpu:0\",\"name\":\"pthread CPU\"},{\"id\":\"host\",\"name\":\"host (C)\"}],"
            "\"ceilings\":[],\"cases\":[");
    int k = 0;
    for (int d = 0; d < 2; d++)
        for (int o = 0; o < 3; o++)
            for (int s = 0; s < 8; s++) {
                double elements = (double)(4096u << (2 * s)) / 4; /* 1K .. 16M */
                double median = 1000.0 * (1 + s) * (1 + o) * (1 + 0.001 * (run % 50));
                put(&b, "%s{\"device\":\"%s\",\"op\":\"%s\",\"dtype\":\"float32\",\"direction\":\"forward\","
                        "\"placement\":\"out\",\"elements\":%.0f,\"bytes_moved\":%.0f,\"status\":\"ok\",\"reason\":\"\","
                        "\"n_samples\":20,\"kernel_ns\":{\"median\":%.3f,\"cv\":0.01},\"gbps_median\":%.3f,"
                        "\"pct_of_copy\":80,\"samples\":{\"kernel_ns\":[",
                    k++ ? "," : "", devs[d], ops[o], elements, elements * 8, median, elements * 8 / median);
                for (int i = 0; i < 20; i++)
                    put(&b, "%s%.3f", i ? "," : "", median * (1 + 0.002 * ((i * 7 + run) % 11 - 5)));
                put(&b, "],\"host_ns\":[]}}");
            }
    put(&b, "]}");
    return b.p;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Count occurrences of "\"run\":" in a history answer: its points. */
static int points(const char *json)
{
    int n = 0;
    for (const char *p = json; (p = strstr(p, "\"run\":")) != NULL; p++)
        n++;
    return n;
}

typedef enum { Q_HISTORY_ONE, Q_HISTORY_ALL, Q_LIST } query_kind;

static int timed(clrelu_results *db, query_kind kind, int queries, const char *what)
{
    double *t = malloc((size_t)queries * sizeof *t);
    int n_points = 0;
    double cpu0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
    for (int q = 0; q < queries; q++) {
        char *json = NULL;
        double t0 = now_ms();
        clrelu_status st;
        if (kind == Q_LIST) {
            st = clrelu_results_list(db, NULL, &json);
        } else {
            clrelu_results_case_key k = {.op = "relu", .dtype = "float32", .elements = 1048576, .device = "cpu:0",
                                         .machine = kind == Q_HISTORY_ONE ? "speed-machine-0" : NULL, .limit = 10000};
            st = clrelu_results_history(db, &k, &json);
        }
        t[q] = now_ms() - t0;
        if (st != CLRELU_OK) {
            fprintf(stderr, "%s: %s\n", what, clrelu_last_error());
            free(t);
            return 1;
        }
        n_points = kind == Q_LIST ? 50 : points(json);
        free(json);
    }
    double cpu = (clock_ms(CLOCK_PROCESS_CPUTIME_ID) - cpu0) / queries;
    qsort(t, (size_t)queries, sizeof *t, cmp_double);
    printf("%-46s %5d %s  median %6.2f ms  p95 %6.2f ms  min %6.2f ms  this process's CPU %6.2f ms  (%d queries)\n",
           what, n_points, kind == Q_LIST ? "runs  " : "points", t[queries / 2], t[(int)(queries * 0.95)], t[0], cpu,
           queries);
    free(t);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s URL [RUNS [QUERIES]]\n", argv[0]);
        return 2;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 1000, queries = argc > 3 ? atoi(argv[3]) : 100;
    if (runs < 4 || queries < 1) {
        fprintf(stderr, "RUNS >= 4 and QUERIES >= 1\n");
        return 2;
    }
    clrelu_results *db = NULL;
    char shown[512];
    clrelu_results_redact_url(argv[1], shown, sizeof shown);
    if (clrelu_results_open(argv[1], &db) != CLRELU_OK) {
        fprintf(stderr, "%s\n", clrelu_last_error());
        return 1;
    }
    clrelu_machine m[4];
    for (int i = 0; i < 4; i++) {
        char id[32];
        snprintf(id, sizeof id, "speed-machine-%d", i);
        if (clrelu_machine_describe(NULL, id, "{\"pool\":\"speed\"}", &m[i]) != CLRELU_OK) {
            fprintf(stderr, "%s\n", clrelu_last_error());
            return 1;
        }
    }
    printf("store %s (%s)\n", shown, clrelu_results_backend(db));
    double t0 = now_ms(), worst = 0;
    for (int r = 0; r < runs; r++) {
        char *doc = make_run(r), id[64];
        double t1 = now_ms();
        if (clrelu_results_put_run(db, &m[r % 4], NULL, NULL, doc, id) != CLRELU_OK) {
            fprintf(stderr, "put_run %d: %s\n", r, clrelu_last_error());
            return 1;
        }
        double dt = now_ms() - t1;
        worst = dt > worst ? dt : worst;
        free(doc);
    }
    double fill = now_ms() - t0;
    printf("stored %d runs of 48 cases (20 samples each) in %.1f s: %.2f ms per run, worst %.1f ms\n", runs,
           fill / 1e3, fill / runs, worst);
    int rc = timed(db, Q_HISTORY_ONE, queries, "history relu float32 1M cpu:0, one machine");
    rc |= timed(db, Q_HISTORY_ALL, queries, "history relu float32 1M cpu:0, all machines");
    rc |= timed(db, Q_LIST, queries, "list, first page");
    for (int i = 0; i < 4; i++)
        clrelu_machine_clear(&m[i]);
    clrelu_results_close(db);
    return rc;
}
