/* stats.c: Triton-style model statistics (success/fail/queue/compute durations), locked. */
#include "stats.h"
#include "server.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

struct model_stats {
    pthread_mutex_t lock;
    int n;
    model_stat *m;
};

struct model_stats *stats_create(int n_models)
{
    struct model_stats *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->m = calloc((size_t)n_models, sizeof *st->m);
    if (!st->m) {
        free(st);
        return NULL;
    }
    st->n = n_models;
    pthread_mutex_init(&st->lock, NULL);
    return st;
}

void stats_destroy(struct model_stats *st)
{
    if (!st)
        return;
    pthread_mutex_destroy(&st->lock);
    free(st->m);
    free(st);
}

static void add(stat_duration *d, uint64_t ns)
{
    d->count++;
    d->ns += ns;
}

void stats_success(struct model_stats *st, int model, uint64_t total_ns, uint64_t queue_ns,
                   uint64_t input_ns, uint64_t infer_ns, uint64_t output_ns)
{
    if (model < 0 || model >= st->n)
        return;
    pthread_mutex_lock(&st->lock);
    model_stat *m = &st->m[model];
    m->last_inference_ms = wall_ms();
    m->inference_count++;
    m->execution_count++;
    add(&m->success, total_ns);
    add(&m->queue, queue_ns);
    add(&m->compute_input, input_ns);
    add(&m->compute_infer, infer_ns);
    add(&m->compute_output, output_ns);
    pthread_mutex_unlock(&st->lock);
}

void stats_failure(struct model_stats *st, int model, uint64_t total_ns)
{
    if (model < 0 || model >= st->n)
        return;
    pthread_mutex_lock(&st->lock);
    add(&st->m[model].fail, total_ns);
    pthread_mutex_unlock(&st->lock);
}

void stats_get(struct model_stats *st, int model, model_stat *out)
{
    memset(out, 0, sizeof *out);
    if (model < 0 || model >= st->n)
        return;
    pthread_mutex_lock(&st->lock);
    *out = st->m[model];
    pthread_mutex_unlock(&st->lock);
}

static cJSON *duration(stat_duration d)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "count", (double)d.count);
    cJSON_AddNumberToObject(o, "ns", (double)d.ns);
    return o;
}

/* One entry of "model_stats": every field Triton sends, so clients that read them unchecked
 * (perf_analyzer) find them. Each request is one execution of batch size 1. */
static cJSON *model_json(const char *name, const model_stat *m)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", name);
    cJSON_AddStringToObject(o, "version", "1");
    cJSON_AddNumberToObject(o, "last_inference", (double)m->last_inference_ms);
    cJSON_AddNumberToObject(o, "inference_count", (double)m->inference_count);
    cJSON_AddNumberToObject(o, "execution_count", (double)m->execution_count);
    cJSON *is = cJSON_AddObjectToObject(o, "inference_stats");
    stat_duration zero = {0, 0};
    cJSON_AddItemToObject(is, "success", duration(m->success));
    cJSON_AddItemToObject(is, "fail", duration(m->fail));
    cJSON_AddItemToObject(is, "queue", duration(m->queue));
    cJSON_AddItemToObject(is, "compute_input", duration(m->compute_input));
    cJSON_AddItemToObject(is, "compute_infer", duration(m->compute_infer));
    cJSON_AddItemToObject(is, "compute_output", duration(m->compute_output));
    cJSON_AddItemToObject(is, "cache_hit", duration(zero));
    cJSON_AddItemToObject(is, "cache_miss", duration(zero));
    cJSON_AddObjectToObject(o, "response_stats");
    cJSON *bs = cJSON_AddArrayToObject(o, "batch_stats");
    if (m->execution_count) {
        cJSON *b = cJSON_CreateObject();
        cJSON_AddNumberToObject(b, "batch_size", 1);
        cJSON_AddItemToObject(b, "compute_input", duration(m->compute_input));
        cJSON_AddItemToObject(b, "compute_infer", duration(m->compute_infer));
        cJSON_AddItemToObject(b, "compute_output", duration(m->compute_output));
        cJSON_AddItemToArray(bs, b);
    }
    cJSON_AddArrayToObject(o, "memory_usage");
    return o;
}

cJSON *stats_to_json(struct model_stats *st, int model)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(root, "model_stats");
    for (int i = 0; i < st->n; i++) {
        if (model >= 0 && i != model)
            continue;
        model_stat m;
        stats_get(st, i, &m);
        cJSON_AddItemToArray(arr, model_json(clrelu_op_get(i)->name, &m));
    }
    return root;
}
