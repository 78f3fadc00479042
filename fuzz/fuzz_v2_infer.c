/* fuzz_v2_infer.c: libFuzzer harness for a KServe v2 infer request — the model name, the
 * Inference-Header-Content-Length value, the JSON header and the binary tensor sections. */
#include "fuzz.h"
#include "fuzz_server.h"

#include "router.h"

#include <string.h>

/* Input: "<model>\n<header length as text, or '-' for none>\n<body>". */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    char model[128], hl[32];
    fuzz_next_field(&p, end, model, sizeof model);
    fuzz_next_field(&p, end, hl, sizeof hl);
    long long header_len = -1;
    if (hl[0] && hl[0] != '-') {
        header_len = 0;
        for (const char *c = hl; *c >= '0' && *c <= '9' && header_len < (1ll << 40); c++)
            header_len = header_len * 10 + (*c - '0');
    }
    fuzz_call(h_v2_infer, model, p, (size_t)(end - p), header_len);
    return 0;
}
