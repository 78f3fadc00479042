/* test_host_convert16.c: the host loops' vector float16/bfloat16 conversions equal the library's scalar ones, bit for bit, on every instruction set. */
#include "check.h"
#include "host/host_kernels.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const isas[] = {"baseline", "avx2", "avx512", "avx512bf16"};

static uint32_t fbits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float bitsf(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static int is_nan16(clrelu_dtype t, uint16_t b)
{
    return t == CLRELU_F16 ? (b & 0x7fffu) > 0x7c00u : (b & 0x7fffu) > 0x7f80u;
}

/* Every 16-bit pattern widens exactly (a NaN to a NaN of the same sign). */
static void widen_all(const char *isa, clrelu_dtype t)
{
    enum { N = 65536 };
    uint16_t *in = malloc(N * sizeof *in);
    float *out = malloc(N * sizeof *out);
    if (!in || !out)
        exit(1);
    for (uint32_t i = 0; i < N; i++)
        in[i] = (uint16_t)i;
    CHECK(clr_host_convert16(isa, t, in, out, N, true), "%s: no conversions", isa);
    for (uint32_t i = 0; i < N; i++) {
        float want = t == CLRELU_F16 ? clrelu_half_to_float(in[i]) : clrelu_bf16_to_float(in[i]);
        uint32_t g = fbits(out[i]), w = fbits(want);
        int ok = is_nan16(t, in[i]) ? (out[i] != out[i] && (g >> 31) == (w >> 31)) : g == w;
        CHECK(ok, "%s %s widen 0x%04x: got 0x%08x want 0x%08x", isa, clrelu_dtype_name(t), (unsigned)i, g, w);
    }
    free(in);
    free(out);
}

/* Rounding: every sign, exponent and top 6 mantissa bits, times low mantissa bits around every
 * rounding boundary of both formats (exact, just below/at/above the tie, odd and even kept bits),
 * plus the NaN payloads and the overflow edge. */
static void narrow_sweep(const char *isa, clrelu_dtype t)
{
    static const uint32_t lows[] = {0x0, 0x1, 0xfff, 0x1000, 0x1001, 0x1fff, 0x2000, 0x3000, 0x5000,
                                    0x7fff, 0x8000, 0x8001, 0xffff, 0x12345, 0x1ffff, 0x7ffff};
    enum { NLOW = sizeof lows / sizeof lows[0] };
    size_t n = ((size_t)1 << 15) * NLOW;
    float *in = malloc(n * sizeof *in);
    uint16_t *out = malloc(n * sizeof *out);
    if (!in || !out)
        exit(1);
    size_t k = 0;
    for (uint32_t hi = 0; hi < (1u << 15); hi++) /* sign, 8 exponent bits, top 6 mantissa bits */
        for (int l = 0; l < NLOW; l++)
            in[k++] = bitsf((hi << 17) | (lows[l] & 0x1ffffu));
    CHECK(clr_host_convert16(isa, t, in, out, n, false), "%s: no conversions", isa);
    long bad = 0;
    for (size_t i = 0; i < n; i++) {
        uint16_t want = t == CLRELU_F16 ? clrelu_float_to_half(in[i]) : clrelu_float_to_bf16(in[i]);
        if (out[i] != want && bad++ < 10)
            CHECK(0, "%s %s round 0x%08x: got 0x%04x want 0x%04x", isa, clrelu_dtype_name(t), fbits(in[i]),
                  out[i], want);
    }
    CHECK(bad == 0, "%s %s: %ld roundings differ", isa, clrelu_dtype_name(t), bad);
    free(in);
    free(out);
}

int main(void)
{
    int ran = 0;
    for (size_t i = 0; i < sizeof isas / sizeof isas[0]; i++) {
        if (!clr_host_kernel_isa_available(isas[i])) {
            printf("test_host_convert16: no '%s' loops on this CPU or build; not tested\n", isas[i]);
            continue;
        }
        ran++;
        printf("test_host_convert16: %s\n", isas[i]);
        widen_all(isas[i], CLRELU_F16);
        widen_all(isas[i], CLRELU_BF16);
        narrow_sweep(isas[i], CLRELU_F16);
        narrow_sweep(isas[i], CLRELU_BF16);
    }
    CHECK(ran > 0, "no instruction set tested");
    return check_summary("test_host_convert16");
}
