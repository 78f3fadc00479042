/* test_bench_engine.c: the benchmark engine — statistics, byte accounting, size specs, skips, caps, cancellation, JSON/CSV, single measurements. */
#include "check.h"
#include "clrelu_bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool near(double a, double b) { return fabs(a - b) <= 1e-9 * (fabs(b) > 1 ? fabs(b) : 1); }

static void stats_on_known_samples(void)
{
    double v[10] = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1}; /* unsorted on purpose */
    clrelu_bench_stats s = clrelu_bench_stats_of(v, 10);
    CHECK(near(s.min, 1) && near(s.max, 10), "min %g max %g", s.min, s.max);
    CHECK(near(s.median, 5.5) && near(s.mean, 5.5), "median %g mean %g", s.median, s.mean);
    CHECK(near(s.p95, 9.55), "p95 %g (1 + 0.95 * 9)", s.p95);
    CHECK(near(s.stddev, sqrt(55.0 / 6.0)), "stddev %g", s.stddev);
    CHECK(near(s.cv, sqrt(55.0 / 6.0) / 5.5), "cv %g", s.cv);
    CHECK(v[0] == 10, "the samples are left unsorted");
    double one = 42;
    s = clrelu_bench_stats_of(&one, 1);
    CHECK(s.min == 42 && s.median == 42 && s.p95 == 42 && s.max == 42 && s.stddev == 0 && s.cv == 0,
          "one sample: every order statistic is it, no spread");
    double odd[3] = {3, 1, 2};
    CHECK(near(clrelu_bench_stats_of(odd, 3).median, 2), "odd count median");
}

static void byte_accounting(void)
{
    CHECK(clrelu_bench_bytes_moved(false, 1024, CLRELU_F32) == 2 * 1024 * 4, "forward: read x + write y");
    CHECK(clrelu_bench_bytes_moved(true, 1024, CLRELU_F16) == 3 * 1024 * 2, "backward: read x, g + write dx");
    CHECK(clrelu_bench_bytes_moved(false, 10, CLRELU_F64) == 160, "float64 forward");
}

static void expect_sizes(const char *spec, int n, const uint64_t *values, bool bytes)
{
    clrelu_bench_size *s = NULL;
    int got = 0;
    clrelu_status st = clrelu_bench_parse_sizes(spec, &s, &got);
    CHECK(st == CLRELU_OK && got == n, "'%s': %s, %d sizes (want %d) %s", spec, clrelu_status_name(st), got, n,
          clrelu_last_error());
    for (int i = 0; st == CLRELU_OK && i < n && i < got; i++)
        CHECK(s[i].value == values[i] && s[i].bytes == bytes, "'%s'[%d] = %llu%s, want %llu", spec, i,
              (unsigned long long)s[i].value, s[i].bytes ? " bytes" : "", (unsigned long long)values[i]);
    free(s);
}

static void size_specs(void)
{
    uint64_t geo[11];
    for (int i = 0; i < 11; i++)
        geo[i] = 1ull << (10 + 2 * i);
    expect_sizes("1K..1G x4", 11, geo, false);
    expect_sizes("1K..1G ×4", 11, geo, false);
    uint64_t list[3] = {4096, 1u << 20, 1536};
    expect_sizes("4096, 1M,1.5K", 3, list, false);
    uint64_t b[3] = {65536, 1000000, 512};
    expect_sizes("64KiB,1MB,512B", 3, b, true);
    uint64_t r2[3] = {1u << 20, 2u << 20, 4u << 20};
    expect_sizes("1MiB..4MiB", 3, r2, true);
    const char *bad[] = {"0", "", "1Q", "4K..1K", "1K..1MiB", "1K..4K x1", "-5", "1K..4K y2", "0.5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        clrelu_bench_size *s = NULL;
        int n = 0;
        clrelu_status st = clrelu_bench_parse_sizes(bad[i], &s, &n);
        CHECK(st == CLRELU_ERR_INVALID_ARG && *clrelu_last_error(), "'%s' is refused with a message (%s)", bad[i],
              clrelu_status_name(st));
        free(s);
    }
}

