/* stats.c: Triton-style model statistics (success/fail/queue/compute durations, batch sizes) for op and MLP models, locked. */
#include "stats.h"
#include "served.h"
#include "server.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/* Executions of one batch size and their compute durations (Triton's "batch_stats" entry). */
typedef struct {
    uint64_t batch_size;
    stat_duration compute_input, compute_infer, compute_output;
} batch_stat;

typedef struct {
    model_stat m;
    int n_batch;
    batch_stat batch[STATS_MAX_BATCH_SIZES];
} slot_stat;

struct model_stats {
    pthread_mutex_t lock;
    const struct served_models *models;
    int n_slots;               /* one per served model */
    slot_stat *s;
};

struct model_stats *stats_create(const struct served_models *models)
{
    struct model_stats *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->models = models;
    st->n_slots = served_models_count(models);
    st->s = calloc((size_t)(st->n_slots ? st->n_slots : 1), sizeof *st->s);
    if (!st->s) {
        free(st);
        return NULL;
    }
    pthread_mutex_init(&st->lock, NULL);
    return st;
}

void stats_destroy(struct model_stats *st)
{
    if (!st)
        return;
    pthread_mutex_destroy(&st->lock);
    free(st->s);
    free(st);
}

int stats_slot_count(const struct model_stats *st) { return st->n_slots; }

const char *stats_slot_name(const struct model_stats *st, int slot)
{
    const served_model *m = slot < st->n_slots ? served_models_at(st->models, slot) : NULL;
    return m ? m->name : NULL;
}

int stats_slot_of(const struct model_stats *st, const char *name)
{
    const served_model *m = served_models_find(st->models, name);
    return m && m->slot < st->n_slots ? m->slot : -1;
}

static void add(stat_duration *d, uint64_t ns)
{
    d->count++;
    d->ns += ns;
}

void stats_success(struct model_stats *st, int slot, uint64_t batch_size, uint64_t total_ns, uint64_t queue_ns,
                   uint64_t input_ns, uint64_t infer_ns, uint64_t output_ns)
{
    if (slot < 0 || slot >= st->n_slots)
        return;
    pthread_mutex_lock(&st->lock);
    slot_stat *s = &st->s[slot];
    model_stat *m = &s->m;
    m->last_inference_ms = wall_ms();
    m->inference_count += batch_size;
    m->execution_count++;
    add(&m->success, total_ns);
    add(&m->queue, queue_ns);
    add(&m->compute_input, input_ns);
    add(&m->compute_infer, infer_ns);
    add(&m->compute_output, output_ns);
    int b;
    for (b = 0; b < s->n_batch && s->batch[b].batch_size != batch_size; b++)
        ;
    if (b == s->n_batch && b < STATS_MAX_BATCH_SIZES)
        s->batch[s->n_batch++].batch_size = batch_size;
    if (b < s->n_batch) {
        add(&s->batch[b].compute_input, input_ns);
        add(&s->batch[b].compute_infer, infer_ns);
        add(&s->batch[b].compute_output, output_ns);
    }
    pthread_mutex_unlock(&st->lock);
}

void stats_failure(struct model_stats *st, int slot, uint64_t total_ns)
{
    if (slot < 0 || slot >= st->n_slots)
        return;
    pthread_mutex_lock(&st->lock);
    add(&st->s[slot].m.fail, total_ns);
    pthread_mutex_unlock(&st->lock);
}

void stats_get(struct model_stats *st, int slot, model_stat *out)
{
    memset(out, 0, sizeof *out);
    if (slot < 0 || slot >= st->n_slots)
        return;
    pthread_mutex_lock(&st->lock);
    *out = st->s[slot].m;
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
 * (perf_analyzer) find them. "batch_stats" has one entry per batch size (op models: 1; MLP
 * models: the N of INPUT0 [N, in]), its compute counts being executions of that size. */
static cJSON *model_json(const char *name, const slot_stat *s)
{
    const model_stat *m = &s->m;
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
    for (int i = 0; i < s->n_batch; i++) {
        cJSON *b = cJSON_CreateObject();
        cJSON_AddNumberToObject(b, "batch_size", (double)s->batch[i].batch_size);
        cJSON_AddItemToObject(b, "compute_input", duration(s->batch[i].compute_input));
        cJSON_AddItemToObject(b, "compute_infer", duration(s->batch[i].compute_infer));
        cJSON_AddItemToObject(b, "compute_output", duration(s->batch[i].compute_output));
        cJSON_AddItemToArray(bs, b);
    }
    cJSON_AddArrayToObject(o, "memory_usage");
    return o;
}

cJSON *stats_to_json(struct model_stats *st, int slot)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(root, "model_stats");
    int n = stats_slot_count(st);
    for (int i = 0; i < n; i++) {
        if (slot >= 0 && i != slot)
            continue;
        slot_stat copy;
        pthread_mutex_lock(&st->lock);
        copy = st->s[i];
        pthread_mutex_unlock(&st->lock);
        cJSON_AddItemToArray(arr, model_json(stats_slot_name(st, i), &copy));
    }
    return root;
}
