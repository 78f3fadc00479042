/* routes_v2.c: KServe v2 / Open Inference Protocol REST routes with Triton's extensions; a model's routes dispatch through the served-model table. */
#include "router.h"
#include "served.h"
#include "stats.h"
#include "v2_kinds.h"

#include <cjson/cJSON.h>
#include <string.h>

/* Extensions we implement completely (the statistics schema is full, see stats.c); the system
 * shared-memory one (routes_shm.c) only while it is on (--shm-max-regions > 0). */
static const char *const extensions[] = {"binary_tensor_data", "statistics", "model_configuration", NULL};

void h_v2_server(server *s, request *rq, response *rp)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", "clrelu");
    cJSON_AddStringToObject(o, "version", CLRELU_VERSION);
    cJSON *ext = cJSON_AddArrayToObject(o, "extensions");
    for (int i = 0; extensions[i]; i++)
        cJSON_AddItemToArray(ext, cJSON_CreateString(extensions[i]));
    if (s->shm)
        cJSON_AddItemToArray(ext, cJSON_CreateString("system_shared_memory"));
    response_json(rp, 200, o);
}

void h_v2_live(server *s, request *rq, response *rp)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "live", true);
    response_json(rp, 200, o);
}

void h_v2_ready(server *s, request *rq, response *rp)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ready", true);
    response_json(rp, 200, o);
}

/* How each kind of served model answers (v2_kinds.h). */
static const v2_kind *const kinds[SERVED_KINDS] = {[SERVED_OP] = &v2_op_kind, [SERVED_MLP] = &v2_mlp_kind};

/* The served model behind {model}[/versions/{version}], looked up once; 404 for unknown models
 * and versions other than 1. */
static const served_model *model_of(const server *s, const request *rq, response *rp)
{
    const served_model *m = served_models_find(s->models, rq->model);
    if (!m) {
        response_error(rp, 404, "unknown model '%s' (every op is a model: GET /v1/ops)", rq->model);
        return NULL;
    }
    if (rq->version[0] && strcmp(rq->version, "1") != 0) {
        response_error(rp, 404, "model '%s' has no version '%s' (only \"1\")", rq->model, rq->version);
        return NULL;
    }
    return m;
}

void h_v2_model(server *s, request *rq, response *rp)
{
    const served_model *m = model_of(s, rq, rp);
    if (m)
        kinds[m->kind]->metadata(s, m, rq, rp);
}

void h_v2_model_ready(server *s, request *rq, response *rp)
{
    const served_model *m = model_of(s, rq, rp);
    if (m)
        kinds[m->kind]->ready(s, m, rq, rp);
}

/* Triton model configuration. */
void h_v2_config(server *s, request *rq, response *rp)
{
    const served_model *m = model_of(s, rq, rp);
    if (m)
        kinds[m->kind]->config(s, m, rq, rp);
}

/* POST /v2/models/{m}[/versions/{v}]/infer. */
void h_v2_infer(server *s, request *rq, response *rp)
{
    const served_model *m = model_of(s, rq, rp);
    if (m)
        kinds[m->kind]->infer(s, m, rq, rp);
}

/* GET /v2/models[/{m}[/versions/{v}]]/stats: every op model and every MLP model, or one. */
void h_v2_stats(server *s, request *rq, response *rp)
{
    int slot = -1;
    if (rq->model[0]) {
        slot = stats_slot_of(s->stats, rq->model);
        if (slot < 0) {
            response_error(rp, 404, "unknown model '%s' (every op is a model: GET /v1/ops; MLP models: GET /v1/models)",
                           rq->model);
            return;
        }
        if (rq->version[0] && strcmp(rq->version, "1") != 0) {
            response_error(rp, 404, "model '%s' has no version '%s' (only \"1\")", rq->model, rq->version);
            return;
        }
    }
    response_json(rp, 200, stats_to_json(s->stats, slot));
}
