/* models.h: the MLP models loaded from --model-repository, and their KServe v2 / native handlers. */
#ifndef CLRELU_SERVER_MODELS_H
#define CLRELU_SERVER_MODELS_H

#include "clrelu_model.h"
#include "server.h"

struct cJSON;

/* Most models a repository may hold. */
#define MODELS_MAX 256

/* Remember the repository folder (from --model-repository / CLRELU_MODEL_REPOSITORY). */
void models_set_repository(const char *dir);
/* Load every subfolder of the repository that holds a config.json. A model that fails to load,
 * a duplicate name or a name that is also an op fails the start (false, message logged). True
 * when no repository was given. */
bool models_load(const server_logger *lg);
void models_unload(void);
int models_count(void);
/* Served name (the subfolder's name) and model of entry i / of a name (NULL if none). */
const char *models_name_at(int i);
const clrelu_model *models_at(int i);
const clrelu_model *models_find(const char *name);

/* Per-layer analysis as JSON: [{"index", "in", "out", "activation", "zero_fraction",
 * "dead_units", "active_rate", "pre_activation": {...}}, ...]. */
struct cJSON *models_stats_json(const clrelu_model *m, const clrelu_layer_stats *stats);

/* routes_models.c. The v2 ones handle rq->model when it names an MLP model and return true;
 * false leaves the request to the op models (routes_v2.c calls them first). */
bool mlp_v2_metadata(server *s, request *rq, response *rp);
bool mlp_v2_ready(server *s, request *rq, response *rp);
bool mlp_v2_config(server *s, request *rq, response *rp);
bool mlp_v2_infer(server *s, request *rq, response *rp);
void h_models_list(server *s, request *rq, response *rp);    /* GET /v1/models */
void h_model_infer(server *s, request *rq, response *rp);    /* POST /v1/models/{model}/infer */

#endif
