/* fuzz_npy.c: libFuzzer harness for the .npy reader (header parser and whole-file parse). */
#include "fuzz.h"

#include "clrelu_npy.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    clrelu_npy_header h;
    size_t off;
    /* The data offset follows the 10- or 12-byte preamble. */
    if (clrelu_npy_header_extent(data, size, &off) == CLRELU_OK && off < 10)
        abort();
    if (clrelu_npy_parse_header(data, size, &h) == CLRELU_OK) {
        /* A header the parser accepts must describe itself consistently. */
        size_t n = 1;
        for (int d = 0; d < h.rank; d++)
            n *= h.shape[d];
        if (h.rank < 0 || h.rank > CLRELU_NPY_MAX_RANK || n != h.count || h.data_offset > size ||
            h.nbytes != h.count * clrelu_dtype_size(h.dtype))
            abort();
    }
    clrelu_npy_array a;
    memset(&a, 0, sizeof a);
    if (clrelu_npy_parse(data, size, &a) == CLRELU_OK) {
        if (a.nbytes != a.count * clrelu_dtype_size(a.dtype) || (a.nbytes && !a.data))
            abort();
        /* Touch every byte so that a short allocation shows up under the sanitizers. */
        volatile unsigned char sink = 0;
        for (size_t i = 0; i < a.nbytes; i++)
            sink ^= ((const unsigned char *)a.data)[i];
        (void)sink;
        /* What we parsed encodes back into a file that parses to the same array. */
        void *enc = NULL;
        size_t enc_len = 0;
        if (clrelu_npy_encode(a.dtype, a.shape, a.rank, a.data, &enc, &enc_len) == CLRELU_OK) {
            clrelu_npy_array b;
            memset(&b, 0, sizeof b);
            if (clrelu_npy_parse(enc, enc_len, &b) != CLRELU_OK || b.count != a.count || b.rank != a.rank ||
                (a.nbytes && memcmp(a.data, b.data, a.nbytes) != 0))
                abort();
            clrelu_npy_free(&b);
            free(enc);
        }
    }
    clrelu_npy_free(&a);
    return 0;
}
