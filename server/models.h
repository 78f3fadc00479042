/* models.h: the MLP models loaded from --model-repository into the served-model table, and their native handlers. */
#ifndef CLRELU_SERVER_MODELS_H
#define CLRELU_SERVER_MODELS_H

#include "clrelu_model.h"
#include "served.h"
#include "server.h"

struct cJSON;

/* Most models a repository may hold. */
#define MODELS_MAX 256

/* Load every subfolder of dir that holds a config.json into t as an MLP model, in name order
 * (dir NULL: none). A model that fails to load or a name that is also an op fails the start
 * (false, message logged). */
bool models_load(served_models *t, const char *dir, const server_logger *lg);

/* Per-layer analysis as JSON: [{"index", "in", "out", "activation", "zero_fraction",
 * "dead_units", "active_rate", "pre_activation": {...}}, ...]. */
struct cJSON *models_stats_json(const clrelu_model *m, const clrelu_layer_stats *stats);

/* routes_models.c: the native /v1/models routes (the v2 ones are in v2_kinds.h). */
void h_models_list(server *s, request *rq, response *rp);    /* GET /v1/models */
void h_model_infer(server *s, request *rq, response *rp);    /* POST /v1/models/{model}/infer */

#endif
