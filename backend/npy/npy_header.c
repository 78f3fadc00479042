/* clrelu_npy_header.c: parse and build the .npy header — magic, version, length and the Python dict literal. */
#include "core/backend.h"
#include "clrelu_npy.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "npy.c reads and writes little-endian data in place and needs a little-endian host"
#endif

static const unsigned char npy_magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

/* A cursor over the header text; every read is bounds-checked against end. */
typedef struct {
    const char *p, *end;
} cursor;

static void skip_space(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static bool eat(cursor *c, char ch)
{
    skip_space(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

static bool eat_word(cursor *c, const char *word)
{
    skip_space(c);
    size_t n = strlen(word);
    if ((size_t)(c->end - c->p) >= n && memcmp(c->p, word, n) == 0) {
        c->p += n;
        return true;
    }
    return false;
}

/* A Python string literal in '...' or "..." without escapes, copied into buf (NUL-terminated). */
static clrelu_status parse_string(cursor *c, char *buf, size_t cap, const char *what)
{
    skip_space(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bad .npy header: expected a string for %s", what);
    char quote = *c->p++;
    size_t n = 0;
    while (c->p < c->end && *c->p != quote) {
        if (*c->p == '\\' || *c->p == '\0' || *c->p == '\n')
            return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bad .npy header: unsupported character in %s", what);
        if (n + 1 >= cap)
            return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bad .npy header: %s is too long", what);
        buf[n++] = *c->p++;
    }
    if (c->p >= c->end)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bad .npy header: unterminated string in %s", what);
    c->p++;
    buf[n] = '\0';
    return CLRELU_OK;
}

/* 'descr': only little-endian float16/32/64 ('<' or the byte-order-free '|' never applies to them). */
static clrelu_status parse_descr(cursor *c, clrelu_npy_header *h)
{
    skip_space(c);
    if (c->p < c->end && *c->p == '[')
        return clrelu_set_error(CLRELU_ERR_UNSUPPORTED, "structured .npy dtypes are not supported (need '<f2', '<f4' or '<f8')");
    char descr[32];
    clrelu_status st = parse_string(c, descr, sizeof descr, "'descr'");
    if (st != CLRELU_OK)
        return st;
    static const struct {
        const char *descr;
        clrelu_dtype dtype;
    } known[] = {{"<f2", CLRELU_F16}, {"<f4", CLRELU_F32}, {"<f8", CLRELU_F64}};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(descr, known[i].descr) == 0) {
            h->dtype = known[i].dtype;
            return CLRELU_OK;
        }
    if (descr[0] == '>' && descr[1] == 'f')
        return clrelu_set_error(CLRELU_ERR_UNSUPPORTED,
                                "big-endian data ('%s') is not supported; save it as little-endian (arr.astype('<%s'))",
                                descr, descr + 1);
    return clrelu_set_error(CLRELU_ERR_UNSUPPORTED,
                            "unsupported dtype '%s' (supported: '<f2' float16, '<f4' float32, '<f8' float64)", descr);
}

static clrelu_status parse_bool(cursor *c, bool *out)
{
    if (eat_word(c, "True"))
        *out = true;
    else if (eat_word(c, "False"))
        *out = false;
    else
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bad .npy header: 'fortran_order' must be True or False");
    return CLRELU_OK;
}

/* One dimension: a non-negative decimal integer (Python 2 files may add an 'L'), at most SIZE_MAX. */
static clrelu_status parse_dim(cursor *c, size_t *out)
{
    skip_space(c);
    if (c->p < c->end && *c->p == '-')
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bad .npy header: negative dimension in 'shape'");
    if (c->p >= c->end || *c->p < '0' || *c->p > '9')
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bad .npy header: 'shape' must be a tuple of integers");
    size_t v = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        size_t digit = (size_t)(*c->p - '0');
        if (v > (SIZE_MAX - digit) / 10)
            return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bad .npy header: dimension too large");
        v = v * 10 + digit;
        c->p++;
    }
    if (c->p < c->end && *c->p == 'L')
        c->p++;
    *out = v;
    return CLRELU_OK;
}

/* 'shape': "()", "(n,)" or "(n, m, ...)" with an optional trailing comma. */
static clrelu_status parse_shape(cursor *c, clrelu_npy_header *h)
{
    if (!eat(c, '('))
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bad .npy header: 'shape' must be a tuple");
    h->rank = 0;
    while (!eat(c, ')')) {
        if (h->rank == CLRELU_NPY_MAX_RANK)
            return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bad .npy header: more than %d dimensions", CLRELU_NPY_MAX_RANK);
        clrelu_status st = parse_dim(c, &h->shape[h->rank]);
        if (st != CLRELU_OK)
            return st;
        h->rank++;
        if (!eat(c, ',')) {
            if (!eat(c, ')'))
                return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bad .npy header: malformed 'shape' tuple");
            break;
        }
    }
    return CLRELU_OK;
}

/* The dict must hold exactly 'descr', 'fortran_order' and 'shape', each once, in any order. */
static clrelu_status parse_dict(cursor *c, clrelu_npy_header *h)
{
    if (!eat(c, '{'))
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bad .npy header: expected a '{' dictionary");
    bool seen_descr = false, seen_order = false, seen_shape = false;
    while (!eat(c, '}')) {
        char key[32];
        clrelu_status st = parse_string(c, key, sizeof key, "a key");
        if (st != CLRELU_OK)
            return st;
        if (!eat(c, ':'))
            return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bad .npy header: expected ':' after '%s'", key);
        bool *seen;
        if (strcmp(key, "descr") == 0) {
            seen = &seen_descr;
            st = seen_descr ? CLRELU_OK : parse_descr(c, h);
        } else if (strcmp(key, "fortran_order") == 0) {
            seen = &seen_order;
            st = seen_order ? CLRELU_OK : parse_bool(c, &h->fortran_order);
        } else if (strcmp(key, "shape") == 0) {
            seen = &seen_shape;
            st = seen_shape ? CLRELU_OK : parse_shape(c, h);
        } else {
            return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bad .npy header: unexpected key '%s'", key);
        }
        if (*seen)
            return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bad .npy header: duplicate key '%s'", key);
        if (st != CLRELU_OK)
            return st;
        *seen = true;
        if (!eat(c, ',')) {
            if (!eat(c, '}'))
                return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bad .npy header: expected ',' or '}' after '%s'", key);
            break;
        }
    }
    if (!seen_descr || !seen_order || !seen_shape)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bad .npy header: missing key '%s'",
                                !seen_descr ? "descr" : !seen_order ? "fortran_order" : "shape");
    skip_space(c);
    if (c->p != c->end)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bad .npy header: unexpected text after the dictionary");
    return CLRELU_OK;
}

clrelu_status clrelu_npy_header_extent(const void *bytes, size_t len, size_t *data_offset)
{
    const unsigned char *b = bytes;
    if (!bytes || !data_offset)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "clrelu_npy_header_extent: NULL argument");
    if (len < 8 || memcmp(b, npy_magic, sizeof npy_magic) != 0)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "not a .npy file (bad magic)");
    int major = b[6], minor = b[7];
    if (minor != 0 || major < 1 || major > 3)
        return clrelu_set_error(CLRELU_ERR_UNSUPPORTED, "unsupported .npy format version %d.%d (need 1.0, 2.0 or 3.0)",
                                major, minor);
    size_t field = major == 1 ? 2 : 4;
    if (len < 8 + field)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "truncated .npy header");
    size_t hlen = (size_t)b[8] | (size_t)b[9] << 8;
    if (field == 4)
        hlen |= (size_t)b[10] << 16 | (size_t)b[11] << 24;
    if (hlen > SIZE_MAX - 8 - field)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bad .npy header: header length overflows");
    *data_offset = 8 + field + hlen;
    return CLRELU_OK;
}

