/* dtype.c: dtype names and sizes, float16/bfloat16 scalar conversion, and bulk conversion between dtypes. */
#include "core/backend.h"

#include <string.h>
#include <strings.h>

static const char *const dtype_names[CLRELU_DTYPE_COUNT] = {
    [CLRELU_F32] = "float32", [CLRELU_F16] = "float16", [CLRELU_BF16] = "bfloat16", [CLRELU_F64] = "float64"};

const char *clrelu_dtype_name(clrelu_dtype t)
{
    return (unsigned)t < CLRELU_DTYPE_COUNT ? dtype_names[t] : "unknown";
}

size_t clrelu_dtype_size(clrelu_dtype t)
{
    switch (t) {
    case CLRELU_F32: return 4;
    case CLRELU_F16: return 2;
    case CLRELU_BF16: return 2;
    case CLRELU_F64: return 8;
    case CLRELU_DTYPE_COUNT: break;
    }
    return 0;
}

/* Accepted spellings (compared case-insensitively): the canonical names plus the usual
 * short forms of numpy, PyTorch and KServe ("fp16", "half", "bf16", "double", ...). */
clrelu_status clrelu_dtype_parse(const char *name, clrelu_dtype *out)
{
    static const struct {
        const char *name;
        clrelu_dtype type;
    } aliases[] = {
        {"float32", CLRELU_F32}, {"fp32", CLRELU_F32},   {"f32", CLRELU_F32},     {"float", CLRELU_F32},
        {"float16", CLRELU_F16}, {"fp16", CLRELU_F16},   {"f16", CLRELU_F16},     {"half", CLRELU_F16},
        {"bfloat16", CLRELU_BF16}, {"bf16", CLRELU_BF16}, {"float64", CLRELU_F64}, {"fp64", CLRELU_F64},
        {"f64", CLRELU_F64},     {"double", CLRELU_F64},
    };
    if (!name || !out)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "dtype_parse: NULL argument");
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcasecmp(name, aliases[i].name) == 0) {
            *out = aliases[i].type;
            return CLRELU_OK;
        }
    return clrelu_set_error(CLRELU_ERR_INVALID_ARG,
                            "unknown dtype '%s' (expected float32, float16, bfloat16 or float64)", name);
}

static uint32_t float_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float bits_float(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* Round-to-nearest-even float -> IEEE binary16. Magnitudes >= 65520 become inf; values below
 * 2^-14 become subnormals (or zero below 2^-25, with 2^-25 itself a tie to even zero); NaN
 * stays a quiet NaN with its sign and the top payload bits. */
uint16_t clrelu_float_to_half(float f)
{
    uint32_t x = float_bits(f);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    uint32_t ax = x & 0x7fffffffu;
    if (ax > 0x7f800000u)
        return (uint16_t)(sign | 0x7e00u | ((ax >> 13) & 0x3ffu));
    if (ax >= 0x477ff000u) /* 65520: halfway between 65504 and 2^16, ties to the even inf */
        return (uint16_t)(sign | 0x7c00u);
    if (ax < 0x38800000u) { /* below 2^-14: a half subnormal, in units of 2^-24 */
        if (ax < 0x33000000u)
            return sign;
        uint32_t e = ax >> 23;
        uint32_t m = (ax & 0x7fffffu) | 0x800000u;
        uint32_t shift = 126u - e; /* 14..24 */
        uint32_t r = m >> shift;
        uint32_t rem = m & ((1u << shift) - 1u);
        uint32_t halfway = 1u << (shift - 1u);
        if (rem > halfway || (rem == halfway && (r & 1u)))
            r++;
        return (uint16_t)(sign | r);
    }
    uint32_t r = (ax >> 13) - ((127u - 15u) << 10);
    uint32_t rem = ax & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (r & 1u)))
        r++; /* a carry into the exponent is the correct next binade */
    return (uint16_t)(sign | r);
}

/* Exact binary16 -> float; a signalling NaN comes back quiet. */
float clrelu_half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t mant = h & 0x3ffu;
    if (exp == 0) {
        float mag = (float)mant * 0x1p-24f; /* exact: mant < 2^10 */
        return bits_float(sign | float_bits(mag));
    }
    if (exp == 31)
        return bits_float(sign | (mant ? 0x7fc00000u | (mant << 13) : 0x7f800000u));
    return bits_float(sign | ((exp + 112u) << 23) | (mant << 13));
}

/* Round-to-nearest-even float -> bfloat16 (the top 16 bits); overflow rounds to inf. */
uint16_t clrelu_float_to_bf16(float f)
{
    uint32_t x = float_bits(f);
    if ((x & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((x >> 16) | 0x0040u);
    x += 0x7fffu + ((x >> 16) & 1u);
    return (uint16_t)(x >> 16);
}

float clrelu_bf16_to_float(uint16_t b)
{
    if ((b & 0x7f80u) == 0x7f80u && (b & 0x7fu))
        b |= 0x0040u;
    return bits_float((uint32_t)b << 16);
}

static double load(const void *p, clrelu_dtype t, size_t i)
{
    switch (t) {
    case CLRELU_F32: return ((const float *)p)[i];
    case CLRELU_F16: return clrelu_half_to_float(((const uint16_t *)p)[i]);
    case CLRELU_BF16: return clrelu_bf16_to_float(((const uint16_t *)p)[i]);
    case CLRELU_F64: return ((const double *)p)[i];
    case CLRELU_DTYPE_COUNT: break;
    }
    return 0.0;
}

/* Narrower types go through float first (the project's rounding policy: compute in float,
 * then store), so double -> half may round twice, exactly as a device does. */
static void store(void *p, clrelu_dtype t, size_t i, double v)
{
    switch (t) {
    case CLRELU_F32: ((float *)p)[i] = (float)v; break;
    case CLRELU_F16: ((uint16_t *)p)[i] = clrelu_float_to_half((float)v); break;
    case CLRELU_BF16: ((uint16_t *)p)[i] = clrelu_float_to_bf16((float)v); break;
    case CLRELU_F64: ((double *)p)[i] = v; break;
    case CLRELU_DTYPE_COUNT: break;
    }
}

void clrelu_convert(const void *src, clrelu_dtype src_type, void *dst, clrelu_dtype dst_type, size_t count)
{
    if (!src || !dst || !count || (unsigned)src_type >= CLRELU_DTYPE_COUNT ||
        (unsigned)dst_type >= CLRELU_DTYPE_COUNT)
        return;
    if (src_type == dst_type) {
        if (src != dst)
            memmove(dst, src, count * clrelu_dtype_size(src_type));
        return;
    }
    for (size_t i = 0; i < count; i++)
        store(dst, dst_type, i, load(src, src_type, i));
}
