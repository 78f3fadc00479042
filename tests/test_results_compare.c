/* test_results_compare.c: compare verdicts on synthetic runs — identical, 20 % slower, noisy, faster, unmatched, untimed. */
#include "clrelu_results.h"
#include "results/results_verdict.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                   \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
        }                                                                                          \
    } while (0)

/* A synthetic case: n kernel-time samples around median_ns, alternately spread_rel above and below. */
typedef struct {
    const char *device;
    double elements;
    double median_ns, spread_rel;
    const char *status; /* "ok" or "skipped" */
    bool keep_samples;
} fake_case;

static cJSON *make_case(const fake_case *f)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "device", f->device);
    cJSON_AddStringToObject(c, "op", "relu");
    cJSON_AddStringToObject(c, "dtype", "float32");
    cJSON_AddStringToObject(c, "direction", "forward");
    cJSON_AddStringToObject(c, "placement", "out");
    cJSON_AddNumberToObject(c, "elements", f->elements);
    cJSON_AddStringToObject(c, "status", f->status);
    bool ok = !strcmp(f->status, "ok");
    int n = ok ? 21 : 0;
    cJSON_AddNumberToObject(c, "n_samples", n);
    cJSON *st = cJSON_AddObjectToObject(c, "kernel_ns");
    cJSON_AddNumberToObject(st, "median", ok ? f->median_ns : 0);
    cJSON_AddNumberToObject(st, "cv", ok ? f->spread_rel : 0);
    cJSON_AddNumberToObject(c, "gbps_median", ok ? 8.0 * f->elements / f->median_ns : 0);
    cJSON_AddNumberToObject(c, "pct_of_copy", ok ? 50 : 0);
    cJSON *samples = cJSON_AddObjectToObject(c, "samples");
    cJSON *k = cJSON_AddArrayToObject(samples, "kernel_ns");
    for (int i = 0; i < n && f->keep_samples; i++) {
        /* 0, +d, -d, +2d/2 …: symmetric around the median so the median is exact */
        double d = f->median_ns * f->spread_rel * (i == 0 ? 0 : (i % 2 ? 1 : -1)) * (1 + (i - 1) / 2 % 3) / 2;
        cJSON_AddItemToArray(k, cJSON_CreateNumber(f->median_ns + d));
    }
    return c;
}

/* A clrelu-bench/1 document holding the cases; as a run document ({"id", "result"}) when run_id. */
static char *make_doc(const fake_case *cases, int n, const char *run_id)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "schema", "clrelu-bench/1");
    cJSON *meta = cJSON_AddObjectToObject(doc, "meta");
    cJSON_AddStringToObject(meta, "clrelu_version", "0.1.0");
    cJSON_AddStringToObject(meta, "host", "testhost");
    cJSON_AddStringToObject(meta, "timestamp", "2026-12-01T00:00:00Z");
    cJSON *devs = cJSON_AddArrayToObject(doc, "devices");
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "id", "host");
    cJSON_AddStringToObject(d, "name", "host (plain C)");
    cJSON_AddItemToArray(devs, d);
    cJSON_AddArrayToObject(doc, "ceilings");
    cJSON *arr = cJSON_AddArrayToObject(doc, "cases");
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, make_case(&cases[i]));
    if (run_id) {
        cJSON *run = cJSON_CreateObject();
        cJSON_AddStringToObject(run, "id", run_id);
        cJSON_AddNumberToObject(run, "created_ms", 1700000000000.0);
        cJSON_AddItemToObject(run, "result", doc);
        doc = run;
    }
    char *s = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    return s;
}

/* Compare two case lists; returns the parsed output (the caller deletes it). */
static cJSON *compare(const fake_case *a, int na, const fake_case *b, int nb, int *n_slower)
{
    char *ja = make_doc(a, na, NULL), *jb = make_doc(b, nb, "run-b"), *out = NULL;
    clrelu_status st = clrelu_results_compare_json(ja, jb, &out, n_slower);
    CHECK(st == CLRELU_OK, "compare returns OK: %s", clrelu_last_error());
    cJSON *doc = out ? cJSON_Parse(out) : NULL;
    CHECK(doc != NULL, "compare's output parses");
    free(ja);
    free(jb);
    free(out);
    return doc;
}

