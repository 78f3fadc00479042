/* test_concurrency.c: one context shared by 8 threads running mixed ops, dtypes, sizes and devices at once, every result checked. */
#include "check.h"
#include "ref_compare.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_THREADS 8
#define ITERATIONS 60

typedef struct {
    clrelu_context *ctx;
    int thread;
    long runs, failures;
    char first_failure[512];
} worker;

static void fail(worker *w, const char *what, const char *op, clrelu_dtype t, const char *dev, size_t n, size_t i)
{
    if (w->failures++ == 0)
        snprintf(w->first_failure, sizeof w->first_failure, "%s %s on %s (n=%zu): %s at element %zu (%s)", op,
                 clrelu_dtype_name(t), dev, n, what, i, clrelu_last_error());
}

/* The check.h counters are not thread-safe, so workers count on their own and the main thread
 * CHECKs the totals. */
static void *work(void *arg)
{
    worker *w = arg;
    int n_dev = clrelu_device_count(w->ctx), n_ops = clrelu_op_count();
    for (int it = 0; it < ITERATIONS; it++) {
        uint64_t h = (uint64_t)w->thread * 1000003u + (uint64_t)it * 7919u;
        const clrelu_device *dev = clrelu_device_at(w->ctx, (int)((size_t)(it + w->thread) % (size_t)n_dev));
        const clrelu_device_info *info = clrelu_device_get_info(dev);
        const clrelu_op_desc *op = clrelu_op_get((int)((h / 3) % (uint64_t)n_ops));
        clrelu_dtype t = (clrelu_dtype)((it + w->thread / 2) % CLRELU_DTYPE_COUNT);
        if (!info->dtype_supported[t])
            t = CLRELU_F32;
        size_t n = 1 + (size_t)(h % 4099u);
        bool backward = (it + w->thread) % 3 == 0;
        double *v = malloc(n * sizeof *v);
        void *x = ref_alloc(t, n), *g = ref_alloc(t, n), *y = ref_alloc(t, n), *exp = ref_alloc(t, n);
        void *wt = ref_alloc(t, 1);
        if (!v) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
        ref_random_values(v, n, h, t);
        ref_fill(x, t, v, n);
        ref_random_values(v, n, h + 1, t);
        ref_fill(g, t, v, n);
        double slope = 0.125;
        ref_fill(wt, t, &slope, 1);
        clrelu_op_args a = {.op = op->name, .dtype = t, .count = n, .x = x, .y = y,
                            .grad_output = backward ? g : NULL, .weight = wt};
        ref_expected(&a, exp, NULL, NULL);
        clrelu_status st = clrelu_run(w->ctx, dev, &a);
        w->runs++;
        if (st != CLRELU_OK) {
            fail(w, clrelu_status_name(st), op->name, t, info->id, n, 0);
        } else {
            ref_tol tol = ref_tolerance(op, t, backward);
            for (size_t i = 0; i < n; i++)
                if (!ref_element_ok(&tol, t, y, exp, i, backward ? ref_get(g, t, i) : 0.0)) {
                    fail(w, "result differs from the reference", op->name, t, info->id, n, i);
                    break;
                }
        }
        free(v);
        free(x);
        free(g);
        free(y);
        free(exp);
        free(wt);
    }
    return NULL;
}

int main(void)
{
    clrelu_context *ctx = check_context(NULL);
    worker workers[N_THREADS];
    pthread_t threads[N_THREADS];
    for (int i = 0; i < N_THREADS; i++) {
        workers[i] = (worker){.ctx = ctx, .thread = i};
        CHECK(pthread_create(&threads[i], NULL, work, &workers[i]) == 0, "pthread_create %d", i);
    }
    for (int i = 0; i < N_THREADS; i++) {
        pthread_join(threads[i], NULL);
        CHECK(workers[i].runs == ITERATIONS, "thread %d ran %ld of %d calls", i, workers[i].runs, ITERATIONS);
        CHECK(workers[i].failures == 0, "thread %d: %ld failed calls, first: %s", i, workers[i].failures,
              workers[i].first_failure);
    }
    clrelu_context_destroy(ctx);
    return check_summary("test_concurrency");
}
