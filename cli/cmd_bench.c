/* cmd_bench.c: `clrelu bench` — sweep devices x ops x dtypes x sizes; table, CSV or JSON; --compare; --plot; --results-db. */
#include "bench_compare.h"
#include "cli_util.h"
#include "commands.h"
#include "svg_plot.h"

#include "clrelu_results.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

static bool is_cancelled(void *user)
{
    (void)user;
    return interrupted != 0;
}

/* A one-line progress bar, redrawn in place on stderr (only when stderr is a terminal). */
static void progress_bar(const clrelu_bench_progress *p, void *user)
{
    (void)user;
    int width = 30, filled = p->total ? p->done * width / p->total : width;
    char bar[64];
    for (int i = 0; i < width; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[width] = '\0';
    char eta[32] = "";
    if (p->eta_s >= 0)
        snprintf(eta, sizeof eta, " ETA %.0fs", p->eta_s);
    fprintf(stderr, "\r\033[K[%s] %d/%d%s %.60s", bar, p->done, p->total, eta, p->current);
    if (p->done == p->total && !*p->current)
        fprintf(stderr, "\n");
    fflush(stderr);
}

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: clrelu bench [OPTIONS]\n\n"
            "Sweep devices x ops x dtypes x sizes x directions x placements; time every case with\n"
            "warm-up and repeats (device time from profiling events), validate every result, and\n"
            "report statistics, GB/s and the copy ceiling measured on the same buffers.\n\n"
            "  --devices LIST      device selectors or 'all' (default all)\n"
            "  --ops LIST          op names or 'all' (default relu)\n"
            "  --dtypes LIST       float32,float16,bfloat16,float64 or 'all' (default float32)\n"
            "  --sizes SPEC        element counts or bytes, lists or ranges: '1K..16M x4', '4096,1M',\n"
            "                      '64KiB..256MiB x4' (K M G = 1024^n elements; KiB/MiB/GiB, KB/MB/GB bytes;\n"
            "                      default 64K..4M x4)\n"
            "  --directions D      forward, backward or both (default forward)\n"
            "  --placements P      out, in or both (default out)\n"
            "  --repeats N         minimum samples per case (default 5)\n"
            "  --min-time S        minimum measured seconds per case (default 0.05)\n"
            "  --max-samples N     at most N samples per case (default 1000)\n"
            "  --warmup N          untimed runs after the first (default 1; 0 none)\n"
            "  --max-bytes SIZE    host memory cap per case, e.g. 512MiB (default a quarter of memory)\n"
            "  --max-time S        time cap for the sweep; later cases are skipped (default none)\n"
            "  --no-ceilings       skip the copy/add/CLBlast/empty-launch reference measurements\n"
            "  --csv | --json      output format (default: a table)\n"
            "  --compare OLD.json  also print GB/s ratios against an earlier --json run\n"
            "  --plot FILE.svg     write GB/s vs size (log axes) per device/op with the copy ceiling\n"
            "  --results-db URL    store the run in a results database: sqlite:PATH or postgresql://…\n"
            "                      (default $CLRELU_RESULTS_DB); its id is printed on stderr\n"
            "  --label KEY=VALUE   a label of the stored run (repeatable), e.g. --label driver=24.1\n"
            "  --quiet             no progress bar (it is shown only when stderr is a terminal)\n\n"
            "Exit status: 0 when every case ran or was skipped, 1 when a case failed or mismatched the\n"
            "reference or the run could not be stored, 2 for bad options, 130 when interrupted (results so\n"
            "far are printed, and not stored).\n");
}

