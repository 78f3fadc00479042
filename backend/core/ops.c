/* ops.c: the op table — names, parameters with defaults and ranges, reference math, kernel names. */
#include "core/ops.h"
#include "core/backend.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#define NO_PARAMS .n_params = 0
#define ANY -INFINITY, INFINITY

const struct op_entry clrelu_ops[OP_COUNT] = {
    [OP_RELU] = {{"relu", "Rectified linear unit", "x < 0 ? 0 : x", NO_PARAMS,
                  .bit_exact = true, .flops_per_element = 1},
                 OP_RELU, clr_ref_relu_fwd, clr_ref_relu_bwd, "relu"},
    [OP_LEAKY_RELU] = {{"leaky_relu", "Leaky ReLU", "x > 0 ? x : x * negative_slope", 1,
                        {{"negative_slope", 0.01, ANY, false, false, "slope for x <= 0"}},
                        .bit_exact = true, .flops_per_element = 2},
                       OP_LEAKY_RELU, clr_ref_leaky_relu_fwd, clr_ref_leaky_relu_bwd, "leaky_relu"},
    [OP_RELU6] = {{"relu6", "ReLU clipped at 6 (hardtanh(0, 6))", "min(max(x, 0), 6)", NO_PARAMS,
                   .bit_exact = true, .flops_per_element = 2},
                  OP_RELU6, clr_ref_relu6_fwd, clr_ref_relu6_bwd, "relu6"},
    [OP_HARDTANH] = {{"hardtanh", "Hard tanh: clamp to [min_val, max_val]", "min(max(x, min_val), max_val)", 2,
                      {{"min_val", -1.0, ANY, false, false, "lower bound (must be < max_val)"},
                       {"max_val", 1.0, ANY, false, false, "upper bound (must be > min_val)"}},
                      .bit_exact = true, .flops_per_element = 2},
                     OP_HARDTANH, clr_ref_hardtanh_fwd, clr_ref_hardtanh_bwd, "hardtanh"},
    [OP_ELU] = {{"elu", "Exponential linear unit", "x > 0 ? x : alpha * expm1(x)", 1,
                 {{"alpha", 1.0, 0.0, INFINITY, false, false, "scale of the negative part (>= 0)"}},
                 .flops_per_element = 20},
                OP_ELU, clr_ref_elu_fwd, clr_ref_elu_bwd, "elu"},
    [OP_SELU] = {{"selu", "Scaled ELU (self-normalising, fixed alpha and scale)",
                  "scale * (x > 0 ? x : alpha * expm1(x))", NO_PARAMS, .flops_per_element = 20},
                 OP_SELU, clr_ref_selu_fwd, clr_ref_selu_bwd, "selu"},
    [OP_GELU] = {{"gelu", "Gaussian error linear unit (exact, erf)", "0.5 * x * (1 + erf(x / sqrt(2)))",
                  NO_PARAMS, .flops_per_element = 30},
                 OP_GELU, clr_ref_gelu_fwd, clr_ref_gelu_bwd, "gelu"},
    [OP_GELU_TANH] = {{"gelu_tanh", "GELU, tanh approximation",
                       "0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))", NO_PARAMS,
                       .flops_per_element = 30},
                      OP_GELU_TANH, clr_ref_gelu_tanh_fwd, clr_ref_gelu_tanh_bwd, "gelu_tanh"},
    [OP_SILU] = {{"silu", "Sigmoid linear unit (swish)", "x * sigmoid(x)", NO_PARAMS,
                  .flops_per_element = 20},
                 OP_SILU, clr_ref_silu_fwd, clr_ref_silu_bwd, "silu"},
    [OP_SOFTPLUS] = {{"softplus", "Softplus", "beta * x > threshold ? x : log1p(exp(beta * x)) / beta", 2,
                      {{"beta", 1.0, 0.0, INFINITY, true, false, "sharpness (> 0)"},
                       {"threshold", 20.0, ANY, false, false, "above beta*x > threshold the op is linear"}},
                      .flops_per_element = 30},
                     OP_SOFTPLUS, clr_ref_softplus_fwd, clr_ref_softplus_bwd, "softplus"},
    [OP_SIGMOID] = {{"sigmoid", "Logistic sigmoid", "1 / (1 + exp(-x))", NO_PARAMS,
                     .flops_per_element = 20},
                    OP_SIGMOID, clr_ref_sigmoid_fwd, clr_ref_sigmoid_bwd, "sigmoid"},
    [OP_TANH] = {{"tanh", "Hyperbolic tangent", "tanh(x)", NO_PARAMS, .flops_per_element = 20},
                 OP_TANH, clr_ref_tanh_fwd, clr_ref_tanh_bwd, "tanh"},
    [OP_PRELU] = {{"prelu", "Parametric ReLU: one learned slope per channel (axis 1)",
                   "x > 0 ? x : weight[c] * x", NO_PARAMS, .per_channel = true, .bit_exact = true,
                   .flops_per_element = 2},
                  OP_PRELU, clr_ref_prelu_fwd, clr_ref_prelu_bwd, "prelu"},
};

