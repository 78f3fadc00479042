/* test_results_store.c: the results store end to end — open and migrate, machines and labels, runs stored, listed, paged, read and followed over time, reopen, import of a JSON-era directory, upgrade of a v1 database that holds data, two processes migrating at once.
 *
 * Usage: test_results_store                      SQLite files in a temporary folder
 *        test_results_store URL URL_V1 URL_RACE  three empty databases (tests/test_results_postgres.py
 *                                                runs it on a PostgreSQL it starts)
 *        test_results_store --reconnect URL      the database stopped and restarted under an open
 *                                                store, step by step with the caller (see below) */
#include "check.h"
#include "clrelu_results.h"
#include "clrelu_results_jobs.h"
#include "results/results_schema.h"
#include "results/results_store.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[256];

/* ---- synthetic clrelu-bench/1 documents ------------------------------------------------------- */

/* Five samples around median: m * (1 + k * rel) for k = -2..2, so MAD = rel * m and the spread is
 * 1.4826 * rel exactly. */
static void add_case(cJSON *cases, const char *dev, const char *op, const char *dtype, double elements, double median,
                     double rel, const char *status)
{
    cJSON *c = cJSON_CreateObject(), *k = cJSON_CreateObject(), *s = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "device", dev);
    cJSON_AddStringToObject(c, "op", op);
    cJSON_AddStringToObject(c, "dtype", dtype);
    cJSON_AddStringToObject(c, "direction", "forward");
    cJSON_AddStringToObject(c, "placement", "out");
    cJSON_AddNumberToObject(c, "elements", elements);
    cJSON_AddNumberToObject(c, "bytes_moved", elements * 8);
    cJSON_AddStringToObject(c, "status", status);
    cJSON_AddStringToObject(c, "reason", "");
    bool timed = strcmp(status, "skipped") != 0;
    cJSON_AddNumberToObject(c, "n_samples", timed ? 5 : 0);
    cJSON_AddNumberToObject(k, "median", timed ? median : 0);
    cJSON_AddNumberToObject(k, "cv", rel);
    cJSON_AddItemToObject(c, "kernel_ns", k);
    cJSON_AddNumberToObject(c, "gbps_median", timed ? elements * 8 / median : 0);
    cJSON_AddNumberToObject(c, "pct_of_copy", timed ? 50 : 0);
    double v[5];
    for (int i = 0; i < 5; i++)
        v[i] = median * (1 + (i - 2) * rel);
    cJSON_AddItemToObject(s, "kernel_ns", cJSON_CreateDoubleArray(v, timed ? 5 : 0));
    cJSON_AddItemToObject(s, "host_ns", cJSON_CreateDoubleArray(v, timed ? 5 : 0));
    cJSON_AddItemToObject(c, "samples", s);
    cJSON_AddItemToArray(cases, c);
}

/* A result of relu and gelu at 4096 and 1M float32 elements on cpu:0 and host, the relu 4096 cpu:0
 * case at relu_median (tight spread 1 %), the rest at fixed times. malloc'd text. */
static char *make_result(double relu_median, bool cancelled)
{
    cJSON *o = cJSON_CreateObject(), *meta = cJSON_CreateObject(), *devs = cJSON_CreateArray();
    cJSON_AddStringToObject(o, "schema", "clrelu-bench/1");
    cJSON_AddStringToObject(meta, "clrelu_version", "0.1.0");
    cJSON_AddStringToObject(meta, "timestamp", "2026-12-01T10:00:00Z");
    cJSON_AddBoolToObject(meta, "cancelled", cancelled);
    cJSON_AddItemToObject(o, "meta", meta);
    static const char *const ids[] = {"cpu:0", "host"}, *const names[] = {"pthread-Intel Xeon", "host (C)"};
    for (int i = 0; i < 2; i++) {
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "id", ids[i]);
        cJSON_AddStringToObject(d, "name", names[i]);
        cJSON_AddItemToArray(devs, d);
    }
    cJSON_AddItemToObject(o, "devices", devs);
    cJSON_AddItemToObject(o, "ceilings", cJSON_CreateArray());
    cJSON *cases = cJSON_AddArrayToObject(o, "cases");
    add_case(cases, "cpu:0", "relu", "float32", 4096, relu_median, 0.01, "ok");
    add_case(cases, "cpu:0", "relu", "float32", 1048576, 90000, 0.02, "ok");
    add_case(cases, "cpu:0", "gelu", "float32", 4096, 3000, 0.05, "ok");
    add_case(cases, "host", "relu", "float32", 4096, 2000, 0.01, "ok");
    add_case(cases, "host", "relu", "float16", 4096, 0, 0, "skipped");
    char *t = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return t;
}

/* ---- helpers ----------------------------------------------------------------------------------- */

static cJSON *parse_checked(const char *json, const char *what)
{
    cJSON *o = json ? cJSON_Parse(json) : NULL;
    CHECK(o != NULL, "%s answers JSON", what);
    return o;
}

