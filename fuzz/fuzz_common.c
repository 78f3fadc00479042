/* fuzz_common.c: fixtures shared by the harnesses — a host-only context and field splitting. */
#include "fuzz.h"

#include "clrelu.h"

#include <pthread.h>
#include <string.h>

static clrelu_context *host_ctx;
static pthread_once_t host_once = PTHREAD_ONCE_INIT;

static void make_host_context(void)
{
    clrelu_context_options o = {.no_opencl = true, .cache_dir = ""};
    if (clrelu_context_create(&o, &host_ctx) != CLRELU_OK)
        host_ctx = NULL;
}

clrelu_context *fuzz_host_context(void)
{
    pthread_once(&host_once, make_host_context);
    return host_ctx;
}

int fuzz_next_field(const uint8_t **p, const uint8_t *end, char *out, size_t cap)
{
    if (*p >= end) {
        out[0] = '\0';
        return 0;
    }
    const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t n = (size_t)((nl ? nl : end) - *p);
    size_t k = n < cap - 1 ? n : cap - 1;
    memcpy(out, *p, k);
    out[k] = '\0';
    *p += n + (nl ? 1 : 0);
    return 1;
}
