/* v2_op.c: op models over KServe v2 — metadata, readiness, Triton configuration and inference (JSON and binary tensors) of one op. */
#include "codec/binary_ext.h"
#include "codec/json_int.h"
#include "codec/tensor_json.h"
#include "request_json.h"
#include "stats.h"
#include "v2_kinds.h"
#include "v2_outputs.h"
#include "v2_shm.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Request-level parameters that Triton clients send and that mean nothing here. */
static const char *const ignored_params[] = {"binary_data_output", "device", "sequence_id", "sequence_start",
                                             "sequence_end", "priority", "timeout", "headers", NULL};

static cJSON *tensor_meta(const char *name, const char *dt_key, const char *dt, const char *shape_key)
{
    cJSON *t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "name", name);
    cJSON_AddStringToObject(t, dt_key, dt);
    cJSON *sh = cJSON_AddArrayToObject(t, shape_key);
    cJSON_AddItemToArray(sh, cJSON_CreateNumber(-1));
    return t;
}

static void op_metadata(server *s, const served_model *m, request *rq, response *rp)
{
    const clrelu_op_desc *op = m->op;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", op->name);
    cJSON *v = cJSON_AddArrayToObject(o, "versions");
    cJSON_AddItemToArray(v, cJSON_CreateString("1"));
    cJSON_AddStringToObject(o, "platform", "clrelu");
    cJSON *in = cJSON_AddArrayToObject(o, "inputs");
    cJSON_AddItemToArray(in, tensor_meta("INPUT0", "datatype", "FP32", "shape"));
    if (op->per_channel)
        cJSON_AddItemToArray(in, tensor_meta("WEIGHT", "datatype", "FP32", "shape"));
    cJSON *out = cJSON_AddArrayToObject(o, "outputs");
    cJSON_AddItemToArray(out, tensor_meta("OUTPUT0", "datatype", "FP32", "shape"));
    response_json(rp, 200, o);
}

static void op_ready(server *s, const served_model *m, request *rq, response *rp)
{
    const clrelu_op_desc *op = m->op;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", op->name);
    cJSON_AddBoolToObject(o, "ready", true);
    response_json(rp, 200, o);
}

/* Triton model configuration: no batch dimension, variable-length 1-D tensors, op parameters
 * with their defaults under "parameters" (string values, as Triton's config has them). */
static void op_config(server *s, const served_model *m, request *rq, response *rp)
{
    const clrelu_op_desc *op = m->op;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", op->name);
    cJSON_AddStringToObject(o, "platform", "clrelu");
    cJSON_AddStringToObject(o, "backend", "clrelu");
    cJSON_AddNumberToObject(o, "max_batch_size", 0);
    cJSON *vp = cJSON_AddObjectToObject(o, "version_policy");
    cJSON *latest = cJSON_AddObjectToObject(vp, "latest");
    cJSON_AddNumberToObject(latest, "num_versions", 1);
    cJSON *in = cJSON_AddArrayToObject(o, "input");
    cJSON_AddItemToArray(in, tensor_meta("INPUT0", "data_type", "TYPE_FP32", "dims"));
    if (op->per_channel)
        cJSON_AddItemToArray(in, tensor_meta("WEIGHT", "data_type", "TYPE_FP32", "dims"));
    cJSON *out = cJSON_AddArrayToObject(o, "output");
    cJSON_AddItemToArray(out, tensor_meta("OUTPUT0", "data_type", "TYPE_FP32", "dims"));
    cJSON *ig = cJSON_AddArrayToObject(o, "instance_group");
    cJSON *g = cJSON_CreateObject();
    cJSON_AddStringToObject(g, "name", op->name);
    cJSON_AddStringToObject(g, "kind", s->devices[s->default_device].info->type == CLRELU_DEVICE_GPU ? "KIND_GPU" : "KIND_CPU");
    cJSON_AddNumberToObject(g, "count", 1);
    cJSON_AddItemToArray(ig, g);
    cJSON *params = cJSON_AddObjectToObject(o, "parameters");
    for (int i = 0; i < op->n_params; i++) {
        char v[64];
        snprintf(v, sizeof v, "%.17g", op->params[i].default_value);
        cJSON *p = cJSON_AddObjectToObject(params, op->params[i].name);
        cJSON_AddStringToObject(p, "string_value", v);
    }
    response_json(rp, 200, o);
}


