/* routes_models.c: MLP models over HTTP — KServe v2 metadata/ready/config/infer (JSON + binary) and the native /v1/models routes, with optional per-layer analysis. */
#include "codec/binary_ext.h"
#include "codec/json_int.h"
#include "codec/tensor_json.h"
#include "metrics.h"
#include "models.h"
#include "request_json.h"
#include "v2_outputs.h"
#include "router.h"
#include "stats.h"
#include "v2_kinds.h"
#include "v2_shm.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Request-level v2 parameters accepted for MLP models ("stats" and "device" are read). */
static const char *const v2_known_params[] = {"stats", "device", "binary_data_output", "sequence_id", "sequence_start",
                                              "sequence_end", "priority", "timeout", "headers", NULL};

static cJSON *tensor_meta(const char *name, const char *dt_key, const char *dt, const char *shape_key, size_t width)
{
    cJSON *t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "name", name);
    cJSON_AddStringToObject(t, dt_key, dt);
    cJSON *sh = cJSON_AddArrayToObject(t, shape_key);
    cJSON_AddItemToArray(sh, cJSON_CreateNumber(-1));
    cJSON_AddItemToArray(sh, cJSON_CreateNumber((double)width));
    return t;
}

/* "4-16-8-3 relu, leaky_relu(negative_slope=0), none" */
static void describe_layers(const clrelu_model *m, char *out, size_t size)
{
    size_t used = (size_t)snprintf(out, size, "%zu", clrelu_model_input_size(m));
    for (int i = 0; i < clrelu_model_layer_count(m) && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "-%zu", clrelu_model_layer(m, i)->out);
    for (int i = 0; i < clrelu_model_layer_count(m) && used < size; i++) {
        const clrelu_layer_info *L = clrelu_model_layer(m, i);
        used += (size_t)snprintf(out + used, size - used, "%s%s", i ? ", " : " ", L->activation);
        const clrelu_op_desc *op = clrelu_op_find(L->activation);
        for (int p = 0; op && p < op->n_params && used < size; p++)
            used += (size_t)snprintf(out + used, size - used, "%s%s=%g%s", p ? ", " : "(", op->params[p].name,
                                     L->params[p], p == op->n_params - 1 ? ")" : "");
    }
}

static void mlp_metadata(server *s, const served_model *sm, request *rq, response *rp)
{
    const clrelu_model *m = sm->mlp;
    const char *dt = v2_datatype_name(clrelu_model_dtype(m));
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", rq->model);
    cJSON *v = cJSON_AddArrayToObject(o, "versions");
    cJSON_AddItemToArray(v, cJSON_CreateString("1"));
    cJSON_AddStringToObject(o, "platform", "clrelu_mlp");
    cJSON *in = cJSON_AddArrayToObject(o, "inputs");
    cJSON_AddItemToArray(in, tensor_meta("INPUT0", "datatype", dt, "shape", clrelu_model_input_size(m)));
    cJSON *out = cJSON_AddArrayToObject(o, "outputs");
    cJSON_AddItemToArray(out, tensor_meta("OUTPUT0", "datatype", dt, "shape", clrelu_model_output_size(m)));
    response_json(rp, 200, o);
}

static void mlp_ready(server *s, const served_model *sm, request *rq, response *rp)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", rq->model);
    cJSON_AddBoolToObject(o, "ready", true);
    response_json(rp, 200, o);
}

static void mlp_config(server *s, const served_model *sm, request *rq, response *rp)
{
    const clrelu_model *m = sm->mlp;
    char type[32], layers[1024];
    snprintf(type, sizeof type, "TYPE_%s", v2_datatype_name(clrelu_model_dtype(m)));
    describe_layers(m, layers, sizeof layers);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", rq->model);
    cJSON_AddStringToObject(o, "platform", "clrelu_mlp");
    cJSON_AddStringToObject(o, "backend", "clrelu");
    cJSON_AddNumberToObject(o, "max_batch_size", 0);
    cJSON *vp = cJSON_AddObjectToObject(o, "version_policy");
    cJSON_AddNumberToObject(cJSON_AddObjectToObject(vp, "latest"), "num_versions", 1);
    cJSON *in = cJSON_AddArrayToObject(o, "input");
    cJSON_AddItemToArray(in, tensor_meta("INPUT0", "data_type", type, "dims", clrelu_model_input_size(m)));
    cJSON *out = cJSON_AddArrayToObject(o, "output");
    cJSON_AddItemToArray(out, tensor_meta("OUTPUT0", "data_type", type, "dims", clrelu_model_output_size(m)));
    cJSON *ig = cJSON_AddArrayToObject(o, "instance_group");
    cJSON *g = cJSON_CreateObject();
    cJSON_AddStringToObject(g, "name", rq->model);
    cJSON_AddStringToObject(g, "kind", s->devices[s->default_device].info->type == CLRELU_DEVICE_GPU ? "KIND_GPU" : "KIND_CPU");
    cJSON_AddNumberToObject(g, "count", 1);
    cJSON_AddItemToArray(ig, g);
    cJSON *params = cJSON_AddObjectToObject(o, "parameters");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(params, "layers"), "string_value", layers);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(params, "description"), "string_value", clrelu_model_description(m));
    response_json(rp, 200, o);
}

