/* buf.c: growable byte buffer with a cap (TOO_LARGE instead of silent truncation). */
#include "codec/buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Buffers this large ask for transparent huge pages: a 64 MiB body then faults in 32 times
 * instead of 16384. */
#define HUGE_HINT_BYTES ((size_t)4 << 20)

static buf_result reserve(buf *b, size_t extra)
{
    if (b->limit && (extra > b->limit || b->len > b->limit - extra))
        return BUF_TOO_LARGE;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return BUF_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
    /* realloc keeps the skew bytes in front of the data, so data stays at block + skew */
    char *p = realloc(b->data ? b->data - b->skew : NULL, cap + b->skew);
    if (!p)
        return BUF_NO_MEMORY;
    b->data = p + b->skew;
    b->cap = cap;
    return BUF_OK;
}

/* posix_memalign gives a BUF_ALIGN-aligned block; the data start `skew` bytes in so that the
 * byte at aligned_at lands on the boundary. The NUL terminator's byte is included. */
buf_result buf_presize(buf *b, size_t n, size_t aligned_at)
{
    if (b->data)
        return BUF_OK;
    if ((b->limit && n > b->limit) || n > ((size_t)-1) / 2)
        return BUF_TOO_LARGE;
    size_t skew = (BUF_ALIGN - aligned_at % BUF_ALIGN) % BUF_ALIGN;
    void *block = NULL;
    if (posix_memalign(&block, BUF_ALIGN, skew + n + 1) != 0)
        return BUF_NO_MEMORY;
#ifdef MADV_HUGEPAGE
    if (n >= HUGE_HINT_BYTES) {
        uintptr_t lo = ((uintptr_t)block + 4095) & ~(uintptr_t)4095;
        uintptr_t hi = ((uintptr_t)block + skew + n + 1) & ~(uintptr_t)4095;
        if (hi > lo)
            madvise((void *)lo, hi - lo, MADV_HUGEPAGE); /* a hint: failure changes nothing */
    }
#endif
    b->skew = skew;
    b->data = (char *)block + skew;
    b->data[0] = '\0';
    b->len = 0;
    b->cap = n + 1;
    return BUF_OK;
}

buf_result buf_append(buf *b, const void *p, size_t n)
{
    buf_result r = reserve(b, n);
    if (r != BUF_OK)
        return r;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return BUF_OK;
}

buf_result buf_printf(buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return BUF_NO_MEMORY;
    if ((size_t)n < sizeof small)
        return buf_append(b, small, (size_t)n);
    buf_result r = reserve(b, (size_t)n);
    if (r != BUF_OK)
        return r;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return BUF_OK;
}

char *buf_take(buf *b)
{
    char *p = b->data;
    if (!p)
        p = calloc(1, 1);
    else if (b->skew) {
        p -= b->skew;
        memmove(p, b->data, b->len + 1);
    }
    b->data = NULL;
    b->len = b->cap = b->skew = 0;
    return p;
}

void *buf_take_block(buf *b, char **data)
{
    *data = b->data;
    void *block = b->data ? b->data - b->skew : NULL;
    b->data = NULL;
    b->len = b->cap = b->skew = 0;
    return block;
}

void buf_free(buf *b)
{
    free(b->data ? b->data - b->skew : NULL);
    b->data = NULL;
    b->len = b->cap = b->skew = 0;
}