static void print_table(const clrelu_bench_result *r)
{
    printf("clrelu %s bench  %s  host %s\n", r->clrelu_version, r->timestamp, r->host);
    for (int i = 0; i < r->n_devices; i++)
        printf("device %-8s %s | %s | driver %s | %s | %u CU @ %u MHz | timer %g ns\n", r->devices[i].id,
               r->devices[i].name, r->devices[i].platform, r->devices[i].driver, r->devices[i].opencl_c_version,
               r->devices[i].compute_units, r->devices[i].clock_mhz, r->devices[i].timer_resolution_ns);
    printf("\n%-8s %-10s %-8s %-4s %-3s %10s %-8s %5s %10s %10s %6s %8s %8s %6s %9s\n", "DEVICE", "OP", "DTYPE", "DIR",
           "PL", "ELEMENTS", "STATUS", "N", "MEDIAN_us", "MIN_us", "CV%", "GB/s", "GB/s_max", "%COPY", "FIRST_ms");
    for (int i = 0; i < r->n_cases; i++) {
        const clrelu_bench_case *c = &r->cases[i];
        printf("%-8s %-10s %-8s %-4s %-3s %10zu %-8s ", r->devices[c->device].id, c->op, clrelu_dtype_name(c->dtype),
               c->backward ? "bwd" : "fwd", c->in_place ? "in" : "out", c->elements,
               clrelu_bench_case_status_name(c->status));
        if (c->n_samples)
            printf("%5d %10.2f %10.2f %6.1f %8.3f %8.3f %6.1f %9.2f", c->n_samples, c->kernel.median / 1e3,
                   c->kernel.min / 1e3, c->kernel.cv * 100, c->gbps_median, c->gbps_max, c->pct_of_copy,
                   c->first_run_ns / 1e6);
        if (c->reason[0])
            printf("%s%s", c->n_samples ? "  " : "", c->reason);
        printf("\n");
    }
    if (r->n_ceilings) {
        printf("\nCeilings (same buffers):\n%-8s %-13s %-8s %10s %-8s %5s %10s %8s %8s\n", "DEVICE", "KIND", "DTYPE",
               "ELEMENTS", "STATUS", "N", "MEDIAN_us", "GB/s", "GB/s_max");
        for (int i = 0; i < r->n_ceilings; i++) {
            const clrelu_bench_ceiling *c = &r->ceilings[i];
            printf("%-8s %-13s %-8s %10zu %-8s ", r->devices[c->device].id, clrelu_ceiling_kind_name(c->kind),
                   c->kind == CLRELU_CEIL_EMPTY ? "-" : clrelu_dtype_name(c->dtype), c->elements,
                   clrelu_bench_case_status_name(c->status));
            if (c->status == CLRELU_BENCH_OK)
                printf("%5d %10.2f %8.3f %8.3f", c->n_samples, c->ns.median / 1e3, c->gbps_median, c->gbps_max);
            else
                printf("%s", c->reason);
            printf("\n");
        }
    }
    printf("\n%d cases in %.2f s%s%s. Bytes moved: read + write (forward 2N, backward 3N elements).\n", r->n_cases,
           r->elapsed_s, r->cancelled ? " (cancelled)" : "", r->time_capped ? " (time cap reached)" : "");
}

static bool write_plot(const char *path, const clrelu_bench_result *r)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        cli_error("bench", "cannot write %s", path);
        return false;
    }
    bool ok = svg_plot_write(f, r);
    if (fclose(f) != 0 || !ok) {
        cli_error("bench", "error writing %s", path);
        return false;
    }
    return true;
}

static bool parse_int(const char *s, int *out)
{
    char *e = NULL;
    long v = strtol(s, &e, 10);
    if (e == s || *e || v < 0 || v > 100000000)
        return false;
    *out = (int)v;
    return true;
}

/* Options into o; returns CLI_EXIT_OK, or an exit code after printing the problem. */
/* Where and how `clrelu bench` stores its run: --results-db and the --label options. */
typedef struct {
    const char *url;
    char *labels_json; /* malloc'd by clrelu_label_add; NULL when no label */
} store_opts;

static int parse_args(int argc, char **argv, clrelu_bench_options *o, const char **fmt, const char **compare,
                      const char **plot, bool *quiet, store_opts *so)
{
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int m;
        if (cli_is_help(argv[i])) {
            usage(stdout);
            return -1;
        }
        if (!strcmp(argv[i], "--csv") || !strcmp(argv[i], "--json")) {
            *fmt = argv[i] + 2;
            continue;
        }
        if (!strcmp(argv[i], "--no-ceilings")) {
            o->no_ceilings = true;
            continue;
        }
        if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) {
            *quiet = true;
            continue;
        }