/* ---- inference ------------------------------------------------------------------------- */

enum { IN_X = 0, IN_WEIGHT, IN_GRAD, N_INPUTS };
static const char *const input_names[N_INPUTS] = {"INPUT0", "WEIGHT", "GRAD_OUTPUT"};

typedef struct {
    bool present;
    size_t shape[TENSOR_MAX_RANK];
    int rank;
    size_t count;
    void *data;                 /* typed: malloc'd, or inside the request body when borrowed */
    bool borrowed;
    bool scratch;               /* malloc'd copy of a shared-memory input: the op may run in place on it */
} v2_tensor;

typedef struct {
    const clrelu_op_desc *op;
    clrelu_dtype dtype;
    bool dtype_set;
    v2_tensor in[N_INPUTS];
    double params[CLRELU_MAX_PARAMS];
    server_device *dev;
    bool out_binary;
    v2_shm_ref out_shm;         /* OUTPUT0 goes into this shared-memory region when out_shm.set */
    bool zero_copy;             /* the request's zero_copy: inputs may be used in the body */
} v2_call;

static void call_free(v2_call *c)
{
    for (int i = 0; i < N_INPUTS; i++)
        if (!c->in[i].borrowed)
            free(c->in[i].data);
}

/* Point t at bytes of binary data in the request body when the body is the request's own
 * writable buffer (rq->zero_copy) and they are aligned for its element type (http.c places the
 * first binary section on a 128-byte boundary), so that the op reads and writes them where
 * they are; else copy them once into fresh memory. */
static bool take_binary(const v2_call *c, v2_tensor *t, const char *src, size_t bytes, size_t esz, response *rp)
{
    if (c->zero_copy && bytes && (uintptr_t)src % esz == 0) {
        t->data = (void *)(uintptr_t)src;
        t->borrowed = true;
        return true;
    }
    t->data = malloc(bytes ? bytes : 1);
    if (!t->data) {
        response_error(rp, 503, "out of memory");
        return false;
    }
    if (bytes)
        memcpy(t->data, src, bytes);
    return true;
}

/* Read one entry of "inputs": name, datatype, shape, then its data from JSON or from the binary
 * tail (advancing *bin_pos). */
