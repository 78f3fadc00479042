/* test_model.c: MLP model loading (good and broken folders), forward on every device, and analysis numbers on a hand-built model with known dead units. */
#include "check.h"
#include "clrelu_model.h"
#include "clrelu_npy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char root[256];

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
}

static void write_npy(const char *dir, const char *name, const float *v, size_t rows, size_t cols, int rank)
{
    char path[512];
    size_t shape[2] = {rows, cols};
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (clrelu_npy_write(path, CLRELU_F32, shape, rank, v) != CLRELU_OK) {
        fprintf(stderr, "clrelu_npy_write %s: %s\n", path, clrelu_last_error());
        exit(1);
    }
}

/* A fresh model folder under root holding the known-answer weights:
 * layer 0: 2 -> 3 relu, W = [[1,0],[0,1],[0,0]], b = [0,0,-1] (unit 2 is always -1: dead);
 * layer 1: 3 -> 1 none, W = [[1,1,1]], no bias. */
static void make_model(const char *dir, const char *config)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    if (system(cmd) != 0)
        exit(1);
    static const float w0[6] = {1, 0, 0, 1, 0, 0}, b0[3] = {0, 0, -1}, w1[3] = {1, 1, 1}, w_bad[6] = {0};
    write_npy(dir, "w0.npy", w0, 3, 2, 2);
    write_npy(dir, "b0.npy", b0, 3, 0, 1);
    write_npy(dir, "w1.npy", w1, 1, 3, 2);
    write_npy(dir, "w0t.npy", w_bad, 2, 3, 2);
    write_file(dir, "config.json", config);
}

#define GOOD_CONFIG                                                                                \
    "{\"name\": \"known\", \"description\": \"tab\\tand \\u00e9\", \"layers\": [\n"                 \
    " {\"in\": 2, \"out\": 3, \"activation\": \"relu\", \"weight\": \"w0.npy\", \"bias\": \"b0.npy\"},\n" \
    " {\"in\": 3, \"out\": 1, \"activation\": \"none\", \"weight\": \"w1.npy\"}]}"