#define STR_OPT(name, field)                                                                       \
    if ((m = cli_option("bench", argc, argv, &i, name, &v)) != 0) {                                \
        if (m < 0)                                                                                 \
            return CLI_EXIT_USAGE;                                                                 \
        field = v;                                                                                 \
        continue;                                                                                  \
    }
        STR_OPT("--devices", o->devices)
        STR_OPT("--device", o->devices)
        STR_OPT("--ops", o->ops)
        STR_OPT("--dtypes", o->dtypes)
        STR_OPT("--sizes", o->sizes)
        STR_OPT("--directions", o->directions)
        STR_OPT("--placements", o->placements)
        STR_OPT("--compare", *compare)
        STR_OPT("--plot", *plot)
        STR_OPT("--results-db", so->url)
#undef STR_OPT
        if ((m = cli_option("bench", argc, argv, &i, "--label", &v)) != 0) {
            if (m < 0)
                return CLI_EXIT_USAGE;
            if (clrelu_label_add(&so->labels_json, v) != CLRELU_OK) {
                cli_error("bench", "--label %s: %s", v, clrelu_last_error());
                return CLI_EXIT_USAGE;
            }
            continue;
        }
        int *int_field = NULL;
        double *dbl_field = NULL;
        const char *name = NULL;
        if ((m = cli_option("bench", argc, argv, &i, "--repeats", &v)) != 0)
            int_field = &o->min_samples, name = "--repeats";
        else if ((m = cli_option("bench", argc, argv, &i, "--max-samples", &v)) != 0)
            int_field = &o->max_samples, name = "--max-samples";
        else if ((m = cli_option("bench", argc, argv, &i, "--warmup", &v)) != 0)
            int_field = &o->warmup, name = "--warmup";
        else if ((m = cli_option("bench", argc, argv, &i, "--min-time", &v)) != 0)
            dbl_field = &o->min_time_s, name = "--min-time";
        else if ((m = cli_option("bench", argc, argv, &i, "--max-time", &v)) != 0)
            dbl_field = &o->max_seconds, name = "--max-time";
        else if ((m = cli_option("bench", argc, argv, &i, "--max-bytes", &v)) != 0)
            name = "--max-bytes";
        if (m < 0)
            return CLI_EXIT_USAGE;
        if (!name) {
            cli_error("bench", "unknown argument '%s' (see clrelu bench --help)", argv[i]);
            return CLI_EXIT_USAGE;
        }
        bool ok = true;
        if (int_field) {
            ok = parse_int(v, int_field);
            if (ok && int_field == &o->warmup && *int_field == 0)
                *int_field = -1; /* 0 in the options means the default */
        } else if (dbl_field) {
            ok = cli_parse_double(v, dbl_field) && *dbl_field >= 0 && *dbl_field < 1e9;
            if (ok && dbl_field == &o->min_time_s && *dbl_field == 0)
                *dbl_field = -1; /* --min-time 0: no minimum (0 in the options means the default) */
        } else {
            clrelu_bench_size *s = NULL;
            int n = 0;
            ok = clrelu_bench_parse_sizes(v, &s, &n) == CLRELU_OK && n == 1;
            if (ok)
                o->max_bytes = s[0].value; /* a plain number counts bytes here */
            free(s);
        }
        if (!ok) {
            cli_error("bench", "bad value '%s' for %s", v, name);
            return CLI_EXIT_USAGE;
        }
    }
    return CLI_EXIT_OK;
}

/* Store the sweep in the results database: this machine and its devices, the labels, the result
 * document. Prints the run id on stderr; false (message printed) when it could not be stored. */
static bool store_run(clrelu_results *db, const store_opts *so, clrelu_context *ctx, const clrelu_bench_result *r)
{
    char run_id[64] = "", where[512];
    clrelu_results_redact_url(so->url, where, sizeof where);
    char *json = clrelu_bench_to_json(r);
    if (!json) {
        cli_error("bench", "out of memory formatting the run for %s", where);
        return false;
    }
    clrelu_machine m;
    memset(&m, 0, sizeof m);
    clrelu_status st = clrelu_machine_describe(ctx, NULL, NULL, &m);
    if (st == CLRELU_OK)
        st = clrelu_results_put_run(db, &m, so->labels_json ? so->labels_json : "{}", NULL, json, run_id);
    clrelu_machine_clear(&m);
    free(json);
    if (st != CLRELU_OK) {
        cli_error("bench", "the run was not stored in %s: %s", where, clrelu_last_error());
        return false;
    }
    fprintf(stderr, "clrelu bench: stored run %s in %s\n", run_id, where);
    return true;
}