static int array_size(const cJSON *o, const char *key)
{
    return cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* The number of runs list answers for filter f (one page of up to 1000). */
static int count_runs(clrelu_results *db, clrelu_results_filter f)
{
    char *json = NULL;
    f.limit = 1000;
    clrelu_status st = clrelu_results_list(db, &f, &json);
    CHECK(st == CLRELU_OK, "list: %s", clrelu_last_error());
    cJSON *o = parse_checked(json, "list");
    int n = array_size(o, "runs");
    cJSON_Delete(o);
    free(json);
    return n;
}

static int count_rows(clrelu_results *db, const char *sql, const char *param)
{
    db_rows r;
    clrelu_status st = clr_results_exec(db, sql, param ? 1 : 0, &param, &r);
    CHECK(st == CLRELU_OK, "%s: %s", sql, clrelu_last_error());
    int n = st == CLRELU_OK && r.n_rows == 1 && db_cell(&r, 0, 0) ? atoi(db_cell(&r, 0, 0)) : -1;
    db_rows_clear(&r);
    return n;
}

/* ---- the checks -------------------------------------------------------------------------------- */

static void machine_and_labels(clrelu_context *ctx, clrelu_machine *m)
{
    clrelu_machine a, b;
    CHECK_OK(clrelu_machine_describe(ctx, NULL, NULL, &a));
    CHECK_OK(clrelu_machine_describe(ctx, NULL, NULL, &b));
    CHECK(a.id[0] && !strcmp(a.id, b.id), "the machine id is stable (%s, %s)", a.id, b.id);
    CHECK(a.hostname[0] && a.cpu_model[0] && a.kernel[0] && a.os[0] && a.memory_bytes > 0 && a.cpus > 0,
          "describe fills hostname '%s', cpu '%s', kernel '%s', os '%s', memory %llu, cpus %u", a.hostname,
          a.cpu_model, a.kernel, a.os, (unsigned long long)a.memory_bytes, a.cpus);
    CHECK(!strcmp(a.clrelu_version, CLRELU_VERSION) && a.build[0], "version %s, build '%s'", a.clrelu_version, a.build);
    CHECK(a.devices_json && strstr(a.devices_json, "\"host\""), "devices list the context's host: %s", a.devices_json);
    CHECK(a.labels_json && !strcmp(a.labels_json, "{}"), "no labels: %s", a.labels_json);
    clrelu_machine_clear(&a);
    clrelu_machine_clear(&b);
    setenv("CLRELU_MACHINE_ID", "from-env", 1);
    CHECK_OK(clrelu_machine_describe(ctx, NULL, NULL, &a));
    CHECK(!strcmp(a.id, "from-env"), "CLRELU_MACHINE_ID names the machine: %s", a.id);
    clrelu_machine_clear(&a);
    unsetenv("CLRELU_MACHINE_ID");

    char *labels = NULL;
    CHECK_OK(clrelu_label_add(&labels, "pool=gpu"));
    CHECK_OK(clrelu_label_add(&labels, "rack=r1"));
    CHECK_OK(clrelu_label_add(&labels, "pool=cpu"));
    CHECK(labels && !strcmp(labels, "{\"pool\":\"cpu\",\"rack\":\"r1\"}"), "labels added and replaced: %s", labels);
    CHECK(clrelu_label_add(&labels, "bad key=x") == CLRELU_ERR_INVALID_ARG, "a key with a space is refused");
    CHECK(clrelu_label_add(&labels, "novalue") == CLRELU_ERR_INVALID_ARG, "no '=' is refused");
    CHECK(clrelu_machine_describe(ctx, NULL, "[1]", &a) == CLRELU_ERR_INVALID_ARG, "labels must be an object");
    CHECK_OK(clrelu_machine_describe(ctx, "test-machine-a", labels, m));
    CHECK(!strcmp(m->id, "test-machine-a") && strstr(m->labels_json, "\"pool\":\"cpu\""), "given id and labels kept");
    free(labels);
}

static void machines_table(clrelu_results *db, const clrelu_machine *m)
{
    CHECK_OK(clrelu_results_heartbeat(db, m));
    char *json = NULL;
    CHECK_OK(clrelu_results_machines(db, &json));
    cJSON *o = parse_checked(json, "machines");
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, "machines"), *e, *mine = NULL;
    cJSON_ArrayForEach(e, arr)
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "id");
        if (cJSON_IsString(id) && !strcmp(id->valuestring, m->id))
            mine = e;
    }
    CHECK(mine != NULL, "heartbeat registers the machine: %s", json);
    const cJSON *seen = cJSON_GetObjectItemCaseSensitive(mine, "last_seen_ms");
    const cJSON *pool = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(mine, "labels"), "pool");
    CHECK(cJSON_IsNumber(seen) && seen->valuedouble > 1.7e12, "last_seen_ms is a Unix time in ms");
    CHECK(cJSON_IsString(pool) && !strcmp(pool->valuestring, "cpu"), "labels come back as an object");
    CHECK(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(mine, "devices")), "devices come back as an array");
    cJSON_Delete(o);
    free(json);
}

