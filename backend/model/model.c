/* model.c: MLP models — load a folder (config.json + .npy weights) with checked shapes, and run a batch through every layer. */
#include "core/backend.h"
#include "core/offload.h"
#include "clrelu_model.h"
#include "model/dense.h"
#include "model/model_config.h"
#include "model/model_json.h"
#include "clrelu_npy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MODEL_MAX_LAYERS 64
#define MODEL_MAX_UNITS (1u << 24)
#define CONFIG_MAX_BYTES (1u << 20)

typedef struct {
    clrelu_layer_info info;
    char activation[32];
    void *w, *b, *slope;        /* in the model's dtype */
} model_layer;

struct clrelu_model {
    char name[128];
    char *description;
    clrelu_dtype dtype;
    int n_layers;
    model_layer *layers;
};

/* Prefix the current error message (copied first: it is the buffer being rewritten). */
static clrelu_status wrap_error(clrelu_status st, const char *prefix)
{
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", clrelu_last_error());
    return clrelu_set_error(st, "%s: %s", prefix, msg);
}

static clrelu_status read_text(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return clrelu_set_error(CLRELU_ERR_IO, "%s: cannot open (missing config?)", path);
    char *buf = malloc(CONFIG_MAX_BYTES + 1);
    size_t n = buf ? fread(buf, 1, CONFIG_MAX_BYTES + 1, f) : 0;
    bool err = ferror(f);
    fclose(f);
    if (!buf)
        return clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "%s: out of memory", path);
    if (err || n > CONFIG_MAX_BYTES) {
        free(buf);
        return clrelu_set_error(err ? CLRELU_ERR_IO : CLRELU_ERR_INVALID_ARG, "%s: %s", path,
                                err ? "read error" : "larger than 1 MiB");
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return CLRELU_OK;
}

/* A positive integer member (in/out). */
static clrelu_status get_size(const mj_value *layer, const char *key, int i, size_t *out)
{
    const mj_value *v = clr_mj_get(layer, key);
    if (!v || v->type != MJ_NUMBER || v->number != floor(v->number) || v->number < 1 || v->number > MODEL_MAX_UNITS)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "layer %d: \"%s\" must be an integer in 1..%u", i, key,
                                MODEL_MAX_UNITS);
    *out = (size_t)v->number;
    return CLRELU_OK;
}

/* Load dir/file (a plain file name inside the model folder) as a float array of the expected
 * shape, converted to dtype. */
static clrelu_status load_tensor(const char *dir, const mj_value *name, const char *key, int i, const size_t *shape,
                                 int rank, clrelu_dtype dtype, void **out)
{
    if (!name || name->type != MJ_STRING || !name->string[0])
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "layer %d: \"%s\" must name a .npy file", i, key);
    if (strchr(name->string, '/') || strchr(name->string, '\\') || strcmp(name->string, "..") == 0 ||
        strcmp(name->string, ".") == 0)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "layer %d: \"%s\" must be a file name inside the model folder, not '%s'",
                                i, key, name->string);
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, name->string);
    clrelu_npy_array a;
    memset(&a, 0, sizeof a);
    clrelu_status st = clrelu_npy_read(path, &a);
    if (st != CLRELU_OK) {
        char prefix[64];
        snprintf(prefix, sizeof prefix, "layer %d %s", i, key);
        return wrap_error(st, prefix);
    }
    bool ok = a.rank == rank;
    for (int d = 0; ok && d < rank; d++)
        ok = a.shape[d] == shape[d];
    if (!ok) {
        char got[128] = "", want[64];
        size_t used = 0;
        for (int d = 0; d < a.rank && used < sizeof got - 24; d++)
            used += (size_t)snprintf(got + used, sizeof got - used, "%s%zu", d ? ", " : "", a.shape[d]);
        if (rank == 2)
            snprintf(want, sizeof want, "[%zu, %zu]", shape[0], shape[1]);
        else
            snprintf(want, sizeof want, "[%zu]", shape[0]);
        clrelu_npy_free(&a);
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "layer %d %s: %s has shape [%s], expected %s", i, key, path, got,
                                want);
    }
    void *data = malloc(a.count * clrelu_dtype_size(dtype));
    if (!data) {
        clrelu_npy_free(&a);
        return clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "%s: out of memory", path);
    }
    clrelu_convert(a.data, a.dtype, data, dtype, a.count);
    clrelu_npy_free(&a);
    *out = data;
    return CLRELU_OK;
}

