/* test_ops_devices.c: every op x dtype x direction x device x many sizes x placement against the reference. */
#include "check.h"
#include "oclgrind/quick.h"
#include "ref_compare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Non-default parameters for the ops that have any (NULL: none). */
static const double *custom_params(const clrelu_op_desc *op)
{
    static const double leaky[] = {0.2}, hardtanh[] = {-2.5, 3.25}, elu[] = {0.7}, softplus[] = {2.0, 5.0};
    if (strcmp(op->name, "leaky_relu") == 0)
        return leaky;
    if (strcmp(op->name, "hardtanh") == 0)
        return hardtanh;
    if (strcmp(op->name, "elu") == 0)
        return elu;
    if (strcmp(op->name, "softplus") == 0)
        return softplus;
    return NULL;
}

/* One op on one device at one size: forward and backward, out of place and in place, with
 * default and (where the op has them) custom parameters. prelu gets a single slope here. */
static void run_case(clrelu_context *ctx, const clrelu_device *dev, const clrelu_op_desc *op, clrelu_dtype t,
                     size_t n, bool all_placements, uint64_t seed)
{
    double *vx = malloc((n ? n : 1) * sizeof *vx), *vg = malloc((n ? n : 1) * sizeof *vg);
    if (!vx || !vg) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    ref_random_values(vx, n, seed, t);
    ref_random_values(vg, n, seed ^ 0x5555, t);
    void *x = ref_alloc(t, n), *g = ref_alloc(t, n), *w = ref_alloc(t, 1), *gw = ref_alloc(t, 1);
    ref_fill(x, t, vx, n);
    ref_fill(g, t, vg, n);
    double slope = 0.25;
    ref_fill(w, t, &slope, 1);
    const double *param_sets[2] = {NULL, custom_params(op)};
    char label[128];
    for (int ps = 0; ps < 2; ps++) {
        if (ps == 1 && !param_sets[1])
            break;
        snprintf(label, sizeof label, "n=%zu params=%s", n, ps ? "custom" : "default");
        clrelu_op_args a = {.op = op->name, .dtype = t, .count = n, .x = x, .params = param_sets[ps]};
        if (op->per_channel)
            a.weight = w;
        ref_run_check(ctx, dev, &a, REF_OUT_OF_PLACE, label);
        if (all_placements)
            ref_run_check(ctx, dev, &a, REF_IN_PLACE_X, label);
        a.grad_output = g;
        if (op->per_channel)
            a.grad_weight = gw;
        ref_run_check(ctx, dev, &a, REF_OUT_OF_PLACE, label);
        if (all_placements) {
            ref_run_check(ctx, dev, &a, REF_IN_PLACE_X, label);
            ref_run_check(ctx, dev, &a, REF_IN_PLACE_G, label);
        }
    }
    free(vx);
    free(vg);
    free(x);
    free(g);
    free(w);
    free(gw);
}

/* prelu with real channel layouts: rank 2 [N,C] and rank 4 [N,C,H,W], per-channel slopes, and
 * dL/dweight summed per channel. */
static void prelu_shapes(clrelu_context *ctx, const clrelu_device *dev, clrelu_dtype t, bool quick)
{
    static const size_t shapes[][4] = {{5, 3, 0, 0},  {1, 1, 0, 0},  {0, 3, 0, 0},   {2, 3, 4, 5},
                                       {7, 16, 1, 1}, {3, 64, 33, 17}, {1, 300, 7, 1}, {2, 1, 13, 13}};
    static const int ranks[] = {2, 2, 2, 4, 4, 4, 4, 4};
    for (size_t s = 0; s < sizeof ranks / sizeof ranks[0]; s++) {
        size_t n = 1, channels = shapes[s][1];
        for (int d = 0; d < ranks[s]; d++)
            n *= shapes[s][d];
        if (quick && n > 5000)
            continue; /* the quick run keeps the shapes of up to a few thousand elements */
        double *vx = malloc((n ? n : 1) * sizeof *vx), *vg = malloc((n ? n : 1) * sizeof *vg);
        double *vw = malloc(channels * sizeof *vw);
        if (!vx || !vg || !vw) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
        ref_random_values(vx, n, 100 + s, t);
        ref_random_values(vg, n, 200 + s, t);
        for (size_t c = 0; c < channels; c++)
            vw[c] = -1.0 + 2.0 * (double)((c * 37) % 101) / 100.0; /* slopes in [-1, 1], 0 included */
        void *x = ref_alloc(t, n), *g = ref_alloc(t, n), *w = ref_alloc(t, channels), *gw = ref_alloc(t, channels);
        ref_fill(x, t, vx, n);
        ref_fill(g, t, vg, n);
        ref_fill(w, t, vw, channels);
        char label[128];
        snprintf(label, sizeof label, "prelu rank %d shape [%zu,%zu,%zu,%zu]", ranks[s], shapes[s][0], shapes[s][1],
                 shapes[s][2], shapes[s][3]);
        clrelu_op_args a = {.op = "prelu", .dtype = t, .count = n, .shape = shapes[s], .rank = ranks[s], .x = x,
                            .weight = w};
        ref_run_check(ctx, dev, &a, REF_OUT_OF_PLACE, label);
        ref_run_check(ctx, dev, &a, REF_IN_PLACE_X, label);
        a.grad_output = g;
        a.grad_weight = gw;
        ref_run_check(ctx, dev, &a, REF_OUT_OF_PLACE, label);
        ref_run_check(ctx, dev, &a, REF_IN_PLACE_G, label);
        a.grad_weight = NULL; /* dL/dweight is optional */
        ref_run_check(ctx, dev, &a, REF_IN_PLACE_X, label);
        free(vx);
        free(vg);
        free(vw);
        free(x);
        free(g);
        free(w);
        free(gw);
    }
}