/* After the heartbeat of machines_table: runs stored without a daemon. */
static void runs_keep_heartbeat(clrelu_results *db, const clrelu_machine *m)
{
    /* A run stored from the machine without labels (clrelu bench) keeps the daemon's labels and
     * heartbeat; a machine only runs came from was never seen alive (last_seen_ms 0). */
    clrelu_machine bare = *m, cli_only = *m;
    bare.labels_json = (char *)"{}";
    snprintf(cli_only.id, sizeof cli_only.id, "cli-only-%.40s", m->id);
    char *res = make_result(900, false), run[64], *json = NULL;
    CHECK_OK(clrelu_results_put_run(db, &bare, NULL, NULL, res, run));
    CHECK_OK(clrelu_results_put_run(db, &cli_only, NULL, NULL, res, run));
    free(res);
    CHECK_OK(clrelu_results_machines(db, &json));
    cJSON *o = parse_checked(json, "machines after runs");
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, "machines"), *e;
    int checked = 0;
    cJSON_ArrayForEach(e, arr)
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "id");
        double last = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(e, "last_seen_ms"));
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(e, "labels"), "pool");
        if (cJSON_IsString(id) && !strcmp(id->valuestring, m->id)) {
            CHECK(last > 1.7e12 && cJSON_IsString(p) && !strcmp(p->valuestring, "cpu"),
                  "a run without labels keeps the machine's labels and heartbeat: %s", json);
            checked++;
        } else if (cJSON_IsString(id) && !strcmp(id->valuestring, cli_only.id)) {
            CHECK(last == 0, "a machine no daemon served from has last_seen_ms 0: %s", json);
            checked++;
        }
    }
    CHECK(checked == 2, "both machines listed: %s", json);
    cJSON_Delete(o);
    free(json);

    /* A daemon restarted without --label: its heartbeat clears the labels. */
    CHECK_OK(clrelu_results_heartbeat(db, &bare));
    CHECK_OK(clrelu_results_machines(db, &json));
    char want[160];
    snprintf(want, sizeof want, "\"id\":\"%.64s\",", m->id);
    const char *mine = json ? strstr(json, want) : NULL, *next = mine ? strstr(mine + 1, "\"id\":") : NULL;
    const char *lab = mine ? strstr(mine, "\"labels\":{}") : NULL;
    CHECK(lab && (!next || lab < next), "a heartbeat without labels clears them: %s", json ? json : "(null)");
    free(json);
    CHECK_OK(clrelu_results_heartbeat(db, m)); /* labels back for what follows */
}

/* A fleet part addressed to a machine that stopped sending heartbeats ends as failed; one
 * addressed to a live machine stays queued. */
static void orphaned_parts(clrelu_results *db, const clrelu_machine *m)
{
    clrelu_machine ghost = *m, live = *m;
    snprintf(ghost.id, sizeof ghost.id, "ghost-machine");
    snprintf(live.id, sizeof live.id, "live-machine");
    CHECK_OK(clr_results_upsert_machine(db, &ghost, 1, true)); /* last heartbeat in 1970 */
    CHECK_OK(clrelu_results_heartbeat(db, &live));
    char ghost_job[CLRELU_JOB_ID_MAX] = "", live_job[CLRELU_JOB_ID_MAX] = "";
    clrelu_job_submit sub = {.request_json = "{\"devices\":\"host\"}", .machines_json = "[\"ghost-machine\"]",
                             .alive_ms = 10000};
    CHECK_OK(clrelu_jobs_submit(db, &sub, ghost_job, NULL));
    sub.machines_json = "[\"live-machine\"]";
    CHECK_OK(clrelu_jobs_submit(db, &sub, live_job, NULL));
    int failed = -1;
    CHECK_OK(clrelu_jobs_fail_orphaned(db, 60000, &failed));
    CHECK(failed == 1, "one orphaned part failed (%d)", failed);
    char *json = NULL;
    CHECK_OK(clrelu_jobs_get(db, ghost_job, false, &json));
    CHECK(json && strstr(json, "\"status\":\"failed\"") && strstr(json, "ghost-machine stopped sending heartbeats"),
          "the ghost's job failed and says why: %s", json ? json : "(null)");
    free(json);
    json = NULL;
    CHECK_OK(clrelu_jobs_get(db, live_job, false, &json));
    CHECK(json && strstr(json, "\"status\":\"queued\""), "the live machine's job stays queued: %s",
          json ? json : "(null)");
    free(json);
    CHECK_OK(clrelu_jobs_fail_orphaned(db, 60000, &failed));
    CHECK(failed == 0, "a failed part is not failed again (%d)", failed);
}

/* Five runs: medians of relu 4096 on cpu:0 = 1000, 1005, 1200 (20 % slower, spread 1.5 %), one
 * on another machine and a cancelled one. run ids in storing order. */
