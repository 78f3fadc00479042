/* fuzz_tensor_json.c: libFuzzer harness for the JSON tensor decoder (data, shape) and its encoder. */
#include "fuzz.h"

#include "codec/tensor_json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_ELEMENTS 4096

/* Encode vals as dtype and decode the text again: every value must come back as the same value
 * of that dtype (the encoder promises shortest round-trip decimals; NaN stays NaN). */
static void check_round_trip(const double *vals, size_t count, clrelu_dtype dtype)
{
    size_t es = clrelu_dtype_size(dtype);
    unsigned char *typed = malloc(count * es + 1);
    unsigned char *back = malloc(count * es + 1);
    double *vals2 = NULL;
    buf text = {.limit = 64u << 20};
    cJSON *root = NULL;
    if (!typed || !back)
        goto out;
    clrelu_convert(vals, CLRELU_F64, typed, dtype, count);
    if (tjson_write(&text, typed, dtype, count) != BUF_OK)
        goto out;
    root = cJSON_ParseWithLength(text.data, text.len);
    if (!root)
        abort();
    size_t shape[TENSOR_MAX_RANK], n2 = 0;
    int rank = 0;
    char err[256];
    if (!tjson_read(root, "data", FUZZ_MAX_ELEMENTS, &vals2, &n2, shape, &rank, err, sizeof err) || n2 != count)
        abort();
    clrelu_convert(vals2, CLRELU_F64, back, dtype, count);
    for (size_t i = 0; i < count; i++) {
        double a = vals[i], b = vals2[i];
        if (isnan(a) != isnan(b))
            abort();
        if (memcmp(typed + i * es, back + i * es, es) != 0 && !isnan(a))
            abort();
    }
out:
    cJSON_Delete(root);
    buf_free(&text);
    free(vals2);
    free(back);
    free(typed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *root = cJSON_ParseWithLength((const char *)data, size);
    if (!root)
        return 0;
    const cJSON *d = cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "data") : root;
    const cJSON *sh = cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "shape") : NULL;
    char err[256];
    size_t shape[TENSOR_MAX_RANK], count = 0;
    int rank = 0;
    if (sh && tjson_shape(sh, shape, &rank, err, sizeof err)) {
        size_t n;
        (void)shape_count(shape, rank, &n);
    }
    double *vals = NULL;
    if (d && tjson_read(d, "data", FUZZ_MAX_ELEMENTS, &vals, &count, shape, &rank, err, sizeof err)) {
        size_t n = 0;
        if (count > FUZZ_MAX_ELEMENTS || !shape_count(shape, rank, &n) || n != count)
            abort();
        check_round_trip(vals, count, CLRELU_F64);
        check_round_trip(vals, count, CLRELU_F32);
        check_round_trip(vals, count, CLRELU_F16);
        check_round_trip(vals, count, CLRELU_BF16);
    } else if (strnlen(err, sizeof err) == sizeof err) {
        abort(); /* the message must be NUL-terminated */
    }
    free(vals);
    cJSON_Delete(root);
    return 0;
}
