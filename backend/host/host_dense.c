/* host_dense.c: dense layers in plain C — the reference GEMM + bias + activation from the op table's reference math. */
#include "host/host_hooks.h"

#include <stdlib.h>
#include <string.h>

/* count elements of dtype as doubles (malloc'd; NULL on failure or when src is NULL). */
static double *widen(const void *src, clrelu_dtype t, size_t count)
{
    if (!src)
        return NULL;
    double *d = malloc((count ? count : 1) * sizeof *d);
    if (d)
        clrelu_convert(src, t, d, CLRELU_F64, count);
    return d;
}

/* Round to the compute type: float for every dtype but float64. */
static double to_compute(clrelu_dtype t, double v) { return t == CLRELU_F64 ? v : (double)(float)v; }

/* Store doubles already rounded to the compute type (so float16/bfloat16 round once, from float). */
static void narrow(double *v, size_t count, clrelu_dtype t, void *dst)
{
    for (size_t i = 0; i < count; i++)
        v[i] = to_compute(t, v[i]);
    clrelu_convert(v, CLRELU_F64, dst, t, count);
}

/* z[i, j] = sum_k x[i, k] w[j, k] (+ b[j]) accumulated in double, rounded to the compute type. */
static void linear(const struct dense_call *c, const double *x, const double *w, const double *b, double *z)
{
    for (size_t i = 0; i < c->n; i++)
        for (size_t j = 0; j < c->out; j++) {
            const double *xr = x + i * c->in, *wr = w + j * c->in;
            double acc = 0.0;
            for (size_t k = 0; k < c->in; k++)
                acc += xr[k] * wr[k];
            z[i * c->out + j] = to_compute(c->dtype, to_compute(c->dtype, acc) + (b ? b[j] : 0.0));
        }
}

/* The activation of element (i, j) of z, forward or backward (g: upstream gradient). */
static double act_at(const struct dense_call *c, const double *slope, size_t j, double z, double g, bool bwd)
{
    if (!c->act)
        return bwd ? g : z;
    double p[CLRELU_MAX_PARAMS];
    memcpy(p, c->params, sizeof p);
    if (slope)
        p[0] = slope[j];
    return bwd ? c->act->backward(z, g, p) : c->act->forward(z, p);
}

clrelu_status clr_host_dense(clrelu_device *dev, const struct dense_call *c)
{
    (void)dev;
    uint64_t t0 = clrelu_now_ns();
    clrelu_status st = CLRELU_OK;
    size_t nz = c->n * c->out;
    double *x = widen(c->x, c->dtype, c->n * c->in), *w = widen(c->w, c->dtype, c->out * c->in);
    double *b = widen(c->b, c->dtype, c->out), *slope = widen(c->slope, c->dtype, c->out);
    double *z = malloc(nz * sizeof *z), *g = c->backward ? widen(c->grad_y, c->dtype, nz) : NULL;
    size_t ntmp = c->n * c->in > c->out * c->in ? c->n * c->in : c->out * c->in;
    double *tmp = malloc((ntmp > nz ? ntmp : nz) * sizeof *tmp);
    if (!x || !w || !z || !tmp || (c->b && !b) || (c->slope && !slope) || (c->backward && !g)) {
        st = clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "host dense: out of memory for a [%zu, %zu] x [%zu, %zu] layer",
                              c->n, c->in, c->out, c->in);
        goto out;
    }
    linear(c, x, w, b, z);
    if (!c->backward) {
        if (c->pre) {
            memcpy(tmp, z, nz * sizeof *z);
            narrow(tmp, nz, c->dtype, c->pre);
        }
        for (size_t i = 0; i < nz; i++)
            z[i] = act_at(c, slope, i % c->out, z[i], 0.0, false);
        narrow(z, nz, c->dtype, c->y);
        goto out;
    }
    /* prelu's dL/dslope from z before it becomes dz: sum over the batch of z * g where z is not
     * positive (NaN z included, so a NaN makes the sum NaN, as in PyTorch) */
    if (c->grad_slope) {
        for (size_t j = 0; j < c->out; j++) {
            double acc = 0.0;
            for (size_t i = 0; i < c->n; i++) {
                double v = z[i * c->out + j];
                if (!(v > 0))
                    acc += v * g[i * c->out + j];
            }
            tmp[j] = acc;
        }
        narrow(tmp, c->out, c->dtype, c->grad_slope);
    }
    /* dz = act'(z) * g, rounded to the compute type like a device's epilogue */
    for (size_t i = 0; i < nz; i++)
        z[i] = to_compute(c->dtype, act_at(c, slope, i % c->out, z[i], g[i], true));
    if (c->grad_x) {
        for (size_t i = 0; i < c->n; i++)
            for (size_t k = 0; k < c->in; k++) {
                double acc = 0.0;
                for (size_t j = 0; j < c->out; j++)
                    acc += z[i * c->out + j] * w[j * c->in + k];
                tmp[i * c->in + k] = acc;
            }
        narrow(tmp, c->n * c->in, c->dtype, c->grad_x);
    }
    if (c->grad_w) {
        for (size_t j = 0; j < c->out; j++)
            for (size_t k = 0; k < c->in; k++) {
                double acc = 0.0;
                for (size_t i = 0; i < c->n; i++)
                    acc += z[i * c->out + j] * x[i * c->in + k];
                tmp[j * c->in + k] = acc;
            }
        narrow(tmp, c->out * c->in, c->dtype, c->grad_w);
    }
    if (c->grad_b) {
        for (size_t j = 0; j < c->out; j++) {
            double acc = 0.0;
            for (size_t i = 0; i < c->n; i++)
                acc += z[i * c->out + j];
            tmp[j] = acc;
        }
        narrow(tmp, c->out, c->dtype, c->grad_b);
    }
out:
    free(x);
    free(w);
    free(b);
    free(slope);
    free(z);
    free(g);
    free(tmp);
    c->timing->kernel_ns = clrelu_now_ns() - t0;
    c->timing->chunks = 1;
    return st;
}
