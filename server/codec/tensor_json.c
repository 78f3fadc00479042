/* tensor_json.c: flat/nested JSON arrays ↔ typed tensors, with round-trip-exact number printing. */
#include "codec/tensor_json.h"

#include "codec/json_int.h"
#include "codec/json_numbers.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* A numeric array parsed ahead of cJSON. It rides on its (childless) array node's valuestring,
 * which cJSON never sets on an array and which cJSON_Delete frees with the node. */
#define PACK_MAGIC "tjsonpk"
typedef struct {
    char magic[8];
    size_t count;
    int rank;
    size_t shape[TENSOR_MAX_RANK];
    double vals[];
} packed;

/* Only arrays under these keys are packed: they are read through tjson_read alone. */
static const char *const packed_keys[] = {"data", "grad_output", "weight"};
/* Marker text replacing a packed array for cJSON; shorter arrays are left to cJSON. */
#define MARK_FMT "[\"#" PACK_MAGIC ":%016llx:%zu\"]"
#define MARK_MIN 48 /* longer than any marker */

/* A span of the original text that the copy given to cJSON replaces: by a marker (blob set) or
 * by the text repl (a bare NaN/Infinity/-Infinity token spelt as a string). */
typedef struct {
    size_t start, len; /* in the original text */
    size_t mark_end;   /* in the copy given to cJSON */
    packed *blob;
    const char *repl;
} pack_span;

typedef struct {
    pack_span *v;
    size_t n, cap;
} pack_list;

static const packed *packed_of(const cJSON *a)
{
    if (!cJSON_IsArray(a) || a->child || !a->valuestring || memcmp(a->valuestring, PACK_MAGIC, 8) != 0)
        return NULL;
    return (const packed *)(const void *)a->valuestring;
}

static bool key_is_packed(const char *k, size_t n)
{
    for (size_t i = 0; i < sizeof packed_keys / sizeof packed_keys[0]; i++)
        if (strlen(packed_keys[i]) == n && memcmp(k, packed_keys[i], n) == 0)
            return true;
    return false;
}

/* Room for one more span; false when out of memory (the list is unchanged). */
static bool reserve(pack_list *l)
{
    if (l->n < l->cap)
        return true;
    size_t cap = l->cap * 2 + 4;
    pack_span *v = realloc(l->v, cap * sizeof *v);
    if (!v)
        return false;
    l->v = v;
    l->cap = cap;
    return true;
}

/* Parse the numeric array at p (between start and end) with the fast codec and record it;
 * false (nothing recorded) when the codec refuses it or it is too short to be worth a marker. */
static bool try_pack(pack_list *l, const char *text, const char *p, const char *end, const char **after)
{
    jnum_array a;
    const char *err;
    const char *q = jnum_parse_array(p, end, &a, &err);
    if (!q)
        return false;
    packed *b = NULL;
    if ((size_t)(q - p) >= MARK_MIN && reserve(l))
        b = malloc(sizeof *b + a.count * sizeof(double));
    if (!b) {
        free(a.vals);
        return false;
    }
    memcpy(b->magic, PACK_MAGIC, 8);
    b->count = a.count;
    b->rank = a.rank;
    memcpy(b->shape, a.shape, sizeof b->shape);
    memcpy(b->vals, a.vals, a.count * sizeof(double));
    free(a.vals);
    l->v[l->n++] = (pack_span){.start = (size_t)(p - text), .len = (size_t)(q - p), .blob = b};
    *after = q;
    return true;
}

/* The bare token (NaN, Infinity, -Infinity) at p, ending at a delimiter, as a JSON string. */
static const char *bare_token(const char *p, const char *end, size_t *len)
{
    static const char *const tokens[][2] = {{"NaN", "\"NaN\""}, {"Infinity", "\"Infinity\""}, {"-Infinity", "\"-Infinity\""}};
    for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++) {
        size_t n = strlen(tokens[i][0]);
        if ((size_t)(end - p) >= n && memcmp(p, tokens[i][0], n) == 0 &&
            (p + n == end || strchr(" \t\r\n,]", p[n]))) {
            *len = n;
            return tokens[i][1];
        }
    }
    return NULL;
}

