/* test_dense.c: dense forward/backward (prelu's dL/dslope included) on every device against an independent double-precision reference, many shapes and every activation. */
#include "check.h"
#include "clrelu_dense.h"
#include "core/ops.h"
#include "oclgrind/quick.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Tolerances. Inputs are multiples of 1/8 (biases of 1/16), so every GEMM product and partial sum
 * is exact in float and double: z is bit-exact on every device and the only error left is the
 * activation's, bounded by REL * |ref| + ABS (float: the OpenCL built-ins' ulp limits for
 * exp/erfc/tanh composed; double: the same with double ulps). The random-float case bounds the
 * GEMM's accumulation error by 2 * (in + 2) * eps * (sum |x w| + |b|). */
#define REL_F32 2e-6
#define ABS_F32 1e-6
#define REL_F64 1e-13
#define ABS_F64 1e-13

typedef struct {
    size_t n, in, out;
} shape;

static unsigned rng_state = 12345u;
static double qrand(int denom)
{
    rng_state = rng_state * 1103515245u + 12345u;
    int k = (int)((rng_state >> 16) % (unsigned)(2 * denom + 1)) - denom;
    return (double)k / denom;
}
static double frand(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return ((rng_state >> 8) & 0xffffff) / (double)0x800000 - 1.0;
}

/* Expected z, y (forward) and dz (backward) in double from ops.h's reference functions. */
static void reference(const struct op_entry *op, const double *p, size_t n, size_t in, size_t out, const double *x,
                      const double *w, const double *b, const double *slope, const double *g, double *z, double *y,
                      double *dz, double *mag)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < out; j++) {
            double acc = 0, m = 0;
            for (size_t k = 0; k < in; k++) {
                acc += x[i * in + k] * w[j * in + k];
                m += fabs(x[i * in + k] * w[j * in + k]);
            }
            double v = acc + (b ? b[j] : 0);
            double pp[CLRELU_MAX_PARAMS];
            memcpy(pp, p, sizeof pp);
            if (slope)
                pp[0] = slope[j];
            size_t e = i * out + j;
            z[e] = v;
            mag[e] = m + (b ? fabs(b[j]) : 0);
            y[e] = op ? op->forward(v, pp) : v;
            if (g)
                dz[e] = op ? op->backward(v, g[e], pp) : g[e];
        }
}

static bool close_to(double got, double want, double tol) { return fabs(got - want) <= tol || (isnan(got) && isnan(want)); }

static double *to_double(const void *src, clrelu_dtype t, size_t count)
{
    double *d = malloc((count ? count : 1) * sizeof *d);
    clrelu_convert(src, t, d, CLRELU_F64, count);
    return d;
}

static void *from_double(const double *src, clrelu_dtype t, size_t count)
{
    void *d = malloc((count ? count : 1) * clrelu_dtype_size(t));
    clrelu_convert(src, CLRELU_F64, d, t, count);
    return d;
}

/* prelu slopes cycle through positive, negative and zero (multiples of 1/8, so every product
 * stays exact); the salt moves the cycle between cases so out = 1 layers see all three. */
static unsigned slope_salt;

/* One forward and, for quantised inputs, backward case on dev (prelu: dL/dslope too, and the
 * same dx without it, and dL/dslope alone). */
