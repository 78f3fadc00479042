/* dense.cl: dense-layer epilogues (bias + activation fused into one pass over the GEMM output); compiled after activation.cl, whose storage macros and MATH_* expressions it reuses. */

/* act is the op's index in backend/ops.h's op_id (OP_RELU = 0 ... OP_PRELU = 12); -1 is the
 * identity. The switch is uniform across a launch, so it costs a predictable branch. */
REAL dense_act_fwd(int act, REAL x, REAL p0, REAL p1, REAL slope)
{
    switch (act) {
    case 0: return MATH_relu_fwd(x, p0, p1);
    case 1: return MATH_leaky_relu_fwd(x, p0, p1);
    case 2: return MATH_relu6_fwd(x, p0, p1);
    case 3: return MATH_hardtanh_fwd(x, p0, p1);
    case 4: return MATH_elu_fwd(x, p0, p1);
    case 5: return MATH_selu_fwd(x, p0, p1);
    case 6: return MATH_gelu_fwd(x, p0, p1);
    case 7: return MATH_gelu_tanh_fwd(x, p0, p1);
    case 8: return MATH_silu_fwd(x, p0, p1);
    case 9: return MATH_softplus_fwd(x, p0, p1);
    case 10: return MATH_sigmoid_fwd(x, p0, p1);
    case 11: return MATH_tanh_fwd(x, p0, p1);
    case 12: return MATH_prelu_fwd(x, slope);
    default: return x;
    }
}

REAL dense_act_bwd(int act, REAL x, REAL g, REAL p0, REAL p1, REAL slope)
{
    switch (act) {
    case 0: return MATH_relu_bwd(x, g, p0, p1);
    case 1: return MATH_leaky_relu_bwd(x, g, p0, p1);
    case 2: return MATH_relu6_bwd(x, g, p0, p1);
    case 3: return MATH_hardtanh_bwd(x, g, p0, p1);
    case 4: return MATH_elu_bwd(x, g, p0, p1);
    case 5: return MATH_selu_bwd(x, g, p0, p1);
    case 6: return MATH_gelu_bwd(x, g, p0, p1);
    case 7: return MATH_gelu_tanh_bwd(x, g, p0, p1);
    case 8: return MATH_silu_bwd(x, g, p0, p1);
    case 9: return MATH_softplus_bwd(x, g, p0, p1);
    case 10: return MATH_sigmoid_bwd(x, g, p0, p1);
    case 11: return MATH_tanh_bwd(x, g, p0, p1);
    case 12: return MATH_prelu_bwd(x, g, slope);
    default: return g;
    }
}

#define DENSE_HAS_BIAS 1
#define DENSE_WRITE_PRE 2
#define DENSE_HAS_SLOPE 4

/* Forward epilogue over z [rows, cols] (the GEMM output): v = z + b[col]; y = act(v); when
 * DENSE_WRITE_PRE, z is overwritten with v. y may be the same buffer as z (then no pre). */
kernel void dense_fwd_epilogue(global ST *z, global ST *y, global const ST *b, global const ST *slope, ulong rows,
                               ulong cols, int flags, int act, REAL p0, REAL p1)
{
    ulong n = rows * cols;
    for (ulong i = get_global_id(0); i < n; i += get_global_size(0)) {
        ulong c = i % cols;
        REAL v = LOAD1(i, z);
        if (flags & DENSE_HAS_BIAS)
            v = v + LOAD1(c, b);
        REAL s = (flags & DENSE_HAS_SLOPE) ? LOAD1(c, slope) : ZERO;
        if (flags & DENSE_WRITE_PRE)
            STORE1(v, i, z);
        STORE1(dense_act_fwd(act, v, p0, p1, s), i, y);
    }
}

/* Backward epilogue: z [rows, cols] holds x W^T; overwritten with dz = act'(z + b) * g
 * (prelu, DENSE_HAS_SLOPE: slope[col] is the column's slope). */
kernel void dense_bwd_epilogue(global ST *z, global const ST *g, global const ST *b, global const ST *slope,
                               ulong rows, ulong cols, int flags, int act, REAL p0, REAL p1)
{
    ulong n = rows * cols;
    for (ulong i = get_global_id(0); i < n; i += get_global_size(0)) {
        ulong c = i % cols;
        REAL v = LOAD1(i, z);
        if (flags & DENSE_HAS_BIAS)
            v = v + LOAD1(c, b);
        REAL s = (flags & DENSE_HAS_SLOPE) ? LOAD1(c, slope) : ZERO;
        STORE1(dense_act_bwd(act, v, LOAD1(i, g), p0, p1, s), i, z);
    }
}

/* prelu's dL/dslope, run before dense_bwd_epilogue overwrites z: ds[c] = sum over rows of v * g
 * where v = z + b[c] (rounded as the epilogue rounds it) is not positive — NaN v included, so a
 * NaN makes the column's sum NaN, as in PyTorch. A column reduction like dense_colsum: one
 * work-item per column, products and sum in ACC. */
kernel void dense_slope_grad(global const ST *z, global const ST *g, global const ST *b, global ST *ds, ulong rows,
                             ulong cols, int flags)
{
    for (ulong c = get_global_id(0); c < cols; c += get_global_size(0)) {
        REAL bc = (flags & DENSE_HAS_BIAS) ? LOAD1(c, b) : ZERO;
        ACC acc = 0;
        for (ulong r = 0; r < rows; r++) {
            REAL v = LOAD1(r * cols + c, z);
            if (flags & DENSE_HAS_BIAS)
                v = v + bc;
            if (!(v > ZERO))
                acc += (ACC)v * (ACC)LOAD1(r * cols + c, g);
        }
        STORE1((REAL)acc, c, ds);
    }
}

/* db[c] = sum over rows of dz[r, c], one work-item per column, accumulated in ACC. */
kernel void dense_colsum(global const ST *dz, global ST *db, ulong rows, ulong cols)
{
    for (ulong c = get_global_id(0); c < cols; c += get_global_size(0)) {
        ACC acc = 0;
        for (ulong r = 0; r < rows; r++)
            acc += (ACC)LOAD1(r * cols + c, dz);
        STORE1((REAL)acc, c, db);
    }
}

/* The separate-pass variant measured by bench/dense: bias only (z += b[col]) in its own pass. */
kernel void dense_bias(global ST *z, global const ST *b, ulong rows, ulong cols)
{
    ulong n = rows * cols;
    for (ulong i = get_global_id(0); i < n; i += get_global_size(0))
        STORE1(LOAD1(i, z) + LOAD1(i % cols, b), i, z);
}

/* The separate-pass variant's second pass: the activation alone, in place (z = act(z)). */
kernel void dense_act(global ST *z, ulong n, int act, REAL p0, REAL p1)
{
    for (ulong i = get_global_id(0); i < n; i += get_global_size(0))
        STORE1(dense_act_fwd(act, LOAD1(i, z), p0, p1, ZERO), i, z);
}
