/* conn_gate.c: the listening socket, and a gate that answers connections whose first bytes cannot start a request before libmicrohttpd sees them. */
#define _GNU_SOURCE /* accept4 */
#include "conn_gate.h"
#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define GATE_PEEK 16                 /* bytes looked at; only the first non-CR/LF one decides */
#define GATE_MAX_EMPTY 1024          /* CR/LF bytes ignored before a request line, at most */
#define GATE_LINGER_NS 1000000000ull /* an answered connection is drained this long before close */
#define GATE_LINGER_BYTES (64u << 10) /* ... or until this much more arrived */
#define GATE_BACKLOG 256
#define IP_BUCKETS 1024

/* A connection the gate holds: waiting for its first bytes, or draining after a 400. */
typedef struct held_conn {
    int fd;
    struct sockaddr_storage addr;
    socklen_t alen;
    uint64_t t0_ns, deadline_ns;
    size_t skipped;              /* CR/LF bytes discarded */
    uint64_t drained;            /* bytes read and dropped while closing */
    bool closing;
    bool watched;                /* in the epoll set */
    struct held_conn *prev, *next;
} held_conn;

typedef struct {
    held_conn *head, *tail;      /* in deadline order: every entry of a list has the same wait */
} conn_list;

/* Open connections per client address (only with --per-ip-limit). */
typedef struct ip_count {
    unsigned char key[17];       /* family byte + 4 or 16 address bytes */
    unsigned n;
    struct ip_count *next;
} ip_count;

struct conn_gate {
    server *s;
    struct MHD_Daemon *d;
    int lfd, ep, wake;
    pthread_t thread;
    atomic_bool quit, quiesce, full;
    atomic_uint open;            /* held here + open in the daemon */
    atomic_uint held;
    bool listening;              /* the listening socket is in the epoll set (gate thread only) */
    uint64_t resume_ns;          /* accept paused until then after EMFILE (gate thread only) */
    conn_list waiting, closing;
    pthread_mutex_t ip_lock;
    ip_count *ips[IP_BUCKETS];
};

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* RFC 9110 §5.6.2 tchar. */
static bool is_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

gate_verdict gate_classify(const unsigned char *b, size_t n, bool tls, size_t *skip)
{
    *skip = 0;
    if (tls)
        return b[0] == 0x16 ? GATE_PASS : GATE_BAD;
    size_t k = 0;
    while (k < n && (b[k] == '\r' || b[k] == '\n'))
        k++;
    *skip = k;
    if (k == n)
        return GATE_MORE;
    return is_tchar(b[k]) ? GATE_PASS : GATE_BAD;
}

/* ---- counts: all connections, and per client address ----------------------------------------- */