static void known_answers(clrelu_context *ctx)
{
    char dir[300];
    snprintf(dir, sizeof dir, "%s/known", root);
    make_model(dir, GOOD_CONFIG);
    clrelu_model *m = NULL;
    CHECK_OK(clrelu_model_load(dir, &m));
    if (!m)
        return;
    CHECK(strcmp(clrelu_model_name(m), "known") == 0, "name %s", clrelu_model_name(m));
    CHECK(strcmp(clrelu_model_description(m), "tab\tand \xc3\xa9") == 0, "JSON escapes decoded: %s", clrelu_model_description(m));
    CHECK(clrelu_model_layer_count(m) == 2 && clrelu_model_input_size(m) == 2 && clrelu_model_output_size(m) == 1,
          "layers %d, %zu -> %zu", clrelu_model_layer_count(m), clrelu_model_input_size(m), clrelu_model_output_size(m));
    CHECK(clrelu_model_layer(m, 0)->has_bias && !clrelu_model_layer(m, 1)->has_bias && clrelu_model_layer(m, 2) == NULL,
          "bias flags and out-of-range layer");
    static const float x[8] = {1, -1, 2, 3, -1, -2, 0.5f, 0.5f};
    for (int d = 0; d < clrelu_device_count(ctx); d++) {
        const clrelu_device *dev = clrelu_device_at(ctx, d);
        const char *id = clrelu_device_get_info(dev)->id;
        float y[4] = {-7, -7, -7, -7};
        clrelu_layer_stats st[2];
        CHECK_OK(clrelu_model_forward(ctx, dev, m, x, 4, y, st, NULL));
        CHECK(y[0] == 1 && y[1] == 5 && y[2] == 0 && y[3] == 1, "%s: y = %g %g %g %g, want 1 5 0 1", id, (double)y[0],
              (double)y[1], (double)y[2], (double)y[3]);
        const clrelu_layer_stats *s0 = &st[0], *s1 = &st[1];
        CHECK(s0->samples == 4 && s0->units == 3, "%s: layer 0 is 4 x 3", id);
        CHECK(fabs(s0->zero_fraction - 7.0 / 12.0) < 1e-12, "%s: layer 0 zero fraction %g, want 7/12", id, s0->zero_fraction);
        CHECK(s0->n_dead == 1 && s0->dead[0] == 2, "%s: layer 0 dead units: %zu (first %zu), want unit 2", id, s0->n_dead,
              s0->n_dead ? s0->dead[0] : (size_t)99);
        CHECK(s0->active_rate[0] == 0.75 && s0->active_rate[1] == 0.5 && s0->active_rate[2] == 0.0,
              "%s: activation rates %g %g %g", id, s0->active_rate[0], s0->active_rate[1], s0->active_rate[2]);
        CHECK(s0->pre_min == -2 && s0->pre_max == 3 && fabs(s0->pre_mean + 1.0 / 12.0) < 1e-12,
              "%s: pre-activation min %g max %g mean %g", id, s0->pre_min, s0->pre_max, s0->pre_mean);
        static const uint64_t want_hist[CLRELU_HIST_BINS] = {1, 0, 0, 6, 0, 0, 0, 0, 2, 1, 0, 0, 1, 0, 0, 1};
        CHECK(memcmp(s0->hist, want_hist, sizeof want_hist) == 0, "%s: histogram %llu %llu %llu %llu ... %llu", id,
              (unsigned long long)s0->hist[0], (unsigned long long)s0->hist[3], (unsigned long long)s0->hist[8],
              (unsigned long long)s0->hist[9], (unsigned long long)s0->hist[15]);
        /* quartiles -1 and 0.625: the fences (-3.44, 3.06) hold every value, so the range is [min, max] */
        CHECK(s0->hist_lo == -2 && s0->hist_hi == 3 && s0->hist_below == 0 && s0->hist_above == 0,
              "%s: histogram range [%g, %g], %llu below, %llu above", id, s0->hist_lo, s0->hist_hi,
              (unsigned long long)s0->hist_below, (unsigned long long)s0->hist_above);
        CHECK(s1->zero_fraction == 0.25 && s1->n_dead == 0 && s1->active_rate[0] == 0.75 && s1->pre_min == 0 &&
                  s1->pre_max == 5,
              "%s: layer 1 zero %g dead %zu rate %g range [%g, %g]", id, s1->zero_fraction, s1->n_dead, s1->active_rate[0],
              s1->pre_min, s1->pre_max);
        clrelu_layer_stats_free(&st[0]);
        clrelu_layer_stats_free(&st[1]);
        /* without stats, and an empty batch */
        float y2[4];
        CHECK_OK(clrelu_model_forward(ctx, dev, m, x, 4, y2, NULL, NULL));
        CHECK(memcmp(y, y2, sizeof y) == 0, "%s: same output without stats", id);
        CHECK_OK(clrelu_model_forward(ctx, dev, m, NULL, 0, NULL, NULL, NULL));
    }
    clrelu_model_free(m);
}

/* Each broken folder fails with the given status and a message containing `needle`. */
static void broken(const char *name, const char *config, clrelu_status want, const char *needle)
{
    char dir[300];
    snprintf(dir, sizeof dir, "%s/%s", root, name);
    make_model(dir, config);
    if (!config[0]) {
        char path[400];
        snprintf(path, sizeof path, "%s/config.json", dir);
        unlink(path);
    }
    clrelu_model *m = NULL;
    clrelu_status st = clrelu_model_load(dir, &m);
    CHECK(st == want && m == NULL, "%s: got %s, want %s (%s)", name, clrelu_status_name(st), clrelu_status_name(want),
          clrelu_last_error());
    CHECK(strstr(clrelu_last_error(), needle) != NULL, "%s: message '%s' mentions '%s'", name, clrelu_last_error(), needle);
    clrelu_model_free(m);
}

#define L0 "{\"in\": 2, \"out\": 3, \"activation\": \"relu\", \"weight\": \"w0.npy\", \"bias\": \"b0.npy\"}"

