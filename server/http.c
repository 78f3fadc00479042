/* http.c: libmicrohttpd glue — per-request state, early checks, capped body accumulation, sending. */
#include "http.h"
#include "access_log.h"
#include "auth.h"
#include "codec/buf.h"
#include "codec/compress.h"
#include "conn_gate.h"
#include "metrics.h"
#include "names.h"
#include "router.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdatomic.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define COMPRESS_MIN_BYTES 256

/* Per-request state, in *req_cls from the first call to NOTIFY_COMPLETED. */
typedef struct {
    request rq;
    int route;                  /* index, -1: unmatched */
    bool responded;
    unsigned status;
    buf body;
    content_encoding enc;
    uint64_t bytes_out;
    uint64_t bytes_in;
    char method[16];
    char *path;
    char remote[64];
    bool rejected;              /* body refused while arriving: reject is sent once it ends */
    response reject;
} conn_state;

static const char *header(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* The memory behind a response sent as two pieces (body, then tail), freed by libmicrohttpd
 * once the response is no longer used. */
typedef struct {
    char *body;
    void *tail_alloc;
} two_pieces;

static void two_pieces_free(void *cls)
{
    two_pieces *tp = cls;
    free(tp->body);
    free(tp->tail_alloc);
    free(tp);
}

/* A libmicrohttpd response for rp's body followed by its tail, sent with one sendmsg from both
 * buffers (no copy); takes body and rp->tail_alloc. When the client wants compression the two
 * are joined and compressed instead (*ce set). */
static struct MHD_Response *tail_response(response *rp, char *body, size_t len, content_encoding want,
                                          size_t *sent, const char **ce)
{
    struct MHD_Response *r = NULL;
    void *tail_alloc = rp->tail_alloc;
    rp->tail_alloc = NULL;
    *sent = len + rp->tail_len;
    if (want != ENC_IDENTITY && *sent >= COMPRESS_MIN_BYTES) {
        char *joined = malloc(*sent);
        char *z = NULL;
        size_t zlen = 0;
        if (joined) {
            memcpy(joined, body, len);
            memcpy(joined + len, rp->tail, rp->tail_len);
        }
        if (joined && encode_body(want, joined, *sent, &z, &zlen) == 0) {
            r = MHD_create_response_from_buffer_with_free_callback(zlen, z, free);
            if (r) {
                *sent = zlen;
                *ce = encoding_name(want);
            } else {
                free(z);
            }
            free(joined);
            goto out;
        }
        free(joined);
    }
    two_pieces *tp = malloc(sizeof *tp);
    if (!tp)
        goto out;
    tp->body = body;
    tp->tail_alloc = tail_alloc;
    struct MHD_IoVec iov[2] = {{body ? body : "", len}, {rp->tail, rp->tail_len}};
    r = MHD_create_response_from_iovec(iov, 2, two_pieces_free, tp);
    if (r)
        return r;
    free(tp);
out:
    free(body);
    free(tail_alloc);
    return r;
}

/* Queue rp on c (compressing it when the client accepts gzip/deflate), taking its body. */
static enum MHD_Result send_response(server *s, conn_state *st, struct MHD_Connection *c, response *rp)
{
    char *body = rp->body;
    size_t len = rp->len;
    rp->body = NULL;
    const char *ce = NULL;
    content_encoding want = encoding_accept(header(c, MHD_HTTP_HEADER_ACCEPT_ENCODING));
    if (strcmp(st->method, "HEAD") == 0)
        want = ENC_IDENTITY;
    struct MHD_Response *r = NULL;
    if (rp->tail) {
        r = tail_response(rp, body, len, want, &len, &ce);
        if (!r)
            return MHD_NO;
        goto headers;
    }
    if (want != ENC_IDENTITY && body && len >= COMPRESS_MIN_BYTES) {
        char *z;
        size_t zlen;
        if (encode_body(want, body, len, &z, &zlen) == 0) {
            free(body);
            body = z;
            len = zlen;
            ce = encoding_name(want);
        }
    }
    r = MHD_create_response_from_buffer_with_free_callback(len, body ? body : (char *)"", body ? free : NULL);
    if (!r) {
        free(body);
        return MHD_NO;
    }
headers:
    if (rp->content_type)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, rp->content_type);
    if (rp->allow)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, rp->allow);
    if (rp->www_auth)
        MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"clrelu\"");
    if (rp->location[0])
        MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, rp->location);
    if (rp->header_len >= 0) {
        char v[32];
        snprintf(v, sizeof v, "%lld", rp->header_len);
        MHD_add_response_header(r, "Inference-Header-Content-Length", v);
    }
    if (ce)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, ce);
    MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
    if (atomic_load(&s->stopping))
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(c, rp->status, r);
    MHD_destroy_response(r);
    st->responded = true;
    st->status = rp->status;
    st->bytes_out = len;
    return ret;
}