int cmd_bench(int argc, char **argv)
{
    clrelu_bench_options o;
    memset(&o, 0, sizeof o);
    const char *fmt = "table", *compare = NULL, *plot = NULL;
    bool quiet = false;
    store_opts so = {NULL, NULL};
    int rc = parse_args(argc, argv, &o, &fmt, &compare, &plot, &quiet, &so);
    if (rc != CLI_EXIT_OK) {
        free(so.labels_json);
        return rc < 0 ? CLI_EXIT_OK : rc;
    }
    if (!so.url) {
        const char *env = getenv("CLRELU_RESULTS_DB");
        so.url = env && *env ? env : NULL;
    }
    if (so.labels_json && !so.url) {
        cli_error("bench", "--label labels a stored run: give --results-db URL (or set CLRELU_RESULTS_DB)");
        free(so.labels_json);
        return CLI_EXIT_USAGE;
    }
    /* The store is opened (and migrated) before the sweep, so that a wrong URL or an unreachable
     * database stops here and not after minutes of measuring. */
    clrelu_results *db = NULL;
    if (so.url && clrelu_results_open(so.url, &db) != CLRELU_OK) {
        cli_error("bench", "%s", clrelu_last_error());
        free(so.labels_json);
        return CLI_EXIT_ERROR;
    }
    clrelu_context *ctx = NULL;
    if (!cli_open_context("bench", &ctx)) {
        clrelu_results_close(db);
        free(so.labels_json);
        return CLI_EXIT_ERROR;
    }
    int total = 0;
    clrelu_status st = clrelu_bench_count(ctx, &o, &total);
    if (st != CLRELU_OK) {
        cli_error("bench", "%s", clrelu_last_error());
        clrelu_context_destroy(ctx);
        clrelu_results_close(db);
        free(so.labels_json);
        return CLI_EXIT_USAGE;
    }
    if (!quiet && isatty(STDERR_FILENO))
        o.progress = progress_bar;
    o.cancelled = is_cancelled;
    struct sigaction sa, old_sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, &old_sa);

    clrelu_bench_result *r = NULL;
    st = clrelu_bench_run(ctx, &o, &r);
    sigaction(SIGINT, &old_sa, NULL);
    if (!r) {
        cli_error("bench", "%s", clrelu_last_error());
        clrelu_context_destroy(ctx);
        clrelu_results_close(db);
        free(so.labels_json);
        return CLI_EXIT_ERROR;
    }
    rc = st == CLRELU_ERR_CANCELLED ? 130 : CLI_EXIT_OK;
    for (int i = 0; i < r->n_cases && rc == CLI_EXIT_OK; i++)
        if (r->cases[i].status == CLRELU_BENCH_FAILED || r->cases[i].status == CLRELU_BENCH_MISMATCH)
            rc = CLI_EXIT_ERROR;
    if (!strcmp(fmt, "table")) {
        print_table(r);
    } else {
        char *text = !strcmp(fmt, "json") ? clrelu_bench_to_json(r) : clrelu_bench_to_csv(r);
        if (!text) {
            cli_error("bench", "out of memory formatting the results");
            rc = CLI_EXIT_ERROR;
        } else {
            fputs(text, stdout);
            free(text);
        }
    }
    if (compare && !bench_compare_print(stdout, r, compare))
        rc = CLI_EXIT_ERROR;
    if (plot && !write_plot(plot, r))
        rc = CLI_EXIT_ERROR;
    fflush(stdout);
    if (db && st == CLRELU_ERR_CANCELLED)
        fprintf(stderr, "clrelu bench: interrupted: the partial run was not stored\n");
    else if (db && !store_run(db, &so, ctx, r) && rc == CLI_EXIT_OK)
        rc = CLI_EXIT_ERROR;
    clrelu_bench_result_free(r);
    clrelu_context_destroy(ctx);
    clrelu_results_close(db);
    free(so.labels_json);
    return rc;
}
