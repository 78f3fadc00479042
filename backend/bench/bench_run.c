/* bench_run.c: the sweep driver — metadata, buffers per (device, dtype, size), caps, cancellation, progress. */
#include "bench/bench_engine.h"
#include "bench/bench_sweep.h"
#include "bench/bench_validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static void describe_host(char *buf, size_t size)
{
    char name[128] = "unknown";
    struct utsname u;
    gethostname(name, sizeof name - 1);
    name[sizeof name - 1] = '\0';
    if (uname(&u) == 0)
        snprintf(buf, size, "%s (%s %s %s, %ld online CPUs)", name, u.sysname, u.release, u.machine,
                 sysconf(_SC_NPROCESSORS_ONLN));
    else
        snprintf(buf, size, "%s", name);
}

static void copy_str(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

/* The result skeleton: metadata, devices, one case entry per planned case (all "skipped:
 * not run" until they run). */
static clrelu_status result_new(const bench_plan *p, const clrelu_bench_options *o, clrelu_bench_result **out)
{
    clrelu_bench_result *r = calloc(1, sizeof *r);
    if (!r || !(r->devices = calloc((size_t)p->n_devices, sizeof *r->devices)) ||
        !(r->cases = calloc(p->total ? (size_t)p->total : 1, sizeof *r->cases))) {
        clrelu_bench_result_free(r);
        return clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "bench: out of memory for %d cases", p->total);
    }
    copy_str(r->clrelu_version, sizeof r->clrelu_version, CLRELU_VERSION);
    describe_host(r->host, sizeof r->host);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(r->timestamp, sizeof r->timestamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    copy_str(r->data_pattern, sizeof r->data_pattern, BENCH_DATA_PATTERN);
    copy_str(r->sizes, sizeof r->sizes, o->sizes && *o->sizes ? o->sizes : BENCH_DEFAULT_SIZES);
    for (int i = 0; i < p->n_ops; i++)
        snprintf(r->ops + strlen(r->ops), sizeof r->ops - strlen(r->ops), "%s%s", i ? "," : "",
                 clrelu_ops[p->ops[i]].desc.name);
    for (int i = 0; i < p->n_dtypes; i++)
        snprintf(r->dtypes + strlen(r->dtypes), sizeof r->dtypes - strlen(r->dtypes), "%s%s", i ? "," : "",
                 clrelu_dtype_name(p->dtypes[i]));
    for (int i = 0; i < p->n_directions; i++)
        snprintf(r->directions + strlen(r->directions), sizeof r->directions - strlen(r->directions), "%s%s",
                 i ? "," : "", p->backward[i] ? "backward" : "forward");
    for (int i = 0; i < p->n_placements; i++)
        snprintf(r->placements + strlen(r->placements), sizeof r->placements - strlen(r->placements), "%s%s",
                 i ? "," : "", p->in_place[i] ? "in" : "out");
    r->warmup = p->warmup;
    r->min_samples = p->min_samples;
    r->max_samples = p->max_samples;
    r->min_time_s = p->min_time_s;
    r->max_seconds = p->max_seconds;
    r->max_bytes = p->max_bytes;
    r->n_devices = p->n_devices;
    for (int i = 0; i < p->n_devices; i++) {
        const clrelu_device_info *in = clrelu_device_get_info(p->devices[i]);
        clrelu_bench_device_meta *m = &r->devices[i];
        copy_str(m->id, sizeof m->id, in->id);
        copy_str(m->name, sizeof m->name, in->name);
        copy_str(m->type, sizeof m->type, clrelu_device_type_name(in->type));
        copy_str(m->backend, sizeof m->backend, in->backend);
        copy_str(m->platform, sizeof m->platform, in->platform);
        copy_str(m->vendor, sizeof m->vendor, in->vendor);
        copy_str(m->driver, sizeof m->driver, in->driver_version);
        copy_str(m->device_version, sizeof m->device_version, in->device_version);
        copy_str(m->opencl_c_version, sizeof m->opencl_c_version, in->opencl_c_version);
        m->compute_units = in->compute_units;
        m->clock_mhz = in->clock_mhz;
        m->global_mem_bytes = in->global_mem_bytes;
        m->max_alloc_bytes = in->max_alloc_bytes;
        m->timer_resolution_ns = in->timer_resolution_ns;
    }
    /* every case in plan order: device, dtype, size, op, direction, placement */
    int k = 0;
    for (int d = 0; d < p->n_devices; d++)
        for (int t = 0; t < p->n_dtypes; t++)
            for (int s = 0; s < p->n_sizes; s++)
                for (int o2 = 0; o2 < p->n_ops; o2++)
                    for (int di = 0; di < p->n_directions; di++)
                        for (int pl = 0; pl < p->n_placements; pl++) {
                            clrelu_bench_case *c = &r->cases[k++];
                            c->device = d;
                            copy_str(c->op, sizeof c->op, clrelu_ops[p->ops[o2]].desc.name);
                            c->dtype = p->dtypes[t];
                            c->backward = p->backward[di];
                            c->in_place = p->in_place[pl];
                            c->elements = clr_bench_size_elements(&p->sizes[s], c->dtype);
                            c->bytes_moved = clrelu_bench_bytes_moved(c->backward, c->elements, c->dtype);
                            c->status = CLRELU_BENCH_SKIPPED;
                            copy_str(c->reason, sizeof c->reason, "not run");
                        }
    r->n_cases = k;
    *out = r;
    return CLRELU_OK;
}

static void group_free(bench_group *g)
{
    free(g->x0);
    free(g->g0);
    free(g->y);
    free(g->work);
    free(g->exp);
    free(g->weight);
    memset(g, 0, sizeof *g);
}

/* Host memory the group's cases need: x, y and the expected result, plus grad_output when
 * any case runs backward and a scratch copy when any runs in place. */
static uint64_t group_bytes(const bench_plan *p, size_t n, clrelu_dtype t)
{
    int buffers = 3;
    for (int i = 0; i < p->n_directions; i++)
        buffers += p->backward[i];
    for (int i = 0; i < p->n_placements; i++)
        buffers += p->in_place[i];
    return (uint64_t)buffers * n * clrelu_dtype_size(t);
}

/* One benchmark buffer, allocated as the peers' harnesses and numpy allocate theirs
 * (bench/peers/peer_timing.h): 2 MiB-aligned, and from 4 MiB up advised to use transparent huge
 * pages (this kernel's default THP mode is "madvise": without the advice a 64 MiB array takes
 * 16,384 TLB entries, and oneDNN's pass over huge pages was compared with clrelu's over small
 * ones). Small buffers stay on malloc's alignment. */
static void *bench_buffer(size_t bytes)
{
    if (bytes < (4u << 20))
        return malloc(bytes ? bytes : 1);
    void *p = NULL;
    if (posix_memalign(&p, 2u << 20, bytes))
        return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, bytes, MADV_HUGEPAGE); /* advice only: no huge pages is not an error */
#endif
    return p;
}

