/* test_ops_exhaustive.c: all 65,536 float16 and all 65,536 bfloat16 bit patterns through every op, both directions, on every device. */
#include "check.h"
#include "host/host_kernels.h"
#include "ref_compare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_PATTERNS 65536u

/* x takes every bit pattern once. Backward runs twice: with g = 0.75 everywhere, and with g
 * also taking every pattern (a permutation of them, so x and g pair up differently). */
static void exhaustive(clrelu_context *ctx, const clrelu_device *dev, clrelu_dtype t)
{
    uint16_t *x = malloc(N_PATTERNS * sizeof *x), *g = malloc(N_PATTERNS * sizeof *g);
    uint16_t *g_all = malloc(N_PATTERNS * sizeof *g_all), w, gw;
    if (!x || !g || !g_all) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    double gv = 0.75, slope = 0.25;
    for (uint32_t i = 0; i < N_PATTERNS; i++) {
        x[i] = (uint16_t)i;
        g_all[i] = (uint16_t)((i * 7919u + 12345u) & 0xffffu); /* odd multiplier: a permutation */
    }
    ref_fill(&g[0], t, &gv, 1);
    for (uint32_t i = 1; i < N_PATTERNS; i++)
        g[i] = g[0];
    ref_fill(&w, t, &slope, 1);
    for (int o = 0; o < clrelu_op_count(); o++) {
        const clrelu_op_desc *op = clrelu_op_get(o);
        clrelu_op_args a = {.op = op->name, .dtype = t, .count = N_PATTERNS, .x = x};
        if (op->per_channel)
            a.weight = &w;
        ref_run_check(ctx, dev, &a, REF_OUT_OF_PLACE, "all patterns");
        a.grad_output = g;
        if (op->per_channel)
            a.grad_weight = &gw;
        ref_run_check(ctx, dev, &a, REF_OUT_OF_PLACE, "all patterns, g=0.75");
        a.grad_output = g_all;
        ref_run_check(ctx, dev, &a, REF_OUT_OF_PLACE, "all patterns, g all patterns");
    }
    free(x);
    free(g);
    free(g_all);
}

int main(void)
{
    /* CLRELU_HOST_ISA picks the host loops' instruction set (ctest runs each variant) */
    const char *isa = getenv("CLRELU_HOST_ISA");
    if (isa && !clr_host_kernel_isa_available(isa)) {
        printf("test_ops_exhaustive: this CPU or build has no '%s' host loops; skipped\n", isa);
        return 77;
    }
    if (isa)
        CHECK(strcmp(clr_host_kernel_isa(), isa) == 0, "host loops are %s, CLRELU_HOST_ISA asked for %s", clr_host_kernel_isa(), isa);
    clrelu_context *ctx = check_context(NULL);
    for (int di = 0; di < clrelu_device_count(ctx); di++) {
        const clrelu_device *dev = clrelu_device_at(ctx, di);
        const clrelu_device_info *info = clrelu_device_get_info(dev);
        CHECK(info->dtype_supported[CLRELU_F16] && info->dtype_supported[CLRELU_BF16],
              "float16/bfloat16 are storage formats and must work on every device (%s)", info->id);
        if (info->dtype_supported[CLRELU_F16])
            exhaustive(ctx, dev, CLRELU_F16);
        if (info->dtype_supported[CLRELU_BF16])
            exhaustive(ctx, dev, CLRELU_BF16);
    }
    clrelu_context_destroy(ctx);
    return check_summary("test_ops_exhaustive");
}
