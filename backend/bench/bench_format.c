/* bench_format.c: a sweep's result as JSON (schema clrelu-bench/1) and as CSV (one row per case). */
#include "core/backend.h"
#include "clrelu_bench.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growing string; on allocation failure `failed` is set and further appends are ignored. */
typedef struct {
    char *s;
    size_t len, cap;
    bool failed;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    if (b->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = true;
            return;
        }
        if (b->s && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap : 4096;
        while (cap <= b->len + (size_t)n)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            b->failed = true;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
}

static char *sb_take(sbuf *b)
{
    if (b->failed || !b->s) {
        free(b->s);
        return NULL;
    }
    return b->s;
}

/* A JSON string literal. */
static void sb_jstr(sbuf *b, const char *s)
{
    sb_printf(b, "\"");
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            sb_printf(b, "\\%c", ch);
        else if (ch < 0x20)
            sb_printf(b, "\\u%04x", ch);
        else
            sb_printf(b, "%c", ch);
    }
    sb_printf(b, "\"");
}

/* A JSON number (null when not finite). */
static void sb_num(sbuf *b, double v)
{
    if (isfinite(v))
        sb_printf(b, "%.10g", v);
    else
        sb_printf(b, "null");
}

static void sb_stats(sbuf *b, const char *key, const clrelu_bench_stats *s)
{
    sb_printf(b, "\"%s\": {\"min\": ", key);
    sb_num(b, s->min);
    sb_printf(b, ", \"median\": ");
    sb_num(b, s->median);
    sb_printf(b, ", \"mean\": ");
    sb_num(b, s->mean);
    sb_printf(b, ", \"p95\": ");
    sb_num(b, s->p95);
    sb_printf(b, ", \"max\": ");
    sb_num(b, s->max);
    sb_printf(b, ", \"stddev\": ");
    sb_num(b, s->stddev);
    sb_printf(b, ", \"cv\": ");
    sb_num(b, s->cv);
    sb_printf(b, "}");
}

static void sb_key_str(sbuf *b, const char *key, const char *v, bool comma)
{
    sb_printf(b, "\"%s\": ", key);
    sb_jstr(b, v);
    if (comma)
        sb_printf(b, ", ");
}

static void sb_key_num(sbuf *b, const char *key, double v)
{
    sb_printf(b, "\"%s\": ", key);
    sb_num(b, v);
    sb_printf(b, ", ");
}

static void json_meta(sbuf *b, const clrelu_bench_result *r)
{
    sb_printf(b, "  \"meta\": {");
    sb_key_str(b, "clrelu_version", r->clrelu_version, true);
    sb_key_str(b, "host", r->host, true);
    sb_key_str(b, "timestamp", r->timestamp, true);
    sb_key_str(b, "data_pattern", r->data_pattern, true);
    sb_key_str(b, "bytes_convention",
               "logical bytes: forward reads x and writes y (2 N sizeof(T)), backward reads x and grad_output "
               "and writes dx (3 N sizeof(T)); copy ceiling 2 N sizeof(T), add ceiling 3 N sizeof(T); GB/s = 1e9 bytes/s",
               true);
    sb_key_str(b, "sizes", r->sizes, true);
    sb_key_str(b, "ops", r->ops, true);
    sb_key_str(b, "dtypes", r->dtypes, true);
    sb_key_str(b, "directions", r->directions, true);
    sb_key_str(b, "placements", r->placements, true);
    sb_printf(b, "\"warmup\": %d, \"min_samples\": %d, \"max_samples\": %d, ", r->warmup, r->min_samples,
              r->max_samples);
    sb_key_num(b, "min_time_s", r->min_time_s);
    sb_key_num(b, "max_seconds", r->max_seconds);
    sb_printf(b, "\"max_bytes\": %llu, \"cancelled\": %s, \"time_capped\": %s, ", (unsigned long long)r->max_bytes,
              r->cancelled ? "true" : "false", r->time_capped ? "true" : "false");
    sb_printf(b, "\"elapsed_s\": ");
    sb_num(b, r->elapsed_s);
    sb_printf(b, "},\n");
}

