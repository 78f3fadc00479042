/* metrics.c: Prometheus counters, gauges and histograms for the daemon, rendered as text. */
#include "metrics.h"
#include "codec/buf.h"
#include "server.h"
#include "stats.h"

#include <stdlib.h>
#include <string.h>

#define N_BUCKETS 14
#define MAX_STATUSES 24

static const double bucket_le[N_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                            0.1,    0.25,  0.5,    1,     2.5,  5,    10};

typedef struct {
    unsigned status[MAX_STATUSES];
    uint64_t count[MAX_STATUSES];
    int n_status;
    uint64_t bucket[N_BUCKETS]; /* non-cumulative; summed when rendered */
    uint64_t n;
    double sum_s;
} route_metrics;

typedef struct {
    uint64_t runs, errors, kernel_ns;
} device_metrics;

struct metrics {
    pthread_mutex_t lock;
    int n_routes, n_devices;
    const char *const *route_names;
    const char *const *device_ids;
    route_metrics *routes;      /* n_routes + 1 (last: unmatched) */
    device_metrics *devices;
    uint64_t bytes_in, bytes_out;
    int64_t inflight;
};

struct metrics *metrics_create(int n_routes, const char *const *route_names, int n_devices,
                               const char *const *device_ids)
{
    struct metrics *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->routes = calloc((size_t)n_routes + 1, sizeof *m->routes);
    m->devices = calloc((size_t)n_devices + 1, sizeof *m->devices);
    if (!m->routes || !m->devices) {
        metrics_destroy(m);
        return NULL;
    }
    m->n_routes = n_routes;
    m->n_devices = n_devices;
    m->route_names = route_names;
    m->device_ids = device_ids;
    pthread_mutex_init(&m->lock, NULL);
    return m;
}

void metrics_destroy(struct metrics *m)
{
    if (!m)
        return;
    if (m->routes && m->devices)
        pthread_mutex_destroy(&m->lock);
    free(m->routes);
    free(m->devices);
    free(m);
}

void metrics_inflight(struct metrics *m, int delta)
{
    pthread_mutex_lock(&m->lock);
    m->inflight += delta;
    pthread_mutex_unlock(&m->lock);
}

void metrics_request_done(struct metrics *m, int route, unsigned status, uint64_t dur_ns,
                          uint64_t bytes_in, uint64_t bytes_out)
{
    if (route < 0 || route >= m->n_routes)
        route = m->n_routes;
    double s = (double)dur_ns / 1e9;
    pthread_mutex_lock(&m->lock);
    route_metrics *r = &m->routes[route];
    int i;
    for (i = 0; i < r->n_status && r->status[i] != status; i++)
        ;
    if (i == r->n_status && r->n_status < MAX_STATUSES) {
        r->status[i] = status;
        r->n_status++;
    }
    if (i < r->n_status)
        r->count[i]++;
    for (int b = 0; b < N_BUCKETS; b++)
        if (s <= bucket_le[b]) {
            r->bucket[b]++;
            break;
        }
    r->n++;
    r->sum_s += s;
    m->bytes_in += bytes_in;
    m->bytes_out += bytes_out;
    pthread_mutex_unlock(&m->lock);
}

void metrics_device_run(struct metrics *m, int device, uint64_t kernel_ns, bool ok)
{
    if (device < 0 || device >= m->n_devices)
        return;
    pthread_mutex_lock(&m->lock);
    m->devices[device].runs++;
    m->devices[device].kernel_ns += kernel_ns;
    if (!ok)
        m->devices[device].errors++;
    pthread_mutex_unlock(&m->lock);
}

static const char *route_name(const struct metrics *m, int r)
{
    return r < m->n_routes ? m->route_names[r] : "unmatched";
}

