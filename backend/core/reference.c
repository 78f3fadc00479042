/* reference.c: double-precision reference math for every op, following PyTorch's semantics. */
#include "core/backend.h"

#include <math.h>

/* Comparisons (not fmax/fmin) so NaN propagates; x < 0 keeps -0.0 as -0.0 (PyTorch clamp_min). */
double clr_ref_relu_fwd(double x, const double *p) { (void)p; return x < 0 ? 0.0 : x; }
double clr_ref_relu_bwd(double x, double g, const double *p) { (void)p; return x <= 0 ? 0.0 : g; }

double clr_ref_leaky_relu_fwd(double x, const double *p) { return x > 0 ? x : x * p[0]; }
double clr_ref_leaky_relu_bwd(double x, double g, const double *p) { return x > 0 ? g : g * p[0]; }

static double clamp(double x, double lo, double hi) { return x < lo ? lo : (x > hi ? hi : x); }
static double clamp_grad(double x, double g, double lo, double hi) { return (x <= lo || x >= hi) ? 0.0 : g; }

double clr_ref_relu6_fwd(double x, const double *p) { (void)p; return clamp(x, 0.0, 6.0); }
double clr_ref_relu6_bwd(double x, double g, const double *p) { (void)p; return clamp_grad(x, g, 0.0, 6.0); }
double clr_ref_hardtanh_fwd(double x, const double *p) { return clamp(x, p[0], p[1]); }
double clr_ref_hardtanh_bwd(double x, double g, const double *p) { return clamp_grad(x, g, p[0], p[1]); }

/* PyTorch elu: x <= 0 ? alpha*expm1(x)*scale : x*scale; grad x <= 0 ? g*alpha*scale*exp(x) : g*scale */
static double elu_fwd(double x, double alpha, double scale) { return x <= 0 ? alpha * expm1(x) * scale : x * scale; }
static double elu_bwd(double x, double g, double alpha, double scale)
{
    return x <= 0 ? g * alpha * scale * exp(x) : g * scale;
}
double clr_ref_elu_fwd(double x, const double *p) { return elu_fwd(x, p[0], 1.0); }
double clr_ref_elu_bwd(double x, double g, const double *p) { return elu_bwd(x, g, p[0], 1.0); }
double clr_ref_selu_fwd(double x, const double *p) { (void)p; return elu_fwd(x, SELU_ALPHA, SELU_SCALE); }
double clr_ref_selu_bwd(double x, double g, const double *p) { (void)p; return elu_bwd(x, g, SELU_ALPHA, SELU_SCALE); }

double clr_ref_gelu_fwd(double x, const double *p) { (void)p; return 0.5 * x * erfc(-x * SQRT1_2); }
double clr_ref_gelu_bwd(double x, double g, const double *p)
{
    (void)p;
    double cdf = 0.5 * erfc(-x * SQRT1_2);
    double pdf = INV_SQRT_2PI * exp(-0.5 * x * x);
    return g * (cdf + x * pdf);
}

double clr_ref_gelu_tanh_fwd(double x, const double *p)
{
    (void)p;
    double inner = SQRT_2_OVER_PI * (x + GELU_C * x * x * x);
    return 0.5 * x * (1.0 + tanh(inner));
}
double clr_ref_gelu_tanh_bwd(double x, double g, const double *p)
{
    (void)p;
    double inner = SQRT_2_OVER_PI * (x + GELU_C * x * x * x);
    double t = tanh(inner);
    double dinner = SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_C * x * x);
    return g * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * dinner);
}

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

double clr_ref_silu_fwd(double x, const double *p) { (void)p; return x * sigmoid(x); }
double clr_ref_silu_bwd(double x, double g, const double *p)
{
    (void)p;
    double s = sigmoid(x);
    return g * s * (1.0 + x * (1.0 - s));
}

double clr_ref_softplus_fwd(double x, const double *p)
{
    double bx = x * p[0];
    return bx > p[1] ? x : log1p(exp(bx)) / p[0];
}
double clr_ref_softplus_bwd(double x, double g, const double *p)
{
    double bx = x * p[0];
    return bx > p[1] ? g : g * sigmoid(bx);
}

double clr_ref_sigmoid_fwd(double x, const double *p) { (void)p; return sigmoid(x); }
double clr_ref_sigmoid_bwd(double x, double g, const double *p)
{
    (void)p;
    double y = sigmoid(x);
    return g * y * (1.0 - y);
}

double clr_ref_tanh_fwd(double x, const double *p) { (void)p; return tanh(x); }
double clr_ref_tanh_bwd(double x, double g, const double *p)
{
    (void)p;
    double y = tanh(x);
    return g * (1.0 - y * y);
}

double clr_ref_prelu_fwd(double x, const double *p) { return x > 0 ? x : x * p[0]; }
double clr_ref_prelu_bwd(double x, double g, const double *p) { return x > 0 ? g : g * p[0]; }

/* Blocks of doubles: the reference runs in double whatever the storage type. */
clrelu_status clr_reference_call(const op_call *c)
{
    enum { BLOCK = 512 };
    double x[BLOCK], g[BLOCK], y[BLOCK];
    if (c->op->desc.per_channel)
        return clrelu_set_error(CLRELU_ERR_UNSUPPORTED, "reference: per-channel ops need their slopes");
    size_t es = clrelu_dtype_size(c->dtype);
    for (size_t i = 0; i < c->count; i += BLOCK) {
        size_t n = c->count - i < BLOCK ? c->count - i : BLOCK;
        clrelu_convert((const char *)c->x + i * es, c->dtype, x, CLRELU_F64, n);
        if (c->grad_output)
            clrelu_convert((const char *)c->grad_output + i * es, c->dtype, g, CLRELU_F64, n);
        for (size_t j = 0; j < n; j++)
            y[j] = c->grad_output ? c->op->backward(x[j], g[j], c->params) : c->op->forward(x[j], c->params);
        clrelu_convert(y, CLRELU_F64, (char *)c->y + i * es, c->dtype, n);
    }
    return CLRELU_OK;
}