clrelu_status clrelu_npy_parse_header(const void *bytes, size_t len, clrelu_npy_header *out)
{
    if (!bytes || !out)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "clrelu_npy_parse_header: NULL argument");
    memset(out, 0, sizeof *out);
    const unsigned char *b = bytes;
    clrelu_status st = clrelu_npy_header_extent(bytes, len, &out->data_offset);
    if (st != CLRELU_OK)
        return st;
    out->major = b[6];
    out->minor = b[7];
    size_t start = out->major == 1 ? 10 : 12;
    if (out->data_offset > len)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "truncated .npy header (%zu header bytes declared, %zu present)",
                                out->data_offset - start, len - start);

    cursor c = {(const char *)b + start, (const char *)b + out->data_offset};
    st = parse_dict(&c, out);
    if (st != CLRELU_OK)
        return st;

    size_t count = 1;
    for (int d = 0; d < out->rank; d++) {
        if (out->shape[d] && count > SIZE_MAX / out->shape[d])
            return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bad .npy header: shape overflows the address space");
        count *= out->shape[d];
    }
    size_t item = clrelu_dtype_size(out->dtype);
    if (count > SIZE_MAX / item)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bad .npy header: array size overflows the address space");
    out->count = count;
    out->nbytes = count * item;
    return CLRELU_OK;
}

/* Shapes are written as NumPy writes them: "()", "(3,)", "(2, 3)". */
size_t clrelu_npy_format_header(clrelu_dtype dtype, const size_t *shape, int rank, unsigned char *buf, size_t cap)
{
    const char *descr = dtype == CLRELU_F16 ? "<f2" : dtype == CLRELU_F32 ? "<f4" : "<f8";
    char dict[CLRELU_NPY_MAX_RANK * 24 + 96];
    size_t n = (size_t)snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
    for (int d = 0; d < rank; d++)
        n += (size_t)snprintf(dict + n, sizeof dict - n, "%zu%s", shape[d],
                              d + 1 < rank ? ", " : rank == 1 ? "," : "");
    n += (size_t)snprintf(dict + n, sizeof dict - n, "), }");
    size_t total = (10 + n + 1 + 63) / 64 * 64;
    if (total > cap || total - 10 > 0xffff)
        return 0;
    memcpy(buf, npy_magic, sizeof npy_magic);
    buf[6] = 1;
    buf[7] = 0;
    buf[8] = (unsigned char)((total - 10) & 0xff);
    buf[9] = (unsigned char)((total - 10) >> 8);
    memcpy(buf + 10, dict, n);
    memset(buf + 10 + n, ' ', total - 10 - n - 1);
    buf[total - 1] = '\n';
    return total;
}