static void store_runs(clrelu_results *db, const clrelu_machine *m, const clrelu_machine *m2, char ids[5][64])
{
    static const double medians[5] = {1000, 1005, 1200, 500, 1000};
    for (int i = 0; i < 5; i++) {
        char *res = make_result(medians[i], i == 4);
        const clrelu_machine *who = i == 3 ? m2 : m;
        CHECK_OK(clrelu_results_put_run(db, who, i == 2 ? "{\"driver\":\"new\"}" : NULL, i == 1 ? "job-1" : NULL, res,
                                        ids[i]));
        free(res);
        usleep(3000); /* distinct created_ms, so that newest-first is well defined */
    }
    char bad[64] = "x";
    CHECK(clrelu_results_put_run(db, m, NULL, NULL, "{\"schema\":\"other\"}", bad) == CLRELU_ERR_INVALID_ARG,
          "a document that is not clrelu-bench/1 is refused");
    CHECK(clrelu_results_put_run(db, m, "[]", NULL, "{\"schema\":\"clrelu-bench/1\",\"cases\":[]}", bad) ==
              CLRELU_ERR_INVALID_ARG,
          "labels that are not an object are refused");
    CHECK(count_rows(db, "SELECT count(*) FROM runs WHERE id = $1", ids[0]) == 1, "the first run is stored");
    CHECK(count_rows(db, "SELECT count(*) FROM cases WHERE run_id = $1", ids[0]) == 5, "with its five cases");
    /* the relu 4096 cpu:0 case: five samples at +-1 %: spread 1.4826 * 0.01 */
    db_rows r;
    const char *p = ids[0];
    CHECK_OK(clr_results_exec(db,
                              "SELECT spread, n_samples, median_ns FROM cases WHERE run_id = $1 AND op = 'relu'"
                              " AND device_id = 'cpu:0' AND elements = 4096",
                              1, &p, &r));
    CHECK(r.n_rows == 1 && db_cell(&r, 0, 0) && fabs(strtod(db_cell(&r, 0, 0), NULL) - 0.014826) < 1e-9 &&
              atoi(db_cell(&r, 0, 1)) == 5 && strtod(db_cell(&r, 0, 2), NULL) == 1000,
          "spread 1.4826 MAD / median (%s), n_samples (%s), median (%s)", r.n_rows ? db_cell(&r, 0, 0) : "-",
          r.n_rows ? db_cell(&r, 0, 1) : "-", r.n_rows ? db_cell(&r, 0, 2) : "-");
    db_rows_clear(&r);
    CHECK(count_rows(db, "SELECT count(*) FROM cases WHERE run_id = $1 AND median_ns IS NULL AND status = 'skipped'",
                     ids[0]) == 1,
          "a skipped case is stored without timing");
    CHECK(count_rows(db, "SELECT count(*) FROM run_labels WHERE run_id = $1", ids[2]) == 3,
          "run labels: the machine's two and the run's own");
}

static void list_and_filters(clrelu_results *db, char ids[5][64])
{
    clrelu_results_filter f = {0};
    CHECK(count_runs(db, f) == 5, "five runs listed");
    char *json = NULL;
    CHECK_OK(clrelu_results_list(db, NULL, &json));
    cJSON *o = parse_checked(json, "list");
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "runs"), 0);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(first, "id");
    CHECK(cJSON_IsString(id) && !strcmp(id->valuestring, ids[4]), "newest first: %s", json);
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(first, "status");
    CHECK(cJSON_IsString(st) && !strcmp(st->valuestring, "cancelled"), "a cancelled sweep's run says so");
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(first, "n_cases");
    CHECK(cJSON_IsNumber(n) && n->valuedouble == 5 && array_size(first, "devices") == 2, "n_cases 5, two devices");
    CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, "next")), "one page: next is null");
    cJSON_Delete(o);
    free(json);

    f = (clrelu_results_filter){.machine = "test-machine-b"};
    CHECK(count_runs(db, f) == 1, "filter by machine id");
    f = (clrelu_results_filter){.job = "job-1"};
    CHECK(count_runs(db, f) == 1, "filter by job");
    f = (clrelu_results_filter){.label = "driver=new"};
    CHECK(count_runs(db, f) == 1, "filter by the run's label");
    f = (clrelu_results_filter){.label = "pool=cpu"};
    CHECK(count_runs(db, f) == 4, "filter by the machine's label (machine b has none)");
    f = (clrelu_results_filter){.op = "gelu", .dtype = "float32"};
    CHECK(count_runs(db, f) == 5, "filter by op and dtype");
    f = (clrelu_results_filter){.op = "elu"};
    CHECK(count_runs(db, f) == 0, "an op never run matches nothing");
    f = (clrelu_results_filter){.device = "xeon"};
    CHECK(count_runs(db, f) == 5, "filter by a substring of the device name, any case");
    f = (clrelu_results_filter){.device = "gpu:0"};
    CHECK(count_runs(db, f) == 0, "filter by an absent device id");
    f = (clrelu_results_filter){.min_elements = 5000};
    CHECK(count_runs(db, f) == 5, "size range: the 1M cases");
    f = (clrelu_results_filter){.min_elements = 5000, .max_elements = 100000};
    CHECK(count_runs(db, f) == 0, "size range between the sizes");
    f = (clrelu_results_filter){.until_ms = 1000};
    CHECK(count_runs(db, f) == 0, "time range before every run");
    f = (clrelu_results_filter){.since_ms = clr_results_now_ms() - 3600000};
    CHECK(count_runs(db, f) == 5, "time range: the last hour");
    f = (clrelu_results_filter){.label = "nokey"};
    CHECK(clrelu_results_list(db, &f, &json) == CLRELU_ERR_INVALID_ARG, "a label filter without '=' is refused");
    f = (clrelu_results_filter){.cursor = "garbage"};
    CHECK(clrelu_results_list(db, &f, &json) == CLRELU_ERR_INVALID_ARG, "a bad cursor is refused");

    /* pages of two: 2 + 2 + 1, newest first, each run once */
    char seen[5][64] = {{0}};
    int k = 0, pages = 0;
    char cursor[160] = "";
    do {
        f = (clrelu_results_filter){.limit = 2, .cursor = cursor[0] ? cursor : NULL};
        json = NULL;
        CHECK_OK(clrelu_results_list(db, &f, &json));
        o = parse_checked(json, "page");
        const cJSON *r;
        cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(o, "runs"))
        {
            if (k < 5)
                snprintf(seen[k], 64, "%s", cJSON_GetObjectItemCaseSensitive(r, "id")->valuestring);
            k++;
        }
        const cJSON *next = cJSON_GetObjectItemCaseSensitive(o, "next");
        cursor[0] = '\0';
        if (cJSON_IsString(next))
            snprintf(cursor, sizeof cursor, "%s", next->valuestring);
        cJSON_Delete(o);
        free(json);
        pages++;
    } while (cursor[0] && pages < 10);
    CHECK(pages == 3 && k == 5, "three pages of at most two hold the five runs (%d pages, %d runs)", pages, k);
    for (int i = 0; i < 5 && k == 5; i++)
        CHECK(!strcmp(seen[i], ids[4 - i]), "page order: run %d is %s (got %s)", i, ids[4 - i], seen[i]);
}