/* Scan the raw text (strings skipped, escapes honoured) for `"key": [` with a packed key. An
 * array there that the codec does not take is scanned for bare NaN/Infinity/-Infinity values,
 * each recorded as a span that the copy for cJSON spells as a string. */
static void find_arrays(pack_list *l, const char *text, size_t len)
{
    const char *p = text, *end = text + len;
    const char *key = NULL;
    size_t keylen = 0;
    int state = 0;  /* 1: just read a plain string, 2: and then ':' */
    int region = 0; /* bracket depth inside a tensor array left to cJSON */
    char last = 0;  /* the last structural character: '[' or ',' before a value */
    while (p < end) {
        char c = *p;
        size_t n;
        const char *repl;
        if (region && (last == '[' || last == ',') && (c == 'N' || c == 'I' || c == '-') &&
            (repl = bare_token(p, end, &n)) && reserve(l)) {
            l->v[l->n++] = (pack_span){.start = (size_t)(p - text), .len = n, .repl = repl};
            p += n;
            last = 0;
            state = 0;
            continue;
        }
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
            last = c;
        if (c == '"') {
            const char *s = ++p;
            bool esc = false;
            while (p < end && *p != '"') {
                if (*p == '\\') {
                    esc = true;
                    p++;
                }
                p++;
            }
            if (p >= end)
                return;
            key = s;
            keylen = (size_t)(p - s);
            state = esc ? 0 : 1;
            p++;
            continue;
        }
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
            p++;
            continue;
        }
        if (c == ':' && state == 1) {
            state = 2;
            p++;
            continue;
        }
        if (c == '[' && state == 2 && key_is_packed(key, keylen)) {
            if (try_pack(l, text, p, end, &p)) {
                state = 0;
                last = ']';
                continue;
            }
            region++;
        } else if (c == '[' && region) {
            region++;
        } else if (c == ']' && region) {
            region--;
        }
        state = 0;
        p++;
    }
}

/* Move each packed blob onto the array node that holds its marker (nonce-checked). */
static void attach(cJSON *n, pack_list *l, const char *prefix, size_t plen)
{
    for (; n; n = n->next) {
        cJSON *c = n->child;
        if (cJSON_IsArray(n) && c && !c->next && cJSON_IsString(c) && strncmp(c->valuestring, prefix, plen) == 0) {
            char *e;
            unsigned long long i = strtoull(c->valuestring + plen, &e, 10);
            if (*e == '\0' && i < l->n && l->v[i].blob) {
                cJSON_Delete(c);
                n->child = NULL;
                n->valuestring = (char *)l->v[i].blob;
                l->v[i].blob = NULL;
            }
            continue;
        }
        if (c)
            attach(c, l, prefix, plen);
    }
}

