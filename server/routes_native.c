/* routes_native.c: the native JSON API — GET /v1/devices, GET /v1/ops, POST /v1/activate. */
#include "request_json.h"
#include "router.h"
#include "stats.h"
#include "codec/tensor_json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static cJSON *dtype_list(const clrelu_device_info *info)
{
    cJSON *a = cJSON_CreateArray();
    for (int t = 0; t < CLRELU_DTYPE_COUNT; t++)
        if (info->dtype_supported[t])
            cJSON_AddItemToArray(a, cJSON_CreateString(clrelu_dtype_name((clrelu_dtype)t)));
    return a;
}

void h_devices(server *s, request *rq, response *rp)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "default", s->devices[s->default_device].info->id);
    cJSON *arr = cJSON_AddArrayToObject(root, "devices");
    for (int i = 0; i < s->n_devices; i++) {
        const clrelu_device_info *d = s->devices[i].info;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "index", d->index);
        cJSON_AddStringToObject(o, "id", d->id);
        cJSON_AddStringToObject(o, "backend", d->backend);
        cJSON_AddStringToObject(o, "type", clrelu_device_type_name(d->type));
        cJSON_AddStringToObject(o, "name", d->name);
        cJSON_AddStringToObject(o, "vendor", d->vendor);
        cJSON_AddStringToObject(o, "platform", d->platform);
        cJSON_AddStringToObject(o, "driver_version", d->driver_version);
        cJSON_AddStringToObject(o, "device_version", d->device_version);
        cJSON_AddStringToObject(o, "opencl_c_version", d->opencl_c_version);
        cJSON_AddNumberToObject(o, "compute_units", d->compute_units);
        cJSON_AddNumberToObject(o, "clock_mhz", d->clock_mhz);
        cJSON_AddNumberToObject(o, "global_mem_bytes", (double)d->global_mem_bytes);
        cJSON_AddNumberToObject(o, "max_alloc_bytes", (double)d->max_alloc_bytes);
        cJSON_AddBoolToObject(o, "fp16", d->fp16);
        cJSON_AddBoolToObject(o, "fp64", d->fp64);
        cJSON_AddBoolToObject(o, "default", i == s->default_device);
        cJSON_AddItemToObject(o, "dtypes", dtype_list(d));
        cJSON_AddItemToArray(arr, o);
    }
    response_json(rp, 200, root);
}

void h_ops(server *s, request *rq, response *rp)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(root, "ops");
    for (int i = 0; i < clrelu_op_count(); i++) {
        const clrelu_op_desc *op = clrelu_op_get(i);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", op->name);
        cJSON_AddStringToObject(o, "summary", op->summary);
        cJSON_AddStringToObject(o, "formula", op->formula);
        cJSON_AddBoolToObject(o, "per_channel", op->per_channel);
        cJSON_AddBoolToObject(o, "bit_exact", op->bit_exact);
        cJSON_AddBoolToObject(o, "backward", true);
        cJSON *ps = cJSON_AddArrayToObject(o, "params");
        for (int p = 0; p < op->n_params; p++) {
            const clrelu_param_desc *pd = &op->params[p];
            cJSON *po = cJSON_CreateObject();
            cJSON_AddStringToObject(po, "name", pd->name);
            cJSON_AddItemToObject(po, "default", json_number_ext(pd->default_value));
            cJSON_AddItemToObject(po, "min", json_number_ext(pd->min));
            cJSON_AddItemToObject(po, "max", json_number_ext(pd->max));
            cJSON_AddBoolToObject(po, "min_open", pd->min_open);
            cJSON_AddBoolToObject(po, "max_open", pd->max_open);
            cJSON_AddStringToObject(po, "doc", pd->doc);
            cJSON_AddItemToArray(ps, po);
        }
        cJSON *dt = cJSON_AddObjectToObject(o, "dtypes");
        for (int d = 0; d < s->n_devices; d++)
            cJSON_AddItemToObject(dt, s->devices[d].info->id, dtype_list(s->devices[d].info));
        cJSON_AddItemToArray(arr, o);
    }
    response_json(rp, 200, root);
}

/* A tensor read from the request: doubles as parsed, then the typed copy the device uses. */
typedef struct {
    double *vals;
    size_t count;
    size_t shape[TENSOR_MAX_RANK];
    int rank;
    void *typed;
} in_tensor;

static void in_free(in_tensor *t)
{
    free(t->vals);
    free(t->typed);
}

/* Read an optional tensor field and convert it to dtype. Returns false with rp filled. */
static bool read_tensor(server *s, const cJSON *root, const char *field, clrelu_dtype dt, in_tensor *t,
                        response *rp)
{
    char err[256];
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, field);
    if (!tjson_read(v, field, s->cfg.max_elements, &t->vals, &t->count, t->shape, &t->rank, err, sizeof err)) {
        response_error(rp, 400, "%s", err);
        return false;
    }
    t->typed = malloc(t->count ? t->count * clrelu_dtype_size(dt) : 1);
    if (!t->typed) {
        response_error(rp, 503, "out of memory for %s", field);
        return false;
    }
    clrelu_convert(t->vals, CLRELU_F64, t->typed, dt, t->count);
    return true;
}

