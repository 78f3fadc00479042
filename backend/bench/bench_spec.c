/* bench_spec.c: parse a sweep's options — comma lists, "all", sizes as counts or bytes and geometric ranges. */
#include "bench/bench_spec.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_SIZES 4096

typedef struct {
    const char *suffix;
    uint64_t mult;
    bool bytes;
} size_unit;

/* Element counts take binary multiples (1K = 1024); byte units say which they are. */
static const size_unit units[] = {
    {"", 1, false},           {"K", 1ull << 10, false}, {"M", 1ull << 20, false}, {"G", 1ull << 30, false},
    {"T", 1ull << 40, false}, {"B", 1, true},           {"KiB", 1ull << 10, true}, {"MiB", 1ull << 20, true},
    {"GiB", 1ull << 30, true}, {"TiB", 1ull << 40, true}, {"KB", 1000, true},      {"MB", 1000000, true},
    {"GB", 1000000000, true}, {"TB", 1000000000000ull, true},
};

/* One size token ("4096", "1.5M", "256MiB"), surrounding blanks allowed; *end after it. */
static clrelu_status parse_size(const char *s, const char **end, clrelu_bench_size *out)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = NULL;
    double v = strtod(s, &e);
    if (e == s || !(v > 0) || !isfinite(v))
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bench sizes: expected a positive number at '%s'", s);
    char suffix[8] = "";
    size_t k = 0;
    while (isalpha((unsigned char)e[k]) && k < sizeof suffix - 1) {
        suffix[k] = e[k];
        k++;
    }
    suffix[k] = '\0';
    /* "x" after a number starts the range factor, not a unit */
    if (k == 1 && (suffix[0] == 'x' || suffix[0] == 'X'))
        k = 0, suffix[0] = '\0';
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcasecmp(units[i].suffix, suffix) != 0) /* no two units differ only in case */
            continue;
        double total = v * (double)units[i].mult;
        if (total < 1 || total > 1.8e19 || total != floor(total))
            return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bench sizes: '%.*s' is not a whole count >= 1",
                                    (int)(e + k - s), s);
        out->value = (uint64_t)total;
        out->bytes = units[i].bytes;
        *end = e + k;
        return CLRELU_OK;
    }
    return clrelu_set_error(CLRELU_ERR_INVALID_ARG,
                            "bench sizes: unknown unit '%s' (elements: K M G T; bytes: B KiB MiB GiB KB MB GB)", suffix);
}

static clrelu_status push(clrelu_bench_size **arr, int *n, clrelu_bench_size s)
{
    if (*n >= MAX_SIZES)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bench sizes: more than %d sizes", MAX_SIZES);
    (*arr)[(*n)++] = s;
    return CLRELU_OK;
}

/* One item: a size, or "A..B xF" / "A..B*F" / "A..B ×F" (F defaults to 2). */
static clrelu_status parse_item(const char *item, clrelu_bench_size **arr, int *n)
{
    clrelu_bench_size a, b;
    const char *p = item;
    clrelu_status st = parse_size(p, &p, &a);
    if (st != CLRELU_OK)
        return st;
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '\0')
        return push(arr, n, a);
    if (strncmp(p, "..", 2) != 0)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bench sizes: unexpected '%s' in '%s'", p, item);
    if ((st = parse_size(p + 2, &p, &b)) != CLRELU_OK)
        return st;
    while (isspace((unsigned char)*p))
        p++;
    double factor = 2;
    if (*p) {
        if (*p == 'x' || *p == 'X' || *p == '*')
            p++;
        else if ((unsigned char)p[0] == 0xc3 && (unsigned char)p[1] == 0x97) /* UTF-8 multiplication sign */
            p += 2;
        else
            return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bench sizes: expected 'xF' after the range in '%s'", item);
        char *e = NULL;
        factor = strtod(p, &e);
        while (e && isspace((unsigned char)*e))
            e++;
        if (e == p || *e || !(factor > 1.0) || !isfinite(factor))
            return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bench sizes: the factor in '%s' must be a number > 1", item);
    }
    if (a.bytes != b.bytes)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bench sizes: '%s' mixes bytes and element counts", item);
    if (b.value < a.value)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bench sizes: range '%s' ends below its start", item);
    for (double v = (double)a.value; v <= (double)b.value * (1 + 1e-12); v *= factor) {
        clrelu_bench_size s = {(uint64_t)llround(v), a.bytes};
        if ((st = push(arr, n, s)) != CLRELU_OK)
            return st;
    }
    return CLRELU_OK;
}

