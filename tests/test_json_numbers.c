/* test_json_numbers.c: the fast JSON number codec is exact — float32/float64 round trips, strtod
 * equality bit for bit, strict grammar, nested arrays — and tjson_parse keeps cJSON's behaviour. */
#include "check.h"
#include "codec/json_numbers.h"
#include "codec/tensor_json.h"

#include <cjson/cJSON.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t next_u64(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static float f32_of(uint32_t b)
{
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

static uint32_t bits_f32(float f)
{
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

static uint64_t bits_f64(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

/* Significant digits in a %g-style or our own number text. */
static int sig_digits(const char *s)
{
    int n = 0, lead = 1, trailing = 0;
    for (; *s && *s != 'e' && *s != 'E'; s++) {
        if (*s < '0' || *s > '9')
            continue;
        if (lead && *s == '0')
            continue;
        lead = 0;
        n++;
        trailing = *s == '0' ? trailing + 1 : 0;
    }
    return n - trailing;
}

typedef struct {
    long checked, bad;
    uint32_t first_bad;
    const char *what;
} f32_tally;

/* Print v, then: strtof and our parser (through double, as the server reads) give v back; when
 * `shortest`, no more digits than the shortest %.{p}g that reads back, and the same value. */
static void f32_case(f32_tally *t, uint32_t b, int shortest)
{
    float v = f32_of(b);
    if (!isfinite(v))
        return;
    char s[JNUM_MAX_CHARS + 1];
    size_t n = jnum_print_f32(s, v);
    s[n] = '\0';
    double ours;
    bool ok = n <= JNUM_MAX_CHARS && bits_f32(strtof(s, NULL)) == b && jnum_parse(s, s + n, &ours) == s + n &&
              bits_f32((float)ours) == b && bits_f64(ours) == bits_f64(strtod(s, NULL));
    if (ok && shortest) {
        char ref[40];
        for (int p = 1; p <= 9; p++) {
            snprintf(ref, sizeof ref, "%.*g", p, (double)v);
            if (strtof(ref, NULL) == v)
                break;
        }
        /* %.{p}g only tries the nearest p-digit decimal; beside a power of two (lopsided
         * interval) a farther one can be shorter, so ours may have fewer digits — never more. */
        int ds = sig_digits(s), dr = sig_digits(ref);
        ok = ds < dr || (ds == dr && strtod(s, NULL) == strtod(ref, NULL));
    }
    t->checked++;
    if (!ok && t->bad++ == 0)
        t->first_bad = b;
}

static void f32_report(const f32_tally *t)
{
    char s[JNUM_MAX_CHARS + 1];
    size_t n = t->bad ? jnum_print_f32(s, f32_of(t->first_bad)) : 0;
    s[n] = '\0';
    CHECK(t->bad == 0 && t->checked > 0, "float32 %s: %ld of %ld wrong, first 0x%08x printed as '%s'", t->what, t->bad,
          t->checked, t->first_bad, s);
}

static void float32_round_trips(void)
{
    f32_tally t = {.what = "powers of two, both signs"};
    for (int e = -149; e <= 127; e++) {
        f32_case(&t, bits_f32(ldexpf(1.0f, e)), 1);
        f32_case(&t, bits_f32(-ldexpf(1.0f, e)), 1);
    }
    f32_report(&t);

    t = (f32_tally){.what = "subnormals (every one-bit pattern, 200k random)"};
    for (int i = 0; i < 23; i++)
        f32_case(&t, 1u << i, 1);
    for (int i = 0; i < 200000; i++)
        f32_case(&t, (uint32_t)(next_u64() & 0x807fffffu), i < 20000);
    f32_report(&t);

    t = (f32_tally){.what = "boundaries"};
    const float edge[] = {0.0f, -0.0f, FLT_MIN, -FLT_MIN, FLT_MAX, -FLT_MAX, FLT_TRUE_MIN, 1.0f, 0.1f, 1e-7f, 1e21f,
                          1e20f, 16777216.0f, 16777217.0f, 3.4028235e38f, 1.17549435e-38f, 9.999999e-7f, 123456789.0f};
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) {
        f32_case(&t, bits_f32(edge[i]), 1);
        f32_case(&t, bits_f32(nextafterf(edge[i], INFINITY)), 1);
        f32_case(&t, bits_f32(nextafterf(edge[i], -INFINITY)), 1);
    }
    f32_report(&t);

    t = (f32_tally){.what = "every exponent, 2000 mantissas each (incl. all-zero and all-one)"};
    for (uint32_t e = 0; e < 255; e++) {
        f32_case(&t, e << 23, 1);
        f32_case(&t, e << 23 | 0x7fffffu, 1);
        for (int i = 0; i < 2000; i++)
            f32_case(&t, e << 23 | (uint32_t)(next_u64() & 0x807fffffu), i < 100);
    }
    f32_report(&t);

    t = (f32_tally){.what = "3M random bit patterns (shortest checked on 100k)"};
    for (int i = 0; i < 3000000; i++)
        f32_case(&t, (uint32_t)next_u64(), i < 100000);
    f32_report(&t);

    char s[JNUM_MAX_CHARS + 1];
    s[jnum_print_f32(s, 0.1f)] = '\0';
    CHECK(strcmp(s, "0.1") == 0, "0.1f printed as '%s'", s);
    s[jnum_print_f32(s, -0.0f)] = '\0';
    CHECK(strcmp(s, "-0") == 0, "-0.0f printed as '%s'", s);
    s[jnum_print_f32(s, 1e-7f)] = '\0';
    CHECK(strcmp(s, "1e-7") == 0, "1e-7f printed as '%s'", s);
    s[jnum_print_f32(s, 123456.5f)] = '\0';
    CHECK(strcmp(s, "123456.5") == 0, "123456.5f printed as '%s'", s);
    s[jnum_print_f32(s, 1e21f)] = '\0';
    CHECK(strcmp(s, "1e21") == 0, "1e21f printed as '%s'", s);
}

static void float64_round_trips(void)
{
    long bad = 0, n = 0;
    uint64_t first = 0;
    for (int i = 0; i < 200000; i++) {
        uint64_t b = next_u64();
        if (i < 2000)
            b &= 0x800fffffffffffffull; /* subnormals */
        double v;
        memcpy(&v, &b, sizeof v);
        if (!isfinite(v))
            continue;
        char s[JNUM_MAX_CHARS + 1];
        size_t len = jnum_print_f64(s, v);
        s[len] = '\0';
        double ours;
        bool ok = bits_f64(strtod(s, NULL)) == b && jnum_parse(s, s + len, &ours) == s + len && bits_f64(ours) == b &&
                  sig_digits(s) <= 17;
        n++;
        if (!ok && bad++ == 0)
            first = b;
    }
    CHECK(bad == 0, "float64: %ld of %ld random patterns do not round-trip, first 0x%016llx", bad, n,
          (unsigned long long)first);
    char s[JNUM_MAX_CHARS + 1];
    s[jnum_print_f64(s, 0.1)] = '\0';
    CHECK(strcmp(s, "0.1") == 0, "0.1 printed as '%s'", s);
}

/* jnum_parse agrees with strtod bit for bit and consumes the whole token. */
static void parse_like_strtod(const char *s)
{
    double ours = 0;
    const char *e = jnum_parse(s, s + strlen(s), &ours);
    double ref = strtod(s, NULL);
    CHECK(e == s + strlen(s) && bits_f64(ours) == bits_f64(ref), "'%.60s': ours %.17g (%s), strtod %.17g", s, ours,
          e ? "parsed" : "rejected", ref);
}

static void parse_tricky(void)
{
    const char *cases[] = {"0", "-0", "-0.0", "0e999", "1E+10", "1e-400", "-1e-400", "1e400", "2.2250738585072011e-308",
                           "2.2250738585072014e-308", "4.9406564584124654e-324", "2.4703282292062327e-324",
                           "2.4703282292062328e-324", "1.7976931348623157e308", "1.7976931348623158e308",
                           "9007199254740993", "9007199254740992", "9007199254740991.5", "0.1", "0.3",
                           "123456789012345678901234567890", "0.000000000000000000000000000001234567890123456789",
                           "1e22", "1e23", "8.98846567431158e307", "3.4028235e38", "1.4e-45", "7.0064923216240854e-46",
                           "1.00000005960464477539062499", "1.000000059604644775390625", "12345678901234567e5",
                           "5e-324", "1e-5", "0.5e1", "43.8e-2", "4.35", "1448997445238699"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        parse_like_strtod(cases[i]);

    static char huge[1200];
    memset(huge, '0', sizeof huge - 1);
    huge[0] = '1';
    huge[sizeof huge - 1] = '\0';
    parse_like_strtod(huge); /* 1e1198 */
    memcpy(huge + 1000, "e-1000", 7);
    parse_like_strtod(huge); /* exactly 1 */
    memcpy(huge, "0.", 2);
    huge[900] = '7';
    parse_like_strtod(huge); /* 7e-899 + zeros */

    /* random decimals: 1..25 digits, a point anywhere, exponents -350..350 */
    long bad = 0;
    char first[64] = "";
    for (int i = 0; i < 300000; i++) {
        char s[64];
        int o = 0, nd = 1 + (int)(next_u64() % 25), point = (int)(next_u64() % (unsigned)(nd + 1));
        if (next_u64() & 1)
            s[o++] = '-';
        for (int d = 0; d < nd; d++) {
            if (d == point && d > 0)
                s[o++] = '.';
            s[o++] = (char)('0' + (d == 0 && nd > 1 ? 1 + next_u64() % 9 : next_u64() % 10));
        }
        if (next_u64() & 1)
            o += snprintf(s + o, sizeof s - (size_t)o, "e%d", (int)(next_u64() % 701) - 350);
        s[o] = '\0';
        double ours;
        const char *e = jnum_parse(s, s + o, &ours);
        if ((e != s + o || bits_f64(ours) != bits_f64(strtod(s, NULL))) && bad++ == 0)
            snprintf(first, sizeof first, "%s", s);
    }
    CHECK(bad == 0, "%ld random decimals differ from strtod, first '%s'", bad, first);

    /* 16..19-digit mantissas with small exponents (the extended-precision path) and the
     * 17-digit text Python's json gives for float32 data, against strtod */
    bad = 0;
    for (int i = 0; i < 400000; i++) {
        char s[64];
        int o;
        if (i & 1) {
            float f = f32_of(((uint32_t)next_u64() & 0x807fffffu) | (uint32_t)(100 + next_u64() % 55) << 23);
            o = snprintf(s, sizeof s, "%.17g", (double)f);
        } else {
            uint64_t m = next_u64() % 10000000000000000000ull;
            o = snprintf(s, sizeof s, "%llue%d", (unsigned long long)(m | 1000000000000000ull),
                         (int)(next_u64() % 61) - 30);
        }
        double ours;
        const char *e = jnum_parse(s, s + o, &ours);
        if ((e != s + o || bits_f64(ours) != bits_f64(strtod(s, NULL))) && bad++ == 0)
            snprintf(first, sizeof first, "%s", s);
    }
    CHECK(bad == 0, "%ld long-mantissa decimals differ from strtod, first '%s'", bad, first);

    /* strict grammar: rejected, or stops before the offending byte */
    const char *invalid[] = {"", "-", "+1", ".5", "1.", "1e", "1e+", "--1", "-.5", "NaN", "Infinity", "x"};
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        double v;
        CHECK(jnum_parse(invalid[i], invalid[i] + strlen(invalid[i]), &v) == NULL, "'%s' was accepted", invalid[i]);
    }
    double v;
    const char *lz = "0123";
    CHECK(jnum_parse(lz, lz + 4, &v) == lz + 1 && v == 0, "leading zero: '0123' must stop after '0'");
    const char *bounded = "12345";
    CHECK(jnum_parse(bounded, bounded + 3, &v) == bounded + 3 && v == 123, "the end bound is respected");
}

static void array_error_at(const char *text, long want_off)
{
    jnum_array a;
    const char *err;
    const char *e = jnum_parse_array(text, text + strlen(text), &a, &err);
    long off = err ? (long)(err - text) : -1;
    CHECK(e == NULL && a.vals == NULL && off == want_off, "'%s': expected an error at offset %ld, got %s at %ld", text,
          want_off, e ? "success" : "error", off);
}

static void arrays(void)
{
    const char *t = " [[1, 2.5, -3e2], [\"NaN\", \"-Infinity\", \"inf\"]] tail";
    jnum_array a;
    const char *err;
    const char *e = jnum_parse_array(t + 1, t + strlen(t), &a, &err);
    CHECK(e && strcmp(e, " tail") == 0, "nested array: stops after the closing bracket");
    CHECK(a.rank == 2 && a.shape[0] == 2 && a.shape[1] == 3 && a.count == 6, "nested array: shape [%zu, %zu] rank %d",
          a.shape[0], a.shape[1], a.rank);
    CHECK(a.vals && a.vals[0] == 1 && a.vals[1] == 2.5 && a.vals[2] == -300 && isnan(a.vals[3]) &&
              a.vals[4] == -INFINITY && a.vals[5] == INFINITY,
          "nested array values");
    free(a.vals);

    array_error_at("[1,2,x]", 5);
    array_error_at("[1,,2]", 3);
    array_error_at("[[1,2],[3]]", 9);
    array_error_at("[[1,2],3]", 7);
    array_error_at("[1,[2]]", 3);
    array_error_at("[]", 1);
    array_error_at("[1,2", 4);
    array_error_at("[01]", 2);
    array_error_at("[\"a\\u0041\"]", 1);
}

/* A request with the arrays packed reads as it did through cJSON alone. */
static void parse_documents(void)
{
    buf body = {0};
    buf_printf(&body, "{\"inputs\":[{\"name\":\"x\",\"data\":");
    size_t n = 10000;
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = f32_of((uint32_t)next_u64() & 0xbfffffffu); /* finite */
    buf_result br = tjson_write(&body, x, CLRELU_F32, n);
    buf_printf(&body, "}], \"weight\": [[1,2],[3,4],[5,6],[7,8],[9,10],[11,12],[13,14]], \"other\": [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]}");
    CHECK(br == BUF_OK, "tjson_write");
    size_t len = strlen(body.data);

    const char *end = NULL;
    cJSON *root = tjson_parse(body.data, len, &end);
    cJSON *ref = cJSON_ParseWithLengthOpts(body.data, len, NULL, false);
    CHECK(root && ref, "document parses");
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "inputs"), 0), "data");
    double *vals = NULL;
    size_t count = 0, shape[TENSOR_MAX_RANK];
    int rank = 0;
    char errmsg[256];
    CHECK(d && d->child == NULL, "the data array was packed (no cJSON children)");
    CHECK(tjson_read(d, "data", n, &vals, &count, shape, &rank, errmsg, sizeof errmsg), "tjson_read packed: %s", errmsg);
    long bad = 0;
    for (size_t i = 0; vals && i < count; i++)
        bad += bits_f32((float)vals[i]) != bits_f32(x[i]);
    CHECK(count == n && rank == 1 && shape[0] == n && bad == 0, "packed data: %zu values, %ld differ", count, bad);
    free(vals);
    CHECK(!tjson_read(d, "data", n - 1, &vals, &count, shape, &rank, errmsg, sizeof errmsg) &&
              strstr(errmsg, "more than 9999 elements"),
          "max_elements still enforced on packed arrays");
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(root, "weight");
    CHECK(tjson_read(w, "weight", 100, &vals, &count, shape, &rank, errmsg, sizeof errmsg) && rank == 2 &&
              shape[0] == 7 && shape[1] == 2 && vals[13] == 14,
          "nested weight array");
    free(vals);
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "other")) == 20, "other keys stay cJSON arrays");
    cJSON_Delete(root);
    cJSON_Delete(ref);

    /* a forged marker is an ordinary string; a ragged array keeps cJSON's path and message */
    const char *forged = "{\"data\": [\"#tjsonpk:0000000000000000:0\"], \"weight\": [1.25, 2.25, 3.25, 4.25, 5.25, 6.25, 7.25, 8.25, 9.25]}";
    root = tjson_parse(forged, strlen(forged), NULL);
    d = cJSON_GetObjectItemCaseSensitive(root, "data");
    CHECK(d && cJSON_IsString(d->child), "forged marker stays a string");
    CHECK(cJSON_GetObjectItemCaseSensitive(root, "weight")->child == NULL, "the real array beside it was packed");
    CHECK(!tjson_read(d, "data", 100, &vals, &count, shape, &rank, errmsg, sizeof errmsg) &&
              strstr(errmsg, "expected a number"),
          "forged marker rejected as data: %s", errmsg);
    cJSON_Delete(root);
    const char *ragged = "{\"data\": [[1.5,2.5,3.5,4.5,5.5,6.5],[1.5,2.5,3.5,4.5,5.5,6.5],[7.5]]}";
    root = tjson_parse(ragged, strlen(ragged), NULL);
    CHECK(!tjson_read(cJSON_GetObjectItemCaseSensitive(root, "data"), "data", 100, &vals, &count, shape, &rank,
                      errmsg, sizeof errmsg) &&
              strstr(errmsg, "ragged"),
          "ragged nesting reported as before: %s", errmsg);
    cJSON_Delete(root);

    /* a syntax error after a packed array: same offset as cJSON on the original text */
    const char *broken = "{\"data\": [1.25, 2.25, 3.25, 4.25, 5.25, 6.25, 7.25, 8.25, 9.25], \"x\": tru}";
    const char *e1 = NULL, *e2 = NULL;
    cJSON *r1 = tjson_parse(broken, strlen(broken), &e1);
    cJSON *r2 = cJSON_ParseWithLengthOpts(broken, strlen(broken), &e2, false);
    CHECK(!r1 && !r2 && e1 == e2, "error offset %ld (cJSON: %ld)", e1 ? (long)(e1 - broken) : -1L,
          e2 ? (long)(e2 - broken) : -1L);
    free(x);
    buf_free(&body);
}

int main(void)
{
    float32_round_trips();
    float64_round_trips();
    parse_tricky();
    arrays();
    parse_documents();
    return check_summary("test_json_numbers");
}