/* Shape from "shape" (checked against the data) or else from the data's nesting. */
static bool resolve_shape(const cJSON *root, const in_tensor *x, size_t shape[TENSOR_MAX_RANK], int *rank,
                          response *rp)
{
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(root, "shape");
    char err[256];
    if (!sh || cJSON_IsNull(sh)) {
        memcpy(shape, x->shape, sizeof x->shape);
        *rank = x->rank;
        return true;
    }
    size_t n;
    if (!tjson_shape(sh, shape, rank, err, sizeof err)) {
        response_error(rp, 400, "%s", err);
        return false;
    }
    if (!shape_count(shape, *rank, &n)) {
        response_error(rp, 400, "shape describes more elements than a tensor can hold");
        return false;
    }
    if (n != x->count) {
        response_error(rp, 400, "shape describes %zu elements but data has %zu", n, x->count);
        return false;
    }
    if (x->rank > 1 && (x->rank != *rank || memcmp(x->shape, shape, sizeof shape[0] * (size_t)*rank) != 0)) {
        response_error(rp, 400, "nested data do not agree with shape");
        return false;
    }
    return true;
}

/* Nanoseconds as microseconds (the "timing_us" fields). */
static double ns_to_us(uint64_t ns) { return (double)ns / 1000.0; }

/* Count zeros of the output (sparsity), negatives and NaNs of the input. */
static cJSON *activation_stats(const in_tensor *x, const void *y, clrelu_dtype dt)
{
    size_t zeros = 0, neg = 0, nans = 0;
    for (size_t i = 0; i < x->count; i++) {
        neg += x->vals[i] < 0;
        nans += isnan(x->vals[i]) != 0;
    }
    double tmp[1024];
    size_t esz = clrelu_dtype_size(dt);
    for (size_t i = 0; i < x->count; i += 1024) {
        size_t n = x->count - i < 1024 ? x->count - i : 1024;
        clrelu_convert((const char *)y + i * esz, dt, tmp, CLRELU_F64, n);
        for (size_t j = 0; j < n; j++)
            zeros += tmp[j] == 0.0;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "count", (double)x->count);
    cJSON_AddNumberToObject(o, "zeros", (double)zeros);
    cJSON_AddNumberToObject(o, "zero_fraction", x->count ? (double)zeros / (double)x->count : 0.0);
    cJSON_AddNumberToObject(o, "negatives", (double)neg);
    cJSON_AddNumberToObject(o, "nans", (double)nans);
    return o;
}

