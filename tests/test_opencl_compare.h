/* test_opencl_compare.h: run one op on the host device and on an OpenCL device with the same inputs and compare. */
#ifndef CLRELU_TEST_OPENCL_COMPARE_H
#define CLRELU_TEST_OPENCL_COMPARE_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ref_compare.h"

typedef enum { CMP_OUT_OF_PLACE, CMP_IN_PLACE_X, CMP_IN_PLACE_G } cmp_placement;

/* The OpenCL CPU device (PoCL is installed wherever these tests run); exits with a failure if
 * there is none, or skips (77) when OpenCL was switched off for the whole test run. */
static inline const clrelu_device *cmp_opencl_device(clrelu_context *ctx)
{
    const clrelu_device *dev = NULL;
    if (clrelu_device_select(ctx, "cpu:0", &dev) != CLRELU_OK || !dev) {
        if (getenv("CLRELU_NO_OPENCL")) {
            fprintf(stderr, "CLRELU_NO_OPENCL is set: no OpenCL devices to test\n");
            exit(77);
        }
        fprintf(stderr, "no OpenCL CPU device found (is PoCL installed?): %s\n", clrelu_last_error());
        exit(1);
    }
    return dev;
}

/* Run `op` (forward, or backward with a gradient) on the host and on dev over the same
 * deterministic inputs of the given shape (rank 0: 1-D of count), dev's output placed per
 * `where`; CHECK every element (bit for bit for the bit-exact ops, else the reference
 * tolerances) and prelu's dL/dweight. timing (optional) receives dev's timing. Returns the
 * number of mismatches. */
static inline long cmp_with_host(clrelu_context *ctx, const clrelu_device *dev, const char *op_name, clrelu_dtype t,
                                 const size_t *shape, int rank, size_t count, bool backward, cmp_placement where,
                                 uint64_t seed, const char *label, clrelu_timing *timing)
{
    const clrelu_op_desc *op = clrelu_op_find(op_name);
    const clrelu_device *host = NULL;
    CHECK_OK(clrelu_device_select(ctx, "host", &host));
    if (!op || !host)
        return 1;
    size_t n = count, es = clrelu_dtype_size(t);
    double *v = malloc(sizeof *v * (n ? n : 1));
    void *x = ref_alloc(t, n), *g = ref_alloc(t, n), *yh = ref_alloc(t, n), *yd = ref_alloc(t, n);
    clrelu_op_args probe = {.count = n, .shape = rank ? shape : NULL, .rank = rank};
    size_t channels = 1, inner = 1;
    ref_prelu_layout(&probe, &channels, &inner);
    void *w = ref_alloc(t, channels), *gwh = ref_alloc(t, channels), *gwd = ref_alloc(t, channels);
    double *wv = malloc(sizeof *wv * channels), *abs_sum = calloc(channels, sizeof *abs_sum);
    if (!v || !wv || !abs_sum) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    ref_random_values(v, n, seed, t);
    ref_fill(x, t, v, n);
    ref_random_values(v, n, seed * 7 + 1, t);
    ref_fill(g, t, v, n);
    for (size_t c = 0; c < channels; c++)
        wv[c] = 0.03125 * (double)((c * 37 + seed) % 64) - 1.0;
    ref_fill(w, t, wv, channels);

    clrelu_op_args a = {.op = op_name, .dtype = t, .count = n, .shape = rank ? shape : NULL, .rank = rank,
                        .x = x, .y = yh, .grad_output = backward ? g : NULL, .weight = w,
                        .grad_weight = backward ? gwh : NULL};
    CHECK_OK(clrelu_run(ctx, host, &a));

    /* device run, output placed as asked; the inputs it reads are copies */
    void *xd = ref_alloc(t, n), *gd = ref_alloc(t, n);
    memcpy(xd, x, n * es);
    memcpy(gd, g, n * es);
    a.x = xd;
    a.grad_output = backward ? gd : NULL;
    a.y = where == CMP_IN_PLACE_X ? xd : (where == CMP_IN_PLACE_G && backward) ? gd : yd;
    a.grad_weight = backward ? gwd : NULL;
    clrelu_timing tm = {0};
    a.timing = &tm;
    clrelu_status st = clrelu_run(ctx, dev, &a);
    CHECK(st == CLRELU_OK, "%s: %s %s %s on %s: %s", label, op_name, clrelu_dtype_name(t), backward ? "bwd" : "fwd",
          clrelu_device_get_info(dev)->id, clrelu_last_error());
    if (timing)
        *timing = tm;

    long bad = 0;
    ref_tol tol = ref_tolerance(op, t, backward);
    for (size_t i = 0; st == CLRELU_OK && i < n; i++) {
        double gi = backward ? ref_get(g, t, i) : 0.0;
        if (!ref_element_ok(&tol, t, a.y, yh, i, gi)) {
            if (bad++ < 3) {
                char sx[64], sg[64], se[64];
                fprintf(stderr, "MISMATCH %s: %s %s %s n=%zu [%zu] x=%s got=%s host=%s\n", label, op_name,
                        clrelu_dtype_name(t), backward ? "bwd" : "fwd", n, i, ref_format(sx, sizeof sx, x, t, i),
                        ref_format(sg, sizeof sg, a.y, t, i), ref_format(se, sizeof se, yh, t, i));
            }
        }
    }
    if (st == CLRELU_OK && op->per_channel && backward && n) {
        for (size_t i = 0; i < n; i++) {
            double xi = ref_get(x, t, i);
            if (!(xi > 0))
                abs_sum[(i / inner) % channels] += fabs(xi * ref_get(g, t, i));
        }
        for (size_t c = 0; c < channels; c++) {
            double got = ref_get(gwd, t, c), exp = ref_get(gwh, t, c);
            bool ok = (isnan(got) && isnan(exp)) || got == exp ||
                      fabs(got - exp) <= tol.atol + tol.rtol * fabs(exp) + tol.sum_rtol * abs_sum[c];
            if (!ok && bad++ < 3)
                fprintf(stderr, "MISMATCH %s: prelu %s dL/dweight[%zu] got=%.9g host=%.9g\n", label,
                        clrelu_dtype_name(t), c, got, exp);
        }
    }
    CHECK(bad == 0, "%s: %s %s %s, %zu elements: %ld mismatches against the host device", label, op_name,
          clrelu_dtype_name(t), backward ? "bwd" : "fwd", n, bad);
    free(v);
    free(wv);
    free(abs_sum);
    free(x);
    free(g);
    free(xd);
    free(gd);
    free(yh);
    free(yd);
    free(w);
    free(gwh);
    free(gwd);
    return bad + (st != CLRELU_OK);
}

#endif
