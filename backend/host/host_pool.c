/* host_pool.c: persistent worker threads that split one host job into parts; the caller runs part 0. */
#define _GNU_SOURCE /* sched_getcpu, sched_getaffinity, pthread_setaffinity_np */
#include "host/host_pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Workers and the caller spin this long for the next job / the workers' parts before they sleep
 * on a condition variable: waking a sleeping thread costs tens of microseconds (a futex wake and
 * a reschedule), as much as the whole pass over a 1M-element tensor in cache, while back-to-back
 * calls find a spinning worker. Like OpenMP runtimes' spin-then-block wait policy. */
#define SPIN_NS ((uint64_t)200000)

struct host_pool {
    pthread_mutex_t busy;       /* held by the caller whose job runs on the pool */
    pthread_mutex_t lock;       /* guards sleeping on start/done */
    pthread_cond_t start, done;
    pthread_t *threads;
    int n_threads;              /* including the caller */
    int n_started;              /* workers actually running */
    _Atomic unsigned long generation; /* bumped per job, after fn/arg/n_parts are set */
    atomic_int sleepers;        /* workers blocked (or about to block) on start */
    atomic_int *worker_cpu;     /* [n_threads]: the CPU each worker last ran a part on (-1: none) */
    bool place_workers;         /* CLRELU_HOST_PIN is not 0 (see keep_off_callers_cpu) */
    host_job_fn fn;
    void *arg;
    int n_parts;
    atomic_int pending, result;
    atomic_bool stop;
};

typedef struct {
    host_pool *pool;
    int index;                  /* worker i runs part i (1..) */
} worker_arg;

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One step of a spin wait: a pause, and every 64th step a yield, so that a thread waiting on one
 * that shares its core lets it run (a pure spin would hold the core until its time slice ends). */
static inline void spin_step(unsigned i)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
    if ((i & 63) == 63)
        sched_yield();
}

/* Spin until *v != old (or stop), at most SPIN_NS; true when it changed. */
static bool spin_for_change(host_pool *p, _Atomic unsigned long *v, unsigned long old)
{
    uint64_t t0 = 0;
    for (unsigned i = 0;; i++) {
        if (atomic_load_explicit(v, memory_order_acquire) != old || atomic_load_explicit(&p->stop, memory_order_relaxed))
            return true;
        spin_step(i);
        if ((i & 63) == 63) {
            uint64_t t = mono_ns();
            if (!t0)
                t0 = t;
            else if (t - t0 > SPIN_NS)
                return false;
        }
    }
}

static void *worker(void *v)
{
    worker_arg *wa = v;
    host_pool *p = wa->pool;
    int part = wa->index;
    free(wa);
    unsigned long seen = 0;
    for (;;) {
        if (!spin_for_change(p, &p->generation, seen)) {
            pthread_mutex_lock(&p->lock);
            atomic_fetch_add(&p->sleepers, 1); /* seq_cst: the caller sees it or we see its job */
            while (!atomic_load(&p->stop) && atomic_load(&p->generation) == seen)
                pthread_cond_wait(&p->start, &p->lock);
            atomic_fetch_sub(&p->sleepers, 1);
            pthread_mutex_unlock(&p->lock);
        }
        if (atomic_load(&p->stop))
            break;
        /* The next job cannot be posted before every worker has counted this one off, so the
         * generation and the job's fields stay those of one job until then. */
        seen = atomic_load_explicit(&p->generation, memory_order_acquire);
        if (part < p->n_parts) {
            atomic_store_explicit(&p->worker_cpu[part], sched_getcpu(), memory_order_relaxed);
            int r = p->fn(p->arg, part, p->n_parts);
            if (r) {
                int zero = 0;
                atomic_compare_exchange_strong(&p->result, &zero, r);
            }
        }
        if (atomic_fetch_sub(&p->pending, 1) == 1) { /* the last part: the caller may be asleep */
            pthread_mutex_lock(&p->lock);
            pthread_cond_signal(&p->done);
            pthread_mutex_unlock(&p->lock);
        }
    }
    return NULL;
}

/* A worker woken by the caller is placed on the caller's CPU, and for short jobs the scheduler
 * leaves the two there (both are cache-hot), so they take turns on one core: a 2-way 1M relu ran
 * as slowly as one thread. When a worker last ran on the CPU the caller is on now, it is moved
 * off that CPU (its affinity becomes every allowed CPU but this one); the caller is never pinned. */
