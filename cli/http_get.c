/* http_get.c: a minimal HTTP/1.1 client for GET requests to a clrelu server (Connection: close, chunked or not). */
#include "http_get.h"

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* The replies read here are JSON documents of a results store; a cap keeps a wrong URL (a huge
 * file server) from eating the memory. */
#define HTTP_MAX_REPLY (512u << 20)

typedef struct {
    char host[256], port[8], prefix[512];
} http_url;

static bool parse_url(const char *url, http_url *u, char *err, size_t errlen)
{
    memset(u, 0, sizeof *u);
    if (!strncasecmp(url, "https://", 8)) {
        snprintf(err, errlen, "%s: https is not supported by --server (use http://, or a local TLS proxy)", url);
        return false;
    }
    if (strncasecmp(url, "http://", 7) != 0) {
        snprintf(err, errlen, "%s: the server URL must begin with http://", url);
        return false;
    }
    const char *p = url + 7, *slash = strchr(p, '/');
    size_t hostport = slash ? (size_t)(slash - p) : strlen(p);
    const char *colon = NULL;
    if (*p == '[') { /* [v6]:port */
        const char *close = memchr(p, ']', hostport);
        if (!close) {
            snprintf(err, errlen, "%s: unterminated [address]", url);
            return false;
        }
        if ((size_t)(close - p - 1) >= sizeof u->host)
            goto too_long;
        memcpy(u->host, p + 1, (size_t)(close - p - 1));
        colon = close + 1 < p + hostport && close[1] == ':' ? close + 1 : NULL;
    } else {
        colon = memchr(p, ':', hostport);
        size_t hl = colon ? (size_t)(colon - p) : hostport;
        if (hl >= sizeof u->host)
            goto too_long;
        memcpy(u->host, p, hl);
    }
    if (colon) {
        size_t pl = (size_t)(p + hostport - colon - 1);
        if (pl == 0 || pl >= sizeof u->port)
            goto bad_port;
        memcpy(u->port, colon + 1, pl);
        for (size_t i = 0; i < pl; i++)
            if (!isdigit((unsigned char)u->port[i]))
                goto bad_port;
    } else {
        strcpy(u->port, "80");
    }
    if (!u->host[0]) {
        snprintf(err, errlen, "%s: no host", url);
        return false;
    }
    if (slash) {
        size_t n = strlen(slash);
        while (n && slash[n - 1] == '/')
            n--;
        if (n >= sizeof u->prefix)
            goto too_long;
        memcpy(u->prefix, slash, n);
    }
    return true;
too_long:
    snprintf(err, errlen, "%.200s: too long", url);
    return false;
bad_port:
    snprintf(err, errlen, "%.200s: bad port", url);
    return false;
}

static int connect_to(const http_url *u, int timeout_s, char *err, size_t errlen)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(u->host, u->port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", u->host, gai_strerror(rc));
        return -1;
    }
    int fd = -1, saved = 0;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0) {
            saved = errno;
            continue;
        }
        struct timeval tv = {timeout_s, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
            break;
        saved = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        snprintf(err, errlen, "cannot connect to %s:%s: %s", u->host, u->port, strerror(saved));
    return fd;
}

static bool send_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        s += w;
        n -= (size_t)w;
    }
    return true;
}