static void json_devices(sbuf *b, const clrelu_bench_result *r)
{
    sb_printf(b, "  \"devices\": [");
    for (int i = 0; i < r->n_devices; i++) {
        const clrelu_bench_device_meta *m = &r->devices[i];
        sb_printf(b, "%s\n    {", i ? "," : "");
        sb_key_str(b, "id", m->id, true);
        sb_key_str(b, "name", m->name, true);
        sb_key_str(b, "type", m->type, true);
        sb_key_str(b, "backend", m->backend, true);
        sb_key_str(b, "platform", m->platform, true);
        sb_key_str(b, "vendor", m->vendor, true);
        sb_key_str(b, "driver_version", m->driver, true);
        sb_key_str(b, "device_version", m->device_version, true);
        sb_key_str(b, "opencl_c_version", m->opencl_c_version, true);
        sb_printf(b, "\"compute_units\": %u, \"clock_mhz\": %u, \"global_mem_bytes\": %llu, \"max_alloc_bytes\": %llu, ",
                  m->compute_units, m->clock_mhz, (unsigned long long)m->global_mem_bytes,
                  (unsigned long long)m->max_alloc_bytes);
        sb_printf(b, "\"timer_resolution_ns\": ");
        sb_num(b, m->timer_resolution_ns);
        sb_printf(b, "}");
    }
    sb_printf(b, "\n  ],\n");
}

static void json_ceilings(sbuf *b, const clrelu_bench_result *r)
{
    sb_printf(b, "  \"ceilings\": [");
    for (int i = 0; i < r->n_ceilings; i++) {
        const clrelu_bench_ceiling *c = &r->ceilings[i];
        sb_printf(b, "%s\n    {", i ? "," : "");
        sb_key_str(b, "device", r->devices[c->device].id, true);
        sb_key_str(b, "kind", clrelu_ceiling_kind_name(c->kind), true);
        sb_key_str(b, "dtype", clrelu_dtype_name(c->dtype), true);
        sb_printf(b, "\"elements\": %zu, \"bytes_moved\": %llu, ", c->elements, (unsigned long long)c->bytes_moved);
        sb_key_str(b, "status", clrelu_bench_case_status_name(c->status), true);
        sb_key_str(b, "reason", c->reason, true);
        sb_printf(b, "\"n_samples\": %d, ", c->n_samples);
        sb_stats(b, "time_ns", &c->ns);
        sb_printf(b, ", ");
        sb_key_num(b, "gbps_median", c->gbps_median);
        sb_printf(b, "\"gbps_max\": ");
        sb_num(b, c->gbps_max);
        sb_printf(b, "}");
    }
    sb_printf(b, "\n  ],\n");
}

static void json_samples(sbuf *b, const char *key, const double *v, int n)
{
    sb_printf(b, "\"%s\": [", key);
    for (int i = 0; i < n; i++) {
        sb_printf(b, i ? ", " : "");
        sb_num(b, v[i]);
    }
    sb_printf(b, "]");
}

