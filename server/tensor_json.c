/* tensor_json.c: flat/nested JSON arrays ↔ typed tensors, with round-trip-exact number printing. */
#include "tensor_json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool shape_count(const size_t *shape, int rank, size_t *count)
{
    size_t n = 1;
    for (int i = 0; i < rank; i++) {
        if (shape[i] && n > SIZE_MAX / shape[i])
            return false;
        n *= shape[i];
    }
    *count = n;
    return true;
}

bool tjson_shape(const cJSON *arr, size_t shape[TENSOR_MAX_RANK], int *rank, char *err, size_t errlen)
{
    if (!cJSON_IsArray(arr)) {
        snprintf(err, errlen, "shape must be an array of non-negative integers");
        return false;
    }
    int r = 0;
    const cJSON *d;
    cJSON_ArrayForEach(d, arr)
    {
        if (r >= TENSOR_MAX_RANK) {
            snprintf(err, errlen, "shape has more than %d dimensions", TENSOR_MAX_RANK);
            return false;
        }
        double v = cJSON_IsNumber(d) ? d->valuedouble : -1;
        if (v < 0 || v != floor(v) || v > 9.0e15) {
            snprintf(err, errlen, "shape[%d] must be a non-negative integer", r);
            return false;
        }
        shape[r++] = (size_t)v;
    }
    *rank = r;
    return true;
}

static bool leaf_value(const cJSON *v, double *out)
{
    if (cJSON_IsNumber(v)) {
        *out = v->valuedouble;
        return true;
    }
    if (cJSON_IsString(v)) {
        const char *s = v->valuestring;
        if (!strcasecmp(s, "NaN")) {
            *out = NAN;
            return true;
        }
        if (!strcasecmp(s, "Infinity") || !strcasecmp(s, "inf") || !strcasecmp(s, "+Infinity") || !strcasecmp(s, "+inf")) {
            *out = INFINITY;
            return true;
        }
        if (!strcasecmp(s, "-Infinity") || !strcasecmp(s, "-inf")) {
            *out = -INFINITY;
            return true;
        }
    }
    return false;
}

typedef struct {
    const size_t *shape;
    int rank;
    double *vals;
    size_t pos;
    size_t idx[TENSOR_MAX_RANK];
    char *err;
    size_t errlen;
    const char *what;
} fill_state;

static void where(fill_state *f, int depth, char *out, size_t n)
{
    size_t used = (size_t)snprintf(out, n, "%s", f->what);
    for (int i = 0; i <= depth && used < n; i++)
        used += (size_t)snprintf(out + used, n - used, "[%zu]", f->idx[i]);
}

/* Depth-first copy that checks every sub-array has the length the first one announced. */
static bool fill(fill_state *f, const cJSON *a, int depth)
{
    char pos[160];
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, a)
    {
        f->idx[depth] = i;
        if (i >= f->shape[depth]) {
            where(f, depth, pos, sizeof pos);
            snprintf(f->err, f->errlen, "%s: ragged nesting (expected %zu elements at this level)", pos,
                     f->shape[depth]);
            return false;
        }
        if (depth + 1 < f->rank) {
            if (!cJSON_IsArray(e)) {
                where(f, depth, pos, sizeof pos);
                snprintf(f->err, f->errlen, "%s: expected an array (ragged nesting)", pos);
                return false;
            }
            if (!fill(f, e, depth + 1))
                return false;
        } else if (!leaf_value(e, &f->vals[f->pos++])) {
            where(f, depth, pos, sizeof pos);
            snprintf(f->err, f->errlen, "%s: expected a number (or \"NaN\", \"Infinity\", \"-Infinity\")", pos);
            return false;
        }
        i++;
    }
    if (i != f->shape[depth]) {
        f->idx[depth] = i;
        where(f, depth - 1, pos, sizeof pos);
        snprintf(f->err, f->errlen, "%s: ragged nesting (%zu elements where %zu were expected)",
                 depth ? pos : f->what, i, f->shape[depth]);
        return false;
    }
    return true;
}

bool tjson_read(const cJSON *data, const char *what, size_t max_elements, double **vals, size_t *count,
                size_t shape[TENSOR_MAX_RANK], int *rank, char *err, size_t errlen)
{
    if (!cJSON_IsArray(data)) {
        snprintf(err, errlen, "%s must be an array of numbers (flat or nested)", what);
        return false;
    }
    int r = 0;
    for (const cJSON *a = data; cJSON_IsArray(a); a = a->child) {
        if (r >= TENSOR_MAX_RANK) {
            snprintf(err, errlen, "%s is nested more than %d deep", what, TENSOR_MAX_RANK);
            return false;
        }
        shape[r++] = (size_t)cJSON_GetArraySize(a);
        if (!a->child)
            break;
    }
    size_t n;
    if (!shape_count(shape, r, &n) || n > max_elements) {
        snprintf(err, errlen, "%s has more than %zu elements (the server's --max-elements)", what, max_elements);
        return false;
    }
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) {
        snprintf(err, errlen, "out of memory for %zu elements", n);
        return false;
    }
    fill_state f = {.shape = shape, .rank = r, .vals = v, .err = err, .errlen = errlen, .what = what};
    if (!fill(&f, data, 0)) {
        free(v);
        return false;
    }
    *vals = v;
    *count = n;
    *rank = r;
    return true;
}

/* True when text reads back to exactly v in dtype t. */
static bool round_trips(const char *text, double v, clrelu_dtype t)
{
    double back = strtod(text, NULL);
    switch (t) {
    case CLRELU_F64: return back == v;
    case CLRELU_F32: return (float)back == (float)v;
    default: {
        uint16_t a, b;
        clrelu_convert(&back, CLRELU_F64, &a, t, 1);
        clrelu_convert(&v, CLRELU_F64, &b, t, 1);
        return a == b;
    }
    }
}

static int print_number(char *out, size_t n, double v, clrelu_dtype t)
{
    if (isnan(v))
        return snprintf(out, n, "\"NaN\"");
    if (isinf(v))
        return snprintf(out, n, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    /* float64 tries 15..17 digits (shortest for most values, exact always); the narrower types
     * search from 1 digit, so the text is the shortest that reads back to the same value. */
    int lo = t == CLRELU_F64 ? 15 : 1;
    int hi = t == CLRELU_F64 ? 17 : t == CLRELU_F32 ? 9 : 5;
    int len = 0;
    for (int p = lo; p <= hi; p++) {
        len = snprintf(out, n, "%.*g", p, v);
        if (round_trips(out, v, t))
            break;
    }
    return len;
}

buf_result tjson_write(buf *out, const void *data, clrelu_dtype dtype, size_t count)
{
    enum { BLOCK = 4096 };
    double tmp[BLOCK];
    char num[40];
    buf_result r = buf_append(out, "[", 1);
    size_t esz = clrelu_dtype_size(dtype);
    for (size_t i = 0; i < count && r == BUF_OK; i += BLOCK) {
        size_t n = count - i < BLOCK ? count - i : BLOCK;
        clrelu_convert((const char *)data + i * esz, dtype, tmp, CLRELU_F64, n);
        for (size_t j = 0; j < n && r == BUF_OK; j++) {
            int len = print_number(num + 1, sizeof num - 1, tmp[j], dtype);
            num[0] = ',';
            r = (i + j) ? buf_append(out, num, (size_t)len + 1) : buf_append(out, num + 1, (size_t)len);
        }
    }
    if (r == BUF_OK)
        r = buf_append(out, "]", 1);
    return r;
}