/* Read until the peer closes. Returns the bytes (malloc'd, NUL-terminated) or NULL. */
static char *recv_all(int fd, size_t *len, char *err, size_t errlen)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    for (;;) {
        if (cap - n < 2) {
            if (cap >= HTTP_MAX_REPLY) {
                snprintf(err, errlen, "the reply is larger than %u MiB", HTTP_MAX_REPLY >> 20);
                free(buf);
                return NULL;
            }
            char *p = realloc(buf, cap * 2);
            if (!p) {
                snprintf(err, errlen, "out of memory");
                free(buf);
                return NULL;
            }
            buf = p;
            cap *= 2;
        }
        ssize_t r = recv(fd, buf + n, cap - n - 1, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, errlen, "reading the reply: %s", errno == EAGAIN ? "timed out" : strerror(errno));
            free(buf);
            return NULL;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Decode a chunked body in place; false when malformed. */
static bool dechunk(char *b, size_t n, size_t *out_len)
{
    size_t in = 0, out = 0;
    for (;;) {
        char *end = NULL;
        unsigned long long sz = strtoull(b + in, &end, 16);
        if (end == b + in)
            return false;
        char *eol = strstr(end, "\r\n");
        if (!eol)
            return false;
        in = (size_t)(eol - b) + 2;
        if (sz == 0)
            break;
        if (sz > n - in)
            return false;
        memmove(b + out, b + in, (size_t)sz);
        out += (size_t)sz;
        in += (size_t)sz;
        if (in + 2 > n || b[in] != '\r' || b[in + 1] != '\n')
            return false;
        in += 2;
    }
    b[out] = '\0';
    *out_len = out;
    return true;
}

/* The value of header name in the header block hdr (which ends at "\r\n\r\n"), or NULL; copied
 * into val. */
static const char *header_value(const char *hdr, const char *name, char *val, size_t cap)
{
    size_t nl = strlen(name);
    for (const char *line = strstr(hdr, "\r\n"); line && line[2] != '\r'; line = strstr(line + 2, "\r\n")) {
        const char *h = line + 2;
        if (!strncasecmp(h, name, nl) && h[nl] == ':') {
            const char *v = h + nl + 1, *e = strstr(v, "\r\n");
            while (*v == ' ' || *v == '\t')
                v++;
            size_t l = e ? (size_t)(e - v) : strlen(v);
            if (l >= cap)
                l = cap - 1;
            memcpy(val, v, l);
            val[l] = '\0';
            return val;
        }
    }
    return NULL;
}

bool http_get(const char *base_url, const char *path, const char *api_key, int timeout_s, int *status, char **body,
              size_t *len, char *err, size_t errlen)
{
    http_url u;
    *body = NULL;
    if (!parse_url(base_url, &u, err, errlen))
        return false;
    size_t reqcap = strlen(path) + strlen(u.prefix) + strlen(u.host) + (api_key ? strlen(api_key) : 0) + 256;
    char *req = malloc(reqcap);
    if (!req) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    bool v6 = strchr(u.host, ':') != NULL;
    int n = snprintf(req, reqcap,
                     "GET %s%s HTTP/1.1\r\nHost: %s%s%s:%s\r\nAccept: application/json\r\nConnection: close\r\n"
                     "User-Agent: clrelu-cli\r\n",
                     u.prefix, path, v6 ? "[" : "", u.host, v6 ? "]" : "", u.port);
    if (api_key && *api_key)
        n += snprintf(req + n, reqcap - (size_t)n, "Authorization: Bearer %s\r\n", api_key);
    n += snprintf(req + n, reqcap - (size_t)n, "\r\n");
    int fd = connect_to(&u, timeout_s, err, errlen);
    if (fd < 0) {
        free(req);
        return false;
    }
    bool sent = send_all(fd, req, (size_t)n);
    free(req);
    if (!sent) {
        snprintf(err, errlen, "sending the request to %s:%s: %s", u.host, u.port, strerror(errno));
        close(fd);
        return false;
    }
    size_t total = 0;
    char *reply = recv_all(fd, &total, err, errlen);
    close(fd);
    if (!reply)
        return false;
    char *hdr_end = strstr(reply, "\r\n\r\n");
    int code = 0;
    if (!hdr_end || sscanf(reply, "HTTP/%*d.%*d %d", &code) != 1 || code < 100) {
        snprintf(err, errlen, "%s:%s did not answer HTTP", u.host, u.port);
        free(reply);
        return false;
    }
    hdr_end[2] = '\0'; /* the header block now ends with its last "\r\n" */
    char te[64] = "", cl[32] = "";
    bool chunked = header_value(reply, "Transfer-Encoding", te, sizeof te) && strstr(te, "chunked");
    bool has_len = header_value(reply, "Content-Length", cl, sizeof cl) != NULL;
    char *b = hdr_end + 4;
    size_t blen = total - (size_t)(b - reply);
    if (chunked && !dechunk(b, blen, &blen)) {
        snprintf(err, errlen, "%s:%s sent a malformed chunked body", u.host, u.port);
        free(reply);
        return false;
    }
    if (!chunked && has_len) {
        unsigned long long want = strtoull(cl, NULL, 10);
        if (want > blen) {
            snprintf(err, errlen, "the reply ended after %zu of %llu bytes", blen, want);
            free(reply);
            return false;
        }
        blen = (size_t)want;
    }
    memmove(reply, b, blen);
    reply[blen] = '\0';
    *status = code;
    *body = reply;
    *len = blen;
    return true;
}

bool http_query_add(char *buf, size_t cap, const char *name, const char *value)
{
    if (!value || !*value)
        return true;
    size_t n = strlen(buf);
    int w = snprintf(buf + n, cap - n, "%c%s=", strchr(buf, '?') ? '&' : '?', name);
    if (w < 0 || (size_t)w >= cap - n)
        return false;
    n += (size_t)w;
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        bool plain = isalnum(*p) || strchr("-._~:", *p);
        if (n + (plain ? 1 : 3) >= cap)
            return false;
        if (plain) {
            buf[n++] = (char)*p;
        } else {
            buf[n++] = '%';
            buf[n++] = hex[*p >> 4];
            buf[n++] = hex[*p & 15];
        }
    }
    buf[n] = '\0';
    return true;
}
