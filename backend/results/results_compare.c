/* results_compare.c: two result sets case by case, with a noise-aware verdict per case (clrelu_results_compare*). */
#include "core/backend.h"
#include "results/results_verdict.h"
#include "clrelu_results.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One side of the comparison: the clrelu-bench/1 document (inside a run document or bare). */
typedef struct {
    cJSON *doc;          /* the parsed input, owned */
    const cJSON *result; /* the clrelu-bench/1 object inside doc */
    const cJSON *cases;  /* its "cases" array */
} side;

/* A case of side B in the lookup table: its match key and the case object. */
typedef struct {
    char *key;
    const cJSON *c;
    bool matched;
} keyed_case;

static const char *str_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static double num_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* Parse one input: a clrelu-bench/1 document, or a run document ({"id", …, "result": {…}}). */
static clrelu_status side_parse(const char *json, const char *which, side *s)
{
    memset(s, 0, sizeof *s);
    if (!json)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "compare: result %s is missing", which);
    s->doc = cJSON_ParseWithLength(json, strlen(json));
    if (!s->doc)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "compare: result %s is not JSON", which);
    const cJSON *inner = cJSON_GetObjectItemCaseSensitive(s->doc, "result");
    s->result = cJSON_IsObject(inner) ? inner : s->doc;
    s->cases = cJSON_GetObjectItemCaseSensitive(s->result, "cases");
    if (strcmp(str_of(s->result, "schema"), "clrelu-bench/1") != 0 || !cJSON_IsArray(s->cases))
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG,
                                "compare: result %s is neither a clrelu-bench/1 document nor a run holding one", which);
    return CLRELU_OK;
}

/* The key two cases match on: device id, op, dtype, direction, placement, elements. */
static char *case_key(const cJSON *c)
{
    double n = num_of(c, "elements");
    char elems[32];
    snprintf(elems, sizeof elems, "%.0f", isfinite(n) ? n : -1.0);
    const char *parts[] = {str_of(c, "device"), str_of(c, "op"), str_of(c, "dtype"), str_of(c, "direction"),
                           str_of(c, "placement"), elems};
    size_t len = 1;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        len += strlen(parts[i]) + 1;
    char *k = malloc(len);
    if (!k)
        return NULL;
    k[0] = '\0';
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        strcat(k, parts[i]);
        strcat(k, "\x1f"); /* a separator no id or name holds */
    }
    return k;
}

static int cmp_keyed(const void *a, const void *b)
{
    return strcmp(((const keyed_case *)a)->key, ((const keyed_case *)b)->key);
}

/* Median and spread of one case: from its kernel-time samples, else from its statistics (the
 * median and the cv). False when the case was not timed. */
static bool case_timing(const cJSON *c, double *median, double *spread)
{
    if (strcmp(str_of(c, "status"), "ok") != 0)
        return false;
    const cJSON *samples = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(c, "samples"), "kernel_ns");
    int n = cJSON_GetArraySize(samples);
    if (cJSON_IsArray(samples) && n > 0) {
        double *v = malloc((size_t)n * sizeof *v);
        int k = 0;
        const cJSON *x;
        if (v) {
            cJSON_ArrayForEach(x, samples)
            {
                if (cJSON_IsNumber(x))
                    v[k++] = x->valuedouble;
            }
        }
        bool ok = v && k == n && clr_results_robust(v, n, median, spread);
        free(v);
        if (ok)
            return true;
    }
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(c, "kernel_ns");
    double m = num_of(st, "median"), cv = num_of(st, "cv");
    if (!(isfinite(m) && m > 0))
        return false;
    *median = m;
    *spread = isfinite(cv) && cv > 0 ? cv : 0.0;
    return true;
}

/* A JSON number, or null when not finite. */
static cJSON *num_or_null(double v) { return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull(); }