static void one_case(clrelu_context *ctx, const clrelu_device *dev, clrelu_dtype t, shape s, const char *act, bool bias,
                     bool quantized)
{
    const char *id = clrelu_device_get_info(dev)->id;
    const clrelu_op_desc *desc = act ? clrelu_op_find(act) : NULL;
    const struct op_entry *op = desc ? clr_op_entry_of(desc) : NULL;
    double p[CLRELU_MAX_PARAMS] = {0};
    if (desc)
        clrelu_op_default_params(desc, p);
    if (act && strcmp(act, "leaky_relu") == 0)
        p[0] = 0.125;
    size_t nx = s.n * s.in, nw = s.out * s.in, nz = s.n * s.out;
    double *x = malloc((nx + 1) * sizeof *x), *w = malloc(nw * sizeof *w), *b = malloc(s.out * sizeof *b);
    double *sl = malloc(s.out * sizeof *sl), *g = malloc((nz + 1) * sizeof *g);
    for (size_t i = 0; i < nx; i++)
        x[i] = quantized ? qrand(8) : frand();
    for (size_t i = 0; i < nw; i++)
        w[i] = quantized ? qrand(8) : frand() / sqrt((double)s.in);
    slope_salt++;
    for (size_t i = 0; i < s.out; i++) {
        b[i] = quantized ? qrand(16) : frand();
        double mag_sl = 0.125 + 0.5 * fabs(qrand(4)); /* 0.125 .. 0.625 */
        unsigned kind = (unsigned)((i + slope_salt) % 3);
        sl[i] = kind == 0 ? mag_sl : kind == 1 ? -mag_sl : 0.0;
    }
    for (size_t i = 0; i < nz; i++)
        g[i] = qrand(8);
    bool prelu = desc && desc->per_channel;
    double *z = malloc((nz + 1) * sizeof *z), *y = malloc((nz + 1) * sizeof *y), *dz = malloc((nz + 1) * sizeof *dz);
    double *mag = malloc((nz + 1) * sizeof *mag);
    reference(op, p, s.n, s.in, s.out, x, w, bias ? b : NULL, prelu ? sl : NULL, g, z, y, dz, mag);

    void *tx = from_double(x, t, nx), *tw = from_double(w, t, nw), *tb = from_double(b, t, s.out);
    void *tsl = from_double(sl, t, s.out), *tg = from_double(g, t, nz);
    size_t es = clrelu_dtype_size(t);
    void *ty = malloc(nz * es + 1), *tpre = malloc(nz * es + 1);
    clrelu_dense_args a = {.dtype = t, .n = s.n, .in = s.in, .out = s.out, .x = tx, .w = tw, .b = bias ? tb : NULL,
                           .act = act, .params = p, .act_weight = prelu ? tsl : NULL, .y = ty, .pre = tpre};
    clrelu_status st = clrelu_dense_forward(ctx, dev, &a);
    CHECK(st == CLRELU_OK, "%s %s forward %s n=%zu in=%zu out=%zu: %s", id, clrelu_dtype_name(t), act ? act : "none", s.n,
          s.in, s.out, clrelu_last_error());
    double eps = t == CLRELU_F64 ? 2.2e-16 : 1.19e-7, rel = t == CLRELU_F64 ? REL_F64 : REL_F32;
    double abs_tol = t == CLRELU_F64 ? ABS_F64 : ABS_F32;
    int bad = 0;
    if (st == CLRELU_OK) {
        double *gy = to_double(ty, t, nz), *gp = to_double(tpre, t, nz);
        for (size_t e = 0; e < nz && bad < 3; e++) {
            double gemm = quantized ? 0 : 2 * (double)(s.in + 2) * eps * mag[e];
            double dmax = 2.0; /* largest |act'| of the family's defaults (selu: 1.76) */
            double tol_y = gemm * dmax + rel * fabs(y[e]) + abs_tol, tol_z = gemm + eps * fabs(z[e]);
            if (!close_to(gy[e], y[e], tol_y) || !close_to(gp[e], z[e], tol_z)) {
                bad++;
                CHECK(false, "%s %s %s n=%zu in=%zu out=%zu bias=%d [%zu]: y %.9g want %.9g (tol %.2g), pre %.9g want %.9g",
                      id, clrelu_dtype_name(t), act ? act : "none", s.n, s.in, s.out, bias, e, gy[e], y[e], tol_y, gp[e],
                      z[e]);
            }
        }
        if (!bad)
            CHECK(true, "forward ok");
        free(gy);
        free(gp);
    }
    if (quantized) {
        void *gx = malloc(nx * es + 1), *gw = malloc(nw * es), *gb = malloc(s.out * es), *gs = malloc(s.out * es);
        memset(gw, 0x7f, nw * es);
        memset(gb, 0x7f, s.out * es);
        memset(gs, 0x7f, s.out * es);
        clrelu_dense_args bw = a;
        bw.grad_y = tg;
        bw.grad_x = gx;
        bw.grad_w = gw;
        bw.grad_b = bias ? gb : NULL;
        bw.grad_act_weight = prelu ? gs : NULL;
        st = clrelu_dense_backward(ctx, dev, &bw);
        CHECK(st == CLRELU_OK, "%s backward %s: %s", id, act ? act : "none", clrelu_last_error());
        if (st == CLRELU_OK) {
            double *dgx = to_double(gx, t, nx), *dgw = to_double(gw, t, nw), *dgb = to_double(gb, t, s.out);
            /* analytic: dx = dz W, dW = dz^T x, db = sum_i dz; tolerance from |dz| sums */
            bad = 0;
            for (size_t i = 0; i < s.n; i++)
                for (size_t k = 0; k < s.in && bad < 3; k++) {
                    double want = 0, m = 0;
                    for (size_t j = 0; j < s.out; j++) {
                        want += dz[i * s.out + j] * w[j * s.in + k];
                        m += fabs(dz[i * s.out + j] * w[j * s.in + k]);
                    }
                    double tol = (rel + 2 * (double)(s.out + 2) * eps) * m + abs_tol;
                    if (!close_to(dgx[i * s.in + k], want, tol)) {
                        bad++;
                        CHECK(false, "%s %s dx[%zu,%zu] %.9g want %.9g", id, act ? act : "none", i, k, dgx[i * s.in + k], want);
                    }
                }
            for (size_t j = 0; j < s.out; j++) {
                double sb = 0, mb = 0;
                for (size_t k = 0; k < s.in && bad < 6; k++) {
                    double want = 0, m = 0;
                    for (size_t i = 0; i < s.n; i++) {
                        want += dz[i * s.out + j] * x[i * s.in + k];
                        m += fabs(dz[i * s.out + j] * x[i * s.in + k]);
                    }
                    double tol = (rel + 2 * (double)(s.n + 2) * eps) * m + abs_tol;
                    if (!close_to(dgw[j * s.in + k], want, tol)) {
                        bad++;
                        CHECK(false, "%s %s dW[%zu,%zu] %.9g want %.9g", id, act ? act : "none", j, k, dgw[j * s.in + k], want);
                    }
                }
                for (size_t i = 0; i < s.n; i++) {
                    sb += dz[i * s.out + j];
                    mb += fabs(dz[i * s.out + j]);
                }
                double want = s.n ? sb : 0.0;
                if (bias && !close_to(dgb[j], want, (rel + 2 * (double)(s.n + 2) * eps) * mb + abs_tol) && bad < 9) {
                    bad++;
                    CHECK(false, "%s %s db[%zu] %.9g want %.9g", id, act ? act : "none", j, dgb[j], want);
                }
            }
            if (prelu) {
                /* dL/dslope[j] = sum_i (z > 0 ? 0 : z * g), from the exact z of the reference */
                double *dgs = to_double(gs, t, s.out);
                for (size_t j = 0; j < s.out && bad < 12; j++) {
                    double want = 0, m = 0;
                    for (size_t i = 0; i < s.n; i++) {
                        double v = z[i * s.out + j];
                        if (!(v > 0)) {
                            want += v * g[i * s.out + j];
                            m += fabs(v * g[i * s.out + j]);
                        }
                    }
                    double tol = (rel + 2 * (double)(s.n + 2) * eps) * m + abs_tol;
                    if (!close_to(dgs[j], want, tol)) {
                        bad++;
                        CHECK(false, "%s %s prelu n=%zu in=%zu out=%zu bias=%d dslope[%zu] (slope %g) %.9g want %.9g", id,
                              clrelu_dtype_name(t), s.n, s.in, s.out, bias, j, sl[j], dgs[j], want);
                    }
                }
                free(dgs);
                /* without dL/dslope: the same dx, bit for bit, and the slope buffer untouched */
                void *gx2 = malloc(nx * es + 1), *gs2 = malloc(s.out * es);
                memset(gs2, 0x55, s.out * es);
                clrelu_dense_args nb = bw;
                nb.grad_x = gx2;
                nb.grad_w = NULL;
                nb.grad_b = NULL;
                nb.grad_act_weight = NULL;
                st = clrelu_dense_backward(ctx, dev, &nb);
                CHECK(st == CLRELU_OK, "%s prelu backward without grad_act_weight: %s", id, clrelu_last_error());
                CHECK(st != CLRELU_OK || memcmp(gx2, gx, nx * es) == 0, "%s prelu n=%zu in=%zu out=%zu: dx differs without dslope",
                      id, s.n, s.in, s.out);
                /* dL/dslope alone: the same values */
                nb.grad_x = NULL;
                nb.grad_act_weight = gs2;
                st = clrelu_dense_backward(ctx, dev, &nb);
                CHECK(st == CLRELU_OK, "%s prelu backward with grad_act_weight only: %s", id, clrelu_last_error());
                CHECK(st != CLRELU_OK || memcmp(gs2, gs, s.out * es) == 0,
                      "%s prelu n=%zu in=%zu out=%zu: dslope alone differs from dslope with the other gradients", id, s.n, s.in,
                      s.out);
                free(gx2);
                free(gs2);
            }
            if (!bad)
                CHECK(true, "backward ok");
            free(dgx);
            free(dgw);
            free(dgb);
        }
        free(gx);
        free(gw);
        free(gb);
        free(gs);
    }
    free(x), free(w), free(b), free(sl), free(g), free(z), free(y), free(dz), free(mag);
    free(tx), free(tw), free(tb), free(tsl), free(tg), free(ty), free(tpre);
}

