/* test_dtype.c: dtype names, parsing, sizes, float16/bfloat16 rounding and clrelu_convert between all pairs. */
#include "core/backend.h"
#include "check.h"
#include "ref_compare.h"

#include <float.h>
#include <math.h>
#include <string.h>

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

static void names_parse_sizes(void)
{
    CHECK(strcmp(clrelu_dtype_name(CLRELU_F32), "float32") == 0, "f32 name");
    CHECK(strcmp(clrelu_dtype_name(CLRELU_F16), "float16") == 0, "f16 name");
    CHECK(strcmp(clrelu_dtype_name(CLRELU_BF16), "bfloat16") == 0, "bf16 name");
    CHECK(strcmp(clrelu_dtype_name(CLRELU_F64), "float64") == 0, "f64 name");
    CHECK(clrelu_dtype_size(CLRELU_F32) == 4 && clrelu_dtype_size(CLRELU_F16) == 2 &&
              clrelu_dtype_size(CLRELU_BF16) == 2 && clrelu_dtype_size(CLRELU_F64) == 8,
          "dtype sizes");
    static const struct {
        const char *s;
        clrelu_dtype t;
    } good[] = {
        {"float32", CLRELU_F32}, {"fp32", CLRELU_F32},   {"f32", CLRELU_F32},      {"FP32", CLRELU_F32},
        {"float", CLRELU_F32},   {"float16", CLRELU_F16}, {"half", CLRELU_F16},    {"fp16", CLRELU_F16},
        {"f16", CLRELU_F16},     {"FP16", CLRELU_F16},    {"bfloat16", CLRELU_BF16}, {"bf16", CLRELU_BF16},
        {"BF16", CLRELU_BF16},   {"float64", CLRELU_F64}, {"fp64", CLRELU_F64},    {"f64", CLRELU_F64},
        {"double", CLRELU_F64},  {"FP64", CLRELU_F64},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        clrelu_dtype t = CLRELU_DTYPE_COUNT;
        CHECK_OK(clrelu_dtype_parse(good[i].s, &t));
        CHECK(t == good[i].t, "parse %s gave %d", good[i].s, (int)t);
    }
    for (int t = 0; t < CLRELU_DTYPE_COUNT; t++) {
        clrelu_dtype back = CLRELU_DTYPE_COUNT;
        CHECK_OK(clrelu_dtype_parse(clrelu_dtype_name((clrelu_dtype)t), &back));
        CHECK(back == (clrelu_dtype)t, "name/parse round trip of %d", t);
    }
    static const char *const bad[] = {"int8", "", "float8", "fp", "float32 ", "bfloat"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        clrelu_dtype t;
        CHECK(clrelu_dtype_parse(bad[i], &t) == CLRELU_ERR_INVALID_ARG, "'%s' must be rejected", bad[i]);
        CHECK(strstr(clrelu_last_error(), "dtype") != NULL, "message for '%s': %s", bad[i], clrelu_last_error());
    }
    clrelu_dtype t;
    CHECK(clrelu_dtype_parse(NULL, &t) == CLRELU_ERR_INVALID_ARG, "NULL name rejected");
}

