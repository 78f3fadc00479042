/* ops.h: the one table of ops (public descriptor + reference math + kernel name) that everything reads. */
#ifndef CLRELU_OPS_H
#define CLRELU_OPS_H

#include "clrelu.h"
#include "clrelu_tune.h"

typedef enum {
    OP_RELU = 0, OP_LEAKY_RELU, OP_RELU6, OP_HARDTANH, OP_ELU, OP_SELU, OP_GELU, OP_GELU_TANH,
    OP_SILU, OP_SOFTPLUS, OP_SIGMOID, OP_TANH, OP_PRELU,
    OP_COUNT
} op_id;

/* Reference math in double precision. p holds the op's parameters (already rounded to the
 * compute type); for prelu p[0] is the element's channel slope. Backward takes the forward
 * input x and upstream gradient g and returns dL/dx. */
typedef double (*ref_forward_fn)(double x, const double *p);
typedef double (*ref_backward_fn)(double x, double g, const double *p);

struct op_entry {
    clrelu_op_desc desc;        /* first member: public pointers point here */
    op_id id;
    ref_forward_fn forward;
    ref_backward_fn backward;
    const char *kernel;         /* kernel base name: <kernel>_fwd / <kernel>_bwd in kernels/activation.cl */
};

extern const struct op_entry clrelu_ops[OP_COUNT];

const struct op_entry *clr_op_entry_of(const clrelu_op_desc *desc);
/* The op's class for the host crossover (clrelu_tune.h): piecewise-linear or smooth. */
clrelu_op_class clr_op_class(const struct op_entry *op);

/* reference.c */
double clr_ref_relu_fwd(double x, const double *p);
double clr_ref_relu_bwd(double x, double g, const double *p);
double clr_ref_leaky_relu_fwd(double x, const double *p);
double clr_ref_leaky_relu_bwd(double x, double g, const double *p);
double clr_ref_relu6_fwd(double x, const double *p);
double clr_ref_relu6_bwd(double x, double g, const double *p);
double clr_ref_hardtanh_fwd(double x, const double *p);
double clr_ref_hardtanh_bwd(double x, double g, const double *p);
double clr_ref_elu_fwd(double x, const double *p);
double clr_ref_elu_bwd(double x, double g, const double *p);
double clr_ref_selu_fwd(double x, const double *p);
double clr_ref_selu_bwd(double x, double g, const double *p);
double clr_ref_gelu_fwd(double x, const double *p);
double clr_ref_gelu_bwd(double x, double g, const double *p);
double clr_ref_gelu_tanh_fwd(double x, const double *p);
double clr_ref_gelu_tanh_bwd(double x, double g, const double *p);
double clr_ref_silu_fwd(double x, const double *p);
double clr_ref_silu_bwd(double x, double g, const double *p);
double clr_ref_softplus_fwd(double x, const double *p);
double clr_ref_softplus_bwd(double x, double g, const double *p);
double clr_ref_sigmoid_fwd(double x, const double *p);
double clr_ref_sigmoid_bwd(double x, double g, const double *p);
double clr_ref_tanh_fwd(double x, const double *p);
double clr_ref_tanh_bwd(double x, double g, const double *p);
double clr_ref_prelu_fwd(double x, const double *p);
double clr_ref_prelu_bwd(double x, double g, const double *p);

#define SELU_ALPHA 1.6732632423543772848170429916717
#define SELU_SCALE 1.0507009873554804934193349852946
/* the gelu formulas' constants: 1/sqrt 2, 1/sqrt(2 pi), sqrt(2/pi) and the tanh form's cubic
 * coefficient (reference.c, and the float64 vector code in host/host_f64_vec.c) */
#define SQRT1_2 0.70710678118654752440
#define INV_SQRT_2PI 0.39894228040143267794
#define SQRT_2_OVER_PI 0.79788456080286535588
#define GELU_C 0.044715

#endif
