/* cmd_run.c: `clrelu run` — apply one op (forward or backward) to a .npy file on a chosen device. */
#include "cli_util.h"
#include "commands.h"
#include "clrelu_npy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_PARAM_ARGS 16

typedef struct {
    const char *op, *in, *out;
    const char *device, *dtype, *grad, *weight, *grad_weight;
    const char *params[MAX_PARAM_ARGS];
    int n_params;
    bool timing;
} run_options;

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: clrelu run OP IN.npy OUT.npy [options]\n\n"
            "Apply OP to the array in IN.npy and write the result, with the same shape and dtype, to\n"
            "OUT.npy. IN may be float16 ('<f2'), float32 ('<f4') or float64 ('<f8'), any shape,\n"
            "format version 1.0, 2.0 or 3.0; Fortran-order arrays are read in their logical order and\n"
            "written back in C order. Big-endian ('>f4') and non-float files are refused. OUT is\n"
            "written to a temporary file and renamed, so it is never left half-written.\n\n"
            "Options:\n"
            "  --device SEL          device id from `clrelu devices`, a type, part of a name, or auto (default)\n"
            "  --param NAME=VALUE    set an op parameter (repeatable)\n"
            "  --dtype T             compute in T (float32, float16, bfloat16, float64); the input is\n"
            "                        converted and the result converted back to IN's dtype\n"
            "  --backward GRAD.npy   write dL/dx for the upstream gradient GRAD (same shape as IN)\n"
            "  --weight W.npy        prelu slopes: one per channel (axis 1 for rank >= 2), or a single one\n"
            "  --grad-weight OUT.npy prelu with --backward: also write dL/dweight (shape of W)\n"
            "  --timing              print the time spent in each phase to stderr\n\n"
            "Ops and their parameters:\n");
    for (int i = 0; i < clrelu_op_count(); i++) {
        const clrelu_op_desc *op = clrelu_op_get(i);
        fprintf(out, "  %-11s %s", op->name, op->summary);
        for (int p = 0; p < op->n_params; p++)
            fprintf(out, "%s%s=%g", p ? ", " : "; ", op->params[p].name, op->params[p].default_value);
        fprintf(out, "%s\n", op->per_channel ? "; needs --weight" : "");
    }
    fprintf(out, "\nExit status: 0 on success, 1 on a file, device or run error, 2 on a usage error.\n");
}

/* Fill o from argv; returns -1 to go on, else the exit code. */
static int parse_args(int argc, char **argv, run_options *o)
{
    const char *positional[3];
    int n_pos = 0;
    bool only_positional = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        int r = 0;
        if (only_positional || a[0] != '-' || a[1] == '\0') {
            if (n_pos == 3) {
                cli_error("run", "unexpected argument '%s'", a);
                return CLI_EXIT_USAGE;
            }
            positional[n_pos++] = a;
            continue;
        }
        if (!strcmp(a, "--")) {
            only_positional = true;
            continue;
        }
        if (cli_is_help(a)) {
            usage(stdout);
            return CLI_EXIT_OK;
        }
        if (!strcmp(a, "--timing")) {
            o->timing = true;
            continue;
        }
        const char **slot = NULL;
        static const char *const names[] = {"--device", "--dtype", "--backward", "--weight", "--grad-weight"};
        const char **slots[] = {&o->device, &o->dtype, &o->grad, &o->weight, &o->grad_weight};
        for (size_t k = 0; k < sizeof names / sizeof names[0] && r == 0; k++)
            if ((r = cli_option("run", argc, argv, &i, names[k], &v)) != 0)
                slot = slots[k];
        if (r == 0 && (r = cli_option("run", argc, argv, &i, "--param", &v)) == 1) {
            if (o->n_params == MAX_PARAM_ARGS) {
                cli_error("run", "too many --param options (at most %d)", MAX_PARAM_ARGS);
                return CLI_EXIT_USAGE;
            }
            o->params[o->n_params++] = v;
            continue;
        }
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r == 0) {
            cli_error("run", "unknown option '%s' (see clrelu run --help)", a);
            return CLI_EXIT_USAGE;
        }
        *slot = v;
    }
    if (n_pos < 3) {
        cli_error("run", "expected OP IN.npy OUT.npy (see clrelu run --help)");
        return CLI_EXIT_USAGE;
    }
    o->op = positional[0];
    o->in = positional[1];
    o->out = positional[2];
    return -1;
}