/* HTTP and device families, from a copy taken under the lock. */
static void render_http(buf *b, const struct metrics *m)
{
    buf_printf(b, "# HELP clrelu_http_requests_total HTTP requests by route and status.\n"
                  "# TYPE clrelu_http_requests_total counter\n");
    for (int r = 0; r <= m->n_routes; r++)
        for (int i = 0; i < m->routes[r].n_status; i++)
            buf_printf(b, "clrelu_http_requests_total{route=\"%s\",status=\"%u\"} %llu\n", route_name(m, r),
                       m->routes[r].status[i], (unsigned long long)m->routes[r].count[i]);
    buf_printf(b, "# HELP clrelu_http_request_duration_seconds Time from the request's headers to the end of its response.\n"
                  "# TYPE clrelu_http_request_duration_seconds histogram\n");
    for (int r = 0; r <= m->n_routes; r++) {
        const route_metrics *rm = &m->routes[r];
        if (!rm->n)
            continue;
        uint64_t cum = 0;
        for (int i = 0; i < N_BUCKETS; i++) {
            cum += rm->bucket[i];
            buf_printf(b, "clrelu_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                       route_name(m, r), bucket_le[i], (unsigned long long)cum);
        }
        buf_printf(b, "clrelu_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
                   route_name(m, r), (unsigned long long)rm->n);
        buf_printf(b, "clrelu_http_request_duration_seconds_sum{route=\"%s\"} %.9f\n", route_name(m, r), rm->sum_s);
        buf_printf(b, "clrelu_http_request_duration_seconds_count{route=\"%s\"} %llu\n", route_name(m, r),
                   (unsigned long long)rm->n);
    }
    buf_printf(b, "# HELP clrelu_http_request_bytes_total Request body bytes received (as sent, before decompression).\n"
                  "# TYPE clrelu_http_request_bytes_total counter\nclrelu_http_request_bytes_total %llu\n",
               (unsigned long long)m->bytes_in);
    buf_printf(b, "# HELP clrelu_http_response_bytes_total Response body bytes sent (after compression).\n"
                  "# TYPE clrelu_http_response_bytes_total counter\nclrelu_http_response_bytes_total %llu\n",
               (unsigned long long)m->bytes_out);
    buf_printf(b, "# HELP clrelu_http_requests_in_flight Requests being handled now.\n"
                  "# TYPE clrelu_http_requests_in_flight gauge\nclrelu_http_requests_in_flight %lld\n",
               (long long)m->inflight);
    buf_printf(b, "# HELP clrelu_device_kernel_seconds_total Device kernel time (profiling timer).\n"
                  "# TYPE clrelu_device_kernel_seconds_total counter\n");
    for (int d = 0; d < m->n_devices; d++)
        buf_printf(b, "clrelu_device_kernel_seconds_total{device=\"%s\"} %.9f\n", m->device_ids[d],
                   (double)m->devices[d].kernel_ns / 1e9);
    buf_printf(b, "# HELP clrelu_device_runs_total Activation calls and model forward passes run on the device.\n"
                  "# TYPE clrelu_device_runs_total counter\n");
    for (int d = 0; d < m->n_devices; d++)
        buf_printf(b, "clrelu_device_runs_total{device=\"%s\"} %llu\n", m->device_ids[d],
                   (unsigned long long)m->devices[d].runs);
    buf_printf(b, "# HELP clrelu_device_errors_total Activation calls and model forward passes that failed on the device.\n"
                  "# TYPE clrelu_device_errors_total counter\n");
    for (int d = 0; d < m->n_devices; d++)
        buf_printf(b, "clrelu_device_errors_total{device=\"%s\"} %llu\n", m->device_ids[d],
                   (unsigned long long)m->devices[d].errors);
}

/* A Prometheus label value: backslash, double quote and newline escaped. */
static void label_value(buf *b, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            buf_printf(b, "\\%c", *v);
        else if (*v == '\n')
            buf_printf(b, "\\n");
        else
            buf_printf(b, "%c", *v);
    }
}

/* Triton's families, one series per model (every op, then every MLP model) with version "1". */
static void render_triton(buf *b, struct model_stats *stats)
{
    static const struct {
        const char *name, *help;
    } fam[] = {
        {"nv_inference_request_success", "Number of successful inference requests"},
        {"nv_inference_request_failure", "Number of failed inference requests"},
        {"nv_inference_count", "Number of inferences performed (batch rows)"},
        {"nv_inference_exec_count", "Number of model executions performed"},
        {"nv_inference_request_duration_us", "Cumulative inference request duration in microseconds"},
        {"nv_inference_queue_duration_us", "Cumulative inference queuing duration in microseconds"},
        {"nv_inference_compute_input_duration_us", "Cumulative compute input duration in microseconds"},
        {"nv_inference_compute_infer_duration_us", "Cumulative compute inference duration in microseconds"},
        {"nv_inference_compute_output_duration_us", "Cumulative inference compute output duration in microseconds"},
    };
    int n = stats_slot_count(stats);
    model_stat *all = calloc((size_t)(n ? n : 1), sizeof *all);
    if (!all)
        return;
    for (int i = 0; i < n; i++)
        stats_get(stats, i, &all[i]);
    for (size_t f = 0; f < sizeof fam / sizeof fam[0]; f++) {
        buf_printf(b, "# HELP %s %s\n# TYPE %s counter\n", fam[f].name, fam[f].help, fam[f].name);
        for (int i = 0; i < n; i++) {
            const model_stat *s = &all[i];
            uint64_t v = 0;
            switch (f) {
            case 0: v = s->success.count; break;
            case 1: v = s->fail.count; break;
            case 2: v = s->inference_count; break;
            case 3: v = s->execution_count; break;
            case 4: v = (s->success.ns + s->fail.ns) / 1000; break;
            case 5: v = s->queue.ns / 1000; break;
            case 6: v = s->compute_input.ns / 1000; break;
            case 7: v = s->compute_infer.ns / 1000; break;
            default: v = s->compute_output.ns / 1000; break;
            }
            buf_printf(b, "%s{model=\"", fam[f].name);
            label_value(b, stats_slot_name(stats, i));
            buf_printf(b, "\",version=\"1\"} %llu\n", (unsigned long long)v);
        }
    }
    free(all);
}

char *metrics_render(struct metrics *m, struct model_stats *stats)
{
    struct metrics copy = *m;
    size_t rsz = ((size_t)m->n_routes + 1) * sizeof *m->routes;
    size_t dsz = ((size_t)m->n_devices + 1) * sizeof *m->devices;
    copy.routes = malloc(rsz);
    copy.devices = malloc(dsz);
    char *out = NULL;
    if (!copy.routes || !copy.devices)
        goto out;
    pthread_mutex_lock(&m->lock);
    memcpy(copy.routes, m->routes, rsz);
    memcpy(copy.devices, m->devices, dsz);
    copy.bytes_in = m->bytes_in;
    copy.bytes_out = m->bytes_out;
    copy.inflight = m->inflight;
    pthread_mutex_unlock(&m->lock);

    buf b = {0};
    render_http(&b, &copy);
    render_triton(&b, stats);
    out = buf_take(&b);
out:
    free(copy.routes);
    free(copy.devices);
    return out;
}
