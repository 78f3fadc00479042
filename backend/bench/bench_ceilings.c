/* bench_ceilings.c: measure the reference ceilings of a sweep through the backends' bench_ceiling hook. */
#include "bench/bench_ceiling.h"
#include "bench/bench_engine.h"
#include "bench/bench_sweep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static clrelu_bench_ceiling *append(bench_sweep *sw)
{
    clrelu_bench_result *r = sw->res;
    if (r->n_ceilings == sw->ceil_cap) {
        int cap = sw->ceil_cap ? sw->ceil_cap * 2 : 16;
        clrelu_bench_ceiling *p = realloc(r->ceilings, (size_t)cap * sizeof *p);
        if (!p)
            return NULL;
        r->ceilings = p;
        sw->ceil_cap = cap;
    }
    clrelu_bench_ceiling *c = &r->ceilings[r->n_ceilings++];
    memset(c, 0, sizeof *c);
    return c;
}

/* Run one kind: min_samples launches, then more until min_time is covered (max_samples at
 * most), with one warm-up launch first. Returns the entry's index or -1. */
static int measure(bench_sweep *sw, const clrelu_device *dev, int dev_index, clrelu_ceiling_kind kind,
                   clrelu_dtype dtype, size_t n, const void *a, const void *b, void *out)
{
    const bench_plan *p = sw->plan;
    clrelu_bench_ceiling *c = append(sw);
    if (!c)
        return -1;
    int index = sw->res->n_ceilings - 1;
    c->device = dev_index;
    c->kind = kind;
    c->dtype = dtype;
    c->elements = n;
    c->bytes_moved = kind == CLRELU_CEIL_EMPTY ? 0 : clrelu_bench_bytes_moved(kind == CLRELU_CEIL_ADD, n, dtype);
    double *samples = malloc((size_t)p->max_samples * sizeof *samples);
    if (!samples) {
        c->status = CLRELU_BENCH_FAILED;
        snprintf(c->reason, sizeof c->reason, "out of memory for samples");
        return index;
    }
    int have = 0;
    double total = 0;
    int want = p->min_samples;
    while (have < p->max_samples) {
        bench_ceiling_call call = {kind, dtype, n, a, b, out, have == 0 ? 1 : 0, want, samples + have, NULL};
        clrelu_status st = clr_bench_ceiling_call(dev, &call);
        if (st != CLRELU_OK) {
            c->status = st == CLRELU_ERR_UNSUPPORTED ? CLRELU_BENCH_SKIPPED : CLRELU_BENCH_FAILED;
            snprintf(c->reason, sizeof c->reason, "%s", clrelu_last_error());
            free(samples);
            return index;
        }
        for (int i = have; i < have + want; i++)
            total += samples[i];
        have += want;
        if (total >= p->min_time_s * 1e9 || clr_bench_out_of_time(sw))
            break;
        double per = total / have > 1 ? total / have : 1;
        double more = (p->min_time_s * 1e9 - total) / per + 1;
        want = more < (double)(p->max_samples - have) ? (int)more : p->max_samples - have;
    }
    c->n_samples = have;
    c->ns = clrelu_bench_stats_of(samples, (size_t)have);
    c->gbps_median = clr_bench_gbps(c->bytes_moved, c->ns.median);
    c->gbps_max = clr_bench_gbps(c->bytes_moved, c->ns.min);
    c->status = CLRELU_BENCH_OK;
    free(samples);
    return index;
}

void clr_bench_group_ceilings(bench_sweep *sw, bench_group *g, bool want_add)
{
    g->copy_ceiling = measure(sw, g->dev, g->dev_index, CLRELU_CEIL_COPY, g->dtype, g->n, g->x0, NULL, g->y);
    measure(sw, g->dev, g->dev_index, CLRELU_CEIL_CLBLAST_COPY, g->dtype, g->n, g->x0, NULL, g->y);
    g->add_ceiling =
        want_add ? measure(sw, g->dev, g->dev_index, CLRELU_CEIL_ADD, g->dtype, g->n, g->x0, g->g0, g->y) : -1;
}

void clr_bench_empty_ceiling(bench_sweep *sw, const clrelu_device *dev, int dev_index)
{
    measure(sw, dev, dev_index, CLRELU_CEIL_EMPTY, CLRELU_F32, 0, NULL, NULL, NULL);
}