static bool group_alloc(const bench_plan *p, bench_group *g)
{
    size_t es = clrelu_dtype_size(g->dtype), bytes = g->n * es;
    bool bwd = false, in = false;
    for (int i = 0; i < p->n_directions; i++)
        bwd |= p->backward[i];
    for (int i = 0; i < p->n_placements; i++)
        in |= p->in_place[i];
    g->x0 = bench_buffer(bytes);
    g->y = bench_buffer(bytes);
    g->exp = bench_buffer(bytes);
    g->weight = malloc(es);
    g->g0 = bwd ? bench_buffer(bytes) : NULL;
    g->work = in ? bench_buffer(bytes) : NULL;
    if (!g->x0 || !g->y || !g->exp || !g->weight || (bwd && !g->g0) || (in && !g->work))
        return false;
    clr_bench_fill(g->x0, g->dtype, g->n, 1);
    if (bwd)
        clr_bench_fill(g->g0, g->dtype, g->n, 2);
    double slope = 0.25;
    clrelu_convert(&slope, CLRELU_F64, g->weight, g->dtype, 1);
    memset(g->y, 0, bytes);
    return true;
}

static void report(bench_sweep *sw, int done, const char *current)
{
    if (!sw->opts->progress)
        return;
    double el = clr_bench_elapsed(sw);
    clrelu_bench_progress pr = {done, sw->plan->total, el,
                                done > 0 ? el / done * (sw->plan->total - done) : -1.0, current};
    sw->opts->progress(&pr, sw->opts->user);
}

static void skip_case(clrelu_bench_case *c, const char *reason)
{
    c->status = CLRELU_BENCH_SKIPPED;
    snprintf(c->reason, sizeof c->reason, "%s", reason);
}