/* One batch in the model's dtype, ready to run. */
typedef struct {
    size_t n;                   /* rows */
    bool rank1;                 /* the input was one sample of shape [in] */
    void *x;                    /* malloc'd */
} batch;

/* Check an input's shape ([N, in] or [in]) and set n / rank1. */
static bool check_shape(const clrelu_model *m, const char *model, const size_t *shape, int rank, batch *b, response *rp)
{
    size_t width = clrelu_model_input_size(m);
    if ((rank != 1 && rank != 2) || shape[rank - 1] != width) {
        response_error(rp, 400, "model %s takes INPUT0 of shape [N, %zu] (or [%zu] for one sample)", model, width, width);
        return false;
    }
    b->rank1 = rank == 1;
    b->n = rank == 2 ? shape[0] : 1;
    return true;
}

/* Run b through m on d, waiting for a device slot; stats may be NULL. */
static clrelu_status run_batch(server *s, server_device *d, const clrelu_model *m, const batch *b, void *y,
                               clrelu_layer_stats *stats, uint64_t *queue_ns, clrelu_timing *t)
{
    uint64_t t0 = now_ns();
    server_device_acquire(d);
    *queue_ns = now_ns() - t0;
    clrelu_status st = clrelu_model_forward(s->ctx, d->dev, m, b->x, b->n, y, stats, t);
    server_device_release(d);
    metrics_device_run(s->metrics, (int)(d - s->devices), t->kernel_ns, st == CLRELU_OK);
    return st;
}