static void get_run(clrelu_results *db, char ids[5][64])
{
    char *json = NULL;
    CHECK_OK(clrelu_results_get(db, ids[1], &json));
    cJSON *o = parse_checked(json, "get");
    const cJSON *job = cJSON_GetObjectItemCaseSensitive(o, "job");
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(o, "result");
    const cJSON *host = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "machine"), "cpu_model");
    CHECK(cJSON_IsString(job) && !strcmp(job->valuestring, "job-1"), "get: the job");
    CHECK(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(res, "schema")) && array_size(res, "cases") == 5,
          "get: the whole clrelu-bench/1 document");
    CHECK(cJSON_IsString(host), "get: the machine's description");
    cJSON_Delete(o);
    free(json);
    json = NULL;
    CHECK(clrelu_results_get(db, "r-none", &json) == CLRELU_ERR_NOT_FOUND && !json, "an unknown run: not found");
}

static void history(clrelu_results *db)
{
    clrelu_results_case_key k = {.op = "relu", .dtype = "float32", .elements = 4096, .device = "cpu:0",
                                 .machine = "test-machine-a"};
    char *json = NULL;
    CHECK_OK(clrelu_results_history(db, &k, &json));
    cJSON *o = parse_checked(json, "history");
    const cJSON *pts = cJSON_GetObjectItemCaseSensitive(o, "points");
    CHECK(cJSON_GetArraySize(pts) == 4, "four points of machine a: %s", json);
    static const char *const want[4] = {NULL, "SAME", "SLOWER", "FASTER"};
    int i = 0;
    const cJSON *p;
    cJSON_ArrayForEach(p, pts)
    {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, "verdict");
        const cJSON *med = cJSON_GetObjectItemCaseSensitive(p, "median_ns");
        if (i < 4)
            CHECK(want[i] ? cJSON_IsString(v) && !strcmp(v->valuestring, want[i]) : cJSON_IsNull(v),
                  "point %d: verdict %s (%s)", i, want[i] ? want[i] : "null", cJSON_PrintUnformatted(v));
        if (i == 2) {
            const cJSON *ratio = cJSON_GetObjectItemCaseSensitive(p, "ratio");
            CHECK(cJSON_IsNumber(ratio) && fabs(ratio->valuedouble - 1200.0 / 1005.0) < 1e-9, "ratio 1200/1005");
            CHECK(cJSON_IsNumber(med) && med->valuedouble == 1200, "median of point 2");
        }
        i++;
    }
    cJSON_Delete(o);
    free(json);
    k = (clrelu_results_case_key){.op = "relu", .dtype = "float32", .elements = 4096, .limit = 2};
    json = NULL;
    CHECK_OK(clrelu_results_history(db, &k, &json));
    o = parse_checked(json, "history");
    CHECK(array_size(o, "points") == 2, "limit: the two most recent points");
    cJSON_Delete(o);
    free(json);
    k = (clrelu_results_case_key){.op = "relu"};
    CHECK(clrelu_results_history(db, &k, &json) == CLRELU_ERR_INVALID_ARG, "history needs op, dtype and elements");
}