static void loading_errors(void)
{
    broken("no_config", "", CLRELU_ERR_IO, "config.json");
    broken("bad_json", "{\"layers\": [" L0 ",]}", CLRELU_ERR_INVALID_ARG, "line 1");
    broken("no_layers", "{\"name\": \"x\"}", CLRELU_ERR_INVALID_ARG, "\"layers\"");
    broken("empty_layers", "{\"layers\": []}", CLRELU_ERR_INVALID_ARG, "\"layers\"");
    broken("missing_file", "{\"layers\": [{\"in\": 2, \"out\": 3, \"weight\": \"nope.npy\"}]}", CLRELU_ERR_IO, "nope.npy");
    broken("wrong_shape", "{\"layers\": [{\"in\": 2, \"out\": 3, \"weight\": \"w0t.npy\"}]}", CLRELU_ERR_INVALID_ARG,
           "expected [3, 2]");
    broken("bias_shape", "{\"layers\": [{\"in\": 3, \"out\": 1, \"weight\": \"w1.npy\", \"bias\": \"b0.npy\"}]}",
           CLRELU_ERR_INVALID_ARG, "expected [1]");
    broken("chain", "{\"layers\": [" L0 ", {\"in\": 2, \"out\": 1, \"weight\": \"w1.npy\"}]}", CLRELU_ERR_INVALID_ARG,
           "layer 1 has in = 2 but layer 0 has out = 3");
    broken("unknown_act", "{\"layers\": [{\"in\": 2, \"out\": 3, \"activation\": \"rellu\", \"weight\": \"w0.npy\"}]}",
           CLRELU_ERR_NOT_FOUND, "rellu");
    broken("unknown_param",
           "{\"layers\": [{\"in\": 2, \"out\": 3, \"activation\": \"relu\", \"params\": {\"slope\": 1}, \"weight\": \"w0.npy\"}]}",
           CLRELU_ERR_INVALID_ARG, "no parameter 'slope'");
    broken("bad_param",
           "{\"layers\": [{\"in\": 2, \"out\": 3, \"activation\": \"elu\", \"params\": {\"alpha\": -1}, \"weight\": \"w0.npy\"}]}",
           CLRELU_ERR_INVALID_ARG, "layer 0");
    broken("traversal", "{\"layers\": [{\"in\": 2, \"out\": 3, \"weight\": \"../known/w0.npy\"}]}", CLRELU_ERR_INVALID_ARG,
           "inside the model folder");
    broken("unknown_key", "{\"layers\": [{\"in\": 2, \"out\": 3, \"wieght\": \"w0.npy\"}]}", CLRELU_ERR_INVALID_ARG, "wieght");
    broken("bad_size", "{\"layers\": [{\"in\": 2.5, \"out\": 3, \"weight\": \"w0.npy\"}]}", CLRELU_ERR_INVALID_ARG, "\"in\"");
    broken("bad_dtype", "{\"dtype\": \"int8\", \"layers\": [" L0 "]}", CLRELU_ERR_INVALID_ARG, "dtype");
    broken("prelu_no_slope", "{\"layers\": [{\"in\": 2, \"out\": 3, \"activation\": \"prelu\", \"weight\": \"w0.npy\"}]}",
           CLRELU_ERR_INVALID_ARG, "slope");
}

/* The repository's example model loads and finds the dead unit built into it. */
static void example_model(clrelu_context *ctx)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", __FILE__); /* <source>/tests/test_model.c */
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    snprintf(dir + strlen(dir), sizeof dir - strlen(dir), "/../models/example");
    clrelu_model *m = NULL;
    CHECK_OK(clrelu_model_load(dir, &m));
    if (!m)
        return;
    float x[8 * 4];
    for (int i = 0; i < 32; i++)
        x[i] = (float)((i * 37) % 19) / 9.0f - 1.0f;
    float y[8 * 3];
    clrelu_layer_stats st[3];
    CHECK_OK(clrelu_model_forward(ctx, clrelu_device_at(ctx, 0), m, x, 8, y, st, NULL));
    bool unit5 = false;
    for (size_t d = 0; d < st[0].n_dead; d++)
        unit5 = unit5 || st[0].dead[d] == 5;
    CHECK(unit5, "example: layer 0 unit 5 is dead (%zu dead units)", st[0].n_dead);
    for (int i = 0; i < 3; i++)
        clrelu_layer_stats_free(&st[i]);
    clrelu_model_free(m);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* numpy's default quantile of sorted a[0..n) */
static double ref_quantile(const double *a, size_t n, double p)
{
    double h = (double)(n - 1) * p;
    size_t k = (size_t)h;
    return k + 1 < n ? a[k] + (h - (double)k) * (a[k + 1] - a[k]) : a[k];
}

static uint64_t hist_sum(const clrelu_layer_stats *st)
{
    uint64_t t = 0;
    for (int b = 0; b < CLRELU_HIST_BINS; b++)
        t += st->hist[b];
    return t;
}

/* The histogram's range is robust: a dead unit's far pre-activations (the example model's
 * -100) are counted below the range instead of squeezing every other value into one bin. */
