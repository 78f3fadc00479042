/* compress.h: gzip/deflate request decoding (capped) and response encoding via zlib. */
#ifndef CLRELU_SERVER_COMPRESS_H
#define CLRELU_SERVER_COMPRESS_H

#include <stddef.h>

typedef enum { ENC_IDENTITY = 0, ENC_GZIP, ENC_DEFLATE, ENC_UNSUPPORTED } content_encoding;

/* Parse a Content-Encoding header (NULL → identity). */
content_encoding encoding_parse(const char *header);
/* Choose a response encoding from Accept-Encoding: gzip, then deflate, else identity
 * (a coding with q=0 is refused). */
content_encoding encoding_accept(const char *header);
const char *encoding_name(content_encoding e);

typedef enum { INFLATE_OK = 0, INFLATE_TOO_LARGE, INFLATE_BAD_DATA, INFLATE_NO_MEMORY } inflate_result;

/* Decode src into a malloc'd *out of at most limit bytes. gzip and zlib streams are both
 * accepted for either coding, and a raw deflate stream for "deflate" (some clients send it). */
inflate_result decode_body(content_encoding e, const void *src, size_t len, size_t limit, char **out,
                           size_t *out_len);
/* Encode src as gzip or zlib ("deflate"); returns 0 on success with a malloc'd *out. */
int encode_body(content_encoding e, const void *src, size_t len, char **out, size_t *out_len);

#endif
