/* bench_request.h: a POST /v1/benchmarks body checked and turned into sweep options. */
#ifndef CLRELU_SERVER_BENCH_REQUEST_H
#define CLRELU_SERVER_BENCH_REQUEST_H

#include "clrelu_bench.h"

#include <stdbool.h>
#include <stddef.h>

struct cJSON;

#define BENCH_JOB_MAX_CASES 20000
#define BENCH_JOB_DEFAULT_MAX_SECONDS 600.0

/* A checked request: the options to run it and what the queue stores. */
typedef struct bench_job {
    char *request;              /* the request as echoed and stored: the object without null members */
    char *machines;             /* its "machines" member as JSON text (a fleet sweep); NULL: none */
    char *labels;               /* its "labels" member as JSON text; NULL: none */
    int total;                  /* cases, counted on this machine's devices */
    bool devices_here;          /* false: this machine has none of the requested devices (total was
                                   counted on all of its devices; devices_error says what failed) */
    char devices_error[256];
    char *opt_strings[6];       /* owned copies: devices, ops, dtypes, sizes, directions, placements */
    clrelu_bench_options opts;  /* points into opt_strings; no callbacks set */
} bench_job;

/* Validate a request body and build its job: the options, the case count on ctx's devices (at
 * most BENCH_JOB_MAX_CASES) and the echo. Devices that ctx lacks are not an error here (another
 * machine may have them): devices_here says so. On a bad request returns INVALID_ARG or NOT_FOUND
 * (the client's fault) with the message in err. Free the job with bench_job_free. */
clrelu_status bench_request_parse(clrelu_context *ctx, const struct cJSON *req, bench_job **out, char *err,
                                  size_t errlen);
/* The same from stored request text (a claimed job part). */
clrelu_status bench_request_parse_text(clrelu_context *ctx, const char *text, bench_job **out, char *err,
                                       size_t errlen);
void bench_job_free(bench_job *b);

#endif