static const char *verdict_of(const cJSON *doc, int i)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "cases"), i),
                                                      "verdict");
    return cJSON_IsString(v) ? v->valuestring : "(null)";
}

static double summary_of(const cJSON *doc, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "summary"), key);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static double num(const cJSON *doc, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, key);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static void robust_spread_should_be_mad_over_median(void)
{
    double v[] = {4, 1, 100, 3, 2}, m = 0, s = 0;
    CHECK(clr_results_robust(v, 5, &m, &s), "robust of 5 values");
    CHECK(m == 3 && fabs(s - 1.4826 / 3) < 1e-12, "median 3, spread 1.4826*1/3: %g %g", m, s);
    CHECK(v[0] == 4 && v[2] == 100, "input left as it was");
    double even[] = {10, 20, 30, 40};
    CHECK(clr_results_robust(even, 4, &m, &s) && m == 25, "even count interpolates: %g", m);
    double bad[] = {1, NAN};
    CHECK(!clr_results_robust(bad, 2, &m, &s) && !clr_results_robust(even, 0, &m, &s), "NaN or no samples: false");
    double r = 0;
    CHECK(clr_results_verdict(100, 0, 101.9, 0, &r) == CLR_VERDICT_SAME, "1.9 %% under the 2 %% floor: SAME");
    CHECK(clr_results_verdict(100, 0, 102.1, 0, &r) == CLR_VERDICT_SLOWER, "2.1 %% over the floor: SLOWER");
    CHECK(clr_results_verdict(100, 0.05, 109, 0.01, &r) == CLR_VERDICT_SAME, "9 %% inside 2 x 5 %% spread: SAME");
    CHECK(clr_results_verdict(100, 0.05, 111, 0.01, &r) == CLR_VERDICT_SLOWER && fabs(r - 1.11) < 1e-12, "11 %%: SLOWER");
    CHECK(clr_results_verdict(0, 0, 100, 0, &r) == CLR_VERDICT_NONE && r == 0, "no median: no verdict");
    CHECK(clr_verdict_name(CLR_VERDICT_NONE) == NULL && !strcmp(clr_verdict_name(CLR_VERDICT_FASTER), "FASTER"), "names");
}

static void identical_runs_should_be_same(void)
{
    fake_case c[] = {{"host", 1024, 1000, 0.01, "ok", true}, {"host", 4096, 4000, 0.01, "ok", true}};
    int slower = -1;
    cJSON *d = compare(c, 2, c, 2, &slower);
    CHECK(!strcmp(verdict_of(d, 0), "SAME") && !strcmp(verdict_of(d, 1), "SAME"), "both SAME: %s %s", verdict_of(d, 0),
          verdict_of(d, 1));
    CHECK(slower == 0 && summary_of(d, "same") == 2 && num(d, "only_a") == 0 && num(d, "only_b") == 0, "summary");
    const cJSON *c0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(d, "cases"), 0);
    CHECK(num(c0, "ratio") == 1.0, "ratio 1: %g", num(c0, "ratio"));
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(d, "b");
    CHECK(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(b, "id")), "B given as a run document keeps its id");
    CHECK(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(d, "rule")), "the rule is stated");
    cJSON_Delete(d);
}

static void twenty_percent_slower_with_tight_spread_should_be_slower(void)
{
    fake_case a[] = {{"host", 1024, 1000, 0.01, "ok", true}};
    fake_case b[] = {{"host", 1024, 1200, 0.01, "ok", true}};
    int slower = -1;
    cJSON *d = compare(a, 1, b, 1, &slower);
    const cJSON *c0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(d, "cases"), 0);
    CHECK(!strcmp(verdict_of(d, 0), "SLOWER") && slower == 1, "SLOWER, n_slower 1: %s %d", verdict_of(d, 0), slower);
    CHECK(fabs(num(c0, "ratio") - 1.2) < 1e-9, "ratio 1.2: %g", num(c0, "ratio"));
    cJSON_Delete(d);
}