/* {median_ns, spread, gbps, pct_of_copy, n_samples, device_name}, or null when not timed. */
static cJSON *side_stats(const cJSON *c, const cJSON *devices, bool timed, double median, double spread)
{
    if (!timed)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddItemToObject(o, "median_ns", num_or_null(median));
    cJSON_AddItemToObject(o, "spread", num_or_null(spread));
    cJSON_AddItemToObject(o, "gbps", num_or_null(num_of(c, "gbps_median")));
    cJSON_AddItemToObject(o, "pct_of_copy", num_or_null(num_of(c, "pct_of_copy")));
    cJSON_AddItemToObject(o, "n_samples", num_or_null(num_of(c, "n_samples")));
    const cJSON *d;
    cJSON_ArrayForEach(d, devices)
    {
        if (!strcmp(str_of(d, "id"), str_of(c, "device"))) {
            cJSON_AddStringToObject(o, "device_name", str_of(d, "name"));
            break;
        }
    }
    return o;
}

/* What the output says about a side: the run's id, time, machine and labels when the input was a
 * run document; the document's own meta (host, timestamp, version) always; its devices. */
static cJSON *side_summary(const side *s)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    const char *copy_keys[] = {"id", "created_ms", "machine", "labels", "job"};
    for (size_t i = 0; i < sizeof copy_keys / sizeof copy_keys[0]; i++) {
        const cJSON *v = s->result != s->doc ? cJSON_GetObjectItemCaseSensitive(s->doc, copy_keys[i]) : NULL;
        cJSON_AddItemToObject(o, copy_keys[i], v ? cJSON_Duplicate(v, true) : cJSON_CreateNull());
    }
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(s->result, "meta");
    cJSON_AddStringToObject(o, "clrelu_version", str_of(meta, "clrelu_version"));
    cJSON_AddStringToObject(o, "host", str_of(meta, "host"));
    cJSON_AddStringToObject(o, "timestamp", str_of(meta, "timestamp"));
    cJSON *devs = cJSON_AddArrayToObject(o, "devices");
    const cJSON *d;
    cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(s->result, "devices"))
    {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "id", str_of(d, "id"));
        cJSON_AddStringToObject(e, "name", str_of(d, "name"));
        cJSON_AddItemToArray(devs, e);
    }
    return o;
}

/* One output case: the match key's fields, each side's statistics, the ratio and the verdict.
 * Counts the verdict into counts[] (indexed by clr_verdict). */
static cJSON *compare_case(const cJSON *ca, const cJSON *cb, const side *a, const side *b, int counts[4])
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "device", str_of(ca, "device"));
    cJSON_AddStringToObject(o, "op", str_of(ca, "op"));
    cJSON_AddStringToObject(o, "dtype", str_of(ca, "dtype"));
    cJSON_AddStringToObject(o, "direction", str_of(ca, "direction"));
    cJSON_AddStringToObject(o, "placement", str_of(ca, "placement"));
    cJSON_AddItemToObject(o, "elements", num_or_null(num_of(ca, "elements")));
    double ma = 0, sa = 0, mb = 0, sb = 0, ratio = 0;
    bool ta = case_timing(ca, &ma, &sa), tb = case_timing(cb, &mb, &sb);
    cJSON_AddItemToObject(o, "a", side_stats(ca, cJSON_GetObjectItemCaseSensitive(a->result, "devices"), ta, ma, sa));
    cJSON_AddItemToObject(o, "b", side_stats(cb, cJSON_GetObjectItemCaseSensitive(b->result, "devices"), tb, mb, sb));
    clr_verdict v = ta && tb ? clr_results_verdict(ma, sa, mb, sb, &ratio) : CLR_VERDICT_NONE;
    counts[v]++;
    cJSON_AddItemToObject(o, "ratio", v != CLR_VERDICT_NONE ? cJSON_CreateNumber(ratio) : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "threshold",
                          v != CLR_VERDICT_NONE ? cJSON_CreateNumber(clr_results_threshold(sa, sb)) : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "verdict", v != CLR_VERDICT_NONE ? cJSON_CreateString(clr_verdict_name(v)) : cJSON_CreateNull());
    return o;
}

/* The comparison of two parsed sides: every case of A matched in B (looked up in B's cases sorted
 * by key), in A's order; the unmatched counted on each side. */
