/* bench_case.c: run one benchmark case — first run, warm-up, timed samples, validation of every result. */
#include "bench/bench_engine.h"
#include "bench/bench_sweep.h"
#include "bench/bench_validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Inputs for one call: in place, a fresh copy of the input that is overwritten (x forward,
 * grad_output backward) is made first, outside the timed call. */
static void prepare(bench_group *g, const clrelu_bench_case *c, clrelu_op_args *a)
{
    size_t bytes = g->n * clrelu_dtype_size(g->dtype);
    a->x = g->x0;
    a->grad_output = c->backward ? g->g0 : NULL;
    a->y = g->y;
    if (c->in_place) {
        memcpy(g->work, c->backward ? g->g0 : g->x0, bytes);
        if (c->backward)
            a->grad_output = a->y = g->work;
        else
            a->x = a->y = g->work;
    }
}

typedef struct {
    double *kernel, *host, *tin, *tout;
    int n, cap;
} samples;

static bool samples_push(samples *s, const clrelu_timing *t)
{
    if (s->n == s->cap) {
        int cap = s->cap ? s->cap * 2 : 16;
        double *p[4] = {realloc(s->kernel, cap * sizeof(double)), NULL, NULL, NULL};
        if (p[0])
            s->kernel = p[0];
        p[1] = realloc(s->host, cap * sizeof(double));
        if (p[1])
            s->host = p[1];
        p[2] = realloc(s->tin, cap * sizeof(double));
        if (p[2])
            s->tin = p[2];
        p[3] = realloc(s->tout, cap * sizeof(double));
        if (p[3])
            s->tout = p[3];
        if (!p[0] || !p[1] || !p[2] || !p[3])
            return false;
        s->cap = cap;
    }
    s->kernel[s->n] = (double)t->kernel_ns;
    s->host[s->n] = (double)t->total_ns;
    s->tin[s->n] = (double)t->transfer_in_ns;
    s->tout[s->n] = (double)t->transfer_out_ns;
    s->n++;
    return true;
}

/* Check one result; the first mismatch of the case goes into its reason. */
static void validate(bench_group *g, clrelu_bench_case *c, const struct op_entry *op)
{
    size_t first = 0;
    const void *got = c->in_place ? g->work : g->y;
    long bad = clr_bench_compare(op, g->dtype, g->n, got, g->exp, &first);
    if (bad && c->mismatches == 0) {
        snprintf(c->reason, sizeof c->reason, "%ld of %zu elements differ from the reference; first [%zu] x=%.9g got %.9g expected %.9g",
                 bad, g->n, first, clr_bench_value(g->x0, g->dtype, first), clr_bench_value(got, g->dtype, first),
                 clr_bench_value(g->exp, g->dtype, first));
    }
    c->mismatches += bad;
}

/* One call of the case; a failure sets the case FAILED with the library's message. */
static bool run_once(bench_sweep *sw, bench_group *g, clrelu_bench_case *c, clrelu_timing *t)
{
    clrelu_op_args a;
    memset(&a, 0, sizeof a);
    memset(t, 0, sizeof *t);
    a.op = c->op;
    a.dtype = g->dtype;
    a.count = g->n;
    a.weight = g->weight;
    a.timing = t;
    prepare(g, c, &a);
    clrelu_status st = clrelu_run(sw->ctx, g->dev, &a);
    if (st != CLRELU_OK) {
        c->status = st == CLRELU_ERR_UNSUPPORTED ? CLRELU_BENCH_SKIPPED : CLRELU_BENCH_FAILED;
        snprintf(c->reason, sizeof c->reason, "%s: %s", clrelu_status_name(st), clrelu_last_error());
        return false;
    }
    return true;
}

void clr_bench_case_run(bench_sweep *sw, bench_group *g, clrelu_bench_case *c)
{
    const bench_plan *p = sw->plan;
    const struct op_entry *op = clr_op_entry_of(clrelu_op_find(c->op));
    samples s = {0};
    clrelu_timing t;
    clr_bench_expected(op, g->dtype, g->n, g->x0, c->backward ? g->g0 : NULL, g->weight, g->exp);

    /* the first call: program build or load, kernel specialisation */
    if (!run_once(sw, g, c, &t))
        goto out;
    c->first_run_ns = (double)t.total_ns;
    c->build_ns = (double)t.build_ns;
    validate(g, c, op);
    for (int i = 0; i < p->warmup; i++) {
        if (!run_once(sw, g, c, &t))
            goto out;
        validate(g, c, op);
    }
    double measured_ns = 0;
    while (s.n < p->max_samples && (s.n < p->min_samples || measured_ns < p->min_time_s * 1e9)) {
        if (s.n > 0 && (clr_bench_out_of_time(sw) || clr_bench_cancelled(sw)))
            break; /* keep the samples so far */
        if (!run_once(sw, g, c, &t))
            goto out;
        if (!samples_push(&s, &t)) {
            c->status = CLRELU_BENCH_FAILED;
            snprintf(c->reason, sizeof c->reason, "out of memory for %d samples", s.n * 2);
            goto out;
        }
        measured_ns += (double)t.total_ns;
    }
    /* The timed samples run back to back, as a peer's timing loop does: validating each one read
     * y and the expected values (two more arrays) between them, which evicted x and y from the
     * cache and slowed every size that fits the last-level cache (16M float32 out of place here:
     * 27 against 45 GB/s). The buffers hold the last sample's result: that one is validated. */
    if (s.n > 0)
        validate(g, c, op);
    c->n_samples = s.n;
    c->kernel_ns = s.kernel;
    c->host_ns = s.host;
    s.kernel = s.host = NULL;
    c->kernel = clrelu_bench_stats_of(c->kernel_ns, (size_t)c->n_samples);
    c->host = clrelu_bench_stats_of(c->host_ns, (size_t)c->n_samples);
    c->transfer_in = clrelu_bench_stats_of(s.tin, (size_t)c->n_samples);
    c->transfer_out = clrelu_bench_stats_of(s.tout, (size_t)c->n_samples);
    c->gbps_median = clr_bench_gbps(c->bytes_moved, c->kernel.median);
    c->gbps_max = clr_bench_gbps(c->bytes_moved, c->kernel.min);
    c->elements_per_s = c->kernel.median > 0 ? (double)c->elements / (c->kernel.median * 1e-9) : 0.0;
    c->status = c->mismatches ? CLRELU_BENCH_MISMATCH : CLRELU_BENCH_OK;
    const clrelu_bench_result *r = sw->res;
    int ci = c->backward ? g->add_ceiling : g->copy_ceiling;
    if (ci >= 0 && r->ceilings[ci].status == CLRELU_BENCH_OK)
        c->ceiling_gbps = r->ceilings[ci].gbps_median;
    if (g->copy_ceiling >= 0 && r->ceilings[g->copy_ceiling].status == CLRELU_BENCH_OK &&
        r->ceilings[g->copy_ceiling].gbps_median > 0)
        c->pct_of_copy = 100.0 * c->gbps_median / r->ceilings[g->copy_ceiling].gbps_median;
out:
    free(s.kernel);
    free(s.host);
    free(s.tin);
    free(s.tout);
}