/* ---- import ------------------------------------------------------------------------------------ */

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL, "write %s", path);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void import_dir(clrelu_results *db, const clrelu_machine *m, const char *tag)
{
    char dir[300];
    snprintf(dir, sizeof dir, "%s/old-results-%s", tmpdir, tag);
    mkdir(dir, 0700);
    char *res = make_result(777, false);
    char *job = malloc(strlen(res) + 1024);
    /* two jobs as server/jobs/bench_store.c saved them: one done with results (and its CSV), one
     * failed before it ran; a bare result file; a file that is neither; a temporary file */
    sprintf(job,
            "{\"id\":\"b18c00-%s-1\",\"status\":\"done\",\"created_ms\":1764000000000,\"started_ms\":1764000001000,"
            "\"finished_ms\":1764000009000,\"progress\":{\"done\":5,\"total\":5,\"fraction\":1,\"elapsed_s\":8,"
            "\"eta_s\":null,\"current\":\"\"},\"request\":{\"ops\":\"relu\"},\"has_results\":true,\"results\":%s}",
            tag, res);
    write_file(dir, "b18c00-1.json", job);
    write_file(dir, "b18c00-1.csv", "device,op\ncpu:0,relu\n");
    sprintf(job,
            "{\"id\":\"b18c00-%s-2\",\"status\":\"failed\",\"created_ms\":1764000100000,\"progress\":{\"done\":0,"
            "\"total\":5,\"elapsed_s\":0,\"current\":\"\"},\"request\":{\"ops\":\"elu\"},\"error\":\"no device\","
            "\"has_results\":false}",
            tag);
    write_file(dir, "b18c00-2.json", job);
    write_file(dir, "bare.json", res);
    write_file(dir, "other.json", "{\"hello\":1}");
    write_file(dir, "b18c00-3.json.tmp.99999", job);
    free(job);
    free(res);

    int before = count_runs(db, (clrelu_results_filter){0});
    int n = -1;
    CHECK_OK(clrelu_results_import_dir(db, m, dir, &n));
    CHECK(n == 2, "import: two runs (the done job and the bare file), got %d", n);
    CHECK(count_runs(db, (clrelu_results_filter){0}) == before + 2, "import: the runs are listed");
    char id1[64], id2[64];
    snprintf(id1, sizeof id1, "b18c00-%s-1", tag);
    snprintf(id2, sizeof id2, "b18c00-%s-2", tag);
    CHECK(count_runs(db, (clrelu_results_filter){.job = id1}) == 1, "import: the job's run names the job");
    CHECK(count_rows(db, "SELECT count(*) FROM jobs WHERE id = $1", id1) == 1, "import: job 1 is a job");
    CHECK(count_rows(db, "SELECT count(*) FROM job_parts WHERE job_id = $1 AND state = 'done' AND run_id IS NOT NULL"
                         " AND result_csv IS NOT NULL",
                     id1) == 1,
          "import: its part is done with its run and CSV");
    CHECK(count_rows(db, "SELECT count(*) FROM job_parts WHERE job_id = $1 AND state = 'failed' AND error = 'no device'",
                     id2) == 1,
          "import: the failed job keeps its state and error");
    CHECK(count_rows(db, "SELECT count(*) FROM runs WHERE job_id = $1 AND created_ms = 1764000009000", id1) == 1,
          "import: the run is dated when the job finished");
    n = -1;
    CHECK_OK(clrelu_results_import_dir(db, m, dir, &n));
    CHECK(n == 0, "import again: nothing new (%d)", n);
    CHECK(count_runs(db, (clrelu_results_filter){0}) == before + 2, "import again: nothing doubled");
    char path[512];
    snprintf(path, sizeof path, "%s/b18c00-1.json", dir);
    CHECK(access(path, F_OK) == 0, "import leaves the files in place");
    CHECK(clrelu_results_import_dir(db, m, "/nonexistent/dir", &n) == CLRELU_ERR_IO, "a missing directory: IO");
}

/* ---- migration from v1 ------------------------------------------------------------------------- */

static const db_driver *driver_of(const char *url)
{
    return !strncmp(url, "sqlite:", 7) ? &clr_results_sqlite_driver : &clr_results_postgres_driver;
}

/* Build a v1 database that holds a machine, a run and its cases (as a v1 build stored them:
 * without spread or sample counts), then open it with this build. */