/* Parse a v2 request (JSON with inline or binary data, or a raw FP32 body) into b. */
static bool v2_read(server *s, const request *rq, const clrelu_model *m, const v2_body *body, cJSON **root_out, batch *b,
                    bool *want_stats, bool *out_binary, server_device **dev, response *rp)
{
    clrelu_dtype mdt = clrelu_model_dtype(m);
    size_t es = clrelu_dtype_size(mdt);
    if (body->raw) {
        size_t width = clrelu_model_input_size(m);
        if (body->bin_len % (4 * width)) {
            response_error(rp, 400, "raw body of %zu bytes is not a whole number of FP32 rows of %zu", body->bin_len, width);
            return false;
        }
        b->n = body->bin_len / (4 * width);
        if (!(b->x = malloc(b->n * width * es + 1))) {
            response_error(rp, 503, "out of memory");
            return false;
        }
        clrelu_convert(body->bin, CLRELU_F32, b->x, mdt, b->n * width);
        *out_binary = true;
        return true;
    }
    cJSON *root = parse_json_or_400(body->json, body->json_len, rp);
    *root_out = root;
    if (!root)
        return false;
    if (!cJSON_IsObject(root)) {
        response_error(rp, 400, "the inference request must be a JSON object");
        return false;
    }
    const cJSON *rpar = cJSON_GetObjectItemCaseSensitive(root, "parameters"), *jp;
    cJSON_ArrayForEach(jp, rpar)
    {
        bool known = false;
        for (int i = 0; v2_known_params[i]; i++)
            known = known || (jp->string && strcmp(jp->string, v2_known_params[i]) == 0);
        if (!known) {
            response_error(rp, 400, "unknown parameter '%s' for model %s (stats, device)", jp->string ? jp->string : "?",
                           rq->model);
            return false;
        }
    }
    *want_stats = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rpar, "stats"));
    *out_binary = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rpar, "binary_data_output"));
    const cJSON *jdev = cJSON_GetObjectItemCaseSensitive(rpar, "device");
    if (jdev && (!cJSON_IsString(jdev) || server_pick_device(s, jdev->valuestring, dev) != CLRELU_OK)) {
        response_error(rp, 400, "unknown device in parameters.device (GET /v1/devices lists them)");
        return false;
    }
    const cJSON *ins = cJSON_GetObjectItemCaseSensitive(root, "inputs");
    if (!cJSON_IsArray(ins) || cJSON_GetArraySize(ins) != 1) {
        response_error(rp, 400, "\"inputs\" must be an array holding the one input INPUT0");
        return false;
    }
    const cJSON *ji = cJSON_GetArrayItem(ins, 0);
    const cJSON *jname = cJSON_GetObjectItemCaseSensitive(ji, "name"), *jdt = cJSON_GetObjectItemCaseSensitive(ji, "datatype");
    clrelu_dtype dt;
    if (!cJSON_IsString(jname) || strcmp(jname->valuestring, "INPUT0") != 0 || !cJSON_IsString(jdt) ||
        !v2_datatype_parse(jdt->valuestring, &dt)) {
        response_error(rp, 400, "the input must be named INPUT0 with datatype FP32, FP64, FP16 or BF16");
        return false;
    }
    size_t shape[TENSOR_MAX_RANK], count;
    int rank;
    char err[256];
    if (!tjson_shape(cJSON_GetObjectItemCaseSensitive(ji, "shape"), shape, &rank, err, sizeof err)) {
        response_error(rp, 400, "input INPUT0: %s", err);
        return false;
    }
    if (!check_shape(m, rq->model, shape, rank, b, rp))
        return false;
    if (!shape_count(shape, rank, &count) || count > s->cfg.max_elements) {
        response_error(rp, 400, "input INPUT0 has more than %zu elements (the server's --max-elements)", s->cfg.max_elements);
        return false;
    }
    if (!(b->x = malloc(count * es + 1))) {
        response_error(rp, 503, "out of memory");
        return false;
    }
    const cJSON *jbs = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ji, "parameters"), "binary_data_size");
    size_t bytes = count * clrelu_dtype_size(dt);
    v2_shm_ref shm;
    if (!v2_shm_ref_parse(cJSON_GetObjectItemCaseSensitive(ji, "parameters"), "input 'INPUT0'", &shm, rp))
        return false;
    if (shm.set) {
        if (jbs || cJSON_GetObjectItemCaseSensitive(ji, "data") || body->bin_len) {
            response_error(rp, 400, "input 'INPUT0' names a shared memory region and also carries data");
            return false;
        }
        if (dt == mdt) /* read straight into the batch */
            return v2_shm_read_input(s, &shm, "INPUT0", b->x, bytes, rp);
        void *tmp = malloc(bytes + 1);
        if (!tmp) {
            response_error(rp, 503, "out of memory");
            return false;
        }
        bool read = v2_shm_read_input(s, &shm, "INPUT0", tmp, bytes, rp);
        if (read)
            clrelu_convert(tmp, dt, b->x, mdt, count);
        free(tmp);
        return read;
    }
    if (jbs) {
        size_t announced;
        if (!json_to_size(jbs, SIZE_MAX, &announced) || announced != bytes || bytes != body->bin_len) {
            response_error(rp, 400, "input INPUT0: binary_data_size must be %zu and match the %zu bytes after the header",
                           bytes, body->bin_len);
            return false;
        }
        clrelu_convert(body->bin, dt, b->x, mdt, count);
        return true;
    }
    if (body->bin_len) {
        response_error(rp, 400, "%zu bytes of binary data follow the header but no input announces them", body->bin_len);
        return false;
    }
    double *vals;
    size_t n, nshape[TENSOR_MAX_RANK];
    int nrank;
    if (!tjson_read(cJSON_GetObjectItemCaseSensitive(ji, "data"), "inputs[INPUT0].data", s->cfg.max_elements, &vals, &n,
                    nshape, &nrank, err, sizeof err)) {
        response_error(rp, 400, "%s", err);
        return false;
    }
    if (n != count) {
        free(vals);
        response_error(rp, 400, "input INPUT0: data has %zu elements but shape describes %zu", n, count);
        return false;
    }
    clrelu_convert(vals, CLRELU_F64, b->x, mdt, n);
    free(vals);
    return true;
}

