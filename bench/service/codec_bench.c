/* codec_bench.c: floats/s of the server's JSON number codec against cJSON on one core, same run. */
#include "codec/json_numbers.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Best of `reps` timings of one function over the whole array (the machine is shared). */
#define BEST_OF(reps, secs, body)                                                                  \
    do {                                                                                           \
        secs = 1e30;                                                                               \
        for (int r_ = 0; r_ < (reps); r_++) {                                                      \
            double t0_ = now_s();                                                                  \
            body;                                                                                  \
            double t_ = now_s() - t0_;                                                             \
            if (t_ < secs)                                                                         \
                secs = t_;                                                                         \
        }                                                                                          \
    } while (0)

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    float *x = malloc(n * sizeof *x);
    char *text = malloc(n * (JNUM_MAX_CHARS + 1) + 2);
    if (!x || !text)
        return 1;
    /* values like a layer's activations: normal(0, 1)-ish with mixed magnitudes */
    unsigned long long s = 88172645463325252ull;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        x[i] = (float)((double)(s % 2000001) / 1000000.0 - 1.0) * ((s >> 40) % 4 == 0 ? 1000.0f : 1.0f);
    }

    size_t len = 0;
    double t_print, t_parse, t_cj_parse, t_cj_print;
    BEST_OF(reps, t_print, {
        len = 0;
        text[len++] = '[';
        for (size_t i = 0; i < n; i++) {
            if (i)
                text[len++] = ',';
            len += jnum_print_f32(text + len, x[i]);
        }
        text[len++] = ']';
    });
    text[len] = '\0';

    jnum_array a = {0};
    size_t bad = 0;
    BEST_OF(reps, t_parse, {
        const char *err;
        free(a.vals);
        if (!jnum_parse_array(text, text + len, &a, &err))
            return 1;
    });
    for (size_t i = 0; i < n; i++)
        bad += (float)a.vals[i] != x[i];
    free(a.vals);

    cJSON *arr = NULL;
    BEST_OF(reps < 3 ? reps : 3, t_cj_parse, {
        cJSON_Delete(arr);
        arr = cJSON_ParseWithLength(text, len);
    });
    char *printed = NULL;
    BEST_OF(reps < 3 ? reps : 3, t_cj_print, {
        free(printed);
        printed = cJSON_PrintUnformatted(arr);
    });
    free(printed);
    cJSON_Delete(arr);

    printf("codec_n=%zu bytes_per_float=%.2f round_trip_mismatches=%zu\n", n, (double)len / (double)n, bad);
    printf("codec_encode_floats_per_s=%.0f\n", (double)n / t_print);
    printf("codec_decode_floats_per_s=%.0f\n", (double)n / t_parse);
    printf("cjson_decode_floats_per_s=%.0f\n", (double)n / t_cj_parse);
    printf("cjson_encode_floats_per_s=%.0f\n", (double)n / t_cj_print);
    printf("ratio_encode_vs_cjson=%.2f ratio_decode_vs_cjson=%.2f\n", t_cj_print / t_print, t_cj_parse / t_parse);
    free(x);
    free(text);
    return bad != 0;
}