static void migrate_v1(const char *url)
{
    const db_driver *drv = driver_of(url);
    void *conn = NULL;
    char err[1024] = "";
    if (drv->connect(url, &conn, err, sizeof err) != CLRELU_OK) {
        CHECK(false, "connect to the v1 database: %s", err);
        return;
    }
    bool ok = true;
    for (const char *const *sql = clr_results_migrations[0]; ok && *sql; sql++)
        ok = drv->exec(conn, *sql, 0, NULL, NULL, err, sizeof err) == CLRELU_OK;
    char *res = make_result(1000, false);
    const char *stmts[] = {
        "UPDATE schema_version SET version = 1",
        "INSERT INTO machines (id, hostname, first_seen_ms, last_seen_ms) VALUES ('old-machine', 'old-host', 1, 2)",
        "INSERT INTO runs (id, created_ms, machine_id, clrelu_version, status, result)"
        " VALUES ('r-old', 1700000000000, 'old-machine', '0.0.9', 'done', $1)",
        "INSERT INTO cases (run_id, device_id, device_name, op, dtype, direction, placement, elements, status,"
        " median_ns, gbps_median, pct_of_copy) VALUES ('r-old', 'cpu:0', 'cpu', 'relu', 'float32', 'forward', 'out',"
        " 4096, 'ok', 1000, 32.8, 50)",
        "INSERT INTO cases (run_id, device_id, device_name, op, dtype, direction, placement, elements, status,"
        " median_ns, gbps_median, pct_of_copy) VALUES ('r-old', 'cpu:0', 'cpu', 'gelu', 'float32', 'forward', 'out',"
        " 4096, 'ok', 3000, 10.9, 20)",
    };
    for (size_t i = 0; ok && i < sizeof stmts / sizeof stmts[0]; i++) {
        const char *p = res;
        ok = drv->exec(conn, stmts[i], strstr(stmts[i], "$1") ? 1 : 0, &p, NULL, err, sizeof err) == CLRELU_OK;
    }
    free(res);
    drv->disconnect(conn);
    CHECK(ok, "build a v1 database holding data: %s", err);
    if (!ok)
        return;

    clrelu_results *db = NULL;
    CHECK_OK(clrelu_results_open(url, &db));
    if (!db)
        return;
    int v = 0;
    CHECK_OK(clrelu_results_schema_version(db, &v));
    CHECK(v == 2, "the v1 database is at version 2 after open (%d)", v);
    db_rows r;
    CHECK_OK(clr_results_exec(db, "SELECT op, spread, n_samples FROM cases WHERE run_id = 'r-old' ORDER BY op", 0,
                              NULL, &r));
    CHECK(r.n_rows == 2 && db_cell(&r, 0, 1) && db_cell(&r, 1, 1) &&
              fabs(strtod(db_cell(&r, 0, 1), NULL) - 1.4826 * 0.05) < 1e-9 &&
              fabs(strtod(db_cell(&r, 1, 1), NULL) - 1.4826 * 0.01) < 1e-9 && atoi(db_cell(&r, 0, 2)) == 5,
          "migration filled each old case's spread and sample count from its run's samples (gelu %s, relu %s)",
          r.n_rows > 0 && db_cell(&r, 0, 1) ? db_cell(&r, 0, 1) : "NULL",
          r.n_rows > 1 && db_cell(&r, 1, 1) ? db_cell(&r, 1, 1) : "NULL");
    db_rows_clear(&r);
    char *json = NULL;
    CHECK_OK(clrelu_results_get(db, "r-old", &json));
    CHECK(json && strstr(json, "\"labels\":{}") && strstr(json, "old-host"), "the old run reads back: %.200s", json);
    free(json);
    clrelu_results_case_key k = {.op = "relu", .dtype = "float32", .elements = 4096};
    json = NULL;
    CHECK_OK(clrelu_results_history(db, &k, &json));
    CHECK(json && strstr(json, "r-old"), "the old run is in the history");
    free(json);

    /* a database from a newer build is refused, with the reason */
    CHECK_OK(clr_results_exec(db, "UPDATE schema_version SET version = 99", 0, NULL, NULL));
    clrelu_results_close(db);
    db = NULL;
    CHECK(clrelu_results_open(url, &db) == CLRELU_ERR_UNSUPPORTED && !db, "a newer schema is refused");
    CHECK(strstr(clrelu_last_error(), "schema version 99") && strstr(clrelu_last_error(), "newer"),
          "the message says why: %s", clrelu_last_error());
}

/* ---- two openers of one empty database at once ------------------------------------------------ */

typedef struct {
    const char *url;
    clrelu_status st;
    char err[512];
} opener;

static void *open_thread(void *arg)
{
    opener *o = arg;
    clrelu_results *db = NULL;
    o->st = clrelu_results_open(o->url, &db);
    snprintf(o->err, sizeof o->err, "%s", clrelu_last_error());
    clrelu_results_close(db);
    return NULL;
}

