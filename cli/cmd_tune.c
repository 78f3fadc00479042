/* cmd_tune.c: `clrelu tune` — measure and store each OpenCL device's best kernel configuration and host crossover. */
#include "cli_util.h"
#include "clrelu_tune.h"
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out, "Usage: clrelu tune [--device SEL] [--dtype T[,T...]] [--size N]\n\n"
                 "Measures vector width, work-group size and vectors per work-item for relu forward and\n"
                 "backward on each OpenCL device (or the one selected), checks every candidate's results\n"
                 "against the host, and stores the fastest per device in the cache directory; measures the\n"
                 "size below which the host backend beats the device, per op class (piecewise: relu,\n"
                 "leaky_relu, relu6, hardtanh, prelu; smooth: the rest) and dtype. The library uses\n"
                 "all of it from then on (CLRELU_AUTO_HOST=0 keeps every call on the device).\n"
                 "  --device SEL   one device (default: every OpenCL device)\n"
                 "  --dtype LIST   dtypes to tune (default: float32,float16,bfloat16)\n"
                 "  --size N       elements per measurement (default: 16777216)\n");
}

static int tune_one(const char *cmd, clrelu_context *ctx, const clrelu_device *dev, const char *dtypes, size_t size)
{
    const clrelu_device_info *info = clrelu_device_get_info(dev);
    char path[1200];
    clrelu_tune_file(ctx, dev, path, sizeof path);
    printf("%s: %s (%s, driver %s)\n", info->id, info->name, info->platform, info->driver_version);
    char list[256];
    snprintf(list, sizeof list, "%s", dtypes);
    for (char *save = NULL, *d = strtok_r(list, ",", &save); d; d = strtok_r(NULL, ",", &save)) {
        clrelu_dtype t;
        if (clrelu_dtype_parse(d, &t) != CLRELU_OK) {
            cli_error(cmd, "unknown dtype '%s'", d);
            return CLI_EXIT_USAGE;
        }
        if (!info->dtype_supported[t]) {
            printf("  %-9s not supported on this device\n", clrelu_dtype_name(t));
            continue;
        }
        clrelu_tune_result r;
        if (clrelu_tune_device(ctx, dev, t, size, &r) != CLRELU_OK) {
            cli_error(cmd, "%s %s: %s", info->id, clrelu_dtype_name(t), clrelu_last_error());
            return CLI_EXIT_ERROR;
        }
        printf("  %-9s vector width %2u, work-group %3u, vectors/item %4u: %6.1f GB/s (defaults %6.1f GB/s, "
               "%.2fx; %d configs)\n",
               clrelu_dtype_name(t), r.best.vector_width, r.best.work_group_size, r.best.vectors_per_item,
               r.best_gbps, r.default_gbps, r.default_gbps > 0 ? r.best_gbps / r.default_gbps : 0.0, r.candidates);
    }
    uint64_t cross = 0;
    if (clrelu_tune_crossover(ctx, dev, &cross) != CLRELU_OK) {
        cli_error(cmd, "%s crossover: %s", info->id, clrelu_last_error());
        return CLI_EXIT_ERROR;
    }
    printf("  host crossover: tensors below these element counts run on the host backend\n"
           "  %-9s %14s %14s\n",
           "", clrelu_op_class_name(CLRELU_OP_CLASS_PIECEWISE), clrelu_op_class_name(CLRELU_OP_CLASS_SMOOTH));
    for (int t = 0; t < CLRELU_DTYPE_COUNT; t++) {
        if (!info->dtype_supported[t])
            continue;
        printf("  %-9s", clrelu_dtype_name((clrelu_dtype)t));
        for (int c = 0; c < CLRELU_OP_CLASS_COUNT; c++) {
            uint64_t below = 0;
            if (clrelu_tune_get_crossover_of(ctx, dev, (clrelu_op_class)c, (clrelu_dtype)t, &below) != CLRELU_OK) {
                cli_error(cmd, "%s crossover: %s", info->id, clrelu_last_error());
                return CLI_EXIT_ERROR;
            }
            if (below == UINT64_MAX)
                printf(" %14s", "every size");
            else
                printf(" %14llu", (unsigned long long)below);
        }
        printf("\n");
    }
    printf("  stored in %s\n", path[0] ? path : "(nowhere: caching is disabled)");
    return CLI_EXIT_OK;
}

int cmd_tune(int argc, char **argv)
{
    const char *cmd = "tune", *sel = NULL, *dtypes = "float32,float16,bfloat16", *size_s = NULL;
    for (int i = 1; i < argc; i++) {
        int m;
        if (cli_is_help(argv[i])) {
            usage(stdout);
            return CLI_EXIT_OK;
        }
        if ((m = cli_option(cmd, argc, argv, &i, "--device", &sel)) ||
            (m = cli_option(cmd, argc, argv, &i, "--dtype", &dtypes)) ||
            (m = cli_option(cmd, argc, argv, &i, "--size", &size_s))) {
            if (m < 0)
                return CLI_EXIT_USAGE;
            continue;
        }
        cli_error(cmd, "unexpected argument '%s'", argv[i]);
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    size_t size = 0;
    if (size_s) {
        char *end;
        unsigned long long v = strtoull(size_s, &end, 10);
        if (end == size_s || *end || v < 1024) {
            cli_error(cmd, "--size must be a number of elements >= 1024");
            return CLI_EXIT_USAGE;
        }
        size = (size_t)v;
    }
    clrelu_context *ctx = NULL;
    if (!cli_open_context(cmd, &ctx))
        return CLI_EXIT_ERROR;
    int rc = CLI_EXIT_OK, tuned = 0;
    if (sel) {
        const clrelu_device *dev = NULL;
        if (!cli_select_device(cmd, ctx, sel, &dev))
            rc = CLI_EXIT_ERROR;
        else if (strcmp(clrelu_device_get_info(dev)->backend, "opencl") != 0) {
            cli_error(cmd, "device %s has nothing to tune (only OpenCL devices do)", sel);
            rc = CLI_EXIT_ERROR;
        } else {
            rc = tune_one(cmd, ctx, dev, dtypes, size);
            tuned = 1;
        }
    } else {
        for (int i = 0; i < clrelu_device_count(ctx) && rc == CLI_EXIT_OK; i++) {
            const clrelu_device *dev = clrelu_device_at(ctx, i);
            if (strcmp(clrelu_device_get_info(dev)->backend, "opencl") != 0)
                continue;
            rc = tune_one(cmd, ctx, dev, dtypes, size);
            tuned++;
        }
        if (rc == CLI_EXIT_OK && !tuned)
            printf("no OpenCL devices: nothing to tune\n");
    }
    clrelu_context_destroy(ctx);
    return rc;
}