static void json_cases(sbuf *b, const clrelu_bench_result *r)
{
    sb_printf(b, "  \"cases\": [");
    for (int i = 0; i < r->n_cases; i++) {
        const clrelu_bench_case *c = &r->cases[i];
        sb_printf(b, "%s\n    {", i ? "," : "");
        sb_key_str(b, "device", r->devices[c->device].id, true);
        sb_key_str(b, "op", c->op, true);
        sb_key_str(b, "dtype", clrelu_dtype_name(c->dtype), true);
        sb_key_str(b, "direction", c->backward ? "backward" : "forward", true);
        sb_key_str(b, "placement", c->in_place ? "in" : "out", true);
        sb_printf(b, "\"elements\": %zu, \"bytes_moved\": %llu, ", c->elements, (unsigned long long)c->bytes_moved);
        sb_key_str(b, "status", clrelu_bench_case_status_name(c->status), true);
        sb_key_str(b, "reason", c->reason, true);
        sb_printf(b, "\"n_samples\": %d, ", c->n_samples);
        sb_stats(b, "kernel_ns", &c->kernel);
        sb_printf(b, ", ");
        sb_stats(b, "host_ns", &c->host);
        sb_printf(b, ", ");
        sb_stats(b, "transfer_in_ns", &c->transfer_in);
        sb_printf(b, ", ");
        sb_stats(b, "transfer_out_ns", &c->transfer_out);
        sb_printf(b, ", ");
        sb_key_num(b, "first_run_ns", c->first_run_ns);
        sb_key_num(b, "build_ns", c->build_ns);
        sb_key_num(b, "gbps_median", c->gbps_median);
        sb_key_num(b, "gbps_max", c->gbps_max);
        sb_key_num(b, "elements_per_s", c->elements_per_s);
        sb_key_num(b, "ceiling_gbps", c->ceiling_gbps);
        sb_key_num(b, "pct_of_copy", c->pct_of_copy);
        sb_printf(b, "\"mismatches\": %ld, \"samples\": {", c->mismatches);
        json_samples(b, "kernel_ns", c->kernel_ns, c->n_samples);
        sb_printf(b, ", ");
        json_samples(b, "host_ns", c->host_ns, c->n_samples);
        sb_printf(b, "}}");
    }
    sb_printf(b, "\n  ]\n");
}

char *clrelu_bench_to_json(const clrelu_bench_result *r)
{
    sbuf b = {0};
    sb_printf(&b, "{\n  \"schema\": \"clrelu-bench/1\",\n");
    json_meta(&b, r);
    json_devices(&b, r);
    json_ceilings(&b, r);
    json_cases(&b, r);
    sb_printf(&b, "}\n");
    return sb_take(&b);
}

const char *clrelu_bench_csv_header(void)
{
    return "device,device_name,op,dtype,direction,placement,elements,bytes_moved,status,reason,n_samples,"
           "kernel_min_ns,kernel_median_ns,kernel_mean_ns,kernel_p95_ns,kernel_max_ns,kernel_stddev_ns,kernel_cv,"
           "host_median_ns,transfer_in_median_ns,transfer_out_median_ns,first_run_ns,build_ns,gbps_median,gbps_max,"
           "elements_per_s,ceiling_gbps,pct_of_copy,mismatches";
}

/* A CSV field, quoted when it holds a comma, quote or newline. */
static void csv_str(sbuf *b, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        sb_printf(b, "%s", s);
        return;
    }
    sb_printf(b, "\"");
    for (; *s; s++)
        sb_printf(b, *s == '"' ? "\"\"" : "%c", *s);
    sb_printf(b, "\"");
}

char *clrelu_bench_to_csv(const clrelu_bench_result *r)
{
    sbuf b = {0};
    sb_printf(&b, "%s\n", clrelu_bench_csv_header());
    for (int i = 0; i < r->n_cases; i++) {
        const clrelu_bench_case *c = &r->cases[i];
        csv_str(&b, r->devices[c->device].id);
        sb_printf(&b, ",");
        csv_str(&b, r->devices[c->device].name);
        sb_printf(&b, ",%s,%s,%s,%s,%zu,%llu,%s,", c->op, clrelu_dtype_name(c->dtype),
                  c->backward ? "backward" : "forward", c->in_place ? "in" : "out", c->elements,
                  (unsigned long long)c->bytes_moved, clrelu_bench_case_status_name(c->status));
        csv_str(&b, c->reason);
        const clrelu_bench_stats *k = &c->kernel;
        sb_printf(&b, ",%d,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.6g,%.10g,%.10g,%.10g,%.10g,%.10g,%.6g,%.6g,%.6g,%.6g,%.4g,%ld\n",
                  c->n_samples, k->min, k->median, k->mean, k->p95, k->max, k->stddev, k->cv, c->host.median,
                  c->transfer_in.median, c->transfer_out.median, c->first_run_ns, c->build_ns, c->gbps_median,
                  c->gbps_max, c->elements_per_s, c->ceiling_gbps, c->pct_of_copy, c->mismatches);
    }
    return sb_take(&b);
}