static void half_known_patterns(void)
{
    static const struct {
        float f;
        uint16_t h;
    } cases[] = {
        {1.0f, 0x3c00},          {-1.0f, 0xbc00},         {0.0f, 0x0000},          {-0.0f, 0x8000},
        {65504.0f, 0x7bff},      {-65504.0f, 0xfbff},     {65519.99f, 0x7bff},     {65520.0f, 0x7c00},
        {1e6f, 0x7c00},          {INFINITY, 0x7c00},      {-INFINITY, 0xfc00},     {0x1p-14f, 0x0400},
        {0x1p-24f, 0x0001},      {0x1p-25f, 0x0000},      {0x1.000002p-25f, 0x0001}, {0x1.8p-24f, 0x0002},
        {1023.5f * 0x1p-24f, 0x0400}, {1022.5f * 0x1p-24f, 0x03fe},  {0x1p-26f, 0x0000},      {FLT_MIN, 0x0000},
        {0.1f, 0x2e66},          {2.0f, 0x4000},          {0.5f, 0x3800},          {-2.5f, 0xc100},
        /* ties to even: 1 + 2^-11 lies halfway between 1 and 1 + 2^-10 */
        {1.0f + 0x1p-11f, 0x3c00}, {1.0f + 3 * 0x1p-11f, 0x3c02}, {1.0f + 0x1p-11f + 0x1p-20f, 0x3c01},
        {0x1.5p-24f, 0x0001},    {0x1.4p-23f, 0x0002},    {0x1.cp-23f, 0x0004},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint16_t h = clrelu_float_to_half(cases[i].f);
        CHECK(h == cases[i].h, "float_to_half(%a) = 0x%04x, want 0x%04x", (double)cases[i].f, h, cases[i].h);
    }
    CHECK(clrelu_half_to_float(0x3c00) == 1.0f, "half 1.0");
    CHECK(clrelu_half_to_float(0x7bff) == 65504.0f, "half max");
    CHECK(clrelu_half_to_float(0x0001) == 0x1p-24f, "smallest half subnormal");
    CHECK(clrelu_half_to_float(0x03ff) == 0x3ffp-24f, "largest half subnormal");
    CHECK(fbits(clrelu_half_to_float(0x8000)) == 0x80000000u, "half -0");
    CHECK(isinf(clrelu_half_to_float(0xfc00)) && clrelu_half_to_float(0xfc00) < 0, "half -inf");
    /* NaN stays NaN, quiet, sign kept */
    uint16_t hn = clrelu_float_to_half(bitsf(0xff800001u)); /* signalling NaN, negative */
    CHECK((hn & 0x7c00) == 0x7c00 && (hn & 0x3ff) && (hn & 0x8000) && (hn & 0x0200), "sNaN -> quiet half NaN 0x%04x",
          hn);
    CHECK(clrelu_float_to_half(NAN) == 0x7e00, "float NaN -> 0x7e00, got 0x%04x", clrelu_float_to_half(NAN));
    float fn = clrelu_half_to_float(0xfc01);
    CHECK(isnan(fn) && signbit(fn) && (fbits(fn) & 0x00400000u), "half sNaN -> quiet float NaN 0x%08x", fbits(fn));
}

/* Every half value converts to float and back unchanged (NaNs stay NaN, quieted). */
static void half_round_trip_all(void)
{
    long bad = 0;
    for (uint32_t h = 0; h < 0x10000; h++) {
        float f = clrelu_half_to_float((uint16_t)h);
        uint16_t back = clrelu_float_to_half(f);
        bool nan = (h & 0x7fff) > 0x7c00;
        if (nan ? !(isnan(f) && back == (h | 0x0200)) : back != h)
            bad++;
        /* midpoints to the next value round to even */
        if (!nan && (h & 0x7fff) < 0x7bff) {
            float next = clrelu_half_to_float((uint16_t)(h + 1));
            float mid = (f + next) / 2; /* exact in float */
            uint16_t want = (h & 1) ? (uint16_t)(h + 1) : (uint16_t)h;
            if (clrelu_float_to_half(mid) != want)
                bad++;
        }
    }
    CHECK(bad == 0, "half round trip / tie-to-even over all 65536 patterns: %ld failures", bad);
}

static void bf16_known_patterns(void)
{
    const struct {
        float f;
        uint16_t b;
    } cases[] = {
        {1.0f, 0x3f80},        {-1.0f, 0xbf80},       {0.0f, 0x0000},        {-0.0f, 0x8000},
        {INFINITY, 0x7f80},    {-INFINITY, 0xff80},   {FLT_MAX, 0x7f80},     {-FLT_MAX, 0xff80},
        {3.3895314e38f, 0x7f7f}, {FLT_MIN, 0x0080},   {0x1p-133f, 0x0001},   {0x1p-149f, 0x0000},
        {0x1.01p0f, 0x3f80},      /* 0x3f808000: a tie, the even value stays */
        {0x1.03p0f, 0x3f82},      /* 0x3f818000: a tie, the odd value rounds up */
        {0x1.010002p0f, 0x3f81},  /* 0x3f808001: just above the tie */
        {0x1.ffp-127f, 0x0080},   /* 0x007f8000: largest subnormals round up to FLT_MIN */
        {3.140625f, 0x4049},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint16_t b = clrelu_float_to_bf16(cases[i].f);
        CHECK(b == cases[i].b, "float_to_bf16(%a) = 0x%04x, want 0x%04x", (double)cases[i].f, b, cases[i].b);
    }
    uint16_t bn = clrelu_float_to_bf16(bitsf(0xff800001u));
    CHECK((bn & 0x7f80) == 0x7f80 && (bn & 0x7f) && (bn & 0x8000), "sNaN with low payload stays NaN: 0x%04x", bn);
    CHECK(clrelu_float_to_bf16(NAN) == 0x7fc0, "NaN -> 0x7fc0");
    long bad = 0;
    for (uint32_t b = 0; b < 0x10000; b++) {
        float f = clrelu_bf16_to_float((uint16_t)b);
        bool nan = (b & 0x7fff) > 0x7f80;
        uint16_t back = clrelu_float_to_bf16(f);
        if (nan ? !(isnan(f) && back == (b | 0x40)) : (back != b || fbits(f) != b << 16))
            bad++;
    }
    CHECK(bad == 0, "bf16 round trip over all 65536 patterns: %ld failures", bad);
}