clrelu_status clrelu_bench_parse_sizes(const char *spec, clrelu_bench_size **out, int *n_out)
{
    if (!spec || !out || !n_out)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bench sizes: null argument");
    clrelu_status st = CLRELU_OK;
    int n = 0;
    char *copy = strdup(spec), *save = NULL;
    clrelu_bench_size *arr = malloc(MAX_SIZES * sizeof *arr);
    if (!copy || !arr) {
        st = clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "bench sizes: out of memory");
        goto out;
    }
    for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save))
        if ((st = parse_item(item, &arr, &n)) != CLRELU_OK)
            goto out;
    if (n == 0) {
        st = clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bench sizes: no size in '%s'", spec);
        goto out;
    }
    *out = arr;
    *n_out = n;
    arr = NULL;
out:
    free(copy);
    free(arr);
    return st;
}

size_t clr_bench_size_elements(const clrelu_bench_size *s, clrelu_dtype dtype)
{
    uint64_t n = s->bytes ? s->value / clrelu_dtype_size(dtype) : s->value;
    if (n == 0)
        n = 1;
    return n > SIZE_MAX ? SIZE_MAX : (size_t)n;
}

static const char *or_default(const char *s, const char *def) { return s && *s ? s : def; }

/* Split a comma list, trimming blanks; calls fn for every non-empty item. */
static clrelu_status each_item(const char *list, clrelu_status (*fn)(const char *item, void *arg), void *arg)
{
    char *copy = strdup(list), *save = NULL;
    if (!copy)
        return clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "bench: out of memory");
    clrelu_status st = CLRELU_OK;
    for (char *it = strtok_r(copy, ",", &save); it && st == CLRELU_OK; it = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*it))
            it++;
        char *e = it + strlen(it);
        while (e > it && isspace((unsigned char)e[-1]))
            *--e = '\0';
        if (*it)
            st = fn(it, arg);
    }
    free(copy);
    return st;
}

typedef struct {
    clrelu_context *ctx;
    bench_plan *plan;
} parse_arg;

static clrelu_status add_device(const char *sel, void *arg)
{
    parse_arg *pa = arg;
    bench_plan *p = pa->plan;
    int n = clrelu_device_count(pa->ctx);
    for (int i = 0; i < n && !strcasecmp(sel, "all"); i++)
        if (p->n_devices < BENCH_MAX_DEVICES)
            p->devices[p->n_devices++] = clrelu_device_at(pa->ctx, i);
    if (!strcasecmp(sel, "all"))
        return CLRELU_OK;
    const clrelu_device *d = NULL;
    clrelu_status st = clrelu_device_select(pa->ctx, sel, &d);
    if (st != CLRELU_OK)
        return st;
    for (int i = 0; i < p->n_devices; i++)
        if (p->devices[i] == d)
            return CLRELU_OK;
    if (p->n_devices >= BENCH_MAX_DEVICES)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bench: more than %d devices", BENCH_MAX_DEVICES);
    p->devices[p->n_devices++] = d;
    return CLRELU_OK;
}

static clrelu_status add_op(const char *name, void *arg)
{
    bench_plan *p = ((parse_arg *)arg)->plan;
    bool all = !strcasecmp(name, "all");
    const clrelu_op_desc *d = all ? NULL : clrelu_op_find(name);
    if (!all && !d)
        return clrelu_set_error(CLRELU_ERR_NOT_FOUND, "bench: unknown op '%s'", name);
    for (int i = 0; i < OP_COUNT; i++) {
        if (!all && i != clrelu_op_index(d))
            continue;
        bool seen = false;
        for (int k = 0; k < p->n_ops; k++)
            seen |= p->ops[k] == i;
        if (!seen)
            p->ops[p->n_ops++] = i;
    }
    return CLRELU_OK;
}

static clrelu_status add_dtype(const char *name, void *arg)
{
    bench_plan *p = ((parse_arg *)arg)->plan;
    bool all = !strcasecmp(name, "all");
    clrelu_dtype t = CLRELU_F32;
    if (!all && clrelu_dtype_parse(name, &t) != CLRELU_OK)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bench: unknown dtype '%s'", name);
    for (int i = 0; i < CLRELU_DTYPE_COUNT; i++) {
        if (!all && i != (int)t)
            continue;
        bool seen = false;
        for (int k = 0; k < p->n_dtypes; k++)
            seen |= (int)p->dtypes[k] == i;
        if (!seen)
            p->dtypes[p->n_dtypes++] = (clrelu_dtype)i;
    }
    return CLRELU_OK;
}