static void keep_off_callers_cpu(host_pool *p)
{
    int me = sched_getcpu();
    if (me < 0)
        return;
    for (int i = 1; i <= p->n_started; i++) {
        if (atomic_load_explicit(&p->worker_cpu[i], memory_order_relaxed) != me)
            continue;
        cpu_set_t allowed;
        if (sched_getaffinity(0, sizeof allowed, &allowed) != 0 || CPU_COUNT(&allowed) < 2)
            return;
        CPU_CLR(me, &allowed);
        pthread_setaffinity_np(p->threads[i], sizeof allowed, &allowed); /* best effort */
        atomic_store_explicit(&p->worker_cpu[i], -1, memory_order_relaxed);
    }
}

static int thread_count(int wanted)
{
    long n = wanted;
    if (n < 1 || n > 256) {
        n = sysconf(_SC_NPROCESSORS_ONLN);
        if (n < 1)
            n = 1;
        if (n > 256)
            n = 256;
    }
    return (int)n;
}

host_pool *clr_host_pool_create(int threads, bool pin)
{
    host_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->n_threads = thread_count(threads);
    p->threads = calloc((size_t)p->n_threads, sizeof *p->threads);
    p->worker_cpu = calloc((size_t)p->n_threads, sizeof *p->worker_cpu);
    if (!p->threads || !p->worker_cpu) {
        free(p->threads);
        free(p->worker_cpu);
        free(p);
        return NULL;
    }
    for (int i = 0; i < p->n_threads; i++)
        atomic_init(&p->worker_cpu[i], -1);
    p->place_workers = pin;
    pthread_mutex_init(&p->busy, NULL);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->start, NULL);
    pthread_cond_init(&p->done, NULL);
    for (int i = 1; i < p->n_threads; i++) {
        worker_arg *wa = malloc(sizeof *wa);
        if (!wa)
            break;
        wa->pool = p;
        wa->index = i;
        if (pthread_create(&p->threads[i], NULL, worker, wa) != 0) {
            free(wa);
            break;
        }
        p->n_started = i;
    }
    p->n_threads = p->n_started + 1; /* fewer workers if some could not start */
    return p;
}

void clr_host_pool_destroy(host_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    atomic_store(&p->stop, true);
    pthread_cond_broadcast(&p->start);
    pthread_mutex_unlock(&p->lock);
    for (int i = 1; i <= p->n_started; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->start);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->lock);
    pthread_mutex_destroy(&p->busy);
    free(p->threads);
    free(p->worker_cpu);
    free(p);
}

int clr_host_pool_threads(const host_pool *p) { return p ? p->n_threads : 1; }

int clr_host_pool_run(host_pool *p, host_job_fn fn, void *arg, int n_parts)
{
    if (n_parts > clr_host_pool_threads(p))
        n_parts = clr_host_pool_threads(p);
    if (!p || n_parts <= 1 || pthread_mutex_trylock(&p->busy) != 0) {
        /* no pool, nothing to split, or another caller's job is running: do it all here */
        int r = 0;
        for (int i = 0; i < n_parts && !r; i++)
            r = fn(arg, i, n_parts);
        return r;
    }
    /* Workers read fn/arg/n_parts only after they see the new generation (release/acquire),
     * and every worker, with a part or without, counts the job off: when the caller returns, none
     * is still reading this job's fields. */
    if (p->place_workers)
        keep_off_callers_cpu(p);
    p->fn = fn;
    p->arg = arg;
    p->n_parts = n_parts;
    atomic_store(&p->pending, p->n_threads - 1);
    atomic_store(&p->result, 0);
    atomic_fetch_add(&p->generation, 1); /* seq_cst, paired with the workers' sleepers count */
    if (atomic_load(&p->sleepers) > 0) {
        pthread_mutex_lock(&p->lock);
        pthread_cond_broadcast(&p->start);
        pthread_mutex_unlock(&p->lock);
    }

    int r = fn(arg, 0, n_parts);

    uint64_t t0 = 0;
    for (unsigned i = 0; atomic_load_explicit(&p->pending, memory_order_acquire) > 0; i++) {
        spin_step(i);
        if ((i & 63) != 63)
            continue;
        uint64_t t = mono_ns();
        if (!t0) {
            t0 = t;
        } else if (t - t0 > SPIN_NS) {
            pthread_mutex_lock(&p->lock);
            while (atomic_load(&p->pending) > 0)
                pthread_cond_wait(&p->done, &p->lock);
            pthread_mutex_unlock(&p->lock);
            break;
        }
    }
    if (!r)
        r = atomic_load(&p->result);
    pthread_mutex_unlock(&p->busy);
    return r;
}
