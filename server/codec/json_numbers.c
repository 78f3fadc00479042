/* json_numbers.c: fast exact JSON number codec — Ryu-style shortest float32 printing, Clinger
 * fast-path parsing with a strtod fallback, and a (nested) numeric array parser. */
#include "codec/json_numbers.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- shortest float32 printing (after Ulf Adams, "Ryū", PLDI 2018) ---- */

#define F32_MANT_BITS 23
#define F32_BIAS 127
#define POW5_INV_BITS 59
#define POW5_BITS 61
#define POW5_INV_N 31
#define POW5_N 47

static uint64_t pow5_inv_split[POW5_INV_N];
static uint64_t pow5_split[POW5_N];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

/* Bit length of 5^e (e >= 0), i.e. ceil(log2(5^e)) with 1 for e = 0. */
static int32_t pow5bits(int32_t e)
{
    return (int32_t)(((uint32_t)e * 1217359u) >> 19) + 1;
}

static uint32_t log10_pow2(int32_t e)
{
    return ((uint32_t)e * 78913u) >> 18;
}

static uint32_t log10_pow5(int32_t e)
{
    return ((uint32_t)e * 732923u) >> 20;
}

/* Fill the two tables of 5^i scaled to 61 significant bits and of 2^k/5^i (floor + 1), computed
 * exactly with 128-bit integers (5^46 < 2^107). */
static void tables_init(void)
{
    unsigned __int128 p = 1;
    for (int i = 0; i < POW5_N; i++) {
        int bl = pow5bits(i);
        pow5_split[i] = (uint64_t)(bl >= POW5_BITS ? p >> (bl - POW5_BITS) : p << (POW5_BITS - bl));
        if (i < POW5_INV_N) {
            int j = bl - 1 + POW5_INV_BITS;
            unsigned __int128 num = j >= 128 ? ~(unsigned __int128)0 : (unsigned __int128)1 << j;
            /* 5^i never divides 2^j, so floor((2^128 - 1) / 5^i) equals floor(2^128 / 5^i). */
            pow5_inv_split[i] = (uint64_t)(num / p) + 1;
        }
        p *= 5;
    }
}

static uint32_t pow5_factor(uint32_t v)
{
    uint32_t n = 0;
    while (v && v % 5 == 0) {
        v /= 5;
        n++;
    }
    return n;
}

static bool multiple_of_pow5(uint32_t v, uint32_t p)
{
    return pow5_factor(v) >= p;
}

static bool multiple_of_pow2(uint32_t v, uint32_t p)
{
    return (v & ((1u << p) - 1)) == 0;
}

static uint32_t mul_shift32(uint32_t m, uint64_t factor, int32_t shift)
{
    uint64_t lo = (uint64_t)m * (uint32_t)factor;
    uint64_t hi = (uint64_t)m * (factor >> 32);
    uint64_t sum = (lo >> 32) + hi;
    return (uint32_t)(sum >> (shift - 32));
}