static clrelu_bench_options tiny(const char *devices, const char *sizes)
{
    clrelu_bench_options o;
    memset(&o, 0, sizeof o);
    o.devices = devices;
    o.sizes = sizes;
    o.min_samples = 3;
    o.min_time_s = 1e-4;
    o.max_samples = 20;
    return o;
}

static void bad_options(clrelu_context *ctx)
{
    clrelu_bench_options o = tiny("host", "1K");
    clrelu_bench_result *r = NULL;
    o.ops = "relu,nope";
    CHECK(clrelu_bench_run(ctx, &o, &r) == CLRELU_ERR_NOT_FOUND && r == NULL, "unknown op refused before running");
    o.ops = NULL;
    o.directions = "sideways";
    CHECK(clrelu_bench_run(ctx, &o, &r) == CLRELU_ERR_INVALID_ARG && r == NULL, "unknown direction refused");
    o.directions = "both";
    o.placements = "both";
    o.ops = "relu,gelu";
    o.sizes = "1K,2K";
    int total = 0;
    CHECK_OK(clrelu_bench_count(ctx, &o, &total));
    CHECK(total == 1 * 2 * 1 * 2 * 2 * 2, "count: devices x ops x dtypes x sizes x directions x placements = %d", total);
}

/* Every case of a small sweep on every device runs, validates and has sane numbers. */
static void sweep_runs_and_validates(clrelu_context *ctx)
{
    clrelu_bench_options o = tiny("all", "1K,3000");
    o.ops = "relu,gelu,prelu";
    o.directions = "both";
    o.placements = "both";
    clrelu_bench_result *r = NULL;
    CHECK_OK(clrelu_bench_run(ctx, &o, &r));
    if (!r)
        return;
    CHECK(r->n_cases == clrelu_device_count(ctx) * 3 * 2 * 2 * 2, "%d cases", r->n_cases);
    for (int i = 0; i < r->n_cases; i++) {
        const clrelu_bench_case *c = &r->cases[i];
        const char *dev = r->devices[c->device].id;
        CHECK(c->status == CLRELU_BENCH_OK, "%s %s %s %s: %s %s", dev, c->op, c->backward ? "bwd" : "fwd",
              c->in_place ? "in" : "out", clrelu_bench_case_status_name(c->status), c->reason);
        CHECK(c->mismatches == 0, "%s %s: no mismatches", dev, c->op);
        CHECK(c->n_samples >= 3 && c->n_samples <= 20, "%s: %d samples within [min, max]", dev, c->n_samples);
        CHECK(c->kernel.min > 0 && isfinite(c->kernel.max) && c->kernel.min <= c->kernel.median &&
                  c->kernel.median <= c->kernel.p95 && c->kernel.p95 <= c->kernel.max,
              "%s %s: ordered, positive kernel stats", dev, c->op);
        CHECK(c->host.median >= c->kernel.min, "%s: host round trip covers the kernel", dev);
        CHECK(c->gbps_median > 0 && isfinite(c->gbps_median) && c->gbps_max >= c->gbps_median,
              "%s: GB/s at the min >= at the median", dev);
        CHECK(near(c->gbps_median, (double)c->bytes_moved / c->kernel.median), "%s: GB/s = bytes / median ns", dev);
        CHECK(c->bytes_moved == clrelu_bench_bytes_moved(c->backward, c->elements, c->dtype), "byte convention");
        CHECK(c->first_run_ns > 0, "%s: first run timed", dev);
        CHECK(c->pct_of_copy > 0 && isfinite(c->pct_of_copy), "%s %s: %% of copy %g", dev, c->op, c->pct_of_copy);
    }
    int copies = 0, empties = 0, adds = 0;
    for (int i = 0; i < r->n_ceilings; i++) {
        const clrelu_bench_ceiling *c = &r->ceilings[i];
        if (c->kind == CLRELU_CEIL_CLBLAST_COPY) {
            CHECK(c->status != CLRELU_BENCH_FAILED, "clblast: ok or skipped with a reason: %s", c->reason);
            CHECK(c->status == CLRELU_BENCH_OK || c->reason[0], "a skipped ceiling says why");
            continue;
        }
        CHECK(c->status == CLRELU_BENCH_OK && c->ns.median > 0, "%s ceiling on %s: %s %s",
              clrelu_ceiling_kind_name(c->kind), r->devices[c->device].id, clrelu_bench_case_status_name(c->status),
              c->reason);
        copies += c->kind == CLRELU_CEIL_COPY;
        adds += c->kind == CLRELU_CEIL_ADD;
        empties += c->kind == CLRELU_CEIL_EMPTY;
    }
    int nd = clrelu_device_count(ctx);
    CHECK(copies == nd * 2 && adds == nd * 2 && empties == nd, "copy %d add %d empty %d ceilings", copies, adds, empties);
    CHECK(r->n_devices == nd && r->devices[0].id[0] && r->timestamp[0] && r->host[0] && r->data_pattern[0],
          "metadata filled");
    clrelu_bench_result_free(r);
}

