/* cmd_demo.c: `clrelu demo` — every op forward and backward on a small fixed array, printed as a table. */
#include "cli_util.h"
#include "commands.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The demo input: both signs, both zeros, the clipping points of relu6/hardtanh, and NaN. */
static const double demo_x[] = {-3, -1, -0.5, -0.0, 0.0, 0.5, 1, 3, 7, NAN};
#define DEMO_N (sizeof demo_x / sizeof demo_x[0])
#define PRELU_SLOPE 0.25 /* torch.nn.PReLU's initial slope */

static void usage(FILE *out)
{
    fprintf(out, "Usage: clrelu demo [--device SEL] [--dtype T]\n\n"
                 "Run every op of the op table forward and backward (upstream gradient 1) with its default\n"
                 "parameters on a small fixed array, on the selected device (default auto), and print\n"
                 "the results. prelu uses a single slope of %g.\n\n"
                 "  --device SEL   device id from `clrelu devices`, a type, part of a name, or auto\n"
                 "  --dtype T      float32 (default), float16, bfloat16 or float64\n",
            PRELU_SLOPE);
}

/* Nine characters per value: four significant digits, three when an exponent needs the room. */
static void print_value(double v)
{
    char buf[32];
    if (isnan(v))
        snprintf(buf, sizeof buf, "nan");
    else if (snprintf(buf, sizeof buf, "%.4g", v) > 9)
        snprintf(buf, sizeof buf, "%.3g", v);
    printf(" %9s", buf);
}

/* Run op in dtype t; fills out[] (as double) and returns false with the error on failure. */
static bool run_op(clrelu_context *ctx, const clrelu_device *dev, const clrelu_op_desc *op, clrelu_dtype t,
                   bool backward, double out[DEMO_N])
{
    unsigned char x[DEMO_N * 8], g[DEMO_N * 8], y[DEMO_N * 8], w[8];
    double ones[DEMO_N], slope = PRELU_SLOPE;
    for (size_t i = 0; i < DEMO_N; i++)
        ones[i] = 1.0;
    clrelu_convert(demo_x, CLRELU_F64, x, t, DEMO_N);
    clrelu_convert(ones, CLRELU_F64, g, t, DEMO_N);
    clrelu_convert(&slope, CLRELU_F64, w, t, 1);
    clrelu_op_args args = {.op = op->name, .dtype = t, .count = DEMO_N, .x = x, .y = y,
                           .grad_output = backward ? g : NULL, .weight = op->per_channel ? w : NULL};
    if (clrelu_run(ctx, dev, &args) != CLRELU_OK)
        return false;
    clrelu_convert(y, t, out, CLRELU_F64, DEMO_N);
    return true;
}

int cmd_demo(int argc, char **argv)
{
    const char *selector = NULL, *dtype_name = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int r;
        if (cli_is_help(argv[i])) {
            usage(stdout);
            return CLI_EXIT_OK;
        }
        if ((r = cli_option("demo", argc, argv, &i, "--device", &v)) == 1)
            selector = v;
        else if (r == 0 && (r = cli_option("demo", argc, argv, &i, "--dtype", &v)) == 1)
            dtype_name = v;
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r == 0) {
            cli_error("demo", "unexpected argument '%s'", argv[i]);
            usage(stderr);
            return CLI_EXIT_USAGE;
        }
    }
    clrelu_dtype t = CLRELU_F32;
    if (dtype_name && clrelu_dtype_parse(dtype_name, &t) != CLRELU_OK) {
        cli_error("demo", "unknown dtype '%s' (float32, float16, bfloat16, float64)", dtype_name);
        return CLI_EXIT_USAGE;
    }

    clrelu_context *ctx;
    const clrelu_device *dev;
    if (!cli_open_context("demo", &ctx))
        return CLI_EXIT_ERROR;
    if (!cli_select_device("demo", ctx, selector, &dev)) {
        clrelu_context_destroy(ctx);
        return CLI_EXIT_ERROR;
    }
    const clrelu_device_info *info = clrelu_device_get_info(dev);
    printf("clrelu demo on %s (%s, %s), %s, default parameters, upstream gradient 1\n\n", info->id, info->name,
           info->platform, clrelu_dtype_name(t));
    printf("%-10s %-8s", "op", "pass");
    for (size_t i = 0; i < DEMO_N; i++)
        print_value(demo_x[i]);
    printf("\n");

    int failures = 0;
    for (int k = 0; k < clrelu_op_count(); k++) {
        const clrelu_op_desc *op = clrelu_op_get(k);
        for (int pass = 0; pass < 2; pass++) {
            double y[DEMO_N];
            printf("%-10s %-8s", pass ? "" : op->name, pass ? "backward" : "forward");
            if (run_op(ctx, dev, op, t, pass == 1, y)) {
                for (size_t i = 0; i < DEMO_N; i++)
                    print_value(y[i]);
                printf("\n");
            } else {
                printf(" error: %s\n", clrelu_last_error());
                failures++;
            }
        }
    }
    clrelu_context_destroy(ctx);
    if (failures) {
        cli_error("demo", "%d of %d runs failed", failures, 2 * clrelu_op_count());
        return CLI_EXIT_ERROR;
    }
    return CLI_EXIT_OK;
}
