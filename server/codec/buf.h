/* buf.h: a growable byte buffer with an optional size cap (request bodies, generated text). */
#ifndef CLRELU_SERVER_BUF_H
#define CLRELU_SERVER_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char *data;
    size_t len, cap;
    size_t limit;   /* 0: unlimited */
    size_t skew;    /* data = allocation + skew (buf_presize); 0 for ordinary buffers */
} buf;

typedef enum { BUF_OK = 0, BUF_TOO_LARGE, BUF_NO_MEMORY } buf_result;

/* Byte offsets that buf_presize aligns: a CPU cache line and the 128-byte base address
 * alignment OpenCL devices ask of host pointers (CL_DEVICE_MEM_BASE_ADDR_ALIGN on PoCL). */
#define BUF_ALIGN 128

/* Allocate room for n bytes at once (a request body of known Content-Length), placed so that
 * data + aligned_at is BUF_ALIGN-aligned. Only on an empty buffer; TOO_LARGE past the limit. */
buf_result buf_presize(buf *b, size_t n, size_t aligned_at);
/* Append n bytes, doubling the allocation; the old data survive a failed growth. The data are
 * always followed by a NUL (not counted in len). */
buf_result buf_append(buf *b, const void *p, size_t n);
buf_result buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand the data to the caller (who frees them) and reset the buffer. */
char *buf_take(buf *b);
/* Hand the allocation to the caller (who frees it with free()) and reset the buffer; *data is
 * where the data start inside it. NULL when the buffer holds no allocation. */
void *buf_take_block(buf *b, char **data);
void buf_free(buf *b);

#endif