static bool read_input(server *s, v2_call *c, const cJSON *ji, const v2_body *b, size_t *bin_pos, response *rp)
{
    char err[256];
    const cJSON *jname = cJSON_GetObjectItemCaseSensitive(ji, "name");
    const cJSON *jdt = cJSON_GetObjectItemCaseSensitive(ji, "datatype");
    if (!cJSON_IsString(jname) || !cJSON_IsString(jdt)) {
        response_error(rp, 400, "each input needs \"name\", \"shape\" and \"datatype\"");
        return false;
    }
    int which = -1;
    for (int i = 0; i < N_INPUTS; i++)
        if (!strcmp(jname->valuestring, input_names[i]))
            which = i;
    if (which < 0 || (which == IN_WEIGHT && !c->op->per_channel)) {
        response_error(rp, 400, "unexpected input '%s' for model %s (inputs: INPUT0%s, optional GRAD_OUTPUT)",
                       jname->valuestring, c->op->name, c->op->per_channel ? ", WEIGHT" : "");
        return false;
    }
    v2_tensor *t = &c->in[which];
    if (t->present) {
        response_error(rp, 400, "input '%s' given twice", jname->valuestring);
        return false;
    }
    t->present = true;
    clrelu_dtype dt;
    if (!v2_datatype_parse(jdt->valuestring, &dt)) {
        response_error(rp, 400, "input '%s': unsupported datatype '%s' (FP32, FP64, FP16, BF16)", jname->valuestring,
                       jdt->valuestring);
        return false;
    }
    if (c->dtype_set && dt != c->dtype) {
        response_error(rp, 400, "input '%s' is %s but INPUT0 is %s: all inputs must share one datatype",
                       jname->valuestring, jdt->valuestring, v2_datatype_name(c->dtype));
        return false;
    }
    c->dtype = dt;
    c->dtype_set = true;
    if (!tjson_shape(cJSON_GetObjectItemCaseSensitive(ji, "shape"), t->shape, &t->rank, err, sizeof err)) {
        response_error(rp, 400, "input '%s': %s", jname->valuestring, err);
        return false;
    }
    if (!shape_count(t->shape, t->rank, &t->count) || t->count > s->cfg.max_elements) {
        response_error(rp, 400, "input '%s' has more than %zu elements (the server's --max-elements)",
                       jname->valuestring, s->cfg.max_elements);
        return false;
    }
    size_t esz = clrelu_dtype_size(dt);
    size_t bytes = t->count * esz;
    const cJSON *jp = cJSON_GetObjectItemCaseSensitive(ji, "parameters");
    const cJSON *jbs = cJSON_GetObjectItemCaseSensitive(jp, "binary_data_size");
    const cJSON *jdata = cJSON_GetObjectItemCaseSensitive(ji, "data");
    v2_shm_ref shm;
    snprintf(err, sizeof err, "input '%s'", jname->valuestring);
    if (!v2_shm_ref_parse(jp, err, &shm, rp))
        return false;
    if (shm.set) {
        /* Read once from the region into memory of our own (never computed on in the region:
         * its owner may shrink it at any time); the op then runs in place there. */
        if (jbs || jdata) {
            response_error(rp, 400, "input '%s' names a shared memory region and also carries %s", jname->valuestring,
                           jbs ? "binary data" : "data");
            return false;
        }
        t->data = v2_shm_scratch(bytes);
        if (!t->data) {
            response_error(rp, 503, "out of memory");
            return false;
        }
        t->scratch = true;
        return v2_shm_read_input(s, &shm, jname->valuestring, t->data, bytes, rp);
    }
    if (jbs) {
        size_t announced;
        if (!json_to_size(jbs, SIZE_MAX, &announced) || announced != bytes) {
            response_error(rp, 400, "input '%s': binary_data_size must be %zu (shape × %zu bytes)",
                           jname->valuestring, bytes, esz);
            return false;
        }
        if (bytes > b->bin_len - *bin_pos) {
            response_error(rp, 400, "input '%s': binary data truncated (%zu bytes announced, %zu left)",
                           jname->valuestring, bytes, b->bin_len - *bin_pos);
            return false;
        }
        if (!take_binary(c, t, b->bin + *bin_pos, bytes, esz, rp))
            return false;
        *bin_pos += bytes;
        return true;
    }
    if (!jdata) {
        response_error(rp, 400, "input '%s' has neither \"data\" nor binary_data_size", jname->valuestring);
        return false;
    }
    if (dt == CLRELU_F16 || dt == CLRELU_BF16) {
        response_error(rp, 400, "input '%s': %s data must use the binary tensor data extension, not JSON",
                       jname->valuestring, jdt->valuestring);
        return false;
    }
    double *vals;
    size_t n, nshape[TENSOR_MAX_RANK];
    int nrank;
    char what[80];
    snprintf(what, sizeof what, "inputs[%s].data", jname->valuestring);
    if (!tjson_read(jdata, what, s->cfg.max_elements, &vals, &n, nshape, &nrank, err, sizeof err)) {
        response_error(rp, 400, "%s", err);
        return false;
    }
    if (n != t->count) {
        free(vals);
        response_error(rp, 400, "input '%s': data has %zu elements but shape describes %zu", jname->valuestring, n,
                       t->count);
        return false;
    }
    t->data = malloc(bytes ? bytes : 1);
    if (!t->data) {
        free(vals);
        response_error(rp, 503, "out of memory");
        return false;
    }
    clrelu_convert(vals, CLRELU_F64, t->data, dt, n);
    free(vals);
    return true;
}

/* Outputs requested: only OUTPUT0 exists. Binary per output's binary_data, else the request's
 * binary_data_output. */
static bool read_outputs(v2_call *c, const cJSON *root, response *rp)
{
    const cJSON *rpar = cJSON_GetObjectItemCaseSensitive(root, "parameters");
    c->out_binary = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rpar, "binary_data_output"));
    return v2_read_outputs(root, &c->out_binary, &c->out_shm, rp);
}

