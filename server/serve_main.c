/* serve_main.c: `clrelu serve` — flags and environment, start-up, signal handling, graceful stop. */
#include "access_log.h"
#include "http.h"
#include "jobs/bench_jobs.h"
#include "metrics.h"
#include "models.h"
#include "names.h"
#include "router.h"
#include "serve.h"
#include "served.h"
#include "server.h"
#include "shm_regions.h"
#include "stats.h"
#include "tls.h"

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: clrelu serve [OPTIONS]\n\n"
            "HTTP server: native JSON API (/v1), KServe v2 / Triton inference protocol (/v2),\n"
            "Prometheus metrics (/metrics), a web page (/) and its OpenAPI document (/openapi.json).\n\n"
            "Options (environment variable in brackets; flags win over the environment):\n"
            "  --host ADDR          bind address [CLRELU_HOST] (default 127.0.0.1; 0.0.0.0 or :: for all)\n"
            "  --port N             TCP port, 0 picks a free one [CLRELU_PORT] (default 8000)\n"
            "  --device SEL[,SEL]   default device: auto, host, cpu, gpu, accelerator, an id such as cpu:0,\n"
            "                       or a name substring; a list is a preference order [CLRELU_DEVICE]\n"
            "                       (default auto). Requests may pick any device by id.\n"
            "  --max-body BYTES     request body limit, before and after decompression; suffixes k, M, G\n"
            "                       [CLRELU_MAX_BODY] (default 64M)\n"
            "  --max-elements N     elements per tensor [CLRELU_MAX_ELEMENTS] (default 33554432)\n"
            "  --threads N          HTTP worker threads [CLRELU_THREADS] (default: the number of cores)\n"
            "  --max-connections N  concurrent connections [CLRELU_MAX_CONNECTIONS] (default 256)\n"
            "  --per-ip-limit N     concurrent connections per client address, 0 = no limit\n"
            "                       [CLRELU_PER_IP_LIMIT] (default 0)\n"
            "  --timeout SECONDS    close connections idle this long [CLRELU_TIMEOUT] (default 30)\n"
            "  --device-slots N     concurrent runs per device; waiting for a slot is the \"queue\" time\n"
            "                       [CLRELU_DEVICE_SLOTS] (default 1)\n"
            "  --api-key KEY        require `Authorization: Bearer KEY` or `X-API-Key: KEY` on every route\n"
            "                       that costs device time or changes state (all POST and DELETE routes:\n"
            "                       activate, infer, benchmarks); reads stay open [CLRELU_API_KEY]\n"
            "  --protect-reads      with --api-key, require the key on every route but /v2/health/*\n"
            "  --tls-cert FILE      serve HTTPS with this PEM certificate (chain) [CLRELU_TLS_CERT]\n"
            "  --tls-key FILE       and this PEM private key [CLRELU_TLS_KEY]\n"
            "  --fault-injection    enable POST /v1/debug/faults (make device runs fail; for testing)\n"
            "  --log-level LEVEL    debug, info (access log), warn, error [CLRELU_LOG_LEVEL] (default info)\n"
            "  --no-opencl          only the host device\n"
            "  --no-warmup          skip the warm-up run on the default device before listening\n"
            "  --results-dir DIR    where benchmark jobs (/v1/benchmarks) are saved and reloaded from\n"
            "                       [CLRELU_RESULTS_DIR] (default $XDG_STATE_HOME/clrelu/benchmarks, else\n"
            "                       ./clrelu-results); with --api-key, POST/DELETE /v1/benchmarks need it\n"
            "  --results-db URL     the results store that keeps benchmark jobs and runs: sqlite:PATH or\n"
            "                       postgresql://USER:PASSWORD@HOST/DB (shared by replicas and a fleet)\n"
            "                       [CLRELU_RESULTS_DB] (default sqlite:<results dir>/results.db)\n"
            "  --machine-id ID      this daemon's machine id in the store (letters, digits, '_', '.', '-')\n"
            "                       [CLRELU_MACHINE_ID] (default: from /etc/machine-id and the hostname)\n"
            "  --label KEY=VALUE    a label of this machine, for fleet sweeps ({\"label\": {KEY: VALUE}}) and\n"
            "                       for filtering results; repeatable [CLRELU_LABELS: KEY=VALUE,KEY=VALUE]\n"
            "  --model-repository DIR  serve each subfolder of DIR holding a config.json as an MLP model\n"
            "                       (docs/models.md) [CLRELU_MODEL_REPOSITORY]\n"
            "  --shm-max-regions N  Triton system shared-memory regions registered at once, 0 turns the\n"
            "                       extension off [CLRELU_SHM_MAX_REGIONS] (default 64, at most 4096)\n"
            "  --shm-max-bytes BYTES  their byte sizes added up; suffixes k, M, G [CLRELU_SHM_MAX_BYTES]\n"
            "                       (default 4G)\n"
            "  -h, --help           this text\n\n"
            "SIGTERM or SIGINT stops a running benchmark between cases and hands it back to the queue,\n"
            "stops accepting connections, lets in-flight requests finish (at most 9 s)\n"
            "and exits 0. See docs/server.md for the endpoints.\n");
}

