/* model_json.c: recursive-descent JSON parser (RFC 8259) into a small tree, for model config files. */
#include "model/model_json.h"

#include "core/backend.h"

#include <stdlib.h>
#include <string.h>

#define MJ_MAX_DEPTH 64

typedef struct {
    const char *s, *end, *start, *what;
    const char *err;
} mj_parser;

static void ws(mj_parser *p)
{
    while (p->s < p->end && (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r'))
        p->s++;
}

static bool fail(mj_parser *p, const char *why)
{
    if (!p->err)
        p->err = why;
    return false;
}

static bool parse_value(mj_parser *p, mj_value *v, int depth);

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static bool read_hex4(mj_parser *p, unsigned *out)
{
    if (p->end - p->s < 4)
        return fail(p, "truncated \\u escape");
    unsigned u = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(p->s[i]);
        if (h < 0)
            return fail(p, "bad \\u escape");
        u = u * 16 + (unsigned)h;
    }
    p->s += 4;
    *out = u;
    return true;
}

/* A string starting at the opening quote; the result is malloc'd UTF-8 (escapes decoded). */
static bool parse_string(mj_parser *p, char **out)
{
    p->s++;
    size_t cap = 16, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        return fail(p, "out of memory");
    while (true) {
        if (p->s >= p->end) {
            free(buf);
            return fail(p, "unterminated string");
        }
        if (cap - len < 5) {
            char *g = realloc(buf, cap *= 2);
            if (!g) {
                free(buf);
                return fail(p, "out of memory");
            }
            buf = g;
        }
        unsigned char c = (unsigned char)*p->s++;
        if (c == '"')
            break;
        if (c < 0x20) {
            free(buf);
            return fail(p, "control character in string");
        }
        if (c != '\\') {
            buf[len++] = (char)c;
            continue;
        }
        if (p->s >= p->end) {
            free(buf);
            return fail(p, "unterminated string");
        }
        char e = *p->s++;
        unsigned u = 0;
        switch (e) {
        case '"': case '\\': case '/': buf[len++] = e; break;
        case 'b': buf[len++] = '\b'; break;
        case 'f': buf[len++] = '\f'; break;
        case 'n': buf[len++] = '\n'; break;
        case 'r': buf[len++] = '\r'; break;
        case 't': buf[len++] = '\t'; break;
        case 'u':
            if (!read_hex4(p, &u)) {
                free(buf);
                return false;
            }
            if (u >= 0xd800 && u < 0xdc00) { /* surrogate pair */
                unsigned lo = 0;
                if (p->end - p->s < 2 || p->s[0] != '\\' || p->s[1] != 'u' || (p->s += 2, !read_hex4(p, &lo)) ||
                    lo < 0xdc00 || lo > 0xdfff) {
                    free(buf);
                    return fail(p, "unpaired surrogate in \\u escape");
                }
                u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
            }
            if (u < 0x80) {
                buf[len++] = (char)u;
            } else if (u < 0x800) {
                buf[len++] = (char)(0xc0 | (u >> 6));
                buf[len++] = (char)(0x80 | (u & 0x3f));
            } else if (u < 0x10000) {
                buf[len++] = (char)(0xe0 | (u >> 12));
                buf[len++] = (char)(0x80 | ((u >> 6) & 0x3f));
                buf[len++] = (char)(0x80 | (u & 0x3f));
            } else {
                buf[len++] = (char)(0xf0 | (u >> 18));
                buf[len++] = (char)(0x80 | ((u >> 12) & 0x3f));
                buf[len++] = (char)(0x80 | ((u >> 6) & 0x3f));
                buf[len++] = (char)(0x80 | (u & 0x3f));
            }
            break;
        default:
            free(buf);
            return fail(p, "bad escape in string");
        }
    }
    buf[len] = '\0';
    *out = buf;
    return true;
}

static bool parse_number(mj_parser *p, mj_value *v)
{
    const char *q = p->s;
    if (q < p->end && *q == '-')
        q++;
    if (q >= p->end || *q < '0' || *q > '9')
        return fail(p, "invalid value");
    if (*q == '0')
        q++;
    else
        while (q < p->end && *q >= '0' && *q <= '9')
            q++;
    if (q < p->end && *q == '.') {
        q++;
        if (q >= p->end || *q < '0' || *q > '9')
            return fail(p, "digit expected after '.'");
        while (q < p->end && *q >= '0' && *q <= '9')
            q++;
    }
    if (q < p->end && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < p->end && (*q == '+' || *q == '-'))
            q++;
        if (q >= p->end || *q < '0' || *q > '9')
            return fail(p, "digit expected in exponent");
        while (q < p->end && *q >= '0' && *q <= '9')
            q++;
    }
    char tmp[64];
    size_t n = (size_t)(q - p->s);
    if (n >= sizeof tmp)
        return fail(p, "number too long");
    memcpy(tmp, p->s, n);
    tmp[n] = '\0';
    v->type = MJ_NUMBER;
    v->number = strtod(tmp, NULL);
    p->s = q;
    return true;
}

