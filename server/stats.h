/* stats.h: per-model inference statistics in Triton's schema (one model per op, version "1"). */
#ifndef CLRELU_SERVER_STATS_H
#define CLRELU_SERVER_STATS_H

#include <stdint.h>

struct cJSON;
struct model_stats;

typedef struct {
    uint64_t count, ns;
} stat_duration;

/* One model's counters; a consistent copy is returned by stats_get. */
typedef struct {
    uint64_t last_inference_ms;   /* wall clock, ms since the epoch; 0: never */
    uint64_t inference_count;     /* inferences (batch size 1 each) */
    uint64_t execution_count;
    stat_duration success, fail, queue, compute_input, compute_infer, compute_output;
} model_stat;

struct model_stats *stats_create(int n_models);
void stats_destroy(struct model_stats *st);
void stats_success(struct model_stats *st, int model, uint64_t total_ns, uint64_t queue_ns,
                   uint64_t input_ns, uint64_t infer_ns, uint64_t output_ns);
void stats_failure(struct model_stats *st, int model, uint64_t total_ns);
void stats_get(struct model_stats *st, int model, model_stat *out);
/* {"model_stats":[...]} for one model (model >= 0) or all of them (-1); NULL on OOM. */
struct cJSON *stats_to_json(struct model_stats *st, int model);

#endif