/* "64M", "1G", "4096", "16k" (binary multiples) → bytes. */
static bool parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || s[0] == '-')
        return false;
    unsigned long long mul = 1;
    if (*end == 'k' || *end == 'K')
        mul = 1ull << 10;
    else if (*end == 'm' || *end == 'M')
        mul = 1ull << 20;
    else if (*end == 'g' || *end == 'G')
        mul = 1ull << 30;
    if (mul != 1)
        end++;
    if (*end == 'i' && end[1] == 'B')
        end += 2;
    else if (*end == 'B')
        end++;
    if (*end || (v && mul > ~0ull / v))
        return false;
    *out = (size_t)(v * mul);
    return true;
}

static bool parse_uint(const char *s, unsigned max, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v > max)
        return false;
    *out = (unsigned)v;
    return true;
}

static bool parse_level(const char *s, clrelu_log_level *out)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++)
        if (!strcasecmp(s, names[i])) {
            *out = (clrelu_log_level)i;
            return true;
        }
    if (!strcasecmp(s, "warning")) {
        *out = CLRELU_LOG_WARN;
        return true;
    }
    return false;
}

enum { OPT_HOST = 1000, OPT_PORT, OPT_DEVICE, OPT_MAX_BODY, OPT_MAX_ELEMENTS, OPT_THREADS, OPT_MAX_CONN,
       OPT_PER_IP, OPT_TIMEOUT, OPT_SLOTS, OPT_API_KEY, OPT_LOG_LEVEL, OPT_NO_OPENCL, OPT_NO_WARMUP,
       OPT_RESULTS_DIR, OPT_MODEL_REPO, OPT_TLS_CERT, OPT_TLS_KEY, OPT_PROTECT_READS, OPT_FAULT_INJECTION,
       OPT_SHM_MAX_REGIONS, OPT_SHM_MAX_BYTES, OPT_RESULTS_DB, OPT_MACHINE_ID, OPT_LABEL,
       OPT_LABELS_ENV /* environment only: keep last (long_opts is indexed by these values) */ };

/* CLRELU_LABELS: a comma list of key=value, each added as --label adds one. */
static bool add_labels(server_config *c, const char *list)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", list);
    char *save = NULL;
    for (char *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save))
        if (clrelu_label_add(&c->labels_json, kv) != CLRELU_OK)
            return false;
    return true;
}

/* Apply one setting (from a flag or an environment variable); false with a message on bad input. */
static bool apply(server_config *c, int opt, const char *v, const char *from)
{
    bool ok = true;
    switch (opt) {
    case OPT_HOST: c->host = v; break;
    case OPT_PORT: ok = parse_uint(v, 65535, &c->port); break;
    case OPT_DEVICE: c->device = v; break;
    case OPT_MAX_BODY: ok = parse_size(v, &c->max_body) && c->max_body > 0; break;
    case OPT_MAX_ELEMENTS: ok = parse_size(v, &c->max_elements) && c->max_elements > 0; break;
    case OPT_THREADS: ok = parse_uint(v, 1024, &c->threads) && c->threads > 0; break;
    case OPT_MAX_CONN: ok = parse_uint(v, 1000000, &c->max_connections) && c->max_connections > 0; break;
    case OPT_PER_IP: ok = parse_uint(v, 1000000, &c->per_ip_limit); break;
    case OPT_TIMEOUT: ok = parse_uint(v, 86400, &c->timeout_s); break;
    case OPT_SLOTS: ok = parse_uint(v, 1024, &c->device_slots) && c->device_slots > 0; break;
    case OPT_API_KEY: c->api_key = *v ? v : NULL; break;
    case OPT_LOG_LEVEL: ok = parse_level(v, &c->log_level); break;
    case OPT_RESULTS_DIR: c->results_dir = v; break;
    case OPT_MODEL_REPO: c->model_repository = *v ? v : NULL; break;
    case OPT_TLS_CERT: c->tls_cert = *v ? v : NULL; break;
    case OPT_TLS_KEY: c->tls_key = *v ? v : NULL; break;
    case OPT_RESULTS_DB: c->results_db = *v ? v : NULL; break;
    case OPT_MACHINE_ID: c->machine_id = v; ok = name_is_safe(v) && strlen(v) <= 64; break;
    case OPT_LABEL: ok = clrelu_label_add(&c->labels_json, v) == CLRELU_OK; break;
    case OPT_LABELS_ENV: ok = add_labels(c, v); break;
    case OPT_SHM_MAX_REGIONS: ok = parse_uint(v, 4096, &c->shm_max_regions); break;
    case OPT_SHM_MAX_BYTES: {
        size_t b;
        ok = parse_size(v, &b) && b > 0;
        if (ok)
            c->shm_max_bytes = b;
        break;
    }
    default: ok = false;
    }
    if (!ok)
        fprintf(stderr, "clrelu serve: invalid value '%s' for %s\n", v, from);
    return ok;
}