/* Activation name and params ("params": {"negative_slope": 0.1}) of one layer. */
static clrelu_status parse_activation(const mj_value *layer, int i, model_layer *L)
{
    const mj_value *act = clr_mj_get(layer, "activation");
    const char *name = "none";
    if (act && act->type != MJ_STRING)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "layer %d: \"activation\" must be a string", i);
    if (act)
        name = act->string;
    snprintf(L->activation, sizeof L->activation, "%s", name);
    L->info.activation = L->activation;
    const mj_value *params = clr_mj_get(layer, "params");
    if (strcmp(name, "none") == 0) {
        if (params && params->n)
            return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "layer %d: activation \"none\" takes no params", i);
        return CLRELU_OK;
    }
    const clrelu_op_desc *op = clrelu_op_find(name);
    if (!op)
        return clrelu_set_error(CLRELU_ERR_NOT_FOUND, "layer %d: unknown activation '%s'", i, name);
    L->info.n_params = op->n_params;
    clrelu_op_default_params(op, L->info.params);
    if (params && params->type != MJ_OBJECT)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "layer %d: \"params\" must be an object", i);
    for (size_t k = 0; params && k < params->n; k++) {
        int idx = clrelu_op_param_index(op, params->keys[k]);
        if (idx < 0)
            return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "layer %d: %s has no parameter '%s'", i, name, params->keys[k]);
        if (params->items[k].type != MJ_NUMBER)
            return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "layer %d: parameter %s must be a number", i, params->keys[k]);
        L->info.params[idx] = params->items[k].number;
    }
    clrelu_status st = clrelu_op_check_params(op, L->info.params);
    char prefix[32];
    snprintf(prefix, sizeof prefix, "layer %d", i);
    return st == CLRELU_OK ? st : wrap_error(st, prefix);
}

static clrelu_status parse_layer(const char *dir, const mj_value *layer, int i, size_t prev_out, clrelu_dtype dtype,
                                 model_layer *L)
{
    static const char *const known[] = {"in", "out", "activation", "params", "weight", "bias", "slope", "name"};
    if (layer->type != MJ_OBJECT)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "layer %d: must be an object", i);
    for (size_t k = 0; k < layer->n; k++) {
        bool ok = false;
        for (size_t j = 0; j < sizeof known / sizeof known[0]; j++)
            ok = ok || strcmp(layer->keys[k], known[j]) == 0;
        if (!ok)
            return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "layer %d: unknown key \"%s\"", i, layer->keys[k]);
    }
    clrelu_status st;
    if ((st = get_size(layer, "in", i, &L->info.in)) != CLRELU_OK || (st = get_size(layer, "out", i, &L->info.out)) != CLRELU_OK ||
        (st = parse_activation(layer, i, L)) != CLRELU_OK)
        return st;
    if (prev_out && L->info.in != prev_out)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "layer %d has in = %zu but layer %d has out = %zu", i, L->info.in,
                                i - 1, prev_out);
    size_t wshape[2] = {L->info.out, L->info.in};
    if ((st = load_tensor(dir, clr_mj_get(layer, "weight"), "weight", i, wshape, 2, dtype, &L->w)) != CLRELU_OK)
        return st;
    const mj_value *bias = clr_mj_get(layer, "bias");
    if (bias && bias->type != MJ_NULL) {
        if ((st = load_tensor(dir, bias, "bias", i, wshape, 1, dtype, &L->b)) != CLRELU_OK)
            return st;
        L->info.has_bias = true;
    }
    const clrelu_op_desc *op = clrelu_op_find(L->activation);
    if (op && op->per_channel)
        return load_tensor(dir, clr_mj_get(layer, "slope"), "slope", i, wshape, 1, dtype, &L->slope);
    if (clr_mj_get(layer, "slope"))
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "layer %d: \"slope\" is only for prelu", i);
    return CLRELU_OK;
}