/* Count one successful execution of b in the model's statistics (GET /v2/models/{m}/stats,
 * nv_inference_*), split as for the op models: compute_input is the body's decoding plus the
 * copies to the device, compute_infer the layers' kernel time, compute_output the copies back
 * plus building the response; the batch's N rows are N inferences of one execution. */
static void record_success(server *s, int slot, const request *rq, const batch *b, uint64_t queue_ns, uint64_t t_decoded,
                           const clrelu_timing *t, uint64_t t_ran)
{
    uint64_t t_done = now_ns();
    stats_success(s->stats, slot, b->n, t_done - rq->t_start_ns, queue_ns, (t_decoded - rq->t_body_ns) + t->transfer_in_ns,
                  t->kernel_ns, t->transfer_out_ns + (t_done - t_ran));
}

static void free_stats(const clrelu_model *m, clrelu_layer_stats *stats)
{
    for (int i = 0; stats && i < clrelu_model_layer_count(m); i++)
        clrelu_layer_stats_free(&stats[i]);
    free(stats);
}

static void mlp_infer(server *s, const served_model *sm, request *rq, response *rp)
{
    const clrelu_model *m = sm->mlp;
    int slot = sm->slot;
    bool ok = false;
    batch b = {0};
    cJSON *root = NULL;
    void *y = NULL;
    clrelu_layer_stats *stats = NULL;
    bool want_stats = false, out_binary = false;
    server_device *dev = &s->devices[s->default_device];
    clrelu_dtype mdt = clrelu_model_dtype(m);
    size_t width = clrelu_model_output_size(m), es = clrelu_dtype_size(mdt);
    v2_body body;
    if (!v2_split_body(rq, &body, rp) || !v2_read(s, rq, m, &body, &root, &b, &want_stats, &out_binary, &dev, rp))
        goto out;
    v2_shm_ref out_shm;
    if (!v2_read_outputs(root, &out_binary, &out_shm, rp))
        goto out;
    size_t ybytes = b.n * width * es;
    if (out_shm.set && !v2_shm_output_fits(&out_shm, "OUTPUT0", ybytes, rp))
        goto out;
    y = malloc(b.n * width * es + 1);
    stats = want_stats ? calloc((size_t)clrelu_model_layer_count(m), sizeof *stats) : NULL;
    if (!y || (want_stats && !stats)) {
        response_error(rp, 503, "out of memory");
        goto out;
    }
    uint64_t queue_ns, t_decoded = now_ns();
    clrelu_timing t;
    clrelu_status st = run_batch(s, dev, m, &b, y, stats, &queue_ns, &t);
    if (st != CLRELU_OK) {
        response_error(rp, http_status_of(st), "model %s on %s failed: %s", rq->model, dev->info->id, clrelu_last_error());
        goto out;
    }
    uint64_t t_ran = now_ns();
    if (out_shm.set && !v2_shm_write_output(s, &out_shm, "OUTPUT0", y, ybytes, rp))
        goto out; /* the copy into the region counts as compute_output */
    cJSON *res = cJSON_CreateObject();
    cJSON_AddStringToObject(res, "model_name", rq->model);
    cJSON_AddStringToObject(res, "model_version", "1");
    const cJSON *jid = root ? cJSON_GetObjectItemCaseSensitive(root, "id") : NULL;
    if (cJSON_IsString(jid) && jid->valuestring[0])
        cJSON_AddStringToObject(res, "id", jid->valuestring);
    /* KServe parameter values are strings, numbers or booleans: where the batch ran is the
     * device's id (absent for an empty batch, which ran nowhere; the native API says null), the
     * analysis a JSON string. Triton clients keep response parameters they do not know. */
    cJSON *rparams = NULL;
    if (t.ran_on || want_stats)
        rparams = cJSON_AddObjectToObject(res, "parameters");
    if (t.ran_on)
        cJSON_AddStringToObject(rparams, "ran_on", clrelu_device_get_info(t.ran_on)->id);
    if (want_stats) {
        cJSON *sj = models_stats_json(m, stats);
        char *text = cJSON_PrintUnformatted(sj);
        cJSON_Delete(sj);
        cJSON_AddStringToObject(rparams, "stats", text ? text : "[]");
        free(text);
    }
    cJSON *oo = cJSON_CreateObject();
    cJSON_AddItemToArray(cJSON_AddArrayToObject(res, "outputs"), oo);
    cJSON_AddStringToObject(oo, "name", "OUTPUT0");
    cJSON_AddStringToObject(oo, "datatype", v2_datatype_name(mdt));
    cJSON *sh = cJSON_AddArrayToObject(oo, "shape");
    if (!b.rank1)
        cJSON_AddItemToArray(sh, cJSON_CreateNumber((double)b.n));
    cJSON_AddItemToArray(sh, cJSON_CreateNumber((double)width));
    if (out_shm.set) {
        v2_shm_output_params(oo, &out_shm, ybytes);
    } else if (out_binary || mdt == CLRELU_F16) {
        out_binary = true;
        cJSON_AddNumberToObject(cJSON_AddObjectToObject(oo, "parameters"), "binary_data_size", (double)ybytes);
    } else {
        buf data = {0};
        if (tjson_write_as(&data, y, mdt, b.n * width, TJSON_NONFINITE_TOKENS) != BUF_OK) {
            buf_free(&data);
            cJSON_Delete(res);
            response_error(rp, 503, "out of memory serializing the output");
            goto out;
        }
        cJSON_AddItemToObject(oo, "data", cJSON_CreateRaw(data.data));
        buf_free(&data);
    }
    char *header = cJSON_PrintUnformatted(res);
    cJSON_Delete(res);
    if (!header) {
        response_error(rp, 503, "out of memory building the response");
        goto out;
    }
    const void *bins[1] = {y};
    size_t lens[1] = {ybytes};
    v2_binary_response(rp, header, bins, lens, out_binary ? 1 : 0);
    ok = rp->status == 200;
    if (ok)
        record_success(s, slot, rq, &b, queue_ns, t_decoded, &t, t_ran);
out:
    if (!ok)
        stats_failure(s->stats, slot, now_ns() - rq->t_start_ns);
    cJSON_Delete(root);
    free(b.x);
    free(y);
    free_stats(m, stats);
}