static void migrate_race(const char *url)
{
    opener o[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        o[i] = (opener){.url = url};
        pthread_create(&t[i], NULL, open_thread, &o[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK(o[i].st == CLRELU_OK, "opener %d of an empty database at once: %s", i, o[i].err);
    }
    clrelu_results *db = NULL;
    CHECK_OK(clrelu_results_open(url, &db));
    if (db) {
        CHECK(count_rows(db, "SELECT count(*) FROM schema_version", NULL) == 1, "one schema_version row");
        int v = 0;
        CHECK_OK(clrelu_results_schema_version(db, &v));
        CHECK(v == CLRELU_RESULTS_SCHEMA_VERSION, "migrated once to %d (%d)", CLRELU_RESULTS_SCHEMA_VERSION, v);
        clrelu_results_close(db);
    }
}

/* ---- the database goes away and comes back ----------------------------------------------------
 * Prints a word, waits for a line on stdin once the caller has done it: "STOP" (stop the server),
 * "START" (start it again), "RESTART" (restart it while the store's connection is open). */

static void step(const char *word)
{
    char line[64];
    printf("%s\n", word);
    fflush(stdout);
    if (!fgets(line, sizeof line, stdin))
        exit(1);
}

static clrelu_status list_once(clrelu_results *db)
{
    char *json = NULL;
    clrelu_status st = clrelu_results_list(db, NULL, &json);
    free(json);
    return st;
}

static int reconnect_mode(const char *url)
{
    clrelu_results *db = NULL;
    CHECK_OK(clrelu_results_open(url, &db));
    if (!db)
        return check_summary("test_results_store --reconnect");
    CHECK_OK(list_once(db));
    step("STOP");
    for (int i = 0; i < 2; i++) {
        CHECK(list_once(db) == CLRELU_ERR_IO, "server stopped: call %d answers IO", i);
        CHECK(strstr(clrelu_last_error(), "results store postgresql://") != NULL, "the message names the store: %s",
              clrelu_last_error());
    }
    step("START");
    CHECK_OK(list_once(db)); /* reconnected by this call */
    step("RESTART");
    clrelu_status first = list_once(db), second = list_once(db);
    CHECK(first == CLRELU_OK || first == CLRELU_ERR_IO, "after a restart the first call fails at most with IO (%s)",
          clrelu_status_name(first));
    CHECK(second == CLRELU_OK, "and the next one works again: %s", clrelu_last_error());
    /* a transaction cut by a restart fails and leaves nothing; the store keeps working */
    clrelu_context_options copts = {.no_opencl = true};
    clrelu_context *ctx = check_context(&copts);
    clrelu_machine m = {0};
    CHECK_OK(clrelu_machine_describe(ctx, "reconnect-machine", NULL, &m));
    CHECK_OK(clr_results_begin(db, true));
    CHECK_OK(clr_results_upsert_machine(db, &m, 1, true));
    step("RESTART");
    CHECK(clr_results_upsert_machine(db, &m, 2, true) == CLRELU_ERR_IO, "a statement after the restart in the transaction fails");
    CHECK(clr_results_exec(db, "SELECT 1", 0, NULL, NULL) == CLRELU_ERR_IO,
          "and so does the next one: the transaction is gone, never silently continued");
    clr_results_rollback(db);
    CHECK(count_rows(db, "SELECT count(*) FROM machines WHERE id = $1", "reconnect-machine") == 0,
          "the cut transaction left nothing");
    char *res = make_result(1000, false), run[64];
    CHECK_OK(clrelu_results_put_run(db, &m, NULL, NULL, res, run));
    free(res);
    clrelu_machine_clear(&m);
    clrelu_context_destroy(ctx);
    clrelu_results_close(db);
    return check_summary("test_results_store --reconnect");
}

/* ---- main -------------------------------------------------------------------------------------- */

static void remove_tree(const char *dir)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--reconnect"))
        return reconnect_mode(argv[2]);
    snprintf(tmpdir, sizeof tmpdir, "%s/clrelu-results-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    char url[400], url_v1[400], url_race[400];
    if (argc >= 4) {
        snprintf(url, sizeof url, "%s", argv[1]);
        snprintf(url_v1, sizeof url_v1, "%s", argv[2]);
        snprintf(url_race, sizeof url_race, "%s", argv[3]);
    } else {
        snprintf(url, sizeof url, "sqlite:%s/results.db", tmpdir);
        snprintf(url_v1, sizeof url_v1, "sqlite:%s/v1.db", tmpdir);
        snprintf(url_race, sizeof url_race, "sqlite:%s/race.db", tmpdir);
    }
    char shown[400];
    clrelu_results_redact_url(url, shown, sizeof shown);
    printf("store: %s\n", shown);

    /* the URL as logged */
    clrelu_results_redact_url("postgresql://bench:s3cret@db.example:5432/clrelu?password=x&sslmode=require", shown,
                              sizeof shown);
    CHECK(!strstr(shown, "s3cret") && !strstr(shown, "=x") && strstr(shown, "db.example:5432/clrelu") &&
              strstr(shown, "sslmode=require"),
          "passwords are hidden: %s", shown);
    clrelu_results *bad = NULL;
    CHECK(clrelu_results_open("mysql://x", &bad) == CLRELU_ERR_INVALID_ARG && !bad, "an unknown URL kind is refused");
    CHECK(clrelu_results_open("postgresql://u:topsecret@127.0.0.1:1/x?connect_timeout=2", &bad) == CLRELU_ERR_IO &&
              !bad,
          "an unreachable PostgreSQL answers IO");
    CHECK(!strstr(clrelu_last_error(), "topsecret") && strstr(clrelu_last_error(), "127.0.0.1") &&
              strstr(clrelu_last_error(), "port 1"),
          "the message names host and port, never the password: %s", clrelu_last_error());

    clrelu_context_options copts = {.no_opencl = true};
    clrelu_context *ctx = check_context(&copts);
    clrelu_machine m = {0}, m2 = {0};
    machine_and_labels(ctx, &m);
    CHECK_OK(clrelu_machine_describe(ctx, "test-machine-b", NULL, &m2));

    clrelu_results *db = NULL;
    CHECK_OK(clrelu_results_open(url, &db));
    if (db) {
        int v = 0;
        CHECK_OK(clrelu_results_schema_version(db, &v));
        CHECK(v == CLRELU_RESULTS_SCHEMA_VERSION, "a new store is created at version %d (%d)",
              CLRELU_RESULTS_SCHEMA_VERSION, v);
        CHECK(!strcmp(clrelu_results_backend(db), !strncmp(url, "sqlite:", 7) ? "sqlite" : "postgresql"),
              "backend %s", clrelu_results_backend(db));
        machines_table(db, &m);
        char ids[5][64];
        store_runs(db, &m, &m2, ids);
        list_and_filters(db, ids);
        get_run(db, ids);
        history(db);
        clrelu_results_close(db);
        /* reopen: everything survives */
        db = NULL;
        CHECK_OK(clrelu_results_open(url, &db));
        if (db) {
            CHECK(count_runs(db, (clrelu_results_filter){0}) == 5, "after reopening, the five runs are there");
            import_dir(db, &m, "a");
            runs_keep_heartbeat(db, &m);
            orphaned_parts(db, &m);
            clrelu_results_close(db);
        }
    }
    migrate_v1(url_v1);
    migrate_race(url_race);
    clrelu_machine_clear(&m);
    clrelu_machine_clear(&m2);
    clrelu_context_destroy(ctx);
    remove_tree(tmpdir);
    return check_summary("test_results_store");
}