static unsigned long long next_nonce(void)
{
    static _Atomic unsigned long long counter;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    unsigned long long z = atomic_fetch_add(&counter, 1) + 0x9e3779b97f4a7c15ull * (unsigned long long)ts.tv_nsec +
                           (unsigned long long)(uintptr_t)&ts;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

cJSON *tjson_parse(const char *text, size_t len, const char **parse_end)
{
    pack_list l = {0};
    find_arrays(&l, text, len);
    if (l.n == 0) {
        free(l.v);
        return cJSON_ParseWithLengthOpts(text, len, parse_end, false);
    }
    /* The copy leaves each packed array out (cJSON would walk padding byte by byte) and keeps
     * a marker in its place; error offsets are mapped back through the spans. */
    cJSON *root = NULL;
    unsigned long long nonce = next_nonce();
    size_t removed = 0;
    for (size_t i = 0; i < l.n; i++)
        removed += l.v[i].len;
    char *copy = malloc(len - removed + l.n * (MARK_MIN + 16) + 1);
    if (!copy)
        goto out;
    size_t o = 0, from = 0;
    for (size_t i = 0; i < l.n; i++) {
        memcpy(copy + o, text + from, l.v[i].start - from);
        o += l.v[i].start - from;
        int m = l.v[i].repl ? snprintf(copy + o, MARK_MIN + 16, "%s", l.v[i].repl)
                            : snprintf(copy + o, MARK_MIN + 16, MARK_FMT, nonce, i);
        o += (size_t)m;
        l.v[i].mark_end = o;
        from = l.v[i].start + l.v[i].len;
    }
    memcpy(copy + o, text + from, len - from);
    o += len - from;
    const char *end = NULL;
    root = cJSON_ParseWithLengthOpts(copy, o, &end, false);
    if (parse_end && end) {
        /* Back to the text: from the last span before the stop, in unsigned arithmetic that never
         * wraps (a replacement such as NaN -> "NaN" is longer than what it replaced). */
        size_t off = (size_t)(end - copy), pos = off;
        for (size_t i = 0; i < l.n && l.v[i].mark_end <= off; i++)
            pos = off - l.v[i].mark_end + l.v[i].start + l.v[i].len;
        *parse_end = text + pos;
    } else if (parse_end) {
        *parse_end = NULL;
    }
    if (root) {
        char prefix[40];
        int plen = snprintf(prefix, sizeof prefix, "#" PACK_MAGIC ":%016llx:", nonce);
        attach(root, &l, prefix, (size_t)plen);
    }
out:
    free(copy);
    for (size_t i = 0; i < l.n; i++)
        free(l.v[i].blob);
    free(l.v);
    return root;
}

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
            snprintf(err, errlen, "shape has more than %d dimensions (the rank limit)", TENSOR_MAX_RANK);
            return false;
        }
        if (!json_to_size(d, (size_t)9000000000000000ull, &shape[r])) {
            snprintf(err, errlen, "shape[%d] must be a non-negative integer", r);
            return false;
        }
        r++;
    }
    *rank = r;
    return true;
}

/* A leaf: 1 when it is a number or a NaN/infinity spelling, 0 when it is not a number, -1 for a
 * number literal outside the double range (cJSON reads 1e999 as an infinity; JSON numbers have
 * no infinity, so an infinite number node can only come from such a literal). */
