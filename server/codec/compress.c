/* compress.c: zlib gzip/deflate decoding with an output cap, and response encoding. */
#include "codec/compress.h"
#include "codec/buf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

content_encoding encoding_parse(const char *h)
{
    if (!h)
        return ENC_IDENTITY;
    while (isspace((unsigned char)*h))
        h++;
    size_t n = strlen(h);
    while (n && isspace((unsigned char)h[n - 1]))
        n--;
    if (n == 0 || (n == 8 && !strncasecmp(h, "identity", 8)))
        return ENC_IDENTITY;
    if ((n == 4 && !strncasecmp(h, "gzip", 4)) || (n == 6 && !strncasecmp(h, "x-gzip", 6)))
        return ENC_GZIP;
    if (n == 7 && !strncasecmp(h, "deflate", 7))
        return ENC_DEFLATE;
    return ENC_UNSUPPORTED;
}

/* True when token (a coding name) appears in the Accept-Encoding list with a non-zero q. */
static int accepts(const char *h, const char *token)
{
    size_t tl = strlen(token);
    const char *p = h;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *start = p;
        while (*p && *p != ',' && *p != ';' && *p != ' ' && *p != '\t')
            p++;
        size_t len = (size_t)(p - start);
        double q = 1.0;
        while (*p && *p != ',') {
            if (*p == ';') {
                const char *qp = p + 1;
                while (*qp == ' ')
                    qp++;
                if ((qp[0] == 'q' || qp[0] == 'Q') && qp[1] == '=')
                    q = strtod(qp + 2, NULL);
            }
            p++;
        }
        if (len == tl && !strncasecmp(start, token, tl) && q > 0)
            return 1;
    }
    return 0;
}

content_encoding encoding_accept(const char *h)
{
    if (!h)
        return ENC_IDENTITY;
    if (accepts(h, "gzip"))
        return ENC_GZIP;
    if (accepts(h, "deflate"))
        return ENC_DEFLATE;
    return ENC_IDENTITY;
}

const char *encoding_name(content_encoding e)
{
    switch (e) {
    case ENC_GZIP: return "gzip";
    case ENC_DEFLATE: return "deflate";
    case ENC_IDENTITY: return "identity";
    default: return "unsupported";
    }
}

/* One inflate pass with the given window bits (15+32: zlib or gzip; -15: raw deflate). */
static inflate_result inflate_with(int wbits, const void *src, size_t len, size_t limit, buf *out)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, wbits) != Z_OK)
        return INFLATE_NO_MEMORY;
    inflate_result res = INFLATE_OK;
    const unsigned char *in = src;
    size_t left = len;
    unsigned char chunk[65536];
    int zr = Z_OK;
    do {
        if (zs.avail_in == 0 && left) {
            zs.next_in = (unsigned char *)in;
            zs.avail_in = left > (1u << 30) ? (1u << 30) : (unsigned)left;
            in += zs.avail_in;
            left -= zs.avail_in;
        }
        zs.next_out = chunk;
        zs.avail_out = sizeof chunk;
        zr = inflate(&zs, Z_NO_FLUSH);
        if (zr != Z_OK && zr != Z_STREAM_END) {
            res = zr == Z_MEM_ERROR ? INFLATE_NO_MEMORY : INFLATE_BAD_DATA;
            goto out;
        }
        buf_result br = buf_append(out, chunk, sizeof chunk - zs.avail_out);
        if (br != BUF_OK) {
            res = br == BUF_TOO_LARGE ? INFLATE_TOO_LARGE : INFLATE_NO_MEMORY;
            goto out;
        }
        if (zr == Z_OK && zs.avail_in == 0 && !left && zs.avail_out != 0) {
            res = INFLATE_BAD_DATA; /* truncated stream */
            goto out;
        }
    } while (zr != Z_STREAM_END);
out:
    inflateEnd(&zs);
    return res;
}

inflate_result decode_body(content_encoding e, const void *src, size_t len, size_t limit, char **out,
                           size_t *out_len)
{
    buf b = {.limit = limit};
    inflate_result r = inflate_with(15 + 32, src, len, limit, &b);
    if (r == INFLATE_BAD_DATA && e == ENC_DEFLATE) {
        buf_free(&b);
        b.limit = limit;
        r = inflate_with(-15, src, len, limit, &b);
    }
    if (r != INFLATE_OK) {
        buf_free(&b);
        return r;
    }
    *out_len = b.len;
    *out = buf_take(&b);
    return *out ? INFLATE_OK : INFLATE_NO_MEMORY;
}

int encode_body(content_encoding e, const void *src, size_t len, char **out, size_t *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    int wbits = e == ENC_GZIP ? 15 + 16 : 15;
    if (deflateInit2(&zs, 1, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    int rc = -1;
    uLong bound = deflateBound(&zs, (uLong)len) + 32;
    char *dst = malloc(bound);
    if (!dst)
        goto out;
    zs.next_in = (unsigned char *)src;
    zs.avail_in = (uInt)len;
    zs.next_out = (unsigned char *)dst;
    zs.avail_out = (uInt)bound;
    if (len > (1u << 30) || deflate(&zs, Z_FINISH) != Z_STREAM_END) {
        free(dst);
        goto out;
    }
    *out = dst;
    *out_len = zs.total_out;
    rc = 0;
out:
    deflateEnd(&zs);
    return rc;
}