/* The quick run (tests/oclgrind/quick.h): every op, dtype and placement at sizes 0..17 (every tail
 * of a 16-wide vector), 33 and 67, then a few ops in rotation at 2^k +- 1 up to past a chunk. */
static void quick_sizes(clrelu_context *ctx, const clrelu_device *dev, clrelu_dtype t, int *rot)
{
    int n_ops = clrelu_op_count();
    static const size_t small[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 33, 67};
    for (size_t s = 0; s < sizeof small / sizeof small[0]; s++)
        for (int o = 0; o < n_ops; o++)
            run_case(ctx, dev, clrelu_op_get(o), t, small[s], true, small[s] * 131 + (uint64_t)o);
    static const size_t large[] = {257, 1023, 4097, 16383};
    for (size_t s = 0; s < sizeof large / sizeof large[0]; s++)
        for (int j = 0; j < 3; j++) {
            int o = (*rot)++ % n_ops;
            run_case(ctx, dev, clrelu_op_get(o), t, large[s], j == 0, large[s] + (uint64_t)o);
        }
}

int main(void)
{
    bool quick = test_quick();
    clrelu_context_options opts = {.max_chunk_bytes = quick ? QUICK_CHUNK_BYTES : 0};
    clrelu_context *ctx = check_context(&opts);
    int n_ops = clrelu_op_count();
    for (int di = 0; di < clrelu_device_count(ctx); di++) {
        const clrelu_device *dev = clrelu_device_at(ctx, di);
        const clrelu_device_info *info = clrelu_device_get_info(dev);
        printf("device %s: %s\n", info->id, info->name);
        for (int ti = 0; ti < CLRELU_DTYPE_COUNT; ti++) {
            clrelu_dtype t = (clrelu_dtype)ti;
            if (!info->dtype_supported[t]) {
                float dummy = 0;
                clrelu_op_args a = {.op = "relu", .dtype = t, .count = 1, .x = &dummy, .y = &dummy};
                CHECK(clrelu_run(ctx, dev, &a) == CLRELU_ERR_UNSUPPORTED, "unsupported %s on %s must say so",
                      clrelu_dtype_name(t), info->id);
                continue;
            }
            if (quick) {
                int rot = ti * 5;
                quick_sizes(ctx, dev, t, &rot);
                prelu_shapes(ctx, dev, t, true);
                continue;
            }
            /* every size 0..67 (all vector tails), every op, every placement */
            for (size_t n = 0; n <= 67; n++)
                for (int o = 0; o < n_ops; o++)
                    run_case(ctx, dev, clrelu_op_get(o), t, n, true, n * 131 + (uint64_t)o);
            /* around powers of two: 2^7..2^12 on every op (in place on one), 2^13..2^20 on a
             * few ops in rotation so that every op still sees large sizes */
            int rot = ti * 5;
            for (int k = 7; k <= 20; k++)
                for (int d = -1; d <= 1; d++) {
                    if (k > 16 && d != (k % 2 ? 1 : -1))
                        continue; /* one large size per k: 2^k+1 or 2^k-1 */
                    size_t n = ((size_t)1 << k) + (size_t)(ptrdiff_t)d;
                    int per_size = k <= 12 ? n_ops : k <= 16 ? 2 : 1;
                    for (int j = 0; j < per_size; j++) {
                        int o = k <= 12 ? j : rot++ % n_ops;
                        run_case(ctx, dev, clrelu_op_get(o), t, n, o == (k + d + 1) % n_ops, n + (uint64_t)o);
                    }
                }
            prelu_shapes(ctx, dev, t, false);
        }
    }
    clrelu_context_destroy(ctx);
    return check_summary("test_ops_devices");
}