static bool grow(mj_parser *p, mj_value *v, size_t *cap, bool keys)
{
    if (v->n < *cap)
        return true;
    size_t nc = *cap ? *cap * 2 : 4;
    mj_value *items = realloc(v->items, nc * sizeof *items);
    if (!items)
        return fail(p, "out of memory");
    v->items = items;
    if (keys) {
        char **k = realloc(v->keys, nc * sizeof *k);
        if (!k)
            return fail(p, "out of memory");
        v->keys = k;
    }
    *cap = nc;
    return true;
}

/* An array or object; items are appended as they parse so clr_mj_free can always clean up. */
static bool parse_container(mj_parser *p, mj_value *v, int depth, bool object)
{
    char close = object ? '}' : ']';
    v->type = object ? MJ_OBJECT : MJ_ARRAY;
    size_t cap = 0;
    p->s++;
    ws(p);
    if (p->s < p->end && *p->s == close) {
        p->s++;
        return true;
    }
    while (true) {
        if (!grow(p, v, &cap, object))
            return false;
        mj_value *item = &v->items[v->n];
        memset(item, 0, sizeof *item);
        if (object) {
            ws(p);
            if (p->s >= p->end || *p->s != '"')
                return fail(p, "object key expected");
            if (!parse_string(p, &v->keys[v->n]))
                return false;
            v->n++;
            ws(p);
            if (p->s >= p->end || *p->s != ':')
                return fail(p, "':' expected");
            p->s++;
        } else {
            v->n++;
        }
        if (!parse_value(p, item, depth + 1))
            return false;
        ws(p);
        if (p->s < p->end && *p->s == ',') {
            p->s++;
            continue;
        }
        if (p->s < p->end && *p->s == close) {
            p->s++;
            return true;
        }
        return fail(p, object ? "',' or '}' expected" : "',' or ']' expected");
    }
}

static bool literal(mj_parser *p, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(p->end - p->s) < n || memcmp(p->s, word, n) != 0)
        return fail(p, "invalid value");
    p->s += n;
    return true;
}

static bool parse_value(mj_parser *p, mj_value *v, int depth)
{
    if (depth > MJ_MAX_DEPTH)
        return fail(p, "nested too deeply");
    ws(p);
    if (p->s >= p->end)
        return fail(p, "unexpected end of input");
    switch (*p->s) {
    case '{': return parse_container(p, v, depth, true);
    case '[': return parse_container(p, v, depth, false);
    case '"': v->type = MJ_STRING; return parse_string(p, &v->string);
    case 't': v->type = MJ_BOOL; v->boolean = true; return literal(p, "true");
    case 'f': v->type = MJ_BOOL; return literal(p, "false");
    case 'n': v->type = MJ_NULL; return literal(p, "null");
    default: return parse_number(p, v);
    }
}

clrelu_status clr_mj_parse(const char *text, size_t len, const char *what, mj_value *out)
{
    mj_parser p = {text, text + len, text, what, NULL};
    memset(out, 0, sizeof *out);
    bool ok = parse_value(&p, out, 0);
    if (ok) {
        ws(&p);
        if (p.s != p.end)
            ok = fail(&p, "trailing characters after the value");
    }
    if (ok)
        return CLRELU_OK;
    int line = 1, col = 1;
    for (const char *c = text; c < p.s && c < p.end; c++, col++)
        if (*c == '\n') {
            line++;
            col = 0;
        }
    clr_mj_free(out);
    return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "%s: invalid JSON: %s at line %d column %d", what, p.err, line, col);
}

void clr_mj_free(mj_value *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n; i++) {
        if (v->items)
            clr_mj_free(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->string);
    memset(v, 0, sizeof *v);
}

const mj_value *clr_mj_get(const mj_value *v, const char *key)
{
    if (!v || v->type != MJ_OBJECT)
        return NULL;
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->keys[i], key) == 0)
            return &v->items[i];
    return NULL;
}