static void expect_status(clrelu_status got, clrelu_status want, const char *what, const char *needle)
{
    CHECK(got == want, "%s: got %s, want %s (%s)", what, clrelu_status_name(got), clrelu_status_name(want),
          clrelu_last_error());
    if (needle)
        CHECK(strstr(clrelu_last_error(), needle) != NULL, "%s: message '%s' mentions '%s'", what, clrelu_last_error(), needle);
}

/* Argument checks: every refusal carries a message. */
static void validation(clrelu_context *ctx, const clrelu_device *dev)
{
    float x[6] = {1, 2, 3, 4, 5, 6}, w[6] = {1, 0, 0, 0, 1, 0}, y[4];
    clrelu_dense_args a = {.dtype = CLRELU_F32, .n = 2, .in = 3, .out = 2, .x = x, .w = w, .y = y, .act = "relu"};
    expect_status(clrelu_dense_forward(ctx, dev, &a), CLRELU_OK, "valid call", NULL);
    CHECK(y[0] == 1 && y[1] == 2 && y[2] == 4 && y[3] == 5, "identity-like W picks columns: %g %g %g %g", (double)y[0],
          (double)y[1], (double)y[2], (double)y[3]);
    clrelu_dense_args b = a;
    b.in = 0;
    expect_status(clrelu_dense_forward(ctx, dev, &b), CLRELU_ERR_INVALID_ARG, "in = 0", "in");
    b = a;
    b.act = "reluu";
    expect_status(clrelu_dense_forward(ctx, dev, &b), CLRELU_ERR_NOT_FOUND, "unknown activation", "reluu");
    b = a;
    b.act = "hardtanh";
    double bad_p[2] = {1.0, -1.0};
    b.params = bad_p;
    expect_status(clrelu_dense_forward(ctx, dev, &b), CLRELU_ERR_INVALID_ARG, "hardtanh min > max", NULL);
    b = a;
    b.act = "prelu";
    expect_status(clrelu_dense_forward(ctx, dev, &b), CLRELU_ERR_INVALID_ARG, "prelu without slopes", "slope");
    /* prelu backward: x W^T = [[1, 2], [4, 5]] is positive, so dz = g and dslope = 0 */
    float sl[2] = {0.5f, -0.25f}, g[4] = {1, 2, 3, 4}, dx[6], ds[2] = {7, 7};
    b.act_weight = sl;
    b.grad_y = g;
    b.grad_x = dx;
    b.grad_act_weight = ds;
    expect_status(clrelu_dense_backward(ctx, dev, &b), CLRELU_OK, "prelu backward", NULL);
    CHECK(dx[0] == 1 && dx[1] == 2 && dx[2] == 0 && dx[3] == 3 && dx[4] == 4 && dx[5] == 0 && ds[0] == 0 && ds[1] == 0,
          "prelu backward, positive z: dx %g %g %g / %g %g %g, dslope %g %g", (double)dx[0], (double)dx[1], (double)dx[2],
          (double)dx[3], (double)dx[4], (double)dx[5], (double)ds[0], (double)ds[1]);
    b.act = "leaky_relu";
    expect_status(clrelu_dense_backward(ctx, dev, &b), CLRELU_ERR_INVALID_ARG, "grad_act_weight without prelu",
                  "grad_act_weight");
    b.act = NULL;
    expect_status(clrelu_dense_backward(ctx, dev, &b), CLRELU_ERR_INVALID_ARG, "grad_act_weight with identity", "prelu");
    b.act = "prelu";
    b.grad_act_weight = NULL;
    b.act_weight = NULL;
    expect_status(clrelu_dense_backward(ctx, dev, &b), CLRELU_ERR_INVALID_ARG, "prelu backward without slopes", "slope");
    b = a;
    b.y = NULL;
    expect_status(clrelu_dense_forward(ctx, dev, &b), CLRELU_ERR_INVALID_ARG, "y NULL", NULL);
    b = a;
    b.n = 0;
    b.x = NULL;
    b.y = NULL;
    expect_status(clrelu_dense_forward(ctx, dev, &b), CLRELU_OK, "empty batch with NULL x/y", NULL);
    float gw[6], gb[2];
    memset(gw, 0x7f, sizeof gw);
    memset(gb, 0x7f, sizeof gb);
    b.grad_w = gw;
    b.grad_b = gb;
    b.grad_y = NULL;
    expect_status(clrelu_dense_backward(ctx, dev, &b), CLRELU_OK, "empty batch backward", NULL);
    CHECK(gw[0] == 0 && gw[5] == 0 && gb[0] == 0 && gb[1] == 0, "empty batch: zero dW and db");
    float esl[2] = {0.25f, -1}, egs[2] = {7, 7};
    b.act = "prelu";
    b.act_weight = esl;
    b.grad_w = NULL;
    b.grad_b = NULL;
    b.grad_act_weight = egs;
    expect_status(clrelu_dense_backward(ctx, dev, &b), CLRELU_OK, "empty batch prelu backward, dslope only", NULL);
    CHECK(egs[0] == 0 && egs[1] == 0 && !signbit(egs[0]), "empty batch: zero dslope (%g %g)", (double)egs[0], (double)egs[1]);
    expect_status(clrelu_dense_forward(ctx, dev, NULL), CLRELU_ERR_INVALID_ARG, "NULL args", NULL);

    const clrelu_device_info *in = clrelu_device_get_info(dev);
    uint16_t hx[6] = {0x3c00, 0, 0, 0, 0x3c00, 0}, hw[6] = {0x3c00, 0, 0, 0, 0x3c00, 0}, hy[4];
    clrelu_dense_args h = {.dtype = CLRELU_F16, .n = 2, .in = 3, .out = 2, .x = hx, .w = hw, .y = hy, .act = "relu"};
    clrelu_status st = clrelu_dense_forward(ctx, dev, &h);
    if (strcmp(in->backend, "opencl") == 0 && !in->fp16) {
        expect_status(st, CLRELU_ERR_UNSUPPORTED, "float16 without cl_khr_fp16", "cl_khr_fp16");
    } else {
        expect_status(st, CLRELU_OK, "float16", NULL);
        CHECK(hy[0] == 0x3c00 && hy[1] == 0 && hy[2] == 0 && hy[3] == 0x3c00, "float16 result %04x %04x %04x %04x", hy[0],
              hy[1], hy[2], hy[3]);
    }
}

