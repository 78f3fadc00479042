/* fuzz_json_numbers.c: libFuzzer harness for the fast JSON number codec (json_numbers.c): numeric
 * arrays and single numbers from arbitrary bytes, checked against strtod, and the print → parse
 * round trip of float32 and float64 values (every printed value reads back to the same bits). */
#include "fuzz.h"

#include "codec/json_numbers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Print v (finite) both ways and parse it back: the bits must survive, and strtod/strtof of
 * the text must agree with jnum_parse. */
static void round_trip_f64(double v)
{
    if (!isfinite(v))
        return;
    char buf[JNUM_MAX_CHARS + 1];
    size_t n = jnum_print_f64(buf, v);
    if (n == 0 || n > JNUM_MAX_CHARS)
        abort();
    buf[n] = '\0';
    double back = 0;
    if (jnum_parse(buf, buf + n, &back) != buf + n || memcmp(&back, &v, sizeof v) != 0)
        abort();
    double ref = strtod(buf, NULL);
    if (memcmp(&ref, &v, sizeof v) != 0)
        abort();
}

static void round_trip_f32(float v)
{
    if (!isfinite(v))
        return;
    char buf[JNUM_MAX_CHARS + 1];
    size_t n = jnum_print_f32(buf, v);
    if (n == 0 || n > JNUM_MAX_CHARS)
        abort();
    buf[n] = '\0';
    float ref = strtof(buf, NULL);
    if (memcmp(&ref, &v, sizeof v) != 0)
        abort();
    double back = 0;
    if (jnum_parse(buf, buf + n, &back) != buf + n || (float)back != v)
        abort();
}

/* jnum_parse on the longest numeric-looking prefix must agree with strtod bit for bit. */
static void parse_one(const char *p, size_t size)
{
    double v = 0;
    const char *end = jnum_parse(p, p + size, &v);
    if (!end)
        return;
    if (end <= p || end > p + size)
        abort();
    size_t k = (size_t)(end - p);
    char *copy = malloc(k + 1);
    if (!copy)
        return;
    memcpy(copy, p, k);
    copy[k] = '\0';
    char *stop = NULL;
    double ref = strtod(copy, &stop);
    if (stop != copy + k || memcmp(&ref, &v, sizeof v) != 0)
        abort();
    free(copy);
    round_trip_f64(v);
    round_trip_f32((float)v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    /* Raw bits: every float and double the input spells, printed and read back. */
    for (size_t i = 0; i + 8 <= size && i < 64; i += 8) {
        double d;
        float f;
        memcpy(&d, data + i, sizeof d);
        memcpy(&f, data + i, sizeof f);
        round_trip_f64(d);
        round_trip_f32(f);
    }
    parse_one(p, size);
    /* The whole input as a numeric array; every value must round-trip, the shape must match. */
    jnum_array a;
    memset(&a, 0, sizeof a);
    const char *err_at = NULL;
    const char *end = jnum_parse_array(p, p + size, &a, &err_at);
    if (end) {
        if (end <= p || end > p + size || a.rank < 1 || a.rank > JNUM_MAX_RANK)
            abort();
        size_t count = 1;
        for (int d = 0; d < a.rank; d++)
            count *= a.shape[d];
        if (count != a.count || (a.count && !a.vals))
            abort();
        for (size_t i = 0; i < a.count && i < 256; i++) {
            round_trip_f64(a.vals[i]);
            round_trip_f32((float)a.vals[i]);
        }
        free(a.vals);
    } else if (err_at && (err_at < p || err_at > p + size)) {
        abort();
    }
    return 0;
}