static int leaf_value(const cJSON *v, double *out)
{
    if (cJSON_IsNumber(v)) {
        *out = v->valuedouble;
        return isinf(v->valuedouble) ? -1 : 1;
    }
    if (cJSON_IsString(v)) {
        const char *s = v->valuestring;
        if (!strcasecmp(s, "NaN")) {
            *out = NAN;
            return 1;
        }
        if (!strcasecmp(s, "Infinity") || !strcasecmp(s, "inf") || !strcasecmp(s, "+Infinity") || !strcasecmp(s, "+inf")) {
            *out = INFINITY;
            return 1;
        }
        if (!strcasecmp(s, "-Infinity") || !strcasecmp(s, "-inf")) {
            *out = -INFINITY;
            return 1;
        }
    }
    return 0;
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
        } else {
            int leaf = leaf_value(e, &f->vals[f->pos++]);
            if (leaf <= 0) {
                where(f, depth, pos, sizeof pos);
                if (leaf < 0)
                    snprintf(f->err, f->errlen, "%s: the number is outside the range of a double (write Infinity or -Infinity)", pos);
                else
                    snprintf(f->err, f->errlen, "%s: expected a number (or NaN, Infinity, -Infinity)", pos);
                return false;
            }
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
    const packed *pk = packed_of(data);
    if (pk) {
        if (pk->count > max_elements) {
            snprintf(err, errlen, "%s has more than %zu elements (the server's --max-elements)", what, max_elements);
            return false;
        }
        double *v = malloc((pk->count ? pk->count : 1) * sizeof *v);
        if (!v) {
            snprintf(err, errlen, "out of memory for %zu elements", pk->count);
            return false;
        }
        memcpy(v, pk->vals, pk->count * sizeof *v);
        memcpy(shape, pk->shape, sizeof pk->shape);
        *vals = v;
        *count = pk->count;
        *rank = pk->rank;
        return true;
    }
    int r = 0;
    for (const cJSON *a = data; cJSON_IsArray(a); a = a->child) {
        if (r >= TENSOR_MAX_RANK) {
            snprintf(err, errlen, "%s is nested more than %d deep (the limit, as Triton's)", what, TENSOR_MAX_RANK);
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

/* True when text reads back to exactly v in the 16-bit dtype t. */
static bool round_trips16(const char *text, double v, clrelu_dtype t)
{
    double back = strtod(text, NULL);
    uint16_t a, b;
    clrelu_convert(&back, CLRELU_F64, &a, t, 1);
    clrelu_convert(&v, CLRELU_F64, &b, t, 1);
    return a == b;
}

/* Non-finite values as form says; 0 when v is finite. */
static size_t print_special(char *out, double v, tjson_nonfinite form)
{
    static const char *const text[2][3] = {{"\"NaN\"", "\"Infinity\"", "\"-Infinity\""}, {"NaN", "Infinity", "-Infinity"}};
    if (!isnan(v) && !isinf(v))
        return 0;
    const char *s = text[form == TJSON_NONFINITE_TOKENS][isnan(v) ? 0 : v > 0 ? 1 : 2];
    size_t n = strlen(s);
    memcpy(out, s, n);
    return n;
}

/* One element as text (at most JNUM_MAX_CHARS bytes): float32 by the shortest-digits codec,
 * float64 by 15..17 digits, the 16-bit types by searching 1..5 digits. */
static size_t print_element(char *out, const void *data, size_t i, clrelu_dtype t, tjson_nonfinite form)
{
    double v;
    switch (t) {
    case CLRELU_F32: {
        float f = ((const float *)data)[i];
        size_t n = print_special(out, f, form);
        return n ? n : jnum_print_f32(out, f);
    }
    case CLRELU_F64: {
        v = ((const double *)data)[i];
        size_t n = print_special(out, v, form);
        return n ? n : jnum_print_f64(out, v);
    }
    default: {
        clrelu_convert((const char *)data + i * 2, t, &v, CLRELU_F64, 1);
        size_t n = print_special(out, v, form);
        if (n)
            return n;
        char tmp[JNUM_MAX_CHARS + 8];
        int len = 0;
        for (int p = 1; p <= 5; p++) {
            len = snprintf(tmp, sizeof tmp, "%.*g", p, v);
            if (round_trips16(tmp, v, t))
                break;
        }
        memcpy(out, tmp, (size_t)len);
        return (size_t)len;
    }
    }
}

buf_result tjson_write(buf *out, const void *data, clrelu_dtype dtype, size_t count)
{
    return tjson_write_as(out, data, dtype, count, TJSON_NONFINITE_STRINGS);
}

buf_result tjson_write_as(buf *out, const void *data, clrelu_dtype dtype, size_t count, tjson_nonfinite form)
{
    enum { BLOCK = 256 };
    char text[BLOCK * (JNUM_MAX_CHARS + 1) + 2];
    size_t o = 0;
    text[o++] = '[';
    buf_result r = BUF_OK;
    for (size_t i = 0; i < count && r == BUF_OK; i++) {
        if (i)
            text[o++] = ',';
        o += print_element(text + o, data, i, dtype, form);
        if (o > sizeof text - JNUM_MAX_CHARS - 2) {
            r = buf_append(out, text, o);
            o = 0;
        }
    }
    text[o++] = ']';
    if (r == BUF_OK)
        r = buf_append(out, text, o);
    return r;
}