/* Bit-exact prelu backward on a hand-computed layer in dtype t: z hits exactly 0 (dz = slope * g
 * there, as in PyTorch, and the zero adds 0 to dslope), slopes are positive, negative and zero;
 * then a NaN input row: dz = slope * g stays finite (so dx does) while every dslope is NaN. */
static void prelu_exact(clrelu_context *ctx, const clrelu_device *dev, clrelu_dtype t)
{
    const char *id = clrelu_device_get_info(dev)->id, *tn = clrelu_dtype_name(t);
    /* W [3, 2], b [3], slopes [3]; x [2, 2] gives z = [[2, 0, 0.5], [-1, -1.5, -4]] */
    static const double W[6] = {1, 0, 0, 1, 1, 1}, B[3] = {0, 0.5, -1}, A[3] = {0.25, -0.5, 0};
    static const double X[4] = {2, -0.5, -1, -2}, G[6] = {1, 2, -1, 0.5, -1, 4};
    /* dz = [[1, -1, -1], [0.125, 0.5, 0]] */
    static const double DX[4] = {0, -2, 0.125, 0.5}, DW[6] = {1.875, -0.75, -2.5, -0.5, -2, 0.5};
    static const double DB[3] = {1.125, -0.5, -1}, DS[3] = {-0.5, 1.5, -16};
    size_t es = clrelu_dtype_size(t);
    void *x = from_double(X, t, 4), *w = from_double(W, t, 6), *b = from_double(B, t, 3), *sl = from_double(A, t, 3);
    void *g = from_double(G, t, 6), *gx = malloc(4 * es), *gw = malloc(6 * es), *gb = malloc(3 * es), *gs = malloc(3 * es);
    clrelu_dense_args a = {.dtype = t, .n = 2, .in = 2, .out = 3, .x = x, .w = w, .b = b, .act = "prelu", .act_weight = sl,
                           .grad_y = g, .grad_x = gx, .grad_w = gw, .grad_b = gb, .grad_act_weight = gs};
    clrelu_status st = clrelu_dense_backward(ctx, dev, &a);
    CHECK(st == CLRELU_OK, "%s %s prelu exact backward: %s", id, tn, clrelu_last_error());
    if (st == CLRELU_OK) {
        double *dx = to_double(gx, t, 4), *dw = to_double(gw, t, 6), *db = to_double(gb, t, 3), *ds = to_double(gs, t, 3);
        for (int i = 0; i < 4; i++)
            CHECK(dx[i] == DX[i], "%s %s prelu exact dx[%d] %g want %g", id, tn, i, dx[i], DX[i]);
        for (int i = 0; i < 6; i++)
            CHECK(dw[i] == DW[i], "%s %s prelu exact dW[%d] %g want %g", id, tn, i, dw[i], DW[i]);
        for (int j = 0; j < 3; j++) {
            CHECK(db[j] == DB[j], "%s %s prelu exact db[%d] %g want %g", id, tn, j, db[j], DB[j]);
            CHECK(ds[j] == DS[j], "%s %s prelu exact dslope[%d] %g want %g", id, tn, j, ds[j], DS[j]);
        }
        free(dx), free(dw), free(db), free(ds);
    }

    /* x = [NaN, 1]: z is NaN in every unit; dz = slope * g = [0.25, -1, -0] */
    static const double XN[2] = {NAN, 1};
    void *xn = from_double(XN, t, 2);
    a.n = 1;
    a.x = xn;
    st = clrelu_dense_backward(ctx, dev, &a);
    CHECK(st == CLRELU_OK, "%s %s prelu NaN backward: %s", id, tn, clrelu_last_error());
    if (st == CLRELU_OK) {
        double *dx = to_double(gx, t, 2), *dw = to_double(gw, t, 6), *db = to_double(gb, t, 3), *ds = to_double(gs, t, 3);
        CHECK(dx[0] == 0.25 && dx[1] == -1, "%s %s prelu NaN row: dx %g %g want 0.25 -1", id, tn, dx[0], dx[1]);
        static const double DBN[3] = {0.25, -1, 0};
        for (int j = 0; j < 3; j++) {
            CHECK(isnan(ds[j]), "%s %s prelu NaN row: dslope[%d] %g want NaN", id, tn, j, ds[j]);
            CHECK(db[j] == DBN[j], "%s %s prelu NaN row: db[%d] %g want %g", id, tn, j, db[j], DBN[j]);
            CHECK(isnan(dw[2 * j]) && dw[2 * j + 1] == DBN[j], "%s %s prelu NaN row: dW[%d] %g %g want NaN %g", id, tn, j,
                  dw[2 * j], dw[2 * j + 1], DBN[j]);
        }
        free(dx), free(dw), free(db), free(ds);
    }
    free(x), free(w), free(b), free(sl), free(g), free(gx), free(gw), free(gb), free(gs), free(xn);
}

