/* bench_compare.c: compare a sweep with an earlier run's JSON (read with cJSON) and print the ratios. */
#include "bench_compare.h"
#include "cli_util.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0, got;
    char *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *p = realloc(buf, cap * 2);
            if (!p) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = p;
            cap *= 2;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

static const char *str_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static double num_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : 0.0;
}

/* The old case matching c, or NULL. */
static const cJSON *find_old(const cJSON *cases, const clrelu_bench_result *r, const clrelu_bench_case *c)
{
    const cJSON *o;
    cJSON_ArrayForEach(o, cases)
    {
        if (!strcmp(str_of(o, "device"), r->devices[c->device].id) && !strcmp(str_of(o, "op"), c->op) &&
            !strcmp(str_of(o, "dtype"), clrelu_dtype_name(c->dtype)) &&
            !strcmp(str_of(o, "direction"), c->backward ? "backward" : "forward") &&
            !strcmp(str_of(o, "placement"), c->in_place ? "in" : "out") && num_of(o, "elements") == (double)c->elements)
            return o;
    }
    return NULL;
}

bool bench_compare_print(FILE *out, const clrelu_bench_result *r, const char *old_path)
{
    size_t len = 0;
    char *text = read_file(old_path, &len);
    if (!text) {
        cli_error("bench", "--compare: cannot read %s", old_path);
        return false;
    }
    cJSON *doc = cJSON_ParseWithLength(text, len);
    free(text);
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive(doc, "cases");
    if (!doc || strcmp(str_of(doc, "schema"), "clrelu-bench/1") != 0 || !cJSON_IsArray(cases)) {
        cli_error("bench", "--compare: %s is not a clrelu-bench/1 JSON document", old_path);
        cJSON_Delete(doc);
        return false;
    }
    fprintf(out, "\nCompared with %s (%s):\n", old_path, str_of(cJSON_GetObjectItemCaseSensitive(doc, "meta"), "timestamp"));
    fprintf(out, "%-8s %-12s %-8s %-8s %-5s %12s %10s %10s %8s\n", "DEVICE", "OP", "DTYPE", "DIR", "PLACE", "ELEMENTS",
            "OLD GB/s", "NEW GB/s", "RATIO");
    int matched = 0;
    for (int i = 0; i < r->n_cases; i++) {
        const clrelu_bench_case *c = &r->cases[i];
        const cJSON *o = find_old(cases, r, c);
        if (!o)
            continue;
        double old_gbps = num_of(o, "gbps_median");
        bool both = c->n_samples > 0 && c->gbps_median > 0 && old_gbps > 0;
        fprintf(out, "%-8s %-12s %-8s %-8s %-5s %12zu ", r->devices[c->device].id, c->op, clrelu_dtype_name(c->dtype),
                c->backward ? "backward" : "forward", c->in_place ? "in" : "out", c->elements);
        if (both)
            fprintf(out, "%10.3f %10.3f %7.3fx\n", old_gbps, c->gbps_median, c->gbps_median / old_gbps);
        else
            fprintf(out, "%10s %10s %8s\n", old_gbps > 0 ? "timed" : "-", c->gbps_median > 0 ? "timed" : "-", "n/a");
        matched++;
    }
    if (!matched)
        fprintf(out, "(no case of this run appears in %s)\n", old_path);
    cJSON_Delete(doc);
    return true;
}
