/* test_params.c: parameter defaults and ranges, argument validation and error messages of clrelu_run, on every device. */
#include "check.h"
#include "ref_compare.h"

#include <math.h>
#include <string.h>

static void expect(clrelu_status got, clrelu_status want, const char *what, const char *dev)
{
    CHECK(got == want, "%s on %s: got %s, want %s (%s)", what, dev, clrelu_status_name(got), clrelu_status_name(want),
          clrelu_last_error());
    if (want != CLRELU_OK)
        CHECK(clrelu_last_error()[0] != '\0', "%s on %s: failure without a message", what, dev);
}

static void table_defaults(void)
{
    static const struct {
        const char *op, *param;
        double value;
    } defaults[] = {{"leaky_relu", "negative_slope", 0.01}, {"hardtanh", "min_val", -1.0}, {"hardtanh", "max_val", 1.0},
                    {"elu", "alpha", 1.0},                  {"softplus", "beta", 1.0},     {"softplus", "threshold", 20.0}};
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
        const clrelu_op_desc *op = clrelu_op_find(defaults[i].op);
        CHECK(op != NULL, "op %s exists", defaults[i].op);
        if (!op)
            continue;
        int k = clrelu_op_param_index(op, defaults[i].param);
        CHECK(k >= 0, "%s has parameter %s", defaults[i].op, defaults[i].param);
        double p[CLRELU_MAX_PARAMS];
        clrelu_op_default_params(op, p);
        CHECK(k >= 0 && p[k] == defaults[i].value, "%s.%s default %g", defaults[i].op, defaults[i].param,
              k >= 0 ? p[k] : NAN);
        CHECK_OK(clrelu_op_check_params(op, p));
    }
    CHECK(clrelu_op_find("nope") == NULL, "unknown op has no descriptor");
    CHECK(clrelu_op_get(clrelu_op_count()) == NULL && clrelu_op_get(-1) == NULL, "op_get out of range is NULL");
    for (int i = 0; i < clrelu_op_count(); i++)
        CHECK(clrelu_op_index(clrelu_op_get(i)) == i && clrelu_op_find(clrelu_op_get(i)->name) == clrelu_op_get(i),
              "op %d index/name consistent", i);
}

/* Parameters are validated on the call: defaults vs explicit values produce the same result,
 * and out-of-range or non-finite values are refused before any device is touched. */