static const struct option long_opts[] = {
    {"host", required_argument, NULL, OPT_HOST},
    {"port", required_argument, NULL, OPT_PORT},
    {"device", required_argument, NULL, OPT_DEVICE},
    {"max-body", required_argument, NULL, OPT_MAX_BODY},
    {"max-elements", required_argument, NULL, OPT_MAX_ELEMENTS},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"max-connections", required_argument, NULL, OPT_MAX_CONN},
    {"per-ip-limit", required_argument, NULL, OPT_PER_IP},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"device-slots", required_argument, NULL, OPT_SLOTS},
    {"api-key", required_argument, NULL, OPT_API_KEY},
    {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
    {"no-opencl", no_argument, NULL, OPT_NO_OPENCL},
    {"no-warmup", no_argument, NULL, OPT_NO_WARMUP},
    {"results-dir", required_argument, NULL, OPT_RESULTS_DIR},
    {"model-repository", required_argument, NULL, OPT_MODEL_REPO},
    {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
    {"tls-key", required_argument, NULL, OPT_TLS_KEY},
    {"protect-reads", no_argument, NULL, OPT_PROTECT_READS},
    {"fault-injection", no_argument, NULL, OPT_FAULT_INJECTION},
    {"shm-max-regions", required_argument, NULL, OPT_SHM_MAX_REGIONS},
    {"shm-max-bytes", required_argument, NULL, OPT_SHM_MAX_BYTES},
    {"results-db", required_argument, NULL, OPT_RESULTS_DB},
    {"machine-id", required_argument, NULL, OPT_MACHINE_ID},
    {"label", required_argument, NULL, OPT_LABEL},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static const struct {
    const char *env;
    int opt;
} env_vars[] = {
    {"CLRELU_HOST", OPT_HOST}, {"CLRELU_PORT", OPT_PORT}, {"CLRELU_DEVICE", OPT_DEVICE},
    {"CLRELU_MAX_BODY", OPT_MAX_BODY}, {"CLRELU_MAX_ELEMENTS", OPT_MAX_ELEMENTS},
    {"CLRELU_THREADS", OPT_THREADS}, {"CLRELU_MAX_CONNECTIONS", OPT_MAX_CONN},
    {"CLRELU_PER_IP_LIMIT", OPT_PER_IP}, {"CLRELU_TIMEOUT", OPT_TIMEOUT},
    {"CLRELU_DEVICE_SLOTS", OPT_SLOTS}, {"CLRELU_API_KEY", OPT_API_KEY}, {"CLRELU_LOG_LEVEL", OPT_LOG_LEVEL},
    {"CLRELU_RESULTS_DIR", OPT_RESULTS_DIR},
    {"CLRELU_MODEL_REPOSITORY", OPT_MODEL_REPO},
    {"CLRELU_TLS_CERT", OPT_TLS_CERT}, {"CLRELU_TLS_KEY", OPT_TLS_KEY},
    {"CLRELU_RESULTS_DB", OPT_RESULTS_DB}, {"CLRELU_MACHINE_ID", OPT_MACHINE_ID}, {"CLRELU_LABELS", OPT_LABELS_ENV},
    {"CLRELU_SHM_MAX_REGIONS", OPT_SHM_MAX_REGIONS}, {"CLRELU_SHM_MAX_BYTES", OPT_SHM_MAX_BYTES},
};

/* Defaults, then the environment, then the flags. Returns -1 to continue, else an exit code. */
static int configure(server_config *c, bool *warmup, int argc, char **argv)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    *c = (server_config){.host = "127.0.0.1", .port = 8000, .device = "auto", .max_body = 64u << 20,
                         .max_elements = 1u << 25, .log_level = CLRELU_LOG_INFO,
                         .threads = cores > 0 ? (unsigned)cores : 1, .max_connections = 256, .timeout_s = 30,
                         .device_slots = 1, .access_log = true, .shm_max_regions = 64,
                         .shm_max_bytes = 4ull << 30};
    *warmup = true;
    for (size_t i = 0; i < sizeof env_vars / sizeof env_vars[0]; i++) {
        const char *v = getenv(env_vars[i].env);
        if (v && *v && !apply(c, env_vars[i].opt, v, env_vars[i].env))
            return 2;
    }
    optind = 1;
    int o;
    while ((o = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
        if (o == 'h') {
            usage(stdout);
            return 0;
        }
        if (o == OPT_NO_OPENCL) {
            c->no_opencl = true;
            continue;
        }
        if (o == OPT_NO_WARMUP) {
            *warmup = false;
            continue;
        }
        if (o == OPT_PROTECT_READS || o == OPT_FAULT_INJECTION) {
            *(o == OPT_PROTECT_READS ? &c->protect_reads : &c->fault_injection) = true;
            continue;
        }
        if (o == '?' || o == ':') {
            usage(stderr);
            return 2;
        }
        char from[64];
        snprintf(from, sizeof from, "--%s", long_opts[o - OPT_HOST].name);
        if (!apply(c, o, optarg, from))
            return 2;
    }
    if (optind < argc) {
        fprintf(stderr, "clrelu serve: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    return -1;
}

/* The first selector of the comma-separated list that names a device becomes the default. */
static bool pick_default(server *s)
{
    char list[256];
    snprintf(list, sizeof list, "%s", s->cfg.device);
    char *save = NULL;
    for (char *sel = strtok_r(list, ",", &save); sel; sel = strtok_r(NULL, ",", &save)) {
        while (*sel == ' ')
            sel++;
        server_device *d;
        if (server_pick_device(s, sel, &d) == CLRELU_OK) {
            s->default_device = (int)(d - s->devices);
            return true;
        }
    }
    return false;
}

static int setup_devices(server *s)
{
    s->n_devices = clrelu_device_count(s->ctx);
    if (s->n_devices <= 0)
        return -1;
    s->devices = calloc((size_t)s->n_devices, sizeof *s->devices);
    if (!s->devices)
        return -1;
    for (int i = 0; i < s->n_devices; i++) {
        server_device *d = &s->devices[i];
        d->dev = clrelu_device_at(s->ctx, i);
        d->info = clrelu_device_get_info(d->dev);
        d->slots = s->cfg.device_slots;
        pthread_mutex_init(&d->lock, NULL);
        pthread_cond_init(&d->free_slot, NULL);
    }
    return 0;
}

/* One tiny relu on the default device so that program builds happen before the port opens. */
static void warm_up(server *s)
{
    float x = -1.0f, y = 0.0f;
    clrelu_op_args a = {.op = "relu", .dtype = CLRELU_F32, .count = 1, .x = &x, .y = &y};
    exec_times t;
    server_device *d = &s->devices[s->default_device];
    if (server_exec(s, d, &a, &t) != CLRELU_OK)
        server_log(&s->log, CLRELU_LOG_WARN, "warm-up on %s failed: %s", d->info->id, clrelu_last_error());
    else
        server_log(&s->log, CLRELU_LOG_DEBUG, "warm-up on %s took %.1f ms", d->info->id, (double)t.timing.total_ns / 1e6);
}

static void teardown(server *s)
{
    for (int i = 0; s->devices && i < s->n_devices; i++) {
        pthread_mutex_destroy(&s->devices[i].lock);
        pthread_cond_destroy(&s->devices[i].free_slot);
    }
    free(s->devices);
    free(s->cfg.labels_json);
    metrics_destroy(s->metrics);
    stats_destroy(s->stats);
    served_models_free(s->models);
    clrelu_context_destroy(s->ctx);
    tls_free(s);
    shm_registry_destroy(s->shm); /* closes every region's descriptor */
    pthread_mutex_destroy(&s->inflight_lock);
}

/* glibc's allocator, tuned for a daemon whose requests allocate transient multi-MiB buffers
 * (bodies, tensors, output text) from several threads:
 * - a fixed mmap threshold: blocks of 256 KiB and more get their own mapping and go back to
 *   the kernel on free. By default the threshold grows to the largest block freed (up to
 *   32 MiB), after which such blocks come from the heaps, fragment them, and resident memory
 *   ratchets up under mixed load;
 * - the heap top is returned once 1 MiB of it is free;
 * - at most two arenas, so freed memory is reused across worker threads instead of sitting
 *   in per-thread arenas (up to 8 per core by default). */
static void malloc_settings(void)
{
#ifdef M_MMAP_THRESHOLD
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
    mallopt(M_ARENA_MAX, 2);
#endif
}

int serve_main(int argc, char **argv)
{
    server s;
    memset(&s, 0, sizeof s);
    bool warmup;
    int rc = configure(&s.cfg, &warmup, argc, argv);
    if (rc >= 0) {
        free(s.cfg.labels_json);
        return rc;
    }
    s.log.min_level = s.cfg.log_level;
    malloc_settings();
    pthread_mutex_init(&s.inflight_lock, NULL);

    /* Block the stop signals in every thread (the library's and libmicrohttpd's inherit the
     * mask); the main thread takes them with sigwait. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    rc = 1;
    clrelu_context_options opts = {.log = server_log_from_library, .log_user = &s.log, .no_opencl = s.cfg.no_opencl};
    if (clrelu_context_create(&opts, &s.ctx) != CLRELU_OK) {
        server_log(&s.log, CLRELU_LOG_ERROR, "cannot create the context: %s", clrelu_last_error());
        goto out;
    }
    if (setup_devices(&s) != 0) {
        server_log(&s.log, CLRELU_LOG_ERROR, "no devices");
        goto out;
    }
    if (!pick_default(&s)) {
        server_log(&s.log, CLRELU_LOG_ERROR, "--device %s matches no device (see `clrelu devices`)", s.cfg.device);
        goto out;
    }
    const char *ids[64];
    int nid = s.n_devices < 64 ? s.n_devices : 64;
    for (int i = 0; i < nid; i++)
        ids[i] = s.devices[i].info->id;
    if (!(s.models = served_models_create())) {
        server_log(&s.log, CLRELU_LOG_ERROR, "out of memory");
        goto out;
    }
    if (!models_load(s.models, s.cfg.model_repository, &s.log))
        goto out;
    s.metrics = metrics_create(router_count(), router_names(), nid, ids);
    s.stats = stats_create(s.models);
    if (!s.metrics || !s.stats) {
        server_log(&s.log, CLRELU_LOG_ERROR, "out of memory");
        goto out;
    }
    if (s.cfg.shm_max_regions && !(s.shm = shm_registry_create(s.cfg.shm_max_regions, s.cfg.shm_max_bytes))) {
        server_log(&s.log, CLRELU_LOG_ERROR, "out of memory");
        goto out;
    }
    if (warmup)
        warm_up(&s);
    if (!(s.bench = bench_jobs_start(&s))) {
        server_log(&s.log, CLRELU_LOG_ERROR, "cannot start the benchmark jobs (see above)");
        goto out;
    }
    if (tls_load(&s) != 0 || http_start(&s) != 0)
        goto out;
    bool v6 = strchr(s.cfg.host, ':') != NULL;
    fprintf(stderr, "clrelu serve: default device %s (%s); listening on http%s://%s%s%s:%u\n",
            s.devices[s.default_device].info->id, s.devices[s.default_device].info->name,
            s.tls_cert_pem ? "s" : "", v6 ? "[" : "",
            s.cfg.host, v6 ? "]" : "", s.bound_port);

    int sig = 0;
    sigwait(&stop, &sig);
    server_log(&s.log, CLRELU_LOG_INFO, "%s: stopping (no new connections; finishing in-flight requests)",
               sig == SIGINT ? "SIGINT" : "SIGTERM");
    bench_jobs_cancel_all(s.bench); /* the running sweep stops between cases; its part is handed back */
    unsigned left = http_stop(&s, 9000);
    if (left)
        server_log(&s.log, CLRELU_LOG_WARN, "stopped with %u requests still in flight after 9 s", left);
    else
        server_log(&s.log, CLRELU_LOG_INFO, "stopped");
    rc = 0;
out:
    bench_jobs_stop(s.bench); /* waits for the worker and the heartbeat; closes the store */
    teardown(&s);
    return rc;
}