/* Check the op, its parameters and the option combinations before touching any file. */
static int check_options(const run_options *o, const clrelu_op_desc **op, double params[CLRELU_MAX_PARAMS],
                         clrelu_dtype *dtype, bool *have_dtype)
{
    if (!(*op = clrelu_op_find(o->op))) {
        cli_error("run", "unknown op '%s'", o->op);
        cli_list_ops();
        return CLI_EXIT_USAGE;
    }
    clrelu_op_default_params(*op, params);
    for (int i = 0; i < o->n_params; i++)
        if (!cli_apply_param("run", *op, o->params[i], params))
            return CLI_EXIT_USAGE;
    if (clrelu_op_check_params(*op, params) != CLRELU_OK) {
        cli_error("run", "%s", clrelu_last_error());
        return CLI_EXIT_USAGE;
    }
    *have_dtype = o->dtype != NULL;
    if (o->dtype && clrelu_dtype_parse(o->dtype, dtype) != CLRELU_OK) {
        cli_error("run", "unknown dtype '%s' (float32, float16, bfloat16, float64)", o->dtype);
        return CLI_EXIT_USAGE;
    }
    if ((*op)->per_channel && !o->weight) {
        cli_error("run", "%s needs --weight W.npy (one slope per channel)", (*op)->name);
        return CLI_EXIT_USAGE;
    }
    if (!(*op)->per_channel && (o->weight || o->grad_weight)) {
        cli_error("run", "--weight and --grad-weight apply only to prelu, not %s", (*op)->name);
        return CLI_EXIT_USAGE;
    }
    if (o->grad_weight && !o->grad) {
        cli_error("run", "--grad-weight needs --backward GRAD.npy");
        return CLI_EXIT_USAGE;
    }
    return -1;
}

static bool same_shape(const clrelu_npy_array *a, const clrelu_npy_array *b)
{
    return a->rank == b->rank && memcmp(a->shape, b->shape, sizeof a->shape[0] * (size_t)a->rank) == 0;
}

static void shape_text(const clrelu_npy_array *a, char *buf, size_t cap)
{
    size_t n = (size_t)snprintf(buf, cap, "(");
    for (int d = 0; d < a->rank && n < cap; d++)
        n += (size_t)snprintf(buf + n, cap - n, "%zu%s", a->shape[d], d + 1 < a->rank ? ", " : a->rank == 1 ? "," : "");
    if (n < cap)
        snprintf(buf + n, cap - n, ")");
}

/* a's data in dtype t: a's own buffer when it already is t, else a converted copy in *owned. */
static const void *as_dtype(const clrelu_npy_array *a, clrelu_dtype t, void **owned)
{
    *owned = NULL;
    if (a->dtype == t)
        return a->data;
    *owned = malloc(a->count ? a->count * clrelu_dtype_size(t) : 1);
    if (*owned)
        clrelu_convert(a->data, a->dtype, *owned, t, a->count);
    return *owned;
}

static double ms(uint64_t ns) { return (double)ns / 1e6; }

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* All buffers of one run, freed together. */
typedef struct {
    clrelu_npy_array in, grad, weight;
    void *x_conv, *g_conv, *w_conv, *w_full, *y, *y_out, *gw, *gw_out;
} run_buffers;

static void free_buffers(run_buffers *b)
{
    clrelu_npy_free(&b->in);
    clrelu_npy_free(&b->grad);
    clrelu_npy_free(&b->weight);
    free(b->x_conv);
    free(b->g_conv);
    free(b->w_conv);
    free(b->w_full);
    free(b->y);
    free(b->y_out);
    free(b->gw);
    free(b->gw_out);
}