static clrelu_status compare_sides(const side *a, const side *b, char **json, int *n_slower)
{
    clrelu_status st = CLRELU_ERR_OUT_OF_MEMORY;
    int nb = cJSON_GetArraySize(b->cases), k = 0, counts[4] = {0, 0, 0, 0}, only_a = 0, only_b = 0;
    keyed_case *tab = calloc((size_t)(nb ? nb : 1), sizeof *tab);
    cJSON *out = cJSON_CreateObject(), *cases = NULL;
    if (!tab || !out)
        goto end;
    const cJSON *c;
    cJSON_ArrayForEach(c, b->cases)
    {
        tab[k].c = c;
        if (!(tab[k++].key = case_key(c)))
            goto end;
    }
    qsort(tab, (size_t)nb, sizeof *tab, cmp_keyed);
    cJSON_AddItemToObject(out, "a", side_summary(a));
    cJSON_AddItemToObject(out, "b", side_summary(b));
    if (!(cases = cJSON_AddArrayToObject(out, "cases")))
        goto end;
    cJSON_ArrayForEach(c, a->cases)
    {
        keyed_case probe = {case_key(c), NULL, false};
        if (!probe.key)
            goto end;
        keyed_case *hit = nb ? bsearch(&probe, tab, (size_t)nb, sizeof *tab, cmp_keyed) : NULL;
        /* a key that appears twice in B: take its first entry not matched yet */
        while (hit && hit > tab && !strcmp(hit[-1].key, probe.key))
            hit--;
        while (hit && hit->matched && hit + 1 < tab + nb && !strcmp(hit[1].key, probe.key))
            hit++;
        free(probe.key);
        if (!hit || hit->matched) {
            only_a++;
            continue;
        }
        hit->matched = true;
        cJSON *row = compare_case(c, hit->c, a, b, counts);
        if (!row)
            goto end;
        cJSON_AddItemToArray(cases, row);
    }
    for (int i = 0; i < nb; i++)
        only_b += !tab[i].matched;
    cJSON_AddNumberToObject(out, "only_a", only_a);
    cJSON_AddNumberToObject(out, "only_b", only_b);
    cJSON *sum = cJSON_AddObjectToObject(out, "summary");
    cJSON_AddNumberToObject(sum, "same", counts[CLR_VERDICT_SAME]);
    cJSON_AddNumberToObject(sum, "faster", counts[CLR_VERDICT_FASTER]);
    cJSON_AddNumberToObject(sum, "slower", counts[CLR_VERDICT_SLOWER]);
    cJSON_AddNumberToObject(sum, "untimed", counts[CLR_VERDICT_NONE]);
    cJSON_AddStringToObject(out, "rule", CLR_VERDICT_RULE);
    if (!(*json = cJSON_PrintUnformatted(out)))
        goto end;
    if (n_slower)
        *n_slower = counts[CLR_VERDICT_SLOWER];
    st = CLRELU_OK;
end:
    for (int i = 0; tab && i < nb; i++)
        free(tab[i].key);
    free(tab);
    cJSON_Delete(out);
    if (st != CLRELU_OK)
        clrelu_set_error(st, "compare: out of memory");
    return st;
}

clrelu_status clrelu_results_compare_json(const char *a_json, const char *b_json, char **json, int *n_slower)
{
    if (!json)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "compare: json is NULL");
    *json = NULL;
    if (n_slower)
        *n_slower = 0;
    side a, b;
    clrelu_status st = side_parse(a_json, "A", &a);
    if (st == CLRELU_OK)
        st = side_parse(b_json, "B", &b);
    else
        memset(&b, 0, sizeof b);
    if (st == CLRELU_OK)
        st = compare_sides(&a, &b, json, n_slower);
    cJSON_Delete(a.doc);
    cJSON_Delete(b.doc);
    return st;
}

clrelu_status clrelu_results_compare(clrelu_results *db, const char *run_a, const char *run_b, char **json,
                                     int *n_slower)
{
    if (!db || !run_a || !run_b || !json)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "compare: a store and two run ids are needed");
    *json = NULL;
    char *a = NULL, *b = NULL;
    clrelu_status st = clrelu_results_get(db, run_a, &a);
    if (st == CLRELU_OK)
        st = clrelu_results_get(db, run_b, &b);
    if (st == CLRELU_OK)
        st = clrelu_results_compare_json(a, b, json, n_slower);
    free(a);
    free(b);
    return st;
}