const v2_kind v2_mlp_kind = {mlp_metadata, mlp_ready, mlp_config, mlp_infer};

void h_models_list(server *s, request *rq, response *rp)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(o, "models");
    for (int i = 0; i < served_models_count(s->models); i++) {
        const served_model *sm = served_models_at(s->models, i);
        if (sm->kind != SERVED_MLP)
            continue;
        const clrelu_model *m = sm->mlp;
        char layers[1024];
        describe_layers(m, layers, sizeof layers);
        cJSON *e = cJSON_CreateObject();
        cJSON_AddItemToArray(arr, e);
        cJSON_AddStringToObject(e, "name", sm->name);
        cJSON_AddStringToObject(e, "description", clrelu_model_description(m));
        cJSON_AddStringToObject(e, "dtype", clrelu_dtype_name(clrelu_model_dtype(m)));
        cJSON_AddNumberToObject(e, "inputs", (double)clrelu_model_input_size(m));
        cJSON_AddNumberToObject(e, "outputs", (double)clrelu_model_output_size(m));
        cJSON_AddStringToObject(e, "layers", layers);
    }
    response_json(rp, 200, o);
}

/* POST /v1/models/{model}/infer: {"data": [[...], ...] (or flat with "shape"), "device": "cpu:0",
 * "stats": true} -> {"model", "device", "shape", "data", "timing_us", "stats"}. */