static void robust_histogram(void)
{
    /* 8 samples x 8 units: units 0-6 spread over [-1, 1], unit 7 at -100 (dead) */
    double pre[64], y[64];
    for (int i = 0; i < 64; i++) {
        pre[i] = i % 8 == 7 ? -100.0 - i * 0.01 : (double)((i * 7) % 31) / 15.0 - 1.0;
        y[i] = pre[i] > 0 ? pre[i] : 0;
    }
    clrelu_layer_stats st;
    CHECK_OK(clrelu_layer_stats_compute(CLRELU_F64, pre, y, 8, 8, &st));
    CHECK(st.pre_min < -100 && st.hist_below == 8 && st.hist_above == 0,
          "dead unit: min %g, %llu below the range, %llu above, want 8 and 0", st.pre_min,
          (unsigned long long)st.hist_below, (unsigned long long)st.hist_above);
    CHECK(st.hist_lo > -5 && st.hist_hi <= 1 && st.hist_hi > st.hist_lo, "dead unit: range [%g, %g] inside (-5, 1]",
          st.hist_lo, st.hist_hi);
    int used = 0;
    for (int b = 0; b < CLRELU_HIST_BINS; b++)
        used += st.hist[b] != 0;
    CHECK(hist_sum(&st) == 56 && used >= 8, "dead unit: the 56 others fill %d of the 16 bins", used);
    clrelu_layer_stats_free(&st);

    /* random data with a few far values: the range is Tukey's fences of numpy's quartiles */
    enum { N = 1001 };
    static double r[N], ry[N], sorted[N];
    unsigned seed = 12345;
    for (int i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        r[i] = (double)(seed >> 8 & 0xffff) / 65536.0 * 4.0 - 2.0;
        if (i % 100 == 7)
            r[i] = i % 200 == 7 ? 1e6 : -5e5;
        ry[i] = r[i];
        sorted[i] = r[i];
    }
    qsort(sorted, N, sizeof *sorted, cmp_double);
    double q1 = ref_quantile(sorted, N, 0.25), q3 = ref_quantile(sorted, N, 0.75), iqr = q3 - q1;
    double lo = fmax(sorted[0], q1 - 1.5 * iqr), hi = fmin(sorted[N - 1], q3 + 1.5 * iqr);
    uint64_t below = 0, above = 0;
    for (int i = 0; i < N; i++) {
        below += r[i] < lo;
        above += r[i] > hi;
    }
    CHECK_OK(clrelu_layer_stats_compute(CLRELU_F64, r, ry, N, 1, &st));
    CHECK(fabs(st.hist_lo - lo) < 1e-12 && fabs(st.hist_hi - hi) < 1e-12, "random: range [%.15g, %.15g], want [%.15g, %.15g]",
          st.hist_lo, st.hist_hi, lo, hi);
    CHECK(st.hist_below == below && st.hist_above == above && below == 5 && above == 5 && hist_sum(&st) == N - 10,
          "random: %llu below, %llu above, %llu binned", (unsigned long long)st.hist_below,
          (unsigned long long)st.hist_above, (unsigned long long)hist_sum(&st));
    clrelu_layer_stats_free(&st);

    /* infinities are outside any range, NaN counts only as NaN; equal values fill bin 0 */
    double odd[6] = {-INFINITY, 2, 2, NAN, 2, INFINITY};
    CHECK_OK(clrelu_layer_stats_compute(CLRELU_F64, odd, odd, 6, 1, &st));
    CHECK(st.hist_lo == 2 && st.hist_hi == 2 && st.hist[0] == 3 && hist_sum(&st) == 3 && st.hist_below == 1 &&
              st.hist_above == 1 && st.nan_count == 1,
          "inf/NaN: range [%g, %g], bin 0 %llu, below %llu, above %llu, NaN %zu", st.hist_lo, st.hist_hi,
          (unsigned long long)st.hist[0], (unsigned long long)st.hist_below, (unsigned long long)st.hist_above,
          st.nan_count);
    clrelu_layer_stats_free(&st);
    double infs[2] = {-INFINITY, INFINITY};
    CHECK_OK(clrelu_layer_stats_compute(CLRELU_F64, infs, infs, 2, 1, &st));
    CHECK(hist_sum(&st) == 0 && st.hist_below == 1 && st.hist_above == 1 && st.hist_lo == 0 && st.hist_hi == 0,
          "only infinities: none binned, one each side");
    clrelu_layer_stats_free(&st);
}

int main(void)
{
    snprintf(root, sizeof root, "/tmp/clrelu_test_model_%d", (int)getpid());
    clrelu_context *ctx = check_context(NULL);
    known_answers(ctx);
    robust_histogram();
    loading_errors();
    example_model(ctx);
    clrelu_context_destroy(ctx);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", root);
    return check_summary("test_model");
}