static bool read_input(const char *path, clrelu_npy_array *a)
{
    if (clrelu_npy_read(path, a) == CLRELU_OK)
        return true;
    cli_error("run", "%s", clrelu_last_error());
    return false;
}

/* prelu: channels of IN, and W's slopes in dtype t expanded to one per channel (a single slope
 * applies to every channel, as torch.nn.PReLU() with num_parameters=1). */
static bool prepare_weight(run_buffers *b, clrelu_dtype t, size_t *channels)
{
    *channels = b->in.rank >= 2 ? b->in.shape[1] : 1;
    if (b->weight.count != *channels && b->weight.count != 1) {
        cli_error("run", "%zu prelu slopes given, but the input has %zu channel%s (axis 1); give %zu or 1",
                  b->weight.count, *channels, *channels == 1 ? "" : "s", *channels);
        return false;
    }
    const void *w = as_dtype(&b->weight, t, &b->w_conv);
    size_t item = clrelu_dtype_size(t);
    b->w_full = malloc(*channels ? *channels * item : item);
    if (!w || !b->w_full) {
        cli_error("run", "out of memory");
        return false;
    }
    for (size_t c = 0; c < *channels; c++)
        memcpy((char *)b->w_full + c * item, (const char *)w + (b->weight.count == 1 ? 0 : c * item), item);
    return true;
}

/* dL/dweight in W's shape and dtype: per channel, or summed over channels for a single slope. */
static bool write_grad_weight(run_buffers *b, clrelu_dtype t, size_t channels, const char *path)
{
    size_t n = b->weight.count;
    b->gw_out = malloc(n * clrelu_dtype_size(b->weight.dtype));
    if (!b->gw_out) {
        cli_error("run", "out of memory");
        return false;
    }
    if (n == channels) {
        clrelu_convert(b->gw, t, b->gw_out, b->weight.dtype, n);
    } else {
        double sum = 0, v;
        for (size_t c = 0; c < channels; c++) {
            clrelu_convert((const char *)b->gw + c * clrelu_dtype_size(t), t, &v, CLRELU_F64, 1);
            sum += v;
        }
        clrelu_convert(&sum, CLRELU_F64, b->gw_out, b->weight.dtype, 1);
    }
    if (clrelu_npy_write(path, b->weight.dtype, b->weight.shape, b->weight.rank, b->gw_out) != CLRELU_OK) {
        cli_error("run", "%s", clrelu_last_error());
        return false;
    }
    return true;
}

static void print_timing(const run_options *o, const clrelu_device_info *dev, clrelu_dtype t, const clrelu_npy_array *in,
                         const clrelu_timing *tm, uint64_t read_ns, uint64_t write_ns)
{
    fprintf(stderr, "timing: %s %s, %s, %zu elements on %s (%s), %u chunk%s\n", o->op, o->grad ? "backward" : "forward",
            clrelu_dtype_name(t), in->count, dev->id, dev->name, tm->chunks, tm->chunks == 1 ? "" : "s");
    fprintf(stderr, "  %-22s %10.3f ms\n", "read files", ms(read_ns));
    fprintf(stderr, "  %-22s %10.3f ms\n", "program build/load", ms(tm->build_ns));
    fprintf(stderr, "  %-22s %10.3f ms\n", "transfer to device", ms(tm->transfer_in_ns));
    fprintf(stderr, "  %-22s %10.3f ms\n", "kernel", ms(tm->kernel_ns));
    fprintf(stderr, "  %-22s %10.3f ms\n", "transfer from device", ms(tm->transfer_out_ns));
    fprintf(stderr, "  %-22s %10.3f ms\n", "run total (wall)", ms(tm->total_ns));
    fprintf(stderr, "  %-22s %10.3f ms\n", "convert + write files", ms(write_ns));
}