void h_model_infer(server *s, request *rq, response *rp)
{
    const served_model *sm = served_models_find(s->models, rq->model);
    if (!sm || sm->kind != SERVED_MLP) {
        response_error(rp, 404, "unknown model '%s' (GET /v1/models lists the loaded models)", rq->model);
        return;
    }
    const clrelu_model *m = sm->mlp;
    int slot = sm->slot;
    bool ok = false;
    batch b = {0};
    void *y = NULL;
    double *vals = NULL;
    clrelu_layer_stats *stats = NULL;
    uint64_t t0 = now_ns();
    cJSON *root = parse_json_or_400(rq->body, rq->len, rp);
    if (!root)
        goto out;
    server_device *dev = &s->devices[s->default_device];
    clrelu_dtype mdt = clrelu_model_dtype(m);
    size_t es = clrelu_dtype_size(mdt), width = clrelu_model_output_size(m);
    char err[256];
    size_t n, shape[TENSOR_MAX_RANK];
    int rank;
    if (!cJSON_IsObject(root)) {
        response_error(rp, 400, "the request body must be a JSON object");
        goto out;
    }
    const cJSON *jdev = cJSON_GetObjectItemCaseSensitive(root, "device");
    if (jdev && !cJSON_IsNull(jdev) && (!cJSON_IsString(jdev) || server_pick_device(s, jdev->valuestring, &dev) != CLRELU_OK)) {
        response_error(rp, 400, "unknown device (GET /v1/devices lists them)");
        goto out;
    }
    const cJSON *jstats = cJSON_GetObjectItemCaseSensitive(root, "stats");
    if (jstats && !cJSON_IsBool(jstats)) {
        response_error(rp, 400, "\"stats\" must be true or false");
        goto out;
    }
    bool want_stats = cJSON_IsTrue(jstats);
    if (!tjson_read(cJSON_GetObjectItemCaseSensitive(root, "data"), "data", s->cfg.max_elements, &vals, &n, shape, &rank,
                    err, sizeof err)) {
        response_error(rp, 400, "%s", err);
        goto out;
    }
    const cJSON *jshape = cJSON_GetObjectItemCaseSensitive(root, "shape");
    if (jshape) {
        size_t cnt;
        if (!tjson_shape(jshape, shape, &rank, err, sizeof err) || !shape_count(shape, rank, &cnt) || cnt != n) {
            response_error(rp, 400, "\"shape\" must be an array of sizes whose product is the %zu data values", n);
            goto out;
        }
    }
    if (!check_shape(m, rq->model, shape, rank, &b, rp))
        goto out;
    b.x = malloc(n * es + 1);
    y = malloc(b.n * width * es + 1);
    stats = want_stats ? calloc((size_t)clrelu_model_layer_count(m), sizeof *stats) : NULL;
    if (!b.x || !y || (want_stats && !stats)) {
        response_error(rp, 503, "out of memory");
        goto out;
    }
    clrelu_convert(vals, CLRELU_F64, b.x, mdt, n);
    uint64_t queue_ns, t_run = now_ns(); /* the body is decoded */
    clrelu_timing t;
    clrelu_status st = run_batch(s, dev, m, &b, y, stats, &queue_ns, &t);
    if (st != CLRELU_OK) {
        response_error(rp, http_status_of(st), "model %s on %s failed: %s", rq->model, dev->info->id, clrelu_last_error());
        goto out;
    }
    uint64_t t_done = now_ns();
    cJSON *res = cJSON_CreateObject();
    cJSON_AddStringToObject(res, "model", rq->model);
    cJSON_AddStringToObject(res, "device", dev->info->id);
    /* the device asked for hands a batch below its dense crossover to the host (clrelu_model_forward) */
    if (t.ran_on)
        cJSON_AddStringToObject(res, "ran_on", clrelu_device_get_info(t.ran_on)->id);
    else
        cJSON_AddNullToObject(res, "ran_on");
    cJSON_AddStringToObject(res, "dtype", clrelu_dtype_name(mdt));
    cJSON *sh = cJSON_AddArrayToObject(res, "shape");
    if (!b.rank1)
        cJSON_AddItemToArray(sh, cJSON_CreateNumber((double)b.n));
    cJSON_AddItemToArray(sh, cJSON_CreateNumber((double)width));
    buf data = {0};
    if (tjson_write(&data, y, mdt, b.n * width) != BUF_OK) {
        buf_free(&data);
        cJSON_Delete(res);
        response_error(rp, 503, "out of memory serializing the output");
        goto out;
    }
    cJSON_AddItemToObject(res, "data", cJSON_CreateRaw(data.data));
    buf_free(&data);
    cJSON *tu = cJSON_AddObjectToObject(res, "timing_us");
    cJSON_AddNumberToObject(tu, "queue", (double)queue_ns / 1e3);
    cJSON_AddNumberToObject(tu, "kernel", (double)t.kernel_ns / 1e3);
    cJSON_AddNumberToObject(tu, "run", (double)(t_done - t_run - queue_ns) / 1e3);
    cJSON_AddNumberToObject(tu, "total", (double)(t_done - t0) / 1e3);
    if (want_stats)
        cJSON_AddItemToObject(res, "stats", models_stats_json(m, stats));
    response_json(rp, 200, res);
    ok = rp->status == 200;
    if (ok)
        record_success(s, slot, rq, &b, queue_ns, t_run, &t, t_done);
out:
    if (!ok)
        stats_failure(s->stats, slot, now_ns() - rq->t_start_ns);
    cJSON_Delete(root);
    free(vals);
    free(b.x);
    free(y);
    free_stats(m, stats);
}