/* Cases [k, k + count) of one (device, dtype, size) group, in order. */
static void run_group(bench_sweep *sw, int dev_index, clrelu_dtype dtype, int k, int count, int *done)
{
    const bench_plan *p = sw->plan;
    clrelu_bench_result *r = sw->res;
    bench_group g = {0};
    g.dev = p->devices[dev_index];
    g.dev_index = dev_index;
    g.dtype = dtype;
    g.n = r->cases[k].elements;
    g.copy_ceiling = g.add_ceiling = -1;
    const clrelu_device_info *info = clrelu_device_get_info(g.dev);
    char why[256] = "";
    uint64_t need = group_bytes(p, g.n, dtype);
    if (clr_bench_cancelled(sw))
        r->cancelled = true;
    if (r->cancelled || clr_bench_out_of_time(sw))
        ; /* every case below is skipped; no buffers */
    else if (!info->dtype_supported[dtype])
        snprintf(why, sizeof why, "%s is not supported by %s (%s)", clrelu_dtype_name(dtype), info->id, info->name);
    else if (need > p->max_bytes)
        snprintf(why, sizeof why, "needs %llu bytes of host buffers, over the memory cap of %llu bytes",
                 (unsigned long long)need, (unsigned long long)p->max_bytes);
    else if (!group_alloc(p, &g))
        snprintf(why, sizeof why, "out of host memory for %llu bytes of buffers", (unsigned long long)need);
    bool ceilings_done = false;
    for (int i = k; i < k + count; i++) {
        clrelu_bench_case *c = &r->cases[i];
        char label[160];
        snprintf(label, sizeof label, "%s %s %s %s %s n=%zu", info->id, c->op, clrelu_dtype_name(dtype),
                 c->backward ? "backward" : "forward", c->in_place ? "in-place" : "out-of-place", c->elements);
        report(sw, *done, label);
        if (clr_bench_cancelled(sw)) {
            r->cancelled = true;
            skip_case(c, "cancelled");
        } else if (r->cancelled) {
            skip_case(c, "cancelled");
        } else if (clr_bench_out_of_time(sw)) {
            r->time_capped = true;
            char cap[64];
            snprintf(cap, sizeof cap, "time cap reached (%g s)", p->max_seconds);
            skip_case(c, cap);
        } else if (why[0]) {
            skip_case(c, why);
        } else {
            if (!ceilings_done && !sw->opts->no_ceilings) {
                bool bwd = false;
                for (int d = 0; d < p->n_directions; d++)
                    bwd |= p->backward[d];
                clr_bench_group_ceilings(sw, &g, bwd);
            }
            ceilings_done = true;
            c->reason[0] = '\0';
            clr_bench_case_run(sw, &g, c);
        }
        (*done)++;
    }
    group_free(&g);
}

clrelu_status clrelu_bench_run(clrelu_context *ctx, const clrelu_bench_options *opts, clrelu_bench_result **out)
{
    if (!out)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bench: null result pointer");
    *out = NULL;
    bench_plan p;
    clrelu_status st = clr_bench_plan_parse(ctx, opts, &p);
    if (st != CLRELU_OK)
        return st;
    bench_sweep sw = {ctx, &p, opts, NULL, clrelu_now_ns(), 0};
    if ((st = result_new(&p, opts, &sw.res)) != CLRELU_OK)
        goto out;
    int per_group = p.n_ops * p.n_directions * p.n_placements, k = 0, done = 0;
    for (int d = 0; d < p.n_devices; d++) {
        if (!opts->no_ceilings && !clr_bench_cancelled(&sw) && !clr_bench_out_of_time(&sw))
            clr_bench_empty_ceiling(&sw, p.devices[d], d);
        for (int t = 0; t < p.n_dtypes; t++)
            for (int s = 0; s < p.n_sizes; s++, k += per_group)
                run_group(&sw, d, p.dtypes[t], k, per_group, &done);
    }
    report(&sw, done, "");
    sw.res->elapsed_s = clr_bench_elapsed(&sw);
    *out = sw.res;
    if (sw.res->cancelled)
        st = clrelu_set_error(CLRELU_ERR_CANCELLED, "bench: cancelled after %d of %d cases", done, p.total);
out:
    clr_bench_plan_free(&p);
    return st;
}

void clrelu_bench_result_free(clrelu_bench_result *r)
{
    if (!r)
        return;
    for (int i = 0; r->cases && i < r->n_cases; i++) {
        free(r->cases[i].kernel_ns);
        free(r->cases[i].host_ns);
    }
    free(r->cases);
    free(r->ceilings);
    free(r->devices);
    free(r);
}