/* Read the inputs, run on the device, convert back and write the outputs. */
static int execute(const run_options *o, const clrelu_op_desc *op, const double *params, clrelu_dtype t, bool have_dtype)
{
    int rc = CLI_EXIT_ERROR;
    run_buffers b;
    memset(&b, 0, sizeof b);
    clrelu_context *ctx = NULL;
    uint64_t t0 = now_ns();
    if (!read_input(o->in, &b.in) || (o->grad && !read_input(o->grad, &b.grad)) ||
        (o->weight && !read_input(o->weight, &b.weight)))
        goto out;
    char s1[256], s2[256];
    if (o->grad && !same_shape(&b.in, &b.grad)) {
        shape_text(&b.in, s1, sizeof s1);
        shape_text(&b.grad, s2, sizeof s2);
        cli_error("run", "shape mismatch: %s has shape %s but %s has %s", o->grad, s2, o->in, s1);
        goto out;
    }
    if (!have_dtype)
        t = b.in.dtype;
    size_t channels = 0;
    if (op->per_channel && !prepare_weight(&b, t, &channels))
        goto out;
    uint64_t read_ns = now_ns() - t0;

    const clrelu_device *dev;
    if (!cli_open_context("run", &ctx) || !cli_select_device("run", ctx, o->device, &dev))
        goto out;

    size_t item = clrelu_dtype_size(t);
    const void *x = as_dtype(&b.in, t, &b.x_conv);
    const void *g = o->grad ? as_dtype(&b.grad, t, &b.g_conv) : NULL;
    b.y = malloc(b.in.count ? b.in.count * item : 1);
    if (o->grad_weight)
        b.gw = calloc(channels ? channels : 1, item);
    bool inputs_ok = !b.in.count || (x && (!o->grad || g)); /* an empty array has no data */
    if (!inputs_ok || !b.y || (o->grad_weight && !b.gw)) {
        cli_error("run", "out of memory for %zu elements", b.in.count);
        goto out;
    }
    clrelu_timing tm;
    memset(&tm, 0, sizeof tm);
    clrelu_op_args args = {.op = op->name, .dtype = t, .count = b.in.count, .shape = b.in.shape, .rank = b.in.rank,
                           .x = x, .y = b.y, .grad_output = g, .params = params, .weight = b.w_full,
                           .grad_weight = b.gw, .timing = &tm};
    clrelu_status st = clrelu_run(ctx, dev, &args);
    if (st != CLRELU_OK) {
        cli_error("run", "%s on %s failed: %s", op->name, clrelu_device_get_info(dev)->id, clrelu_last_error());
        goto out;
    }

    uint64_t t1 = now_ns();
    const void *y = b.y;
    if (t != b.in.dtype) {
        if (!(b.y_out = malloc(b.in.count ? b.in.nbytes : 1))) {
            cli_error("run", "out of memory");
            goto out;
        }
        clrelu_convert(b.y, t, b.y_out, b.in.dtype, b.in.count);
        y = b.y_out;
    }
    if (clrelu_npy_write(o->out, b.in.dtype, b.in.shape, b.in.rank, y) != CLRELU_OK) {
        cli_error("run", "%s", clrelu_last_error());
        goto out;
    }
    if (o->grad_weight && !write_grad_weight(&b, t, channels, o->grad_weight))
        goto out;
    if (o->timing)
        print_timing(o, clrelu_device_get_info(dev), t, &b.in, &tm, read_ns, now_ns() - t1);
    rc = CLI_EXIT_OK;
out:
    free_buffers(&b);
    clrelu_context_destroy(ctx);
    return rc;
}

int cmd_run(int argc, char **argv)
{
    run_options o;
    memset(&o, 0, sizeof o);
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    const clrelu_op_desc *op;
    double params[CLRELU_MAX_PARAMS];
    clrelu_dtype dtype = CLRELU_F32;
    bool have_dtype;
    if ((rc = check_options(&o, &op, params, &dtype, &have_dtype)) >= 0)
        return rc;
    return execute(&o, op, params, dtype, have_dtype);
}