/* Parse the JSON header (or the raw single-input form) into c. */
static bool read_request(server *s, v2_call *c, const v2_body *b, cJSON **root_out, response *rp)
{
    if (b->raw) {
        v2_tensor *t = &c->in[IN_X];
        if (c->op->per_channel) {
            response_error(rp, 400, "model %s has two inputs; the raw single-input body cannot carry them", c->op->name);
            return false;
        }
        if (b->bin_len % 4) {
            response_error(rp, 400, "raw body of %zu bytes is not a whole number of FP32 elements", b->bin_len);
            return false;
        }
        t->present = true;
        t->rank = 1;
        t->count = t->shape[0] = b->bin_len / 4;
        if (t->count > s->cfg.max_elements) {
            response_error(rp, 400, "input has more than %zu elements", s->cfg.max_elements);
            return false;
        }
        if (!take_binary(c, t, b->bin, b->bin_len, 4, rp))
            return false;
        c->dtype = CLRELU_F32;
        c->out_binary = true;
        return true;
    }
    cJSON *root = parse_json_or_400(b->json, b->json_len, rp);
    *root_out = root;
    if (!root)
        return false;
    if (!cJSON_IsObject(root)) {
        response_error(rp, 400, "the inference request must be a JSON object");
        return false;
    }
    const cJSON *rpar = cJSON_GetObjectItemCaseSensitive(root, "parameters");
    if (!parse_op_params(c->op, rpar, ignored_params, c->params, rp))
        return false;
    const cJSON *jdev = cJSON_GetObjectItemCaseSensitive(rpar, "device");
    if (jdev && (!cJSON_IsString(jdev) || server_pick_device(s, jdev->valuestring, &c->dev) != CLRELU_OK)) {
        response_error(rp, 400, "unknown device in parameters.device (GET /v1/devices lists them)");
        return false;
    }
    const cJSON *ins = cJSON_GetObjectItemCaseSensitive(root, "inputs");
    if (!cJSON_IsArray(ins)) {
        response_error(rp, 400, "\"inputs\" (array) is required");
        return false;
    }
    size_t bin_pos = 0;
    const cJSON *ji;
    cJSON_ArrayForEach(ji, ins)
    {
        if (!read_input(s, c, ji, b, &bin_pos, rp))
            return false;
    }
    if (bin_pos != b->bin_len) {
        response_error(rp, 400, "%zu bytes of binary data follow the header but the inputs announce %zu",
                       b->bin_len, bin_pos);
        return false;
    }
    if (!c->in[IN_X].present) {
        response_error(rp, 400, "input INPUT0 is required");
        return false;
    }
    if (c->op->per_channel && !c->in[IN_WEIGHT].present) {
        response_error(rp, 400, "model %s needs input WEIGHT (one slope per channel, axis 1)", c->op->name);
        return false;
    }
    const v2_tensor *x = &c->in[IN_X];
    if (c->in[IN_GRAD].present && c->in[IN_GRAD].count != x->count) {
        response_error(rp, 400, "GRAD_OUTPUT has %zu elements, INPUT0 has %zu", c->in[IN_GRAD].count, x->count);
        return false;
    }
    if (c->op->per_channel) {
        size_t channels = x->rank >= 2 ? x->shape[1] : 1;
        if (c->in[IN_WEIGHT].count != channels) {
            response_error(rp, 400, "WEIGHT has %zu values but INPUT0 has %zu channels", c->in[IN_WEIGHT].count,
                           channels);
            return false;
        }
    }
    return read_outputs(c, root, rp);
}

