/* fuzz_server.c: the handler fixture — a server struct on the host device with metrics and stats. */
#include "fuzz_server.h"

#include "codec/tensor_json.h"
#include "fuzz.h"
#include "metrics.h"
#include "router.h"
#include "served.h"
#include "stats.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static server fixture;
static server *fixture_ptr;
static pthread_once_t fixture_once = PTHREAD_ONCE_INIT;

static void make_fixture(void)
{
    server *s = &fixture;
    s->cfg = (server_config){.host = "127.0.0.1", .device = "host", .max_body = 1u << 20,
                             .max_elements = 4096, .device_slots = 1, .no_opencl = true};
    s->log.min_level = CLRELU_LOG_ERROR;
    s->ctx = fuzz_host_context();
    if (!s->ctx || clrelu_device_count(s->ctx) < 1)
        return;
    s->n_devices = 1;
    s->devices = calloc(1, sizeof *s->devices);
    if (!s->devices)
        return;
    s->devices[0].dev = clrelu_device_at(s->ctx, 0);
    s->devices[0].info = clrelu_device_get_info(s->devices[0].dev);
    s->devices[0].slots = 1;
    pthread_mutex_init(&s->devices[0].lock, NULL);
    pthread_cond_init(&s->devices[0].free_slot, NULL);
    pthread_mutex_init(&s->inflight_lock, NULL);
    const char *ids[1] = {s->devices[0].info->id};
    s->metrics = metrics_create(router_count(), router_names(), 1, ids);
    s->models = served_models_create();
    s->stats = s->models ? stats_create(s->models) : NULL;
    if (s->metrics && s->stats)
        fixture_ptr = s;
}

server *fuzz_server(void)
{
    pthread_once(&fixture_once, make_fixture);
    return fixture_ptr;
}

void fuzz_call(void (*handler)(server *, request *, response *), const char *model, const void *body,
               size_t len, long long header_len)
{
    server *s = fuzz_server();
    if (!s)
        abort();
    request rq;
    memset(&rq, 0, sizeof rq);
    rq.method = "POST";
    rq.path = "/fuzz";
    rq.body = body;
    rq.len = len;
    rq.header_len = header_len;
    snprintf(rq.model, sizeof rq.model, "%s", model);
    rq.t_start_ns = rq.t_body_ns = now_ns();
    response rp = {.header_len = -1};
    handler(s, &rq, &rp);
    if (rp.status < 200 || rp.status > 599)
        abort();
    /* A response is JSON, or a JSON header followed by binary outputs. */
    size_t jlen = rp.header_len >= 0 ? (size_t)rp.header_len : rp.len;
    if (jlen > rp.len || (rp.len && !rp.body))
        abort();
    /* JSON as the server itself reads it: v2 tensor data may hold bare NaN/Infinity (as Triton's). */
    if (rp.body && rp.content_type && strstr(rp.content_type, "json")) {
        cJSON *j = tjson_parse(rp.body, jlen, NULL);
        if (!j)
            abort();
        cJSON_Delete(j);
    }
    if (getenv("CLRELU_FUZZ_VERBOSE"))
        fprintf(stderr, "%u %.*s\n", rp.status, (int)(jlen < 200 ? jlen : 200), rp.body ? rp.body : "");
    /* The device slot must have been given back whatever happened. */
    if (s->devices[0].busy != 0)
        abort();
    free(rp.body);
}
