/* cmd_analyze.c: `clrelu analyze` — run a batch through an MLP model and report per-layer sparsity, dead units and pre-activation ranges. */
#include "cli_util.h"
#include "clrelu_model.h"
#include "commands.h"
#include "clrelu_npy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: clrelu analyze MODEL_DIR IN.npy [--device SEL] [--json]\n\n"
            "Run the batch in IN.npy (shape [N, in] or [in]; float16/32/64) through the MLP model in\n"
            "MODEL_DIR (config.json + .npy weights, see docs/models.md) and report, per layer: the\n"
            "fraction of zero outputs (sparsity), each unit's activation rate (share of samples with a\n"
            "non-zero output), dead units (zero for every sample) and the pre-activation distribution\n"
            "(min, max, mean, %d-bin histogram).\n\n"
            "Options:\n"
            "  --device SEL   device id from `clrelu devices`, a type, part of a name, or auto (default)\n"
            "  --json         print one JSON document instead of the text report\n\n"
            "Exit status: 0 on success, 1 on a model, file or device error, 2 on a usage error.\n",
            CLRELU_HIST_BINS);
}

/* A JSON number, or null for NaN/inf (JSON has neither). */
static void json_num(double v)
{
    if (isfinite(v))
        printf("%.9g", v);
    else
        printf("null");
}

/* A JSON string with quotes, backslashes and control characters escaped. */
static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void print_json(const clrelu_model *m, const clrelu_device_info *dev, size_t n, const clrelu_layer_stats *s)
{
    printf("{\"model\": ");
    json_str(clrelu_model_name(m));
    printf(", \"device\": ");
    json_str(dev->id);
    printf(", \"dtype\": \"%s\", \"batch\": %zu, \"layers\": [", clrelu_dtype_name(clrelu_model_dtype(m)), n);
    for (int i = 0; i < clrelu_model_layer_count(m); i++) {
        const clrelu_layer_info *L = clrelu_model_layer(m, i);
        const clrelu_layer_stats *st = &s[i];
        printf("%s\n  {\"index\": %d, \"in\": %zu, \"out\": %zu, \"activation\": \"%s\", \"zero_fraction\": ", i ? "," : "", i,
               L->in, L->out, L->activation);
        json_num(st->zero_fraction);
        printf(", \"dead_units\": [");
        for (size_t d = 0; d < st->n_dead; d++)
            printf("%s%zu", d ? ", " : "", st->dead[d]);
        printf("], \"active_rate\": [");
        for (size_t u = 0; u < st->units; u++) {
            printf("%s", u ? ", " : "");
            json_num(st->active_rate[u]);
        }
        printf("], \"pre_activation\": {\"min\": ");
        json_num(st->pre_min);
        printf(", \"max\": ");
        json_num(st->pre_max);
        printf(", \"mean\": ");
        json_num(st->pre_mean);
        printf(", \"nan_count\": %zu, \"histogram\": [", st->nan_count);
        for (int b = 0; b < CLRELU_HIST_BINS; b++)
            printf("%s%llu", b ? ", " : "", (unsigned long long)st->hist[b]);
        printf("], \"histogram_min\": ");
        json_num(st->hist_lo);
        printf(", \"histogram_max\": ");
        json_num(st->hist_hi);
        printf(", \"below_histogram\": %llu, \"above_histogram\": %llu}}", (unsigned long long)st->hist_below,
               (unsigned long long)st->hist_above);
    }
    printf("\n]}\n");
}

