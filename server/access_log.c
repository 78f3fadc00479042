/* access_log.c: structured (logfmt) access and diagnostic lines on stderr, one write(2) each. */
#include "access_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

bool server_log_enabled(const server_logger *lg, clrelu_log_level level)
{
    return level >= (lg ? lg->min_level : CLRELU_LOG_INFO);
}

static size_t timestamp(char *out, size_t n)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t len = strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
    len += (size_t)snprintf(out + len, n - len, ".%03ldZ", ts.tv_nsec / 1000000);
    return len;
}

/* Write a finished line with one write(2) so lines from worker threads never interleave. */
static void emit(char *line, size_t len, size_t cap)
{
    if (len >= cap - 1)
        len = cap - 2;
    line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}

/* Quote a logfmt value when it holds spaces, quotes or '='; control characters become '?'. */
static size_t value(char *out, size_t n, const char *v)
{
    bool quote = !*v || strpbrk(v, " \"=") != NULL;
    size_t len = 0;
    if (quote && len < n)
        out[len++] = '"';
    for (; *v && len + 2 < n; v++) {
        char c = (unsigned char)*v < 0x20 ? '?' : *v;
        if (c == '"' || c == '\\')
            out[len++] = '\\';
        out[len++] = c;
    }
    if (quote && len < n)
        out[len++] = '"';
    return len;
}

void access_log_write(const server_logger *lg, const access_entry *e)
{
    if (!server_log_enabled(lg, CLRELU_LOG_INFO))
        return;
    char line[2048];
    size_t n = (size_t)snprintf(line, sizeof line, "ts=");
    n += timestamp(line + n, sizeof line - n);
    n += (size_t)snprintf(line + n, sizeof line - n, " level=info msg=request method=%s path=", e->method);
    n += value(line + n, sizeof line - n - 256, e->path);
    n += (size_t)snprintf(line + n, sizeof line - n,
                          " route=%s status=%u bytes_in=%llu bytes_out=%llu dur_ms=%.3f remote=%s%s", e->route,
                          e->status, (unsigned long long)e->bytes_in, (unsigned long long)e->bytes_out,
                          (double)e->dur_ns / 1e6, e->remote, e->status ? "" : " aborted=true");
    emit(line, n < sizeof line ? n : sizeof line - 1, sizeof line);
}

void server_log(const server_logger *lg, clrelu_log_level level, const char *fmt, ...)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    if (!server_log_enabled(lg, level))
        return;
    char msg[1024], line[1400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t n = (size_t)snprintf(line, sizeof line, "ts=");
    n += timestamp(line + n, sizeof line - n);
    n += (size_t)snprintf(line + n, sizeof line - n, " level=%s msg=", names[level & 3]);
    n += value(line + n, sizeof line - n, msg);
    emit(line, n < sizeof line ? n : sizeof line - 1, sizeof line);
}

void server_log_from_library(clrelu_log_level level, const char *message, void *user)
{
    server_log(user, level, "%s", message);
}
