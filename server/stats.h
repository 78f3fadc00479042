/* stats.h: per-model inference statistics in Triton's schema (every op and every MLP model is a model, version "1"). */
#ifndef CLRELU_SERVER_STATS_H
#define CLRELU_SERVER_STATS_H

#include <stdint.h>

struct cJSON;
struct model_stats;
struct served_models;

/* Distinct batch sizes listed in a model's "batch_stats" (the first ones seen); executions of
 * further sizes still count in every total. */
#define STATS_MAX_BATCH_SIZES 16

typedef struct {
    uint64_t count, ns;
} stat_duration;

/* One model's counters; a consistent copy is returned by stats_get. */
typedef struct {
    uint64_t last_inference_ms;   /* wall clock, ms since the epoch; 0: never */
    uint64_t inference_count;     /* inferences: the batch rows of every successful execution */
    uint64_t execution_count;     /* successful executions (one per request) */
    stat_duration success, fail, queue, compute_input, compute_infer, compute_output;
} model_stat;

/* One slot per served model, the slot being its index in the table (served.h): the op models in
 * op-table order, then the MLP models. The table must be complete and outlive the statistics. */
struct model_stats *stats_create(const struct served_models *models);
void stats_destroy(struct model_stats *st);
/* The slot of the model called name (an op or a loaded MLP model); -1 when there is none. */
int stats_slot_of(const struct model_stats *st, const char *name);
/* Slots (ops + loaded MLP models), and the model name of a slot (NULL out of range). */
int stats_slot_count(const struct model_stats *st);
const char *stats_slot_name(const struct model_stats *st, int slot);

/* One successful execution of batch_size rows (op models: 1). */
void stats_success(struct model_stats *st, int slot, uint64_t batch_size, uint64_t total_ns, uint64_t queue_ns,
                   uint64_t input_ns, uint64_t infer_ns, uint64_t output_ns);
void stats_failure(struct model_stats *st, int slot, uint64_t total_ns);
void stats_get(struct model_stats *st, int slot, model_stat *out);
/* {"model_stats":[...]} for one slot (slot >= 0) or every slot in use (-1); NULL on OOM. */
struct cJSON *stats_to_json(struct model_stats *st, int slot);

#endif