static size_t ip_key(const struct sockaddr *sa, unsigned char key[17])
{
    memset(key, 0, 17);
    if (sa && sa->sa_family == AF_INET) {
        key[0] = 4;
        memcpy(key + 1, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
        return 5;
    }
    if (sa && sa->sa_family == AF_INET6) {
        key[0] = 6;
        memcpy(key + 1, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
        return 17;
    }
    return 0;
}

/* Add delta to sa's count; with limit > 0 an increment that would pass it is refused (false). */
static bool ip_adjust(conn_gate *g, const struct sockaddr *sa, int delta, unsigned limit)
{
    unsigned char key[17];
    if (!g->s->cfg.per_ip_limit || !ip_key(sa, key))
        return true;
    unsigned h = 2166136261u;
    for (int i = 0; i < 17; i++)
        h = (h ^ key[i]) * 16777619u;
    bool ok = true;
    pthread_mutex_lock(&g->ip_lock);
    ip_count **pp = &g->ips[h % IP_BUCKETS];
    while (*pp && memcmp((*pp)->key, key, 17) != 0)
        pp = &(*pp)->next;
    ip_count *e = *pp;
    if (delta > 0) {
        if (!e && (e = calloc(1, sizeof *e)) != NULL) {
            memcpy(e->key, key, 17);
            *pp = e;
        }
        if (!e || (limit && e->n >= limit))
            ok = false;
        else
            e->n++;
    } else if (e && e->n && --e->n == 0) {
        *pp = e->next;
        free(e);
    }
    pthread_mutex_unlock(&g->ip_lock);
    return ok;
}

static void wake(conn_gate *g)
{
    uint64_t one = 1;
    ssize_t w = write(g->wake, &one, sizeof one);
    (void)w;
}

/* One connection fewer: wake the gate if it stopped accepting at the limit. */
static void release(conn_gate *g, const struct sockaddr *sa)
{
    ip_adjust(g, sa, -1, 0);
    atomic_fetch_sub(&g->open, 1);
    if (atomic_load(&g->full))
        wake(g);
}

void gate_daemon_opened(conn_gate *g, const struct sockaddr *sa)
{
    if (!g)
        return;
    ip_adjust(g, sa, 1, 0);
    atomic_fetch_add(&g->open, 1);
}

void gate_daemon_closed(conn_gate *g, const struct sockaddr *sa)
{
    if (g)
        release(g, sa);
}

/* ---- connections held by the gate --------------------------------------------------------------- */

static void list_push(conn_list *l, held_conn *c)
{
    c->next = NULL;
    c->prev = l->tail;
    if (l->tail)
        l->tail->next = c;
    else
        l->head = c;
    l->tail = c;
}

static void list_unlink(conn_list *l, held_conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        l->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        l->tail = c->prev;
    c->prev = c->next = NULL;
}

/* Forget c: out of its list and the epoll set; closed unless handed over. */
static void drop(conn_gate *g, held_conn *c, bool close_fd)
{
    list_unlink(c->closing ? &g->closing : &g->waiting, c);
    if (c->watched)
        epoll_ctl(g->ep, EPOLL_CTL_DEL, c->fd, NULL);
    if (close_fd)
        close(c->fd);
    atomic_fetch_sub(&g->held, 1);
    release(g, (const struct sockaddr *)&c->addr);
    free(c);
}

/* Read and drop what the client sent; false once it closed, failed or sent too much. */
static bool drain(held_conn *c)
{
    char sink[4096];
    for (;;) {
        ssize_t n = recv(c->fd, sink, sizeof sink, MSG_DONTWAIT);
        if (n > 0) {
            c->drained += (uint64_t)n;
            if (c->drained > GATE_LINGER_BYTES)
                return false;
            continue;
        }
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
    }
}

/* Answer c with a JSON 400 and Connection: close, then drain it for a short while so that the
 * answer is not lost to a reset (closing a socket with unread bytes sends RST). */
static void reject(conn_gate *g, held_conn *c, const char *why)
{
    server *s = g->s;
    char body[256], head[256], date[64];
    int blen = snprintf(body, sizeof body, "{\"error\": \"%s\"}", why);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    int hlen = snprintf(head, sizeof head,
                        "HTTP/1.1 400 Bad Request\r\nDate: %s\r\nContent-Type: application/json\r\n"
                        "Connection: close\r\nContent-Length: %d\r\n\r\n",
                        date, blen);
    drain(c);
    struct iovec iov[2] = {{head, (size_t)hlen}, {body, (size_t)blen}};
    struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
    ssize_t sent = sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
    shutdown(c->fd, SHUT_WR);
    char remote[64] = "-";
    const struct sockaddr *sa = (const struct sockaddr *)&c->addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, remote, sizeof remote);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, remote, sizeof remote);
    uint64_t dur = mono_ns() - c->t0_ns, out = sent > 0 ? (uint64_t)sent : 0;
    access_entry e = {"-", "-", remote, "unmatched", sent > 0 ? 400 : 0, c->skipped + c->drained, out, dur};
    access_log_write(&s->log, &e);
    if (sent > 0)
        metrics_request_done(s->metrics, -1, 400, dur, e.bytes_in, out);
    list_unlink(&g->waiting, c);
    c->closing = true;
    c->deadline_ns = mono_ns() + GATE_LINGER_NS;
    list_push(&g->closing, c);
    if (!c->watched) {
        struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
        c->watched = epoll_ctl(g->ep, EPOLL_CTL_ADD, c->fd, &ev) == 0;
    }
}

/* c's first bytes may have arrived: wait, hand it over, or answer it. True while c still waits
 * for its first bytes (c is gone or closing otherwise). */