/* POST /v1/activate: see docs/server.md for the request and response fields. */
void h_activate(server *s, request *rq, response *rp)
{
    in_tensor x = {0}, g = {0}, w = {0};
    void *y = NULL, *gw = NULL;
    buf out = {0};
    int slot = -1;
    uint64_t t_parsed = 0, t_ran = 0;
    exec_times t = {0};
    cJSON *root = parse_json_or_400(rq->body, rq->len, rp);
    if (!root)
        return;
    if (!cJSON_IsObject(root)) {
        response_error(rp, 400, "the request body must be a JSON object");
        goto out;
    }
    const cJSON *jop = cJSON_GetObjectItemCaseSensitive(root, "op");
    if (!cJSON_IsString(jop)) {
        response_error(rp, 400, "\"op\" (string) is required");
        goto out;
    }
    const clrelu_op_desc *op = clrelu_op_find(jop->valuestring);
    if (!op) {
        response_error(rp, 404, "unknown op '%s' (GET /v1/ops lists them)", jop->valuestring);
        goto out;
    }
    slot = stats_slot_of(s->stats, op->name); /* the op's model statistics, as for v2 infer */
    double params[CLRELU_MAX_PARAMS];
    if (!parse_op_params(op, cJSON_GetObjectItemCaseSensitive(root, "params"), NULL, params, rp))
        goto out;
    clrelu_dtype dt = CLRELU_F32;
    const cJSON *jdt = cJSON_GetObjectItemCaseSensitive(root, "dtype");
    if (jdt && !cJSON_IsNull(jdt) && (!cJSON_IsString(jdt) || clrelu_dtype_parse(jdt->valuestring, &dt) != CLRELU_OK)) {
        response_error(rp, 400, "unknown dtype (use float32, float16, bfloat16 or float64)");
        goto out;
    }
    const cJSON *jdev = cJSON_GetObjectItemCaseSensitive(root, "device");
    if (jdev && !cJSON_IsNull(jdev) && !cJSON_IsString(jdev)) {
        response_error(rp, 400, "\"device\" must be a string");
        goto out;
    }
    server_device *dev;
    if (server_pick_device(s, cJSON_IsString(jdev) ? jdev->valuestring : NULL, &dev) != CLRELU_OK) {
        response_error(rp, 400, "unknown device '%s' (GET /v1/devices lists them)", jdev->valuestring);
        goto out;
    }
    const cJSON *jstats = cJSON_GetObjectItemCaseSensitive(root, "stats");
    bool want_stats = cJSON_IsTrue(jstats);
    if (!read_tensor(s, root, "data", dt, &x, rp))
        goto out;
    size_t shape[TENSOR_MAX_RANK];
    int rank;
    if (!resolve_shape(root, &x, shape, &rank, rp))
        goto out;
    bool backward = cJSON_GetObjectItemCaseSensitive(root, "grad_output") != NULL;
    if (backward) {
        if (!read_tensor(s, root, "grad_output", dt, &g, rp))
            goto out;
        if (g.count != x.count) {
            response_error(rp, 400, "grad_output has %zu elements, data has %zu", g.count, x.count);
            goto out;
        }
    }
    if (op->per_channel) {
        if (!cJSON_GetObjectItemCaseSensitive(root, "weight")) {
            response_error(rp, 400, "%s needs \"weight\": one slope per channel (axis 1)", op->name);
            goto out;
        }
        if (!read_tensor(s, root, "weight", dt, &w, rp))
            goto out;
        size_t channels = rank >= 2 ? shape[1] : 1;
        if (w.count != channels) {
            response_error(rp, 400, "weight has %zu values but the input has %zu channels", w.count, channels);
            goto out;
        }
    }
    size_t esz = clrelu_dtype_size(dt);
    y = malloc(x.count ? x.count * esz : 1);
    if (backward && op->per_channel)
        gw = calloc(w.count ? w.count : 1, esz);
    if (!y || (backward && op->per_channel && !gw)) {
        response_error(rp, 503, "out of memory");
        goto out;
    }
    t_parsed = now_ns();

    clrelu_op_args args = {.op = op->name, .dtype = dt, .count = x.count, .shape = shape, .rank = rank,
                           .x = x.typed, .y = y, .grad_output = backward ? g.typed : NULL, .params = params,
                           .weight = w.typed, .grad_weight = gw};
    clrelu_status st = server_exec(s, dev, &args, &t);
    if (st != CLRELU_OK) {
        response_error(rp, http_status_of(st), "%s on %s failed: %s", op->name, dev->info->id, clrelu_last_error());
        goto out;
    }
    t_ran = now_ns();
    if (tjson_write(&out, y, dt, x.count) != BUF_OK) {
        response_error(rp, 503, "out of memory serializing the result");
        goto out;
    }
    cJSON *res = cJSON_CreateObject();
    cJSON_AddStringToObject(res, "op", op->name);
    cJSON_AddStringToObject(res, "device", dev->info->id);
    cJSON_AddStringToObject(res, "dtype", clrelu_dtype_name(dt));
    cJSON_AddBoolToObject(res, "backward", backward);
    cJSON *jshape = cJSON_AddArrayToObject(res, "shape");
    for (int i = 0; i < rank; i++)
        cJSON_AddItemToArray(jshape, cJSON_CreateNumber((double)shape[i]));
    cJSON_AddItemToObject(res, "data", cJSON_CreateRaw(out.data));
    if (gw) {
        buf gwb = {0};
        if (tjson_write(&gwb, gw, dt, w.count) == BUF_OK)
            cJSON_AddItemToObject(res, "grad_weight", cJSON_CreateRaw(gwb.data));
        buf_free(&gwb);
    }
    if (want_stats)
        cJSON_AddItemToObject(res, "stats", activation_stats(&x, y, dt));
    uint64_t t_ser = now_ns();
    cJSON *tm = cJSON_AddObjectToObject(res, "timing_us");
    cJSON_AddNumberToObject(tm, "parse", ns_to_us(t_parsed - rq->t_body_ns));
    cJSON_AddNumberToObject(tm, "queue", ns_to_us(t.queue_ns));
    cJSON_AddNumberToObject(tm, "transfer_in", ns_to_us(t.timing.transfer_in_ns));
    cJSON_AddNumberToObject(tm, "kernel", ns_to_us(t.timing.kernel_ns));
    cJSON_AddNumberToObject(tm, "transfer_out", ns_to_us(t.timing.transfer_out_ns));
    cJSON_AddNumberToObject(tm, "build", ns_to_us(t.timing.build_ns));
    cJSON_AddNumberToObject(tm, "run", ns_to_us(t.timing.total_ns));
    cJSON_AddNumberToObject(tm, "serialize", ns_to_us(t_ser - t_ran));
    cJSON_AddNumberToObject(tm, "total", ns_to_us(t_ser - rq->t_start_ns));
    response_json(rp, 200, res);
out:
    if (slot >= 0 && rp->status == 200) {
        uint64_t t_done = now_ns();
        stats_success(s->stats, slot, 1, t_done - rq->t_start_ns, t.queue_ns,
                      (t_parsed - rq->t_body_ns) + t.timing.transfer_in_ns, t.timing.kernel_ns,
                      t.timing.transfer_out_ns + (t_done - t_ran));
    } else if (slot >= 0) {
        stats_failure(s->stats, slot, now_ns() - rq->t_start_ns);
    }
    cJSON_Delete(root);
    in_free(&x);
    in_free(&g);
    in_free(&w);
    free(y);
    free(gw);
    buf_free(&out);
}