static void skip_reasons_and_memory_cap(clrelu_context *ctx)
{
    clrelu_bench_options o = tiny("host", "256,64K");
    o.max_bytes = 100000; /* 256 floats x 3 buffers fits; 64K x 3 does not */
    o.no_ceilings = true;
    clrelu_bench_result *r = NULL;
    CHECK_OK(clrelu_bench_run(ctx, &o, &r));
    if (r) {
        CHECK(r->n_cases == 2 && r->cases[0].status == CLRELU_BENCH_OK, "small case runs: %s", r->cases[0].reason);
        CHECK(r->cases[1].status == CLRELU_BENCH_SKIPPED && strstr(r->cases[1].reason, "memory cap"),
              "large case skipped: %s", r->cases[1].reason);
        CHECK(r->cases[1].n_samples == 0 && r->n_ceilings == 0, "no samples, no ceilings with --no-ceilings");
    }
    clrelu_bench_result_free(r);

    /* float64: skipped with a reason on a device without fp64, timed elsewhere */
    o = tiny("all", "512");
    o.dtypes = "float64";
    o.no_ceilings = true;
    CHECK_OK(clrelu_bench_run(ctx, &o, &r));
    for (int i = 0; r && i < r->n_cases; i++) {
        const clrelu_bench_case *c = &r->cases[i];
        const clrelu_device_info *info = NULL;
        for (int d = 0; d < clrelu_device_count(ctx); d++)
            if (!strcmp(clrelu_device_get_info(clrelu_device_at(ctx, d))->id, r->devices[c->device].id))
                info = clrelu_device_get_info(clrelu_device_at(ctx, d));
        if (info && !info->dtype_supported[CLRELU_F64])
            CHECK(c->status == CLRELU_BENCH_SKIPPED && strstr(c->reason, "float64 is not supported"),
                  "%s: float64 skipped: %s", info->id, c->reason);
        else
            CHECK(c->status == CLRELU_BENCH_OK, "%s: float64 timed: %s", r->devices[c->device].id, c->reason);
    }
    clrelu_bench_result_free(r);
}

static void time_cap_skips_the_rest(clrelu_context *ctx)
{
    clrelu_bench_options o = tiny("host", "1K..64K x2");
    o.min_time_s = 0.03; /* each case takes >= 30 ms */
    o.max_samples = 100000;
    o.max_seconds = 0.05;
    o.no_ceilings = true;
    clrelu_bench_result *r = NULL;
    CHECK_OK(clrelu_bench_run(ctx, &o, &r));
    if (!r)
        return;
    int ok = 0, capped = 0;
    for (int i = 0; i < r->n_cases; i++) {
        ok += r->cases[i].status == CLRELU_BENCH_OK;
        capped += r->cases[i].status == CLRELU_BENCH_SKIPPED && strstr(r->cases[i].reason, "time cap reached");
    }
    CHECK(r->time_capped && ok >= 1 && capped >= 1 && ok + capped == r->n_cases,
          "time cap: %d ran, %d skipped of %d", ok, capped, r->n_cases);
    CHECK(r->elapsed_s < 1.0, "the sweep stopped near its cap (%.2f s)", r->elapsed_s);
    clrelu_bench_result_free(r);
}

typedef struct {
    int seen;
    int cancel_after;
    int last_done, last_total;
} cancel_state;