static bool inspect(conn_gate *g, held_conn *c)
{
    unsigned char b[GATE_PEEK];
    ssize_t n = recv(c->fd, b, sizeof b, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        drop(g, c, true); /* the client left before a request */
        return false;
    }
    if (n < 0)
        return true;
    size_t skip;
    gate_verdict v = gate_classify(b, (size_t)n, g->s->tls_cert_pem != NULL, &skip);
    if (v == GATE_MORE) {
        /* empty lines before the request line (RFC 9112 §2.2): discard them and wait */
        ssize_t r = recv(c->fd, b, skip, MSG_DONTWAIT);
        c->skipped += r > 0 ? (size_t)r : 0;
        if (c->skipped <= GATE_MAX_EMPTY)
            return true;
        reject(g, c, "more than 1024 bytes of empty lines before the request line");
        return false;
    }
    if (v == GATE_BAD) {
        char why[160];
        if (g->s->tls_cert_pem)
            snprintf(why, sizeof why, "this port speaks HTTPS: byte 0x%02x is not the start of a TLS handshake "
                                      "(plain HTTP sent to an HTTPS port?)", b[0]);
        else
            snprintf(why, sizeof why, "a request starts with a method (RFC 9112 section 3): byte 0x%02x at offset %zu "
                                      "cannot start one", b[skip], c->skipped + skip);
        reject(g, c, why);
        return false;
    }
    int fd = c->fd;
    struct sockaddr_storage addr = c->addr;
    socklen_t alen = c->alen;
    drop(g, c, false);
    /* the daemon counts it from NOTIFY_CONNECTION_STARTED; it closes fd when it fails */
    MHD_add_connection(g->d, fd, (const struct sockaddr *)&addr, alen);
    return false;
}

/* ---- the thread ------------------------------------------------------------------------------ */

static void listen_watch(conn_gate *g, bool on)
{
    if (on == g->listening || g->lfd < 0)
        return;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &g->lfd};
    epoll_ctl(g->ep, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, g->lfd, on ? &ev : NULL);
    g->listening = on;
}

static void accept_ready(conn_gate *g)
{
    server *s = g->s;
    for (;;) {
        if (atomic_load(&g->open) >= s->cfg.max_connections) {
            /* at the limit: stop watching the socket (the rest wait in the backlog) until a
             * connection closes; the flag is set before the re-check so no release is missed */
            atomic_store(&g->full, true);
            if (atomic_load(&g->open) >= s->cfg.max_connections) {
                listen_watch(g, false);
                return;
            }
            atomic_store(&g->full, false);
        }
        held_conn *c = calloc(1, sizeof *c);
        if (!c)
            return;
        c->alen = sizeof c->addr;
        c->fd = accept4(g->lfd, (struct sockaddr *)&c->addr, &c->alen, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c->fd < 0) {
            int err = errno;
            free(c);
            if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
                server_log(&s->log, CLRELU_LOG_WARN, "accept: %s (pausing 100 ms)", strerror(err));
                listen_watch(g, false);
                g->resume_ns = mono_ns() + 100000000ull;
            }
            return;
        }
        if (!ip_adjust(g, (const struct sockaddr *)&c->addr, 1, s->cfg.per_ip_limit)) {
            close(c->fd); /* over --per-ip-limit: refused as libmicrohttpd refused it */
            free(c);
            continue;
        }
        atomic_fetch_add(&g->open, 1);
        atomic_fetch_add(&g->held, 1);
        c->t0_ns = mono_ns();
        c->deadline_ns = s->cfg.timeout_s ? c->t0_ns + (uint64_t)s->cfg.timeout_s * 1000000000ull : UINT64_MAX;
        list_push(&g->waiting, c);
        /* the request often arrived with the connection: decided without the epoll set */
        if (inspect(g, c)) {
            struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
            c->watched = epoll_ctl(g->ep, EPOLL_CTL_ADD, c->fd, &ev) == 0;
            if (!c->watched)
                drop(g, c, true);
        }
    }
}

static void expire(conn_gate *g, uint64_t now)
{
    while (g->waiting.head && g->waiting.head->deadline_ns <= now)
        drop(g, g->waiting.head, true); /* idle past --timeout, as the daemon would drop it */
    while (g->closing.head && g->closing.head->deadline_ns <= now)
        drop(g, g->closing.head, true);
}

static int wait_ms(conn_gate *g, uint64_t now)
{
    uint64_t next = UINT64_MAX;
    if (g->waiting.head)
        next = g->waiting.head->deadline_ns;
    if (g->closing.head && g->closing.head->deadline_ns < next)
        next = g->closing.head->deadline_ns;
    if (g->resume_ns && g->resume_ns < next)
        next = g->resume_ns;
    if (next == UINT64_MAX)
        return -1;
    return next <= now ? 0 : (int)((next - now) / 1000000ull + 1);
}

