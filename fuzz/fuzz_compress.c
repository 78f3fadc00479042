/* fuzz_compress.c: libFuzzer harness for request body decoding (gzip, zlib, raw deflate) under a cap. */
#include "fuzz.h"

#include "codec/compress.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    /* First byte: coding and the cap (small caps exercise the too-large path). */
    content_encoding e = (data[0] & 1) ? ENC_DEFLATE : ENC_GZIP;
    size_t limit = (size_t)1 << (data[0] >> 4 & 15); /* 1 B .. 32 KiB */
    char *out = NULL;
    size_t out_len = 0;
    inflate_result r = decode_body(e, data + 1, size - 1, limit, &out, &out_len);
    if (r == INFLATE_OK) {
        if (out_len > limit || (out_len && !out))
            abort();
        /* Encoding what we decoded and decoding it again gives the same bytes. */
        char *z = NULL, *back = NULL;
        size_t zlen = 0, blen = 0;
        if (encode_body(e, out, out_len, &z, &zlen) == 0) {
            if (decode_body(e, z, zlen, limit, &back, &blen) != INFLATE_OK || blen != out_len ||
                (blen && memcmp(back, out, blen) != 0))
                abort();
        }
        free(back);
        free(z);
    }
    free(out);
    return 0;
}