static void noisy_runs_should_be_same(void)
{
    fake_case a[] = {{"host", 1024, 1000, 0.15, "ok", true}};
    fake_case b[] = {{"host", 1024, 1200, 0.15, "ok", true}};
    int slower = -1;
    cJSON *d = compare(a, 1, b, 1, &slower);
    const cJSON *c0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(d, "cases"), 0);
    const cJSON *sa = cJSON_GetObjectItemCaseSensitive(c0, "a");
    CHECK(!strcmp(verdict_of(d, 0), "SAME") && slower == 0, "a 20 %% change inside the noise is SAME: %s (spread %g)",
          verdict_of(d, 0), num(sa, "spread"));
    cJSON_Delete(d);
}

static void faster_should_be_faster(void)
{
    fake_case a[] = {{"host", 1024, 1000, 0.01, "ok", true}};
    fake_case b[] = {{"host", 1024, 800, 0.01, "ok", false}}; /* no samples kept: the cv stands in */
    int slower = -1;
    cJSON *d = compare(a, 1, b, 1, &slower);
    CHECK(!strcmp(verdict_of(d, 0), "FASTER") && slower == 0 && summary_of(d, "faster") == 1, "FASTER: %s",
          verdict_of(d, 0));
    cJSON_Delete(d);
}

static void unmatched_and_untimed_cases_should_be_counted(void)
{
    fake_case a[] = {{"host", 1024, 1000, 0.01, "ok", true}, {"host", 4096, 4000, 0.01, "ok", true},
                     {"cpu:0", 4096, 4000, 0.01, "ok", true}};
    fake_case b[] = {{"host", 4096, 4000, 0.01, "skipped", true}, {"host", 16384, 16000, 0.01, "ok", true},
                     {"cpu:0", 4096, 4000, 0.01, "ok", true}, {"gpu:0", 4096, 400, 0.01, "ok", true}};
    int slower = -1;
    cJSON *d = compare(a, 3, b, 4, &slower);
    CHECK(num(d, "only_a") == 1 && num(d, "only_b") == 2, "only_a 1, only_b 2: %g %g", num(d, "only_a"), num(d, "only_b"));
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "cases")) == 2, "two matched cases");
    CHECK(!strcmp(verdict_of(d, 0), "(null)") && summary_of(d, "untimed") == 1, "skipped on one side: no verdict");
    CHECK(!strcmp(verdict_of(d, 1), "SAME"), "cpu:0 matched by device id: %s", verdict_of(d, 1));
    cJSON_Delete(d);
}

static void bad_documents_should_be_refused(void)
{
    fake_case c[] = {{"host", 1024, 1000, 0.01, "ok", true}};
    char *good = make_doc(c, 1, NULL), *out = NULL;
    int slower = 0;
    CHECK(clrelu_results_compare_json("not json", good, &out, &slower) == CLRELU_ERR_INVALID_ARG && !out, "not JSON");
    CHECK(clrelu_results_compare_json(good, "{\"schema\":\"other\",\"cases\":[]}", &out, &slower) ==
              CLRELU_ERR_INVALID_ARG && strstr(clrelu_last_error(), "clrelu-bench/1"),
          "another schema is refused: %s", clrelu_last_error());
    CHECK(clrelu_results_compare_json(good, NULL, &out, &slower) == CLRELU_ERR_INVALID_ARG, "a missing side");
    free(good);
}

int main(void)
{
    robust_spread_should_be_mad_over_median();
    identical_runs_should_be_same();
    twenty_percent_slower_with_tight_spread_should_be_slower();
    noisy_runs_should_be_same();
    faster_should_be_faster();
    unmatched_and_untimed_cases_should_be_counted();
    bad_documents_should_be_refused();
    if (failures) {
        fprintf(stderr, "test_results_compare: %d failure(s)\n", failures);
        return 1;
    }
    printf("test_results_compare: all checks passed\n");
    return 0;
}