/* A two-valued choice ("forward"/"backward", "out"/"in") with "both"; fills vals in order. */
static clrelu_status parse_pair(const char *spec, const char *const names[2][3], bool vals[2], int *n,
                                const char *what)
{
    bool want[2] = {false, false};
    char *copy = strdup(spec), *save = NULL;
    if (!copy)
        return clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "bench: out of memory");
    clrelu_status st = CLRELU_OK;
    for (char *it = strtok_r(copy, ", ", &save); it; it = strtok_r(NULL, ", ", &save)) {
        bool hit = false;
        if (!strcasecmp(it, "both") || !strcasecmp(it, "all"))
            want[0] = want[1] = hit = true;
        for (int v = 0; v < 2; v++)
            for (int k = 0; k < 3; k++)
                if (names[v][k] && !strcasecmp(it, names[v][k]))
                    want[v] = hit = true;
        if (!hit) {
            st = clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bench: unknown %s '%s' (%s, %s or both)", what, it,
                                  names[0][0], names[1][0]);
            break;
        }
    }
    free(copy);
    *n = 0;
    for (int v = 0; v < 2; v++)
        if (want[v])
            vals[(*n)++] = v == 1;
    if (st == CLRELU_OK && *n == 0)
        st = clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bench: no %s given", what);
    return st;
}

clrelu_status clr_bench_plan_parse(clrelu_context *ctx, const clrelu_bench_options *o, bench_plan *p)
{
    static const char *const dir_names[2][3] = {{"forward", "fwd", NULL}, {"backward", "bwd", NULL}};
    static const char *const place_names[2][3] = {{"out", "out-of-place", "out_of_place"},
                                                  {"in", "in-place", "in_place"}};
    memset(p, 0, sizeof *p);
    if (!ctx || !o)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bench: null context or options");
    parse_arg pa = {ctx, p};
    clrelu_status st;
    if ((st = each_item(or_default(o->devices, "all"), add_device, &pa)) != CLRELU_OK ||
        (st = each_item(or_default(o->ops, BENCH_DEFAULT_OPS), add_op, &pa)) != CLRELU_OK ||
        (st = each_item(or_default(o->dtypes, BENCH_DEFAULT_DTYPES), add_dtype, &pa)) != CLRELU_OK ||
        (st = parse_pair(or_default(o->directions, "forward"), dir_names, p->backward, &p->n_directions,
                         "direction")) != CLRELU_OK ||
        (st = parse_pair(or_default(o->placements, "out"), place_names, p->in_place, &p->n_placements,
                         "placement")) != CLRELU_OK ||
        (st = clrelu_bench_parse_sizes(or_default(o->sizes, BENCH_DEFAULT_SIZES), &p->sizes, &p->n_sizes)) !=
            CLRELU_OK)
        goto out;
    if (p->n_devices == 0 || p->n_ops == 0 || p->n_dtypes == 0) {
        st = clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bench: no %s selected",
                              p->n_devices == 0 ? "device" : p->n_ops == 0 ? "op" : "dtype");
        goto out;
    }
    if (o->min_samples < 0 || o->max_samples < 0 || o->max_seconds < 0 ||
        !isfinite(o->min_time_s) || !isfinite(o->max_seconds)) {
        st = clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bench: negative sample count or time");
        goto out;
    }
    p->warmup = o->warmup == 0 ? BENCH_DEFAULT_WARMUP : o->warmup < 0 ? 0 : o->warmup;
    p->min_samples = o->min_samples ? o->min_samples : BENCH_DEFAULT_MIN_SAMPLES;
    p->max_samples = o->max_samples ? o->max_samples : BENCH_DEFAULT_MAX_SAMPLES;
    if (p->max_samples < p->min_samples)
        p->max_samples = p->min_samples;
    p->min_time_s = o->min_time_s > 0 ? o->min_time_s : o->min_time_s == 0 ? BENCH_DEFAULT_MIN_TIME_S : 0;
    p->max_seconds = o->max_seconds;
    p->max_bytes = o->max_bytes;
    if (!p->max_bytes) {
        const clrelu_device *host = NULL;
        uint64_t mem = clrelu_device_select(ctx, "host", &host) == CLRELU_OK
                           ? clrelu_device_get_info(host)->global_mem_bytes
                           : 4ull << 30;
        p->max_bytes = mem / 4;
    }
    long total = (long)p->n_devices * p->n_ops * p->n_dtypes * p->n_sizes * p->n_directions * p->n_placements;
    if (total > 1000000) {
        st = clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bench: %ld cases is too many (at most 1000000)", total);
        goto out;
    }
    p->total = (int)total;
out:
    if (st != CLRELU_OK)
        clr_bench_plan_free(p);
    return st;
}

void clr_bench_plan_free(bench_plan *p)
{
    free(p->sizes);
    p->sizes = NULL;
    p->n_sizes = 0;
}

clrelu_status clrelu_bench_count(clrelu_context *ctx, const clrelu_bench_options *opts, int *total)
{
    bench_plan p;
    clrelu_status st = clr_bench_plan_parse(ctx, opts, &p);
    if (st == CLRELU_OK) {
        *total = p.total;
        clr_bench_plan_free(&p);
    }
    return st;
}
