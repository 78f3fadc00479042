/* host_pool.c: persistent worker threads that split one host job into parts; the caller runs part 0. */
#include "host_pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

struct host_pool {
    pthread_mutex_t busy;       /* held by the caller whose job runs on the pool */
    pthread_mutex_t lock;
    pthread_cond_t start, done;
    pthread_t *threads;
    int n_threads;              /* including the caller */
    int n_started;              /* workers actually running */
    unsigned long generation;   /* bumped per job */
    host_job_fn fn;
    void *arg;
    int n_parts, pending, result;
    bool stop;
};

typedef struct {
    host_pool *pool;
    int index;                  /* worker i runs part i (1..) */
} worker_arg;

static void *worker(void *v)
{
    worker_arg *wa = v;
    host_pool *p = wa->pool;
    int part = wa->index;
    free(wa);
    unsigned long seen = 0;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->stop && p->generation == seen)
            pthread_cond_wait(&p->start, &p->lock);
        if (p->stop)
            break;
        seen = p->generation;
        if (part >= p->n_parts)
            continue;
        host_job_fn fn = p->fn;
        void *arg = p->arg;
        int n = p->n_parts;
        pthread_mutex_unlock(&p->lock);
        int r = fn(arg, part, n);
        pthread_mutex_lock(&p->lock);
        if (r && !p->result)
            p->result = r;
        if (--p->pending == 0)
            pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

static int thread_count(void)
{
    const char *e = getenv("CLRELU_HOST_THREADS");
    long n = e ? strtol(e, NULL, 10) : 0;
    if (n < 1 || n > 256) {
        n = sysconf(_SC_NPROCESSORS_ONLN);
        if (n < 1)
            n = 1;
        if (n > 256)
            n = 256;
    }
    return (int)n;
}

host_pool *host_pool_create(void)
{
    host_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->n_threads = thread_count();
    p->threads = calloc((size_t)p->n_threads, sizeof *p->threads);
    if (!p->threads) {
        free(p);
        return NULL;
    }
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

void host_pool_destroy(host_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_cond_broadcast(&p->start);
    pthread_mutex_unlock(&p->lock);
    for (int i = 1; i <= p->n_started; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->start);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->lock);
    pthread_mutex_destroy(&p->busy);
    free(p->threads);
    free(p);
}

int host_pool_threads(const host_pool *p) { return p ? p->n_threads : 1; }

int host_pool_run(host_pool *p, host_job_fn fn, void *arg, int n_parts)
{
    if (n_parts > host_pool_threads(p))
        n_parts = host_pool_threads(p);
    if (!p || n_parts <= 1 || pthread_mutex_trylock(&p->busy) != 0) {
        /* no pool, nothing to split, or another caller's job is running: do it all here */
        int r = 0;
        for (int i = 0; i < n_parts && !r; i++)
            r = fn(arg, i, n_parts);
        return r;
    }
    pthread_mutex_lock(&p->lock);
    p->fn = fn;
    p->arg = arg;
    p->n_parts = n_parts;
    p->pending = n_parts - 1;
    p->result = 0;
    p->generation++;
    pthread_cond_broadcast(&p->start);
    pthread_mutex_unlock(&p->lock);

    int r = fn(arg, 0, n_parts);

    pthread_mutex_lock(&p->lock);
    while (p->pending > 0)
        pthread_cond_wait(&p->done, &p->lock);
    if (!r)
        r = p->result;
    pthread_mutex_unlock(&p->lock);
    pthread_mutex_unlock(&p->busy);
    return r;
}