/* Content types a body route takes; parameters after ';' are ignored. */
static bool content_type_ok(const char *ct, int body)
{
    if (!ct || !*ct)
        return true;
    size_t n = strcspn(ct, "; \t");
    /* curl -d labels bodies application/x-www-form-urlencoded; the body is still read as JSON. */
    if ((n == 16 && !strncasecmp(ct, "application/json", 16)) || (n == 10 && !strncasecmp(ct, "text/plain", 10)) ||
        (n == 33 && !strncasecmp(ct, "application/x-www-form-urlencoded", 33)))
        return true;
    return body == BODY_INFER && n == 24 && !strncasecmp(ct, "application/octet-stream", 24);
}

/* The key is compared in constant time (auth.c). */
static bool api_key_ok(const server *s, struct MHD_Connection *c)
{
    return auth_headers_ok(header(c, MHD_HTTP_HEADER_AUTHORIZATION), header(c, "X-API-Key"), s->cfg.api_key);
}

/* Policy: with --api-key, routes that cost device time or change state (route.auth: every POST
 * and DELETE) need the key; with --protect-reads as well, every route except the health probes. */
static bool needs_key(const server *s, const route *r, const char *path)
{
    if (!s->cfg.api_key)
        return false;
    return r->auth || (s->cfg.protect_reads && strncmp(path, "/v2/health/", 11) != 0);
}

/* Names a request supplies that may name files (model, version, benchmark id) must be safe
 * (names.c); the id is the last segment of /v1/benchmarks/{id}. */
static bool request_names_ok(const route *r, const request *rq)
{
    if ((rq->model[0] && !name_is_safe(rq->model)) || (rq->version[0] && !name_is_safe(rq->version)))
        return false;
    const char *last = strrchr(rq->path, '/');
    return !strstr(r->pattern, "{id}") || (last && name_is_safe(last + 1));
}

/* Content-Length headers of a request: the first value, and whether another one differs. */
typedef struct {
    int n;
    const char *first;
    bool conflict;
} length_headers;

static enum MHD_Result note_length(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    length_headers *l = cls;
    (void)kind;
    if (key && strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        if (l->n++ == 0)
            l->first = value;
        else if (!value || !l->first || strcmp(value, l->first) != 0)
            l->conflict = true;
    }
    return MHD_YES;
}

/* Checks made from the headers alone, before any body byte is stored: conflicting
 * Content-Length headers (400, RFC 9112 §6.3: the body's end is unknown, so the connection is
 * closed — a proxy that took the other length would see a smuggled request), route (404/405),
 * API key (401), Content-Type and Content-Encoding (415), Content-Length (413) and the
 * binary extension's header (400). Returns false with rp filled when the request fails. */
