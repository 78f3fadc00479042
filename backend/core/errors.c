/* errors.c: per-thread last-error messages, status names, log callback, clock. */
#include "core/backend.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static _Thread_local char last_error[4096];

clrelu_status clrelu_set_error(clrelu_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return status;
}

void clrelu_clear_error(void) { last_error[0] = '\0'; }

const char *clrelu_last_error(void) { return last_error; }

const char *clrelu_status_name(clrelu_status s)
{
    switch (s) {
    case CLRELU_OK: return "ok";
    case CLRELU_ERR_INVALID_ARG: return "invalid argument";
    case CLRELU_ERR_NOT_FOUND: return "not found";
    case CLRELU_ERR_UNSUPPORTED: return "unsupported";
    case CLRELU_ERR_OUT_OF_MEMORY: return "out of memory";
    case CLRELU_ERR_BUILD: return "program build failed";
    case CLRELU_ERR_DEVICE: return "device error";
    case CLRELU_ERR_IO: return "i/o error";
    case CLRELU_ERR_CANCELLED: return "cancelled";
    }
    return "unknown status";
}

void clrelu_log(const clrelu_context *ctx, clrelu_log_level level, const char *fmt, ...)
{
    if (!ctx || !ctx->opts.log)
        return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ctx->opts.log(level, msg, ctx->opts.log_user);
}

uint64_t clrelu_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