static void progress(const clrelu_bench_progress *p, void *user)
{
    cancel_state *s = user;
    s->seen++;
    s->last_done = p->done;
    s->last_total = p->total;
}

static bool cancel_now(void *user)
{
    cancel_state *s = user;
    return s->last_done >= s->cancel_after;
}

static void cancellation_between_cases(clrelu_context *ctx)
{
    clrelu_bench_options o = tiny("host", "1K,2K,3K,4K,5K");
    cancel_state cs = {0, 2, 0, 0};
    o.progress = progress;
    o.cancelled = cancel_now;
    o.user = &cs;
    clrelu_bench_result *r = NULL;
    clrelu_status st = clrelu_bench_run(ctx, &o, &r);
    CHECK(st == CLRELU_ERR_CANCELLED && r != NULL, "cancelled sweep returns its partial result (%s)",
          clrelu_status_name(st));
    if (!r)
        return;
    CHECK(r->cancelled, "result marked cancelled");
    CHECK(r->cases[0].status == CLRELU_BENCH_OK && r->cases[1].status == CLRELU_BENCH_OK, "finished cases kept");
    for (int i = 2; i < r->n_cases; i++)
        CHECK(r->cases[i].status == CLRELU_BENCH_SKIPPED && !strcmp(r->cases[i].reason, "cancelled"),
              "case %d skipped as cancelled: %s", i, r->cases[i].reason);
    CHECK(cs.seen >= 5 && cs.last_total == 5 && cs.last_done == 5, "progress reported (%d calls, %d/%d)", cs.seen,
          cs.last_done, cs.last_total);
    clrelu_bench_result_free(r);
}

/* Brackets outside JSON string literals balance (a cheap structural check). */
static bool json_balanced(const char *s)
{
    int depth = 0;
    bool in_str = false;
    for (; *s && depth >= 0; s++) {
        if (in_str) {
            if (*s == '\\' && s[1])
                s++;
            else if (*s == '"')
                in_str = false;
        } else if (*s == '"') {
            in_str = true;
        } else if (*s == '{' || *s == '[') {
            depth++;
        } else if (*s == '}' || *s == ']') {
            depth--;
        }
    }
    return depth == 0 && !in_str;
}

static int count_char(const char *s, char ch)
{
    int n = 0;
    for (; *s; s++)
        n += *s == ch;
    return n;
}

static void json_and_csv_schema(clrelu_context *ctx)
{
    clrelu_bench_options o = tiny("host", "1K,2K");
    o.max_bytes = 20000; /* 2K x 3 x 4 bytes = 24576: the second case is skipped with a reason */
    clrelu_bench_result *r = NULL;
    CHECK_OK(clrelu_bench_run(ctx, &o, &r));
    if (!r)
        return;
    char *json = clrelu_bench_to_json(r), *csv = clrelu_bench_to_csv(r);
    CHECK(json && csv, "formatted");
    if (json) {
        const char *keys[] = {"\"schema\": \"clrelu-bench/1\"", "\"meta\"", "\"devices\"", "\"ceilings\"", "\"cases\"",
                              "\"bytes_convention\"", "\"data_pattern\"", "\"timer_resolution_ns\"", "\"gbps_median\"",
                              "\"pct_of_copy\"", "\"samples\"", "\"kernel_ns\"", "\"p95\"", "\"first_run_ns\"",
                              "\"opencl_c_version\"", "\"timestamp\"", "\"clrelu_version\": \"" CLRELU_VERSION "\""};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            CHECK(strstr(json, keys[i]) != NULL, "JSON has %s", keys[i]);
        CHECK(json_balanced(json), "JSON brackets balance outside strings");
        CHECK(!strstr(json, "nan") && !strstr(json, "inf"), "no non-JSON numbers");
    }
    if (csv) {
        const char *header = clrelu_bench_csv_header();
        CHECK(!strncmp(csv, header, strlen(header)) && csv[strlen(header)] == '\n', "CSV starts with its header");
        int cols = count_char(header, ',') + 1;
        CHECK(cols == 29, "29 columns (%d)", cols);
        CHECK(count_char(csv, '\n') == 1 + r->n_cases, "one row per case");
        const char *row1 = strchr(csv, '\n') + 1;
        const char *end1 = strchr(row1, '\n');
        int commas = 0;
        for (const char *p = row1; p < end1; p++)
            commas += *p == ',';
        CHECK(commas + 1 == cols, "first row has every column (%d)", commas + 1);
        CHECK(strstr(csv, "skipped,\"needs ") != NULL, "a reason with commas is quoted: %s", csv);
    }
    free(json);
    free(csv);
    clrelu_bench_result_free(r);
}