static clrelu_status parse_model(const char *dir, const mj_value *root, clrelu_model *m)
{
    if (root->type != MJ_OBJECT)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "%s/config.json: the top level must be an object", dir);
    const mj_value *name = clr_mj_get(root, "name"), *desc = clr_mj_get(root, "description"), *dt = clr_mj_get(root, "dtype");
    const mj_value *layers = clr_mj_get(root, "layers");
    if (name && name->type != MJ_STRING)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "%s/config.json: \"name\" must be a string", dir);
    if (name) {
        snprintf(m->name, sizeof m->name, "%s", name->string);
    } else {
        const char *base = strrchr(dir, '/');
        snprintf(m->name, sizeof m->name, "%s", base && base[1] ? base + 1 : dir);
    }
    if (!(m->description = strdup(desc && desc->type == MJ_STRING ? desc->string : "")))
        return clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "model: out of memory");
    m->dtype = CLRELU_F32;
    if (dt && (dt->type != MJ_STRING || clrelu_dtype_parse(dt->string, &m->dtype) != CLRELU_OK))
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "%s/config.json: \"dtype\" must be float32, float64 or float16", dir);
    if (!layers || layers->type != MJ_ARRAY || layers->n == 0 || layers->n > MODEL_MAX_LAYERS)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "%s/config.json: \"layers\" must be an array of 1..%d layers", dir,
                                MODEL_MAX_LAYERS);
    if (!(m->layers = calloc(layers->n, sizeof *m->layers)))
        return clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "model: out of memory");
    for (size_t i = 0; i < layers->n; i++) {
        m->n_layers = (int)i + 1;
        clrelu_status st = parse_layer(dir, &layers->items[i], (int)i, i ? m->layers[i - 1].info.out : 0, m->dtype,
                                       &m->layers[i]);
        if (st != CLRELU_OK) {
            char prefix[1100];
            snprintf(prefix, sizeof prefix, "model %s", dir);
            return wrap_error(st, prefix);
        }
    }
    return CLRELU_OK;
}

clrelu_status clrelu_model_load(const char *dir, clrelu_model **out)
{
    if (!dir || !out)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "model_load: NULL argument");
    char path[2048], *text = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, "%s/config.json", dir);
    clrelu_status st = read_text(path, &text, &len);
    if (st != CLRELU_OK)
        return st;
    st = clrelu_model_load_config(dir, text, len, out);
    free(text);
    return st;
}

clrelu_status clrelu_model_load_config(const char *dir, const char *text, size_t len, clrelu_model **out)
{
    if (!dir || !text || !out)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "model_load: NULL argument");
    if (len > CONFIG_MAX_BYTES)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "%s/config.json: larger than 1 MiB", dir);
    char path[2048];
    snprintf(path, sizeof path, "%s/config.json", dir);
    mj_value root;
    clrelu_status st = clr_mj_parse(text, len, path, &root);
    if (st != CLRELU_OK)
        return st;
    clrelu_model *m = calloc(1, sizeof *m);
    if (!m) {
        clr_mj_free(&root);
        return clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "model: out of memory");
    }
    st = parse_model(dir, &root, m);
    clr_mj_free(&root);
    if (st != CLRELU_OK) {
        clrelu_model_free(m);
        return st;
    }
    *out = m;
    clrelu_clear_error();
    return CLRELU_OK;
}

void clrelu_model_free(clrelu_model *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->n_layers; i++) {
        free(m->layers[i].w);
        free(m->layers[i].b);
        free(m->layers[i].slope);
    }
    free(m->layers);
    free(m->description);
    free(m);
}

const char *clrelu_model_name(const clrelu_model *m) { return m->name; }
const char *clrelu_model_description(const clrelu_model *m) { return m->description ? m->description : ""; }
clrelu_dtype clrelu_model_dtype(const clrelu_model *m) { return m->dtype; }
int clrelu_model_layer_count(const clrelu_model *m) { return m->n_layers; }
size_t clrelu_model_input_size(const clrelu_model *m) { return m->layers[0].info.in; }
size_t clrelu_model_output_size(const clrelu_model *m) { return m->layers[m->n_layers - 1].info.out; }

const clrelu_layer_info *clrelu_model_layer(const clrelu_model *m, int index)
{
    return index >= 0 && index < m->n_layers ? &m->layers[index].info : NULL;
}