static void run_validation(clrelu_context *ctx, const clrelu_device *dev)
{
    const char *id = clrelu_device_get_info(dev)->id;
    float x[4] = {-2.0f, -0.5f, 0.5f, 3.0f}, y[4], y2[4], g[4] = {1, 1, 1, 1}, w = 0.25f;
    clrelu_op_args a = {.op = "leaky_relu", .dtype = CLRELU_F32, .count = 4, .x = x, .y = y};
    expect(clrelu_run(ctx, dev, &a), CLRELU_OK, "leaky_relu defaults", id);
    double slope[] = {0.01};
    a.params = slope;
    a.y = y2;
    expect(clrelu_run(ctx, dev, &a), CLRELU_OK, "leaky_relu explicit default", id);
    CHECK(memcmp(y, y2, sizeof y) == 0 && y[0] == -0.02f, "NULL params mean the defaults on %s (y[0]=%g)", id,
          (double)y[0]);
    double steep[] = {0.5};
    a.params = steep;
    expect(clrelu_run(ctx, dev, &a), CLRELU_OK, "leaky_relu 0.5", id);
    CHECK(y2[0] == -1.0f, "negative_slope=0.5 is used on %s (got %g)", id, (double)y2[0]);

    static const struct {
        const char *op;
        double p[2];
        const char *what;
    } bad[] = {
        {"softplus", {0.0, 20.0}, "softplus beta = 0"},     {"softplus", {-1.0, 20.0}, "softplus beta < 0"},
        {"elu", {-0.1, 0}, "elu alpha < 0"},                 {"hardtanh", {1.0, 1.0}, "hardtanh min == max"},
        {"hardtanh", {2.0, -1.0}, "hardtanh min > max"},     {"leaky_relu", {NAN, 0}, "leaky_relu NaN slope"},
        {"leaky_relu", {INFINITY, 0}, "leaky_relu inf slope"}, {"hardtanh", {-INFINITY, 1.0}, "hardtanh -inf min"},
        {"softplus", {1.0, NAN}, "softplus NaN threshold"},  {"elu", {1e39, 0}, "elu alpha overflows float"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        clrelu_op_args b = {.op = bad[i].op, .dtype = CLRELU_F32, .count = 4, .x = x, .y = y, .params = bad[i].p};
        expect(clrelu_run(ctx, dev, &b), CLRELU_ERR_INVALID_ARG, bad[i].what, id);
    }
    clrelu_op_args b = {.op = "relu", .dtype = CLRELU_F32, .count = 4, .x = x, .y = y};
    b.op = "reluu";
    expect(clrelu_run(ctx, dev, &b), CLRELU_ERR_NOT_FOUND, "unknown op", id);
    CHECK(strstr(clrelu_last_error(), "reluu") != NULL, "message names the op: %s", clrelu_last_error());
    b.op = NULL;
    expect(clrelu_run(ctx, dev, &b), CLRELU_ERR_NOT_FOUND, "NULL op", id);
    b.op = "relu";

    size_t shape[2] = {2, 3};
    b.shape = shape;
    b.rank = 2;
    expect(clrelu_run(ctx, dev, &b), CLRELU_ERR_INVALID_ARG, "count 4 with shape [2,3]", id);
    shape[1] = 2;
    expect(clrelu_run(ctx, dev, &b), CLRELU_OK, "count 4 with shape [2,2]", id);
    b.shape = NULL;
    b.rank = 3;
    expect(clrelu_run(ctx, dev, &b), CLRELU_ERR_INVALID_ARG, "rank 3 without a shape", id);
    b.rank = 0;
    b.y = NULL;
    expect(clrelu_run(ctx, dev, &b), CLRELU_ERR_INVALID_ARG, "NULL y", id);
    b.y = y;
    b.dtype = (clrelu_dtype)17;
    expect(clrelu_run(ctx, dev, &b), CLRELU_ERR_INVALID_ARG, "bad dtype", id);
    b.dtype = CLRELU_F32;

    /* count 0 is a successful no-op, NULL pointers included */
    clrelu_op_args z = {.op = "gelu", .dtype = CLRELU_F32, .count = 0};
    expect(clrelu_run(ctx, dev, &z), CLRELU_OK, "count 0 with NULL pointers", id);
    z.op = "prelu";
    expect(clrelu_run(ctx, dev, &z), CLRELU_OK, "prelu count 0 without weight", id);
    CHECK(clrelu_last_error()[0] == '\0', "success clears the last error");

    /* prelu needs its weight; backward with grad_weight works on small tensors */
    clrelu_op_args p = {.op = "prelu", .dtype = CLRELU_F32, .count = 4, .x = x, .y = y};
    expect(clrelu_run(ctx, dev, &p), CLRELU_ERR_INVALID_ARG, "prelu without weight", id);
    size_t zero_c[2] = {2, 0};
    clrelu_op_args pc = {.op = "prelu", .dtype = CLRELU_F32, .count = 0, .shape = zero_c, .rank = 2, .x = x, .y = y,
                         .weight = &w};
    expect(clrelu_run(ctx, dev, &pc), CLRELU_OK, "prelu with 0 channels and 0 elements", id);
    float gw = -9;
    p.weight = &w;
    p.grad_output = g;
    p.grad_weight = &gw;
    expect(clrelu_run(ctx, dev, &p), CLRELU_OK, "prelu backward", id);
    CHECK(gw == -2.5f && y[0] == 0.25f && y[3] == 1.0f, "prelu backward on %s: gw %g y %g %g", id, (double)gw,
          (double)y[0], (double)y[3]);

    expect(clrelu_run(NULL, dev, &a), CLRELU_ERR_INVALID_ARG, "NULL context", id);
    expect(clrelu_run(ctx, NULL, &a), CLRELU_ERR_INVALID_ARG, "NULL device", id);
    expect(clrelu_run(ctx, dev, NULL), CLRELU_ERR_INVALID_ARG, "NULL args", id);

    /* float64 where the device lacks fp64 */
    if (!clrelu_device_get_info(dev)->dtype_supported[CLRELU_F64]) {
        double xd[2] = {1, -1}, yd[2];
        clrelu_op_args d = {.op = "relu", .dtype = CLRELU_F64, .count = 2, .x = xd, .y = yd};
        expect(clrelu_run(ctx, dev, &d), CLRELU_ERR_UNSUPPORTED, "float64 without fp64", id);
    }
}

/* A device of one context used with another context is refused. */
static void foreign_device(clrelu_context *ctx)
{
    clrelu_context_options o = {.no_opencl = true};
    clrelu_context *other = check_context(&o);
    float x = 1, y;
    clrelu_op_args a = {.op = "relu", .dtype = CLRELU_F32, .count = 1, .x = &x, .y = &y};
    expect(clrelu_run(ctx, clrelu_device_at(other, 0), &a), CLRELU_ERR_INVALID_ARG, "device of another context",
           "host");
    clrelu_context_destroy(other);
}

int main(void)
{
    table_defaults();
    clrelu_context *ctx = check_context(NULL);
    bool any_without_fp64 = false;
    for (int i = 0; i < clrelu_device_count(ctx); i++)
        if (!clrelu_device_get_info(clrelu_device_at(ctx, i))->dtype_supported[CLRELU_F64])
            any_without_fp64 = true;
    if (!any_without_fp64)
        printf("every device has fp64: the float64-unsupported check is skipped\n");
    for (int i = 0; i < clrelu_device_count(ctx); i++)
        run_validation(ctx, clrelu_device_at(ctx, i));
    foreign_device(ctx);
    clrelu_context_destroy(ctx);
    return check_summary("test_params");
}