/* The single-measurement entries bench/ programs use: the engine's copy and add on every device
 * compute what they claim on the caller's arrays; dense variants run on OpenCL devices only. */
static void single_measurements(clrelu_context *ctx)
{
    enum { N = 4099 }; /* not a whole number of vectors: the tail runs too */
    static float a[N], b[N], c[N];
    for (int i = 0; i < N; i++) {
        a[i] = (float)(i % 13) - 6.0f;
        b[i] = 0.5f * (float)(i % 7);
    }
    for (int d = 0; d < clrelu_device_count(ctx); d++) {
        const clrelu_device *dev = clrelu_device_at(ctx, d);
        const char *id = clrelu_device_get_info(dev)->id;
        double ns[2] = {-1, -1};
        memset(c, 0, sizeof c);
        CHECK_OK(clrelu_bench_ceiling_measure(ctx, dev, CLRELU_CEIL_COPY, CLRELU_F32, a, NULL, c, N, 1, 2, ns));
        CHECK(!memcmp(a, c, sizeof c) && ns[0] >= 0 && ns[1] >= 0, "%s: copy ceiling copies (%g, %g ns)", id, ns[0],
              ns[1]);
        CHECK_OK(clrelu_bench_ceiling_measure(ctx, dev, CLRELU_CEIL_ADD, CLRELU_F32, a, b, c, N, 0, 1, ns));
        bool sums = true;
        for (int i = 0; i < N; i++)
            sums &= c[i] == a[i] + b[i];
        CHECK(sums && ns[0] >= 0, "%s: add ceiling adds", id);
        CHECK(clrelu_bench_ceiling_measure(ctx, dev, CLRELU_CEIL_COPY, CLRELU_F32, a, NULL, c, N, 0, 0, ns) ==
                  CLRELU_ERR_INVALID_ARG,
              "%s: repeats 0 is refused", id);
        CHECK(clrelu_bench_ceiling_measure(ctx, dev, CLRELU_CEIL_ADD, CLRELU_F32, a, NULL, c, N, 0, 1, ns) ==
                  CLRELU_ERR_INVALID_ARG,
              "%s: add without b is refused", id);
        bool opencl = !strcmp(clrelu_device_get_info(dev)->backend, "opencl");
        clrelu_status st = clrelu_bench_dense_measure(ctx, dev, CLRELU_BENCH_DENSE_FUSED, "relu", 8, 16, 8, 2, 1, 2, ns);
        CHECK(opencl ? st == CLRELU_OK && ns[0] > 0 && ns[1] > 0 : st == CLRELU_ERR_UNSUPPORTED,
              "%s: dense variant %s (%s)", id, opencl ? "timed" : "unsupported", clrelu_status_name(st));
        CHECK(clrelu_bench_dense_measure(ctx, dev, CLRELU_BENCH_DENSE_GEMM, "prelu", 8, 16, 8, 2, 1, 2, ns) ==
                  CLRELU_ERR_INVALID_ARG,
              "%s: a per-channel activation is refused", id);
    }
}

int main(void)
{
    stats_on_known_samples();
    byte_accounting();
    size_specs();
    clrelu_context *ctx = NULL;
    CHECK_OK(clrelu_context_create(NULL, &ctx));
    if (ctx) {
        bad_options(ctx);
        sweep_runs_and_validates(ctx);
        skip_reasons_and_memory_cap(ctx);
        time_cap_skips_the_rest(ctx);
        cancellation_between_cases(ctx);
        json_and_csv_schema(ctx);
        single_measurements(ctx);
        clrelu_context_destroy(ctx);
    }
    return check_summary("test_bench_engine");
}