static void *gate_main(void *arg)
{
    conn_gate *g = arg;
    struct epoll_event evs[64];
    while (!atomic_load(&g->quit)) {
        int n = epoll_wait(g->ep, evs, 64, wait_ms(g, mono_ns()));
        for (int i = 0; i < n; i++) {
            void *p = evs[i].data.ptr;
            if (p == &g->wake) {
                uint64_t v;
                ssize_t r = read(g->wake, &v, sizeof v);
                (void)r;
            } else if (p == &g->lfd) {
                accept_ready(g);
            } else {
                held_conn *c = p;
                if (!c->closing)
                    inspect(g, c);
                else if (!drain(c))
                    drop(g, c, true);
            }
        }
        uint64_t now = mono_ns();
        expire(g, now);
        if (atomic_load(&g->quiesce) && g->lfd >= 0) {
            listen_watch(g, false);
            close(g->lfd);
            g->lfd = -1;
        }
        if (g->resume_ns && now >= g->resume_ns)
            g->resume_ns = 0;
        if (!g->listening && !g->resume_ns && g->lfd >= 0 && atomic_load(&g->open) < g->s->cfg.max_connections) {
            atomic_store(&g->full, false);
            listen_watch(g, true);
        }
    }
    return NULL;
}

/* ---- start and stop ---------------------------------------------------------------------------- */

/* A listening socket on --host/--port, as libmicrohttpd made it: SO_REUSEADDR, IPv6 only on an
 * IPv6 address, a backlog of 256. */
static int listen_on(server *s)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    char port[16];
    snprintf(port, sizeof port, "%u", s->cfg.port);
    int gai = getaddrinfo(s->cfg.host, port, &hints, &ai);
    if (gai != 0) {
        server_log(&s->log, CLRELU_LOG_ERROR, "cannot resolve --host %s: %s", s->cfg.host, gai_strerror(gai));
        return -1;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0) {
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (ai->ai_family == AF_INET6)
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, GATE_BACKLOG) != 0) {
        server_log(&s->log, CLRELU_LOG_ERROR, "cannot listen on %s:%u: %s", s->cfg.host, s->cfg.port, strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd >= 0) {
        struct sockaddr_storage sa;
        socklen_t len = sizeof sa;
        if (getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
            s->bound_port = ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port
                                                            : ((struct sockaddr_in *)&sa)->sin_port);
    }
    return fd;
}

conn_gate *gate_open(server *s)
{
    conn_gate *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->s = s;
    g->lfd = g->ep = g->wake = -1;
    atomic_store(&g->quit, true); /* no thread until gate_run */
    pthread_mutex_init(&g->ip_lock, NULL);
    g->lfd = listen_on(s);
    g->ep = epoll_create1(EPOLL_CLOEXEC);
    g->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &g->wake};
    if (g->lfd < 0 || g->ep < 0 || g->wake < 0 || epoll_ctl(g->ep, EPOLL_CTL_ADD, g->wake, &ev) != 0)
        goto fail;
    listen_watch(g, true);
    return g;
fail:
    gate_free(g);
    return NULL;
}

int gate_run(conn_gate *g, struct MHD_Daemon *d)
{
    g->d = d;
    atomic_store(&g->quit, false);
    if (pthread_create(&g->thread, NULL, gate_main, g) != 0) {
        atomic_store(&g->quit, true);
        server_log(&g->s->log, CLRELU_LOG_ERROR, "cannot start the connection gate's thread");
        return -1;
    }
    return 0;
}

void gate_quiesce(conn_gate *g)
{
    atomic_store(&g->quiesce, true);
    wake(g);
}

unsigned gate_held(conn_gate *g) { return g ? atomic_load(&g->held) : 0; }

void gate_stop(conn_gate *g)
{
    if (!g)
        return;
    if (!atomic_load(&g->quit)) {
        atomic_store(&g->quit, true);
        wake(g);
        pthread_join(g->thread, NULL);
    }
    while (g->waiting.head)
        drop(g, g->waiting.head, true);
    while (g->closing.head)
        drop(g, g->closing.head, true);
    if (g->lfd >= 0)
        close(g->lfd);
    g->lfd = -1;
}

void gate_free(conn_gate *g)
{
    if (!g)
        return;
    gate_stop(g);
    if (g->ep >= 0)
        close(g->ep);
    if (g->wake >= 0)
        close(g->wake);
    for (int i = 0; i < IP_BUCKETS; i++)
        while (g->ips[i]) {
            ip_count *e = g->ips[i];
            g->ips[i] = e->next;
            free(e);
        }
    pthread_mutex_destroy(&g->ip_lock);
    free(g);
}