/* POST /v2/models/{m}[/versions/{v}]/infer for an op model. */
static void op_infer(server *s, const served_model *m, request *rq, response *rp)
{
    v2_call c;
    memset(&c, 0, sizeof c);
    cJSON *root = NULL;
    void *y = NULL;
    int model = m->slot;
    bool ok = false;
    c.op = m->op;
    clrelu_op_default_params(c.op, c.params);
    c.dev = &s->devices[s->default_device];
    c.zero_copy = rq->zero_copy;
    v2_body b;
    if (!v2_split_body(rq, &b, rp) || !read_request(s, &c, &b, &root, rp))
        goto out;
    v2_tensor *x = &c.in[IN_X];
    size_t esz = clrelu_dtype_size(c.dtype);
    /* A forward pass over an input that lies in the request body runs in place there: no
     * output allocation (and no page faults on fresh memory), and the output is sent from it. */
    void *dst = NULL;
    if (x->borrowed && !c.in[IN_GRAD].present) {
        dst = x->data;
    } else if (x->scratch && !c.in[IN_GRAD].present) {
        dst = y = x->data; /* a copy read from shared memory: in place; y owns it from here (freed */
        x->borrowed = true; /* once, as y), so call_free must leave it */
    } else {
        dst = y = malloc(x->count ? x->count * esz : 1);
        if (!y) {
            response_error(rp, 503, "out of memory");
            goto out;
        }
    }
    size_t ybytes = x->count * esz;
    if (c.out_shm.set && !v2_shm_output_fits(&c.out_shm, "OUTPUT0", ybytes, rp))
        goto out;
    uint64_t t_decoded = now_ns();
    clrelu_op_args args = {.op = c.op->name, .dtype = c.dtype, .count = x->count, .shape = x->shape,
                           .rank = x->rank, .x = x->data, .y = dst, .params = c.params,
                           .grad_output = c.in[IN_GRAD].present ? c.in[IN_GRAD].data : NULL,
                           .weight = c.in[IN_WEIGHT].data};
    exec_times t;
    clrelu_status st = server_exec(s, c.dev, &args, &t);
    if (st != CLRELU_OK) {
        response_error(rp, http_status_of(st), "%s on %s failed: %s", c.op->name, c.dev->info->id, clrelu_last_error());
        goto out;
    }
    uint64_t t_ran = now_ns();
    if (c.out_shm.set && !v2_shm_write_output(s, &c.out_shm, "OUTPUT0", dst, ybytes, rp))
        goto out; /* the copy into the region counts as compute_output */

    cJSON *res = cJSON_CreateObject();
    cJSON_AddStringToObject(res, "model_name", c.op->name);
    cJSON_AddStringToObject(res, "model_version", "1");
    const cJSON *jid = root ? cJSON_GetObjectItemCaseSensitive(root, "id") : NULL;
    if (cJSON_IsString(jid) && jid->valuestring[0])
        cJSON_AddStringToObject(res, "id", jid->valuestring);
    cJSON *outs = cJSON_AddArrayToObject(res, "outputs");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToArray(outs, o);
    cJSON_AddStringToObject(o, "name", "OUTPUT0");
    cJSON_AddStringToObject(o, "datatype", v2_datatype_name(c.dtype));
    cJSON *sh = cJSON_AddArrayToObject(o, "shape");
    for (int i = 0; i < x->rank; i++)
        cJSON_AddItemToArray(sh, cJSON_CreateNumber((double)x->shape[i]));
    if (c.out_shm.set) {
        v2_shm_output_params(o, &c.out_shm, ybytes);
    } else if (c.out_binary) {
        cJSON *p = cJSON_AddObjectToObject(o, "parameters");
        cJSON_AddNumberToObject(p, "binary_data_size", (double)ybytes);
    } else {
        if (c.dtype == CLRELU_F16 || c.dtype == CLRELU_BF16) {
            cJSON_Delete(res);
            response_error(rp, 400, "%s output must be requested as binary data (binary_data: true)",
                           v2_datatype_name(c.dtype));
            goto out;
        }
        buf data = {0};
        if (tjson_write_as(&data, dst, c.dtype, x->count, TJSON_NONFINITE_TOKENS) != BUF_OK) {
            buf_free(&data);
            cJSON_Delete(res);
            response_error(rp, 503, "out of memory serializing the output");
            goto out;
        }
        cJSON_AddItemToObject(o, "data", cJSON_CreateRaw(data.data));
        buf_free(&data);
    }
    char *header = cJSON_PrintUnformatted(res);
    cJSON_Delete(res);
    if (!header) {
        response_error(rp, 503, "out of memory building the response");
        goto out;
    }
    if (c.out_binary && rq->zero_copy) {
        v2_binary_response_tail(rp, header, dst, ybytes, y); /* takes y (NULL when dst is in the body) */
        y = NULL;
    } else {
        const void *bins[1] = {dst};
        size_t lens[1] = {ybytes};
        v2_binary_response(rp, header, bins, lens, c.out_binary ? 1 : 0);
    }
    uint64_t t_done = now_ns();
    ok = rp->status == 200;
    if (ok)
        stats_success(s->stats, model, 1, t_done - rq->t_start_ns, t.queue_ns,
                      (t_decoded - rq->t_body_ns) + t.timing.transfer_in_ns, t.timing.kernel_ns,
                      t.timing.transfer_out_ns + (t_done - t_ran));
out:
    if (!ok)
        stats_failure(s->stats, model, now_ns() - rq->t_start_ns);
    cJSON_Delete(root);
    call_free(&c);
    free(y);
}

const v2_kind v2_op_kind = {op_metadata, op_ready, op_config, op_infer};