static bool early_checks(server *s, conn_state *st, struct MHD_Connection *c, response *rp)
{
    length_headers lengths = {0};
    MHD_get_connection_values(c, MHD_HEADER_KIND, note_length, &lengths);
    if (lengths.conflict) {
        st->route = -1;
        response_error(rp, 400, "conflicting Content-Length headers");
        return false;
    }
    const char *allow = NULL;
    route_result rr = router_match(st->method, st->path, &st->route, &st->rq, &allow);
    if (rr == ROUTE_NOT_FOUND) {
        st->route = -1;
        response_error(rp, 404, "no route for %s", st->path);
        return false;
    }
    if (rr == ROUTE_BAD_METHOD) {
        st->route = -1;
        response_error(rp, 405, "method %s is not allowed on %s (allowed: %s)", st->method, st->path, allow);
        rp->allow = allow;
        return false;
    }
    const route *r = router_at(st->route);
    if (!request_names_ok(r, &st->rq)) {
        response_error(rp, 400, "invalid name in %s (use letters, digits, '_', '-' and '.', at most %d)",
                       st->path, NAME_MAX_LEN);
        return false;
    }
    if (needs_key(s, r, st->path) && !api_key_ok(s, c)) {
        response_error(rp, 401, "missing or wrong API key (send Authorization: Bearer KEY or X-API-Key)");
        rp->www_auth = true;
        return false;
    }
    if (r->body == BODY_NONE)
        return true;
    const char *ct = header(c, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (!content_type_ok(ct, r->body)) {
        response_error(rp, 415, "unsupported Content-Type '%s' (use application/json%s)", ct,
                       r->body == BODY_INFER ? " or application/octet-stream" : "");
        return false;
    }
    const char *ce = header(c, MHD_HTTP_HEADER_CONTENT_ENCODING);
    st->enc = encoding_parse(ce);
    if (st->enc == ENC_UNSUPPORTED) {
        response_error(rp, 415, "unsupported Content-Encoding '%s' (use gzip, deflate or identity)", ce);
        return false;
    }
    const char *cl = header(c, MHD_HTTP_HEADER_CONTENT_LENGTH);
    unsigned long long content_length = 0;
    if (cl) {
        errno = 0;
        char *end;
        content_length = strtoull(cl, &end, 10);
        if (errno || end == cl || content_length > s->cfg.max_body) {
            response_error(rp, 413, "request body of %s bytes exceeds the limit of %zu bytes", cl, s->cfg.max_body);
            return false;
        }
    }
    const char *ih = header(c, "Inference-Header-Content-Length");
    if (ih) {
        if (r->body != BODY_INFER) {
            st->rq.header_len = -1;
        } else {
            char *end;
            errno = 0;
            long long v = strtoll(ih, &end, 10);
            if (errno || end == ih || *end || v < 0) {
                response_error(rp, 400, "Inference-Header-Content-Length '%s' is not a non-negative integer", ih);
                return false;
            }
            st->rq.header_len = v;
        }
    }
    st->body.limit = s->cfg.max_body;
    /* A body of known length gets its whole buffer now instead of growing by doubling (each
     * step a copy), placed so that the binary extension's first tensor (after the JSON header)
     * is aligned and can be computed on in place (routes_v2.c). */
    if (content_length) {
        size_t at = st->rq.header_len > 0 ? (size_t)st->rq.header_len : 0;
        if (buf_presize(&st->body, (size_t)content_length, at) != BUF_OK) {
            response_error(rp, 503, "out of memory for a request body of %s bytes", cl);
            return false;
        }
    }
    return true;
}

/* The body is complete: decode it, run the handler, send its response. */
static enum MHD_Result finish(server *s, conn_state *st, struct MHD_Connection *c)
{
    response rp = {.header_len = -1};
    char *decoded = NULL;
    size_t dlen = 0;
    st->rq.body = st->body.data;
    st->rq.len = st->body.len;
    if (st->enc != ENC_IDENTITY) {
        inflate_result ir = decode_body(st->enc, st->body.data, st->body.len, s->cfg.max_body, &decoded, &dlen);
        if (ir == INFLATE_TOO_LARGE) {
            response_error(&rp, 413, "decompressed request body exceeds the limit of %zu bytes", s->cfg.max_body);
            goto send;
        }
        if (ir != INFLATE_OK) {
            response_error(&rp, ir == INFLATE_NO_MEMORY ? 503 : 400, "request body is not valid %s data",
                           encoding_name(st->enc));
            goto send;
        }
        buf_free(&st->body);
        st->rq.body = decoded;
        st->rq.len = dlen;
    }
    st->rq.t_body_ns = now_ns();
    router_at(st->route)->handler(s, &st->rq, &rp);
    if (rp.tail && !rp.tail_alloc) {
        /* the tail lies in the request body: the response keeps the body's memory until sent */
        if (decoded) {
            rp.tail_alloc = decoded;
            decoded = NULL;
        } else {
            char *data;
            rp.tail_alloc = buf_take_block(&st->body, &data);
        }
    }
send:;
    enum MHD_Result ret = send_response(s, st, c, &rp);
    free(decoded);
    st->rq.body = NULL;
    buf_free(&st->body);
    return ret;
}

static conn_state *state_new(server *s, struct MHD_Connection *c, const char *url, const char *method)
{
    conn_state *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->path = strdup(url);
    if (!st->path) {
        free(st);
        return NULL;
    }
    snprintf(st->method, sizeof st->method, "%s", method);
    st->route = -1;
    st->rq.method = st->method;
    st->rq.path = st->path;
    st->rq.conn = c;
    st->rq.header_len = -1;
    st->rq.zero_copy = true;
    st->rq.t_start_ns = now_ns();
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(st->remote, sizeof st->remote, "-");
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, st->remote, sizeof st->remote);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, st->remote, sizeof st->remote);
    }
    pthread_mutex_lock(&s->inflight_lock);
    s->inflight++;
    pthread_mutex_unlock(&s->inflight_lock);
    metrics_inflight(s->metrics, 1);
    return st;
}