static void print_text(const clrelu_model *m, const clrelu_device_info *dev, size_t n, const clrelu_layer_stats *s)
{
    printf("model %s: %d layers, %s, on %s (%s), batch of %zu\n", clrelu_model_name(m), clrelu_model_layer_count(m),
           clrelu_dtype_name(clrelu_model_dtype(m)), dev->id, dev->name, n);
    for (int i = 0; i < clrelu_model_layer_count(m); i++) {
        const clrelu_layer_info *L = clrelu_model_layer(m, i);
        const clrelu_layer_stats *st = &s[i];
        printf("\nlayer %d: %zu -> %zu, %s\n", i, L->in, L->out, L->activation);
        printf("  sparsity      %.1f%% of outputs are zero\n", 100.0 * st->zero_fraction);
        printf("  dead units    %zu of %zu", st->n_dead, st->units);
        for (size_t d = 0; d < st->n_dead; d++)
            printf("%s%zu", d ? ", " : ": ", st->dead[d]);
        printf("\n  active rate  ");
        for (size_t u = 0; u < st->units; u++)
            printf("%s%zu:%.2f", u % 8 == 0 && u ? "\n               " : " ", u, st->active_rate[u]);
        printf("\n  pre-act       min %.6g  max %.6g  mean %.6g", st->pre_min, st->pre_max, st->pre_mean);
        if (st->nan_count)
            printf("  (%zu NaN)", st->nan_count);
        printf("\n  histogram     [%.4g, %.4g] in %d bins:", st->hist_lo, st->hist_hi, CLRELU_HIST_BINS);
        for (int b = 0; b < CLRELU_HIST_BINS; b++)
            printf(" %llu", (unsigned long long)st->hist[b]);
        if (st->hist_below || st->hist_above)
            printf("\n                %llu below, %llu above the range", (unsigned long long)st->hist_below,
                   (unsigned long long)st->hist_above);
        printf("\n");
    }
}

int cmd_analyze(int argc, char **argv)
{
    const char *pos[2] = {NULL, NULL}, *device = NULL;
    int n_pos = 0;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int r;
        if (cli_is_help(argv[i])) {
            usage(stdout);
            return CLI_EXIT_OK;
        } else if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if ((r = cli_option("analyze", argc, argv, &i, "--device", &v)) != 0) {
            if (r < 0)
                return CLI_EXIT_USAGE;
            device = v;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            cli_error("analyze", "unknown option '%s'", argv[i]);
            return CLI_EXIT_USAGE;
        } else if (n_pos < 2) {
            pos[n_pos++] = argv[i];
        } else {
            cli_error("analyze", "too many arguments");
            return CLI_EXIT_USAGE;
        }
    }
    if (n_pos != 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    int rc = CLI_EXIT_ERROR;
    clrelu_model *m = NULL;
    clrelu_context *ctx = NULL;
    clrelu_npy_array in;
    memset(&in, 0, sizeof in);
    void *x = NULL, *y = NULL;
    clrelu_layer_stats *stats = NULL;
    const clrelu_device *dev = NULL;
    if (clrelu_model_load(pos[0], &m) != CLRELU_OK) {
        cli_error("analyze", "%s", clrelu_last_error());
        goto out;
    }
    if (clrelu_npy_read(pos[1], &in) != CLRELU_OK) {
        cli_error("analyze", "%s", clrelu_last_error());
        goto out;
    }
    size_t width = clrelu_model_input_size(m);
    size_t n = in.rank == 2 ? in.shape[0] : 1;
    if ((in.rank != 1 && in.rank != 2) || in.shape[in.rank - 1] != width) {
        cli_error("analyze", "%s: expected shape [N, %zu] or [%zu] for model %s", pos[1], width, width, clrelu_model_name(m));
        goto out;
    }
    if (!cli_open_context("analyze", &ctx) || !cli_select_device("analyze", ctx, device, &dev))
        goto out;
    clrelu_dtype dt = clrelu_model_dtype(m);
    size_t es = clrelu_dtype_size(dt);
    x = malloc(n * width * es + 1);
    y = malloc(n * clrelu_model_output_size(m) * es + 1);
    stats = calloc((size_t)clrelu_model_layer_count(m), sizeof *stats);
    if (!x || !y || !stats) {
        cli_error("analyze", "out of memory");
        goto out;
    }
    clrelu_convert(in.data, in.dtype, x, dt, n * width);
    if (clrelu_model_forward(ctx, dev, m, x, n, y, stats, NULL) != CLRELU_OK) {
        cli_error("analyze", "%s", clrelu_last_error());
        goto out;
    }
    if (json)
        print_json(m, clrelu_device_get_info(dev), n, stats);
    else
        print_text(m, clrelu_device_get_info(dev), n, stats);
    for (int i = 0; i < clrelu_model_layer_count(m); i++)
        clrelu_layer_stats_free(&stats[i]);
    rc = CLI_EXIT_OK;
out:
    free(stats);
    free(x);
    free(y);
    clrelu_npy_free(&in);
    clrelu_model_free(m);
    clrelu_context_destroy(ctx);
    return rc;
}