/* The shortest decimal digits*10^exp inside v's rounding interval, nearest to v (Ryu §3). */
static void f32_shortest(uint32_t ieee_mant, uint32_t ieee_exp, uint32_t *digits, int32_t *exp)
{
    int32_t e2;
    uint32_t m2;
    if (ieee_exp == 0) {
        e2 = 1 - F32_BIAS - F32_MANT_BITS - 2;
        m2 = ieee_mant;
    } else {
        e2 = (int32_t)ieee_exp - F32_BIAS - F32_MANT_BITS - 2;
        m2 = (1u << F32_MANT_BITS) | ieee_mant;
    }
    bool accept_bounds = (m2 & 1) == 0;
    uint32_t mv = 4 * m2, mp = 4 * m2 + 2;
    uint32_t mm_shift = ieee_mant != 0 || ieee_exp <= 1;
    uint32_t mm = 4 * m2 - 1 - mm_shift;

    uint32_t vr, vp, vm;
    int32_t e10;
    bool vm_tz = false, vr_tz = false;
    uint32_t last = 0;
    if (e2 >= 0) {
        uint32_t q = log10_pow2(e2);
        e10 = (int32_t)q;
        int32_t k = POW5_INV_BITS + pow5bits((int32_t)q) - 1;
        int32_t i = -e2 + (int32_t)q + k;
        vr = mul_shift32(mv, pow5_inv_split[q], i);
        vp = mul_shift32(mp, pow5_inv_split[q], i);
        vm = mul_shift32(mm, pow5_inv_split[q], i);
        if (q != 0 && (vp - 1) / 10 <= vm / 10) {
            int32_t l = POW5_INV_BITS + pow5bits((int32_t)(q - 1)) - 1;
            last = mul_shift32(mv, pow5_inv_split[q - 1], -e2 + (int32_t)q - 1 + l) % 10;
        }
        if (q <= 9) {
            if (mv % 5 == 0)
                vr_tz = multiple_of_pow5(mv, q);
            else if (accept_bounds)
                vm_tz = multiple_of_pow5(mm, q);
            else
                vp -= multiple_of_pow5(mp, q);
        }
    } else {
        uint32_t q = log10_pow5(-e2);
        e10 = (int32_t)q + e2;
        int32_t i = -e2 - (int32_t)q;
        int32_t k = pow5bits(i) - POW5_BITS;
        int32_t j = (int32_t)q - k;
        vr = mul_shift32(mv, pow5_split[i], j);
        vp = mul_shift32(mp, pow5_split[i], j);
        vm = mul_shift32(mm, pow5_split[i], j);
        if (q != 0 && (vp - 1) / 10 <= vm / 10) {
            j = (int32_t)q - 1 - (pow5bits(i + 1) - POW5_BITS);
            last = mul_shift32(mv, pow5_split[i + 1], j) % 10;
        }
        if (q <= 1) {
            vr_tz = true;
            if (accept_bounds)
                vm_tz = mm_shift == 1;
            else
                --vp;
        } else if (q < 31) {
            vr_tz = multiple_of_pow2(mv, q - 1);
        }
    }

    int32_t removed = 0;
    uint32_t output;
    if (vm_tz || vr_tz) {
        while (vp / 10 > vm / 10) {
            vm_tz &= vm % 10 == 0;
            vr_tz &= last == 0;
            last = vr % 10;
            vr /= 10;
            vp /= 10;
            vm /= 10;
            ++removed;
        }
        if (vm_tz) {
            while (vm % 10 == 0) {
                vr_tz &= last == 0;
                last = vr % 10;
                vr /= 10;
                vp /= 10;
                vm /= 10;
                ++removed;
            }
        }
        if (vr_tz && last == 5 && vr % 2 == 0)
            last = 4; /* exactly ...5000: round half to even */
        output = vr + ((vr == vm && (!accept_bounds || !vm_tz)) || last >= 5);
    } else {
        while (vp / 10 > vm / 10) {
            last = vr % 10;
            vr /= 10;
            vp /= 10;
            vm /= 10;
            ++removed;
        }
        output = vr + (vr == vm || last >= 5);
    }
    *digits = output;
    *exp = e10 + removed;
}

/* Format sign, the decimal digits (no leading zeros) and exponent: value = digits * 10^exp. */
static size_t format_decimal(char *out, bool neg, uint64_t digits, int32_t exp)
{
    char d[20];
    int n = 0;
    do {
        d[19 - n++] = (char)('0' + digits % 10);
        digits /= 10;
    } while (digits);
    const char *s = d + 20 - n;
    int32_t x = exp + n - 1; /* scientific exponent */
    size_t o = 0;
    if (neg)
        out[o++] = '-';
    if (x > -7 && x < 21) {
        if (exp >= 0) {
            memcpy(out + o, s, (size_t)n);
            o += (size_t)n;
            memset(out + o, '0', (size_t)exp);
            o += (size_t)exp;
        } else if (x >= 0) {
            memcpy(out + o, s, (size_t)x + 1);
            o += (size_t)x + 1;
            out[o++] = '.';
            memcpy(out + o, s + x + 1, (size_t)(n - x - 1));
            o += (size_t)(n - x - 1);
        } else {
            out[o++] = '0';
            out[o++] = '.';
            memset(out + o, '0', (size_t)(-x - 1));
            o += (size_t)(-x - 1);
            memcpy(out + o, s, (size_t)n);
            o += (size_t)n;
        }
        return o;
    }
    out[o++] = s[0];
    if (n > 1) {
        out[o++] = '.';
        memcpy(out + o, s + 1, (size_t)n - 1);
        o += (size_t)n - 1;
    }
    out[o++] = 'e';
    if (x < 0) {
        out[o++] = '-';
        x = -x;
    }
    if (x >= 100)
        out[o++] = (char)('0' + x / 100);
    if (x >= 10)
        out[o++] = (char)('0' + x / 10 % 10);
    out[o++] = (char)('0' + x % 10);
    return o;
}

size_t jnum_print_f32(char *out, float v)
{
    pthread_once(&tables_once, tables_init);
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    bool neg = bits >> 31;
    uint32_t ieee_exp = (bits >> F32_MANT_BITS) & 0xffu;
    uint32_t ieee_mant = bits & ((1u << F32_MANT_BITS) - 1);
    if (ieee_exp == 0 && ieee_mant == 0) {
        size_t o = 0;
        if (neg)
            out[o++] = '-';
        out[o++] = '0';
        return o;
    }
    uint32_t digits;
    int32_t exp;
    f32_shortest(ieee_mant, ieee_exp, &digits, &exp);
    return format_decimal(out, neg, digits, exp);
}

