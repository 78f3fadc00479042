/* host_pool.h: a small persistent thread pool for the host backend (one per host device). */
#ifndef CLRELU_HOST_POOL_H
#define CLRELU_HOST_POOL_H

#include <stdbool.h>
#include <stddef.h>

/* Tensors with at least this many elements are split over the pool's threads. */
#define HOST_PARALLEL_MIN ((size_t)1 << 17)
/* Split points are multiples of this many elements (whole cache lines, whole vectors). */
#define HOST_SPLIT_ALIGN ((size_t)64)

/* Elements [*b, *e) of part `part` of n_parts over count elements: whole multiples of
 * HOST_SPLIT_ALIGN, the last part takes the rest (empty when count runs out first). */
static inline void clr_host_part_bounds(size_t count, int part, int n_parts, size_t *b, size_t *e)
{
    size_t per = (count / (size_t)n_parts + HOST_SPLIT_ALIGN - 1) / HOST_SPLIT_ALIGN * HOST_SPLIT_ALIGN;
    *b = per * (size_t)part;
    *e = part == n_parts - 1 ? count : *b + per;
    if (*b > count)
        *b = count;
    if (*e > count)
        *e = count;
}

typedef struct host_pool host_pool;
/* part i of n_parts; returns nonzero on failure (the job then fails). */
typedef int (*host_job_fn)(void *arg, int part, int n_parts);

/* Threads: `threads` when 1..256 (the context's CLRELU_HOST_THREADS), else the online cores.
 * n - 1 workers are started; the calling thread is the n-th. NULL when threads cannot be created.
 * Idle workers spin for up to 200 us after a job before they sleep, so back-to-back jobs start at
 * once. With `pin`, a worker found on the caller's CPU is moved off it (CLRELU_HOST_PIN=0: never). */
host_pool *clr_host_pool_create(int threads, bool pin);
void clr_host_pool_destroy(host_pool *p);
int clr_host_pool_threads(const host_pool *p);
/* Run fn for parts 0..n_parts-1 (n_parts <= threads) and wait for all. A pool busy with another
 * caller's job is not waited for: this caller runs every part itself. Returns the first nonzero
 * result of fn, else 0. */
int clr_host_pool_run(host_pool *p, host_job_fn fn, void *arg, int n_parts);

#endif
