/* fuzz_bench_request.c: libFuzzer harness for the benchmark request parser behind
 * POST /v1/benchmarks (bench_request_parse: JSON body → sweep options, case count, echo). */
#include "fuzz.h"

#include "jobs/bench_request.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    clrelu_context *ctx = fuzz_host_context();
    if (!ctx)
        abort();
    cJSON *req = cJSON_ParseWithLength((const char *)data, size);
    if (!req)
        return 0;
    bench_job *b = NULL;
    char err[512];
    err[0] = '\0';
    clrelu_status st = bench_request_parse(ctx, req, &b, err, sizeof err);
    if (st == CLRELU_OK) {
        /* An accepted job has a bounded case count and an echo that is a JSON object with no
         * null members. */
        if (!b || b->total < 0 || b->total > BENCH_JOB_MAX_CASES || !b->request)
            abort();
        cJSON *echo = cJSON_Parse(b->request);
        if (!cJSON_IsObject(echo))
            abort();
        for (const cJSON *it = echo->child; it; it = it->next)
            if (cJSON_IsNull(it))
                abort();
        cJSON_Delete(echo);
        bench_job_free(b);
    } else if (b || !err[0] || strnlen(err, sizeof err) == sizeof err) {
        abort(); /* a refusal leaves no job and always says why */
    }
    cJSON_Delete(req);
    return 0;
}
