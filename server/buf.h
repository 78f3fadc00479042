/* buf.h: a growable byte buffer with an optional size cap (request bodies, generated text). */
#ifndef CLRELU_SERVER_BUF_H
#define CLRELU_SERVER_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char *data;
    size_t len, cap;
    size_t limit;   /* 0: unlimited */
} buf;

typedef enum { BUF_OK = 0, BUF_TOO_LARGE, BUF_NO_MEMORY } buf_result;

/* Append n bytes, doubling the allocation; the old data survive a failed growth. The data are
 * always followed by a NUL (not counted in len). */
buf_result buf_append(buf *b, const void *p, size_t n);
buf_result buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand the data to the caller (who frees them) and reset the buffer. */
char *buf_take(buf *b);
void buf_free(buf *b);

#endif