int clrelu_op_count(void) { return OP_COUNT; }

const clrelu_op_desc *clrelu_op_get(int index)
{
    if (index < 0 || index >= OP_COUNT)
        return NULL;
    return &clrelu_ops[index].desc;
}

const clrelu_op_desc *clrelu_op_find(const char *name)
{
    if (!name)
        return NULL;
    for (int i = 0; i < OP_COUNT; i++)
        if (strcmp(clrelu_ops[i].desc.name, name) == 0)
            return &clrelu_ops[i].desc;
    return NULL;
}

const struct op_entry *clr_op_entry_of(const clrelu_op_desc *desc)
{
    /* desc is the first member of op_entry */
    return (const struct op_entry *)(const void *)desc;
}

clrelu_op_class clr_op_class(const struct op_entry *op)
{
    switch (op->id) {
    case OP_RELU:
    case OP_LEAKY_RELU:
    case OP_RELU6:
    case OP_HARDTANH:
    case OP_PRELU: return CLRELU_OP_CLASS_PIECEWISE;
    default: return CLRELU_OP_CLASS_SMOOTH;
    }
}

int clrelu_op_index(const clrelu_op_desc *op)
{
    return op ? (int)clr_op_entry_of(op)->id : -1;
}

int clrelu_op_param_index(const clrelu_op_desc *op, const char *param)
{
    if (!op || !param)
        return -1;
    for (int i = 0; i < op->n_params; i++)
        if (strcmp(op->params[i].name, param) == 0)
            return i;
    return -1;
}

void clrelu_op_default_params(const clrelu_op_desc *op, double params[CLRELU_MAX_PARAMS])
{
    for (int i = 0; i < CLRELU_MAX_PARAMS; i++)
        params[i] = (op && i < op->n_params) ? op->params[i].default_value : 0.0;
}

/* Parameters must be finite numbers inside the table's range; hardtanh needs min_val < max_val. */
clrelu_status clrelu_op_check_params(const clrelu_op_desc *op, const double params[CLRELU_MAX_PARAMS])
{
    if (!op)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "no op given");
    for (int i = 0; i < op->n_params; i++) {
        const clrelu_param_desc *pd = &op->params[i];
        double v = params[i];
        if (isnan(v) || isinf(v))
            return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "%s: parameter %s must be a finite number",
                                    op->name, pd->name);
        bool low = pd->min_open ? v <= pd->min : v < pd->min;
        bool high = pd->max_open ? v >= pd->max : v > pd->max;
        if (low || high)
            return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "%s: parameter %s=%g is out of range %s%g, %g%s",
                                    op->name, pd->name, v, pd->min_open ? "(" : "[", pd->min, pd->max,
                                    pd->max_open ? ")" : "]");
    }
    if (clr_op_entry_of(op)->id == OP_HARDTANH && !(params[0] < params[1]))
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "hardtanh: min_val (%g) must be less than max_val (%g)",
                                params[0], params[1]);
    return CLRELU_OK;
}