/* Values that exercise each dtype's edges, converted between every pair of dtypes. */
static void convert_pairs(void)
{
    static const double vals[] = {0.0, -0.0, 1.0, -1.0, 0.1, 65504.0, 65520.0, 1e10, -3.5, 0x1p-24, 0x1p-30,
                                  INFINITY, -INFINITY, NAN, 1.0 + 0x1p-11, 3.0e38, 1e300, 0x1p-140};
    size_t n = sizeof vals / sizeof vals[0];
    for (int s = 0; s < CLRELU_DTYPE_COUNT; s++) {
        void *src = ref_alloc((clrelu_dtype)s, n);
        clrelu_convert(vals, CLRELU_F64, src, (clrelu_dtype)s, n);
        for (int d = 0; d < CLRELU_DTYPE_COUNT; d++) {
            void *dst = ref_alloc((clrelu_dtype)d, n);
            clrelu_convert(src, (clrelu_dtype)s, dst, (clrelu_dtype)d, n);
            long bad = 0;
            for (size_t i = 0; i < n; i++) {
                double v = ref_get(src, (clrelu_dtype)s, i);
                /* expected: double -> float -> storage (float64 keeps the double) */
                double want;
                if (d == CLRELU_F64)
                    want = v;
                else if (d == CLRELU_F32)
                    want = (float)v;
                else if (d == CLRELU_F16)
                    want = clrelu_half_to_float(clrelu_float_to_half((float)v));
                else
                    want = clrelu_bf16_to_float(clrelu_float_to_bf16((float)v));
                double got = ref_get(dst, (clrelu_dtype)d, i);
                bool ok = isnan(want) ? isnan(got) : (got == want && signbit(got) == signbit(want));
                if (!ok) {
                    bad++;
                    fprintf(stderr, "convert %s->%s [%zu]: %.17g -> %.17g, want %.17g\n",
                            clrelu_dtype_name((clrelu_dtype)s), clrelu_dtype_name((clrelu_dtype)d), i, v, got, want);
                }
            }
            CHECK(bad == 0, "convert %s -> %s", clrelu_dtype_name((clrelu_dtype)s), clrelu_dtype_name((clrelu_dtype)d));
            free(dst);
        }
        /* same pointer, same dtype: a no-op */
        void *copy = ref_alloc((clrelu_dtype)s, n);
        memcpy(copy, src, n * clrelu_dtype_size((clrelu_dtype)s));
        clrelu_convert(src, (clrelu_dtype)s, src, (clrelu_dtype)s, n);
        CHECK(memcmp(copy, src, n * clrelu_dtype_size((clrelu_dtype)s)) == 0, "in-place same-dtype convert");
        free(copy);
        free(src);
    }
    /* double -> half rounds to float first: 1 + 2^-11 + 2^-40 rounds to float 1 + 2^-11 (a tie),
     * which then rounds to even 1.0, not to 1 + 2^-10 as a single rounding would. */
    double v = 1.0 + 0x1p-11 + 0x1p-40;
    uint16_t h;
    clrelu_convert(&v, CLRELU_F64, &h, CLRELU_F16, 1);
    CHECK(h == 0x3c00, "double->half goes through float: got 0x%04x", h);
    /* known bit patterns through convert */
    float one = 1.0f;
    uint16_t hb[2];
    clrelu_convert(&one, CLRELU_F32, &hb[0], CLRELU_F16, 1);
    clrelu_convert(&one, CLRELU_F32, &hb[1], CLRELU_BF16, 1);
    CHECK(hb[0] == 0x3c00 && hb[1] == 0x3f80, "1.0 -> 0x%04x half, 0x%04x bf16", hb[0], hb[1]);
}

int main(void)
{
    names_parse_sizes();
    half_known_patterns();
    half_round_trip_all();
    bf16_known_patterns();
    convert_pairs();
    return check_summary("test_dtype");
}