size_t jnum_print_f64(char *out, double v)
{
    char tmp[JNUM_MAX_CHARS + 8];
    int len = 0;
    for (int p = 15; p <= 17; p++) {
        len = snprintf(tmp, sizeof tmp, "%.*g", p, v);
        double back;
        if (len > 0 && jnum_parse(tmp, tmp + len, &back) == tmp + len && back == v)
            break;
    }
    memcpy(out, tmp, (size_t)len);
    return (size_t)len;
}

/* ---- parsing ---- */

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* strtod on a NUL-terminated copy of [s, e): the exact answer for the rare inputs the fast path
 * does not cover. */
static bool slow_strtod(const char *s, const char *e, double *out)
{
    size_t n = (size_t)(e - s);
    char small[64];
    char *c = n < sizeof small ? small : malloc(n + 1);
    if (!c)
        return false;
    memcpy(c, s, n);
    c[n] = '\0';
    *out = strtod(c, NULL);
    if (c != small)
        free(c);
    return true;
}

/* 17..19-digit mantissas (what printing a double with repr gives, e.g. numpy float32 data
 * through Python's json) with |exp10| <= 27: x87 extended precision holds m and 10^|exp10|
 * exactly, so the product or quotient is rounded once to 64 bits. Rounding that to a double is
 * then correct unless the 64-bit result lies within one unit of a double halfway point (low 11
 * bits 0x3ff..0x401): the exact value is within half a unit of it, so it sits on the same side
 * of every halfway point. Those rare cases, and platforms without the 64-bit format, say false. */
static bool extended_path(uint64_t m, int64_t exp10, double *out)
{
#if LDBL_MANT_DIG == 64
    static const long double p10[28] = {1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,
                                        1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L,
                                        1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};
    if (exp10 < -27 || exp10 > 27)
        return false;
    long double x = (long double)m;
    x = exp10 < 0 ? x / p10[-exp10] : x * p10[exp10];
    uint64_t mant;
    memcpy(&mant, &x, sizeof mant);
    uint64_t low = mant & 0x7ffu;
    if (low >= 0x3ffu && low <= 0x401u)
        return false;
    *out = (double)x;
    return true;
#else
    (void)m;
    (void)exp10;
    (void)out;
    return false;
#endif
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Up to 19 significant digits go into a 64-bit mantissa; when it holds at most 2^53 and the
 * decimal exponent is small, one correctly rounded multiply or divide by an exact power of ten
 * gives the correctly rounded result (Clinger 1990). Anything else goes to strtod. */
const char *jnum_parse(const char *p, const char *end, double *out)
{
    const char *start = p;
    bool neg = false;
    if (p < end && *p == '-') {
        neg = true;
        p++;
    }
    if (p >= end)
        return NULL;
    uint64_t m = 0;
    int digits = 0;
    int64_t exp10 = 0;
    bool truncated = false;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        for (; p < end && is_digit(*p); p++) {
            if (digits < 19) {
                m = m * 10 + (uint64_t)(*p - '0');
                digits++;
            } else {
                exp10++;
                truncated |= *p != '0';
            }
        }
    } else {
        return NULL;
    }
    if (p < end && *p == '.') {
        const char *f = ++p;
        for (; p < end && is_digit(*p); p++) {
            if (m == 0 && *p == '0') {
                exp10--;
            } else if (digits < 19) {
                m = m * 10 + (uint64_t)(*p - '0');
                digits++;
                exp10--;
            } else {
                truncated |= *p != '0';
            }
        }
        if (p == f)
            return NULL;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        bool eneg = false;
        if (p < end && (*p == '+' || *p == '-'))
            eneg = *p++ == '-';
        const char *f = p;
        int64_t e = 0;
        for (; p < end && is_digit(*p); p++)
            if (e < 1000000)
                e = e * 10 + (*p - '0');
        if (p == f)
            return NULL;
        exp10 += eneg ? -e : e;
    }
    if (m == 0) {
        *out = neg ? -0.0 : 0.0;
        return p;
    }
    if (!truncated && m <= (1ull << 53)) {
        double d = (double)m;
        bool fast = true;
        if (exp10 >= 0 && exp10 <= 22) {
            d *= pow10_exact[exp10];
        } else if (exp10 < 0 && exp10 >= -22) {
            d /= pow10_exact[-exp10];
        } else if (exp10 > 22 && exp10 <= 22 + 15) {
            uint64_t mm = m;
            for (int64_t i = 22; i < exp10 && mm <= (1ull << 53); i++)
                mm *= 10;
            fast = mm <= (1ull << 53);
            d = (double)mm * 1e22;
        } else {
            fast = false;
        }
        if (fast) {
            *out = neg ? -d : d;
            return p;
        }
    }
    double d;
    if (!truncated && extended_path(m, exp10, &d)) {
        *out = neg ? -d : d;
        return p;
    }
    return slow_strtod(start, p, out) ? p : NULL;
}

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    return p;
}