/* The device that runs a batch of n rows asked of dev: one for every layer, chosen as clrelu_run
 * chooses for an op — below dev's dense crossover the context's host device. Each layer pays a
 * device's fixed cost once, so the batch is compared by its mean layer's multiply-adds. */
static clrelu_device *batch_device(const clrelu_device *dev, const clrelu_model *m, size_t n, uint64_t *build_ns)
{
    double macs = 0;
    for (int i = 0; i < m->n_layers; i++)
        macs += (double)m->layers[i].info.in * (double)m->layers[i].info.out;
    macs = macs * (double)n / m->n_layers;
    uint64_t mean = macs >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)macs;
    return clr_offload_dense_target((clrelu_device *)dev, m->dtype, mean, build_ns);
}

/* Layer by layer on one device (batch_device); intermediate activations live in malloc'd buffers,
 * the last layer writes y. */
clrelu_status clrelu_model_forward(clrelu_context *ctx, const clrelu_device *dev, const clrelu_model *m,
                                   const void *x, size_t n, void *y, clrelu_layer_stats *stats,
                                   clrelu_timing *timing)
{
    if (!ctx || !dev || !m || (n && (!x || !y)))
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "model_forward: bad argument");
    if (dev->ctx != ctx)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "model_forward: device belongs to another context");
    uint64_t t0 = clrelu_now_ns();
    size_t es = clrelu_dtype_size(m->dtype);
    clrelu_status st = CLRELU_OK;
    const void *cur = x;
    void *prev = NULL, *next = NULL, *pre = NULL;
    clrelu_timing sum;
    memset(&sum, 0, sizeof sum);
    if (stats)
        memset(stats, 0, sizeof *stats * (size_t)m->n_layers);
    const clrelu_device *target = n ? batch_device(dev, m, n, &sum.build_ns) : NULL;
    sum.ran_on = target;
    for (int i = 0; n == 0 && i < m->n_layers; i++) /* empty batch: nothing runs */
        if (stats && (st = clrelu_layer_stats_compute(m->dtype, NULL, NULL, 0, m->layers[i].info.out, &stats[i])) != CLRELU_OK)
            goto out;
    for (int i = 0; n > 0 && i < m->n_layers; i++) {
        const model_layer *L = &m->layers[i];
        bool last = i == m->n_layers - 1;
        size_t bytes = n * L->info.out * es;
        next = last ? y : malloc(bytes ? bytes : 1);
        pre = stats ? malloc(bytes ? bytes : 1) : NULL;
        if (!next || (stats && !pre)) {
            st = clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "model %s: out of memory for layer %d", m->name, i);
            goto out;
        }
        clrelu_timing t;
        clrelu_dense_args a = {.dtype = m->dtype, .n = n, .in = L->info.in, .out = L->info.out, .x = cur, .w = L->w,
                               .b = L->b, .act = L->activation, .params = L->info.params, .act_weight = L->slope,
                               .y = next, .pre = pre, .timing = &t};
        if ((st = clr_dense_forward_on(ctx, target, &a)) != CLRELU_OK) {
            char prefix[200];
            snprintf(prefix, sizeof prefix, "model %s layer %d", m->name, i);
            st = wrap_error(st, prefix);
            goto out;
        }
        sum.transfer_in_ns += t.transfer_in_ns;
        sum.kernel_ns += t.kernel_ns;
        sum.transfer_out_ns += t.transfer_out_ns;
        sum.build_ns += t.build_ns;
        sum.chunks += t.chunks;
        if (stats && (st = clrelu_layer_stats_compute(m->dtype, pre, next, n, L->info.out, &stats[i])) != CLRELU_OK)
            goto out;
        free(pre);
        pre = NULL;
        free(prev);
        prev = last ? NULL : next;
        cur = next;
        next = NULL;
    }
out:
    if (next != y)
        free(next);
    free(prev);
    free(pre);
    if (st != CLRELU_OK && stats)
        for (int i = 0; i < m->n_layers; i++)
            clrelu_layer_stats_free(&stats[i]);
    if (timing) {
        *timing = sum;
        timing->total_ns = clrelu_now_ns() - t0;
    }
    return st;
}
