/* server.h: types shared by the files of `clrelu serve` (configuration, server state, requests, responses). */
#ifndef CLRELU_SERVER_H
#define CLRELU_SERVER_H

#include "access_log.h"
#include "clrelu.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct MHD_Daemon;
struct MHD_Connection;
struct metrics;
struct model_stats;
struct bench_jobs;
struct served_models;
struct shm_registry;

/* Everything the command line and the environment configure. */
typedef struct {
    const char *host;           /* bind address (numeric or name) */
    unsigned port;              /* 0: pick a free port */
    const char *device;         /* default device selector ("auto") */
    size_t max_body;            /* bytes, applies before and after decompression */
    size_t max_elements;        /* per tensor */
    const char *api_key;        /* NULL: no authentication */
    clrelu_log_level log_level;
    unsigned threads;           /* MHD worker threads */
    unsigned max_connections;
    unsigned per_ip_limit;      /* 0: unlimited */
    unsigned timeout_s;         /* idle connection timeout */
    unsigned device_slots;      /* concurrent runs per device */
    bool no_opencl;
    bool access_log;
    const char *results_dir;    /* benchmark results (bench_jobs.c); NULL: the default */
    const char *results_db;     /* results store URL (sqlite:PATH, postgresql://…); NULL: sqlite:<results dir>/results.db */
    const char *machine_id;     /* this daemon's machine id in the store; NULL: the library's default */
    char *labels_json;          /* --label key=value pairs as a JSON object (malloc'd); NULL: none */
    const char *model_repository; /* MLP models to serve (models.c); NULL: none */
    const char *tls_cert, *tls_key; /* PEM files; both set: HTTPS (tls.c) */
    bool protect_reads;         /* with api_key: every route except the health probes needs the key */
    bool fault_injection;       /* enables POST /v1/debug/faults (routes_debug.c) */
    unsigned shm_max_regions;   /* system shared-memory regions at most (shm_regions.c); 0: extension off */
    uint64_t shm_max_bytes;     /* their byte sizes added up, at most */
} server_config;

/* A device as the server sees it: the library device plus a small semaphore that bounds
 * concurrent runs on it (the time spent waiting for a slot is the "queue" time). */
typedef struct {
    const clrelu_device *dev;
    const clrelu_device_info *info;
    pthread_mutex_t lock;
    pthread_cond_t free_slot;
    unsigned busy;
    unsigned slots;
} server_device;

typedef struct server {
    server_config cfg;
    clrelu_context *ctx;
    server_device *devices;
    int n_devices;
    int default_device;         /* index into devices */
    struct MHD_Daemon *daemon;
    struct conn_gate *gate;     /* the listening socket and the gate before the daemon (conn_gate.c) */
    unsigned bound_port;
    struct metrics *metrics;
    struct model_stats *stats;
    struct served_models *models; /* every served model: ops and MLP models (served.c) */
    pthread_mutex_t inflight_lock;
    unsigned inflight;
    char *tls_cert_pem, *tls_key_pem; /* loaded by tls.c when HTTPS is on */
    struct bench_jobs *bench;   /* benchmark job queue (bench_jobs.c) */
    struct shm_registry *shm;   /* system shared-memory regions (shm_regions.c); NULL: extension off */
    server_logger log;          /* this server's log level (access_log.c) */
    atomic_bool stopping;       /* set once by http_stop, read by the worker threads (http.c) */
} server;

/* A response under construction. Handlers fill it; http.c sends it (compressing if the client
 * asked) and frees the body. */
typedef struct {
    unsigned status;
    char *body;                 /* malloc'd, owned by the response */
    size_t len;
    const char *content_type;   /* static string */
    const char *allow;          /* static; set for 405 */
    long long header_len;       /* Inference-Header-Content-Length, -1: none */
    bool www_auth;              /* add WWW-Authenticate for 401 */
    char location[128];         /* Location header when non-empty (202/201) */
    /* Bytes sent after body without being copied (a binary output tensor), NULL: none.
     * tail_alloc is the malloc'd block holding them, freed once sent; when it is NULL the tail
     * lies inside the request body, which http.c then keeps alive until it is sent. */
    const char *tail;
    size_t tail_len;
    void *tail_alloc;
} response;

/* A parsed request as handlers see it. */
typedef struct {
    const char *method;
    const char *path;
    struct MHD_Connection *conn;
    const char *body;           /* decoded (decompressed) body, may be NULL when len == 0 */
    size_t len;
    long long header_len;       /* Inference-Header-Content-Length, -1: absent */
    char model[128];            /* path capture {model} ("" when the route has none) */
    char version[64];           /* path capture {version} ("" when absent) */
    uint64_t t_start_ns;        /* first byte of the request handled */
    uint64_t t_body_ns;         /* body complete */
    /* Set by http.c: body is the request's own writable buffer (a handler may run an op in
     * place on it) and the response may carry a tail. Callers that pass borrowed bytes (the
     * fuzz harnesses) leave it false and get copies. */
    bool zero_copy;
} request;

/* ---- responses (response.c) --------------------------------------------------------------- */
void response_json_text(response *r, unsigned status, char *text);          /* takes text */
void response_error(response *r, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
struct cJSON;
/* Print and delete obj; 500 if printing fails. */
void response_json(response *r, unsigned status, struct cJSON *obj);
/* Map a library status to an HTTP status: bad input 400, unknown 404, unsupported 400,
 * out of memory / device / build errors 503. */
unsigned http_status_of(clrelu_status st);

/* ---- monotonic time (response.c) ---------------------------------------------------------- */
uint64_t now_ns(void);
uint64_t wall_ms(void);

/* ---- server devices (devices.c) ----------------------------------------------------------- */
/* Resolve a selector ("auto", "cpu", "host", an id like "cpu:0", or NULL for the default). */
clrelu_status server_pick_device(server *s, const char *selector, server_device **out);
void server_device_acquire(server_device *d);
void server_device_release(server_device *d);

/* Result of running one op through a device slot; all times in ns. */
typedef struct {
    uint64_t queue_ns;
    clrelu_timing timing;
} exec_times;
/* Run args on d: waits for a slot, runs, records kernel metrics. */
clrelu_status server_exec(server *s, server_device *d, clrelu_op_args *args, exec_times *t);

#endif