/* MHD access handler: called once with the headers, then per body chunk, then once more with
 * an empty chunk when the body is complete. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    server *s = cls;
    conn_state *st = *req_cls;
    if (!st) {
        st = state_new(s, c, url, method);
        if (!st)
            return MHD_NO;
        *req_cls = st;
        response rp = {.header_len = -1};
        /* A failed check is answered now, before any body is read (libmicrohttpd then closes
         * the connection). Everything else, bodyless routes included, is answered once the
         * request is complete, so that the connection can be kept alive. */
        if (!early_checks(s, st, c, &rp))
            return send_response(s, st, c, &rp);
        return MHD_YES;
    }
    if (st->responded) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (st->rejected) {
        /* libmicrohttpd takes no response while a body is arriving (a chunked one has no
         * Content-Length to refuse early): discard the rest, then answer the stored error.
         * A client that keeps sending past 4x the limit is disconnected. */
        if (*upload_data_size) {
            st->bytes_in += *upload_data_size;
            *upload_data_size = 0;
            return st->bytes_in / 4 > s->cfg.max_body ? MHD_NO : MHD_YES;
        }
        return send_response(s, st, c, &st->reject);
    }
    if (*upload_data_size && router_at(st->route)->body == BODY_NONE) {
        /* a body sent to a route that takes none is read and dropped, up to the body limit */
        st->bytes_in += *upload_data_size;
        *upload_data_size = 0;
        return st->bytes_in > s->cfg.max_body ? MHD_NO : MHD_YES;
    }
    if (*upload_data_size) {
        st->bytes_in += *upload_data_size;
        buf_result br = buf_append(&st->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        if (br != BUF_OK) {
            st->reject = (response){.header_len = -1};
            if (br == BUF_TOO_LARGE)
                response_error(&st->reject, 413, "request body exceeds the limit of %zu bytes", s->cfg.max_body);
            else
                response_error(&st->reject, 503, "out of memory reading the request body");
            st->rejected = true;
            buf_free(&st->body);
        }
        return MHD_YES;
    }
    return finish(s, st, c);
}

