/* peer_timing.h: what the C harnesses of bench/peers share — a monotonic clock, a sort order for samples, numpy-like allocation. */
#ifndef CLRELU_PEER_TIMING_H
#define CLRELU_PEER_TIMING_H

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* qsort order for uint64_t samples */
static inline int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Arrays as numpy allocates them (and so PyTorch's tensors from numpy, the peers measured beside
 * these harnesses): large ones advised to use transparent huge pages, which on this kernel's
 * default (THP "madvise") means fewer TLB misses on a memory-bound pass. Every peer gets the same
 * memory. */
static inline void *alloc_like_numpy(size_t bytes)
{
    void *p = NULL;
    if (posix_memalign(&p, 2u << 20, bytes ? bytes : 1))
        return NULL;
    if (bytes >= (4u << 20))
        madvise(p, bytes, MADV_HUGEPAGE);
    return p;
}

#endif