/* A leaf string: one of the NaN/infinity spellings, no escapes. */
static const char *parse_special(const char *p, const char *end, double *out)
{
    static const struct {
        const char *text;
        double value;
    } names[] = {{"NaN", NAN},       {"nan", NAN},    {"Infinity", INFINITY},
                 {"+Infinity", INFINITY},   {"inf", INFINITY},      {"+inf", INFINITY},
                 {"-Infinity", -INFINITY},  {"-inf", -INFINITY}};
    const char *q = p + 1;
    while (q < end && *q != '"' && *q != '\\')
        q++;
    if (q >= end || *q != '"')
        return NULL;
    size_t n = (size_t)(q - p - 1);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strlen(names[i].text) == n && strncasecmp(p + 1, names[i].text, n) == 0) {
            *out = names[i].value;
            return q + 1;
        }
    }
    return NULL;
}

/* A bare token NaN, Infinity or -Infinity (exact case, as Python's json writes them). */
static const char *parse_bare(const char *p, const char *end, double *out)
{
    static const struct {
        const char *text;
        double value;
    } names[] = {{"NaN", NAN}, {"Infinity", INFINITY}, {"-Infinity", -INFINITY}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t n = strlen(names[i].text);
        if ((size_t)(end - p) >= n && memcmp(p, names[i].text, n) == 0) {
            *out = names[i].value;
            return p + n;
        }
    }
    return NULL;
}

static bool push(jnum_array *a, size_t *cap, double v)
{
    if (a->count == *cap) {
        size_t nc = *cap ? *cap * 2 : 256;
        double *nv = realloc(a->vals, nc * sizeof *nv);
        if (!nv)
            return false;
        a->vals = nv;
        *cap = nc;
    }
    a->vals[a->count++] = v;
    return true;
}

/* One pass over the text with an explicit depth counter: the first leaf fixes the rank, the
 * first array closed at each depth fixes that dimension, and every later one must agree. */
const char *jnum_parse_array(const char *p, const char *end, jnum_array *a, const char **err_at)
{
    size_t counts[JNUM_MAX_RANK];
    bool known[JNUM_MAX_RANK] = {false};
    size_t cap = 0;
    int depth = 0;
    memset(a, 0, sizeof *a);
    a->rank = -1;
    *err_at = p;
    if (p >= end || *p != '[')
        goto fail;
    depth = 1;
    counts[0] = 0;
    p++;
    for (;;) {
        /* a value */
        p = skip_ws(p, end);
        if (p >= end)
            goto fail;
        if (*p == '[') {
            if (depth >= JNUM_MAX_RANK || (a->rank >= 0 && depth >= a->rank))
                goto fail;
            counts[depth++] = 0;
            p++;
            continue;
        }
        if (a->rank < 0)
            a->rank = depth;
        else if (depth != a->rank)
            goto fail;
        double v;
        const char *q;
        if (*p == '"') {
            q = parse_special(p, end, &v);
        } else if (*p == 'N' || *p == 'I' || (*p == '-' && end - p > 1 && p[1] == 'I')) {
            q = parse_bare(p, end, &v);
        } else {
            q = jnum_parse(p, end, &v);
            if (q && isinf(v)) /* a literal beyond the double range, such as 1e999 */
                q = NULL;
        }
        if (!q)
            goto fail;
        if (!push(a, &cap, v)) {
            p = NULL;
            goto fail;
        }
        counts[depth - 1]++;
        p = q;
        /* after a value: ',' or one or more ']' */
        for (;;) {
            p = skip_ws(p, end);
            if (p >= end)
                goto fail;
            if (*p == ',') {
                p++;
                break;
            }
            if (*p != ']')
                goto fail;
            size_t c = counts[depth - 1];
            if (known[depth - 1] ? a->shape[depth - 1] != c : c == 0)
                goto fail;
            a->shape[depth - 1] = c;
            known[depth - 1] = true;
            p++;
            if (--depth == 0) {
                *err_at = NULL;
                return p;
            }
            counts[depth - 1]++;
        }
    }
fail:
    *err_at = p;
    free(a->vals);
    a->vals = NULL;
    a->count = 0;
    return NULL;
}