/* NOTIFY_COMPLETED: access log, metrics, in-flight count, and the request state is freed. */
static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls, enum MHD_RequestTerminationCode toe)
{
    server *s = cls;
    conn_state *st = *req_cls;
    if (!st)
        return;
    *req_cls = NULL;
    uint64_t dur = now_ns() - st->rq.t_start_ns;
    unsigned status = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? st->status : 0;
    const route *r = router_at(st->route);
    access_entry e = {st->method, st->path, st->remote, r ? r->name : "unmatched", status,
                      st->bytes_in, st->bytes_out, dur};
    access_log_write(&s->log, &e);
    if (status)
        metrics_request_done(s->metrics, st->route, status, dur, st->bytes_in, st->bytes_out);
    metrics_inflight(s->metrics, -1);
    buf_free(&st->body);
    free(st->reject.body);
    free(st->path);
    free(st);
    pthread_mutex_lock(&s->inflight_lock);
    s->inflight--;
    pthread_mutex_unlock(&s->inflight_lock);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    const server *s = cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    server_log(&s->log, CLRELU_LOG_WARN, "libmicrohttpd: %s", msg);
}

/* NOTIFY_CONNECTION: the gate counts the daemon's connections for --max-connections and
 * --per-ip-limit; a connection is counted once started (the marker in *socket_context). */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context, enum MHD_ConnectionNotificationCode toe)
{
    server *s = cls;
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_context = s;
        gate_daemon_opened(s->gate, sa);
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
        *socket_context = NULL;
        gate_daemon_closed(s->gate, sa);
    }
}

/* The daemon has no listening socket of its own: the gate (conn_gate.c) accepts, answers
 * connections whose first bytes cannot start a request, enforces --max-connections and
 * --per-ip-limit, and hands the rest over with MHD_add_connection. */
int http_start(server *s)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC | MHD_USE_ERROR_LOG |
                     MHD_USE_NO_LISTEN_SOCKET;
    struct MHD_OptionItem opts[16];
    int n = 0;
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, s};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, s};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, s};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)s->cfg.timeout_s, NULL};
    /* the gate keeps to the limit; the daemon's own is a backstop with room for the moment
     * between a hand-over and its NOTIFY_CONNECTION_STARTED */
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, (intptr_t)(s->cfg.max_connections + s->cfg.threads + 16), NULL};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)(128 * 1024), NULL};
    if (s->cfg.threads > 1)
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)s->cfg.threads, NULL};
    if (s->tls_cert_pem && s->tls_key_pem) {
        flags |= MHD_USE_TLS;
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_cert_pem};
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key_pem};
    }
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};

    s->gate = gate_open(s);
    if (!s->gate)
        return -1;
    s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (!s->daemon)
        server_log(&s->log, CLRELU_LOG_ERROR, "cannot start libmicrohttpd");
    if (!s->daemon || gate_run(s->gate, s->daemon) != 0) {
        if (s->daemon)
            MHD_stop_daemon(s->daemon);
        s->daemon = NULL;
        gate_free(s->gate);
        s->gate = NULL;
        return -1;
    }
    return 0;
}

unsigned http_stop(server *s, unsigned grace_ms)
{
    if (!s->daemon)
        return 0;
    atomic_store(&s->stopping, true);
    /* The gate closes the listening socket; connections it holds are still handed over. */
    gate_quiesce(s->gate);
    /* Wait until no request is in flight and no connection is open: connections accepted
     * before the quiesce are still read and answered (with Connection: close). */
    uint64_t deadline = now_ns() + (uint64_t)grace_ms * 1000000u;
    unsigned left;
    for (;;) {
        pthread_mutex_lock(&s->inflight_lock);
        left = s->inflight;
        pthread_mutex_unlock(&s->inflight_lock);
        const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
        unsigned conns = (di ? di->num_connections : 0) + gate_held(s->gate);
        if ((left == 0 && conns == 0) || now_ns() >= deadline)
            break;
        struct timespec pause = {0, 10 * 1000000L};
        nanosleep(&pause, NULL);
    }
    gate_stop(s->gate); /* no more hand-overs */
    MHD_stop_daemon(s->daemon);
    s->daemon = NULL;
    gate_free(s->gate);
    s->gate = NULL;
    return left;
}