/* The quick run (tests/oclgrind/quick.h) keeps the layers of up to this many multiply-adds. */
#define QUICK_MAX_MACS 40000

static bool wanted(shape s, bool quick) { return !quick || s.n * s.in * s.out <= QUICK_MAX_MACS; }

int main(void)
{
    bool quick = test_quick();
    clrelu_context *ctx = check_context(NULL);
    static const shape shapes[] = {{1, 1, 1}, {1, 7, 3}, {3, 1, 5},   {5, 9, 1},  {0, 4, 3},
                                   {17, 33, 65}, {33, 67, 129}, {64, 128, 96}, {2, 300, 7}};
    static const shape big[] = {{1, 1, 1}, {17, 33, 65}, {65, 257, 33}, {4, 300, 9}};
    for (int d = 0; d < clrelu_device_count(ctx); d++) {
        const clrelu_device *dev = clrelu_device_at(ctx, d);
        const clrelu_device_info *in = clrelu_device_get_info(dev);
        printf("test_dense: %s (%s)\n", in->id, in->name);
        validation(ctx, dev);
        bool opencl = strcmp(in->backend, "opencl") == 0;
        for (int t = 0; t < CLRELU_DTYPE_COUNT; t++) {
            clrelu_dtype dt = (clrelu_dtype)t;
            /* OpenCL GEMMs: no bfloat16, float16 only with cl_khr_fp16 (validation checks the refusal) */
            if (in->dtype_supported[dt] && !(opencl && (dt == CLRELU_BF16 || (dt == CLRELU_F16 && !in->fp16))))
                prelu_exact(ctx, dev, dt);
        }
        for (int t = 0; t < CLRELU_DTYPE_COUNT; t++) {
            clrelu_dtype dt = (clrelu_dtype)t;
            if (dt == CLRELU_F16 || dt == CLRELU_BF16 || !in->dtype_supported[dt])
                continue;
            /* every activation (and none) on a few shapes; every shape with relu, with and without bias */
            for (int o = -1; o < clrelu_op_count(); o++) {
                const char *act = o < 0 ? NULL : clrelu_op_get(o)->name;
                one_case(ctx, dev, dt, shapes[1], act, true, true);
                one_case(ctx, dev, dt, shapes[5], act, o % 2 == 0, true);
            }
            for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
                if (!wanted(shapes[s], quick))
                    continue;
                one_case(ctx, dev, dt, shapes[s], "relu", true, true);
                one_case(ctx, dev, dt, shapes[s], "leaky_relu", false, true);
                one_case(ctx, dev, dt, shapes[s], "prelu", s % 2 == 0, true);
                one_case(ctx, dev, dt, shapes[s], "prelu", s % 2 != 0, true);
            }
            for (size_t s = 0; s < sizeof big / sizeof big[0]; s++)
                if (wanted(big[s], quick))
                    one_case(ctx, dev, dt, big[s], "relu", true, false);
        }
    }
    clrelu_context_destroy(ctx);
    return check_summary("test_dense");
}
