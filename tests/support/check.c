/* check.c: counters and failure reporting for check.h. */
#include "check.h"

#include <stdarg.h>

check_state check_g = {0, 0, 30};

void check_fail(const char *file, int line, const char *fmt, ...)
{
    check_g.failed++;
    if (check_g.failed > check_g.max_reports) {
        if (check_g.failed == check_g.max_reports + 1)
            fprintf(stderr, "(further failures not printed)\n");
        return;
    }
    fprintf(stderr, "FAIL %s:%d: ", file, line);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int check_summary(const char *test_name)
{
    printf("%s: %ld passed, %ld failed\n", test_name, check_g.passed, check_g.failed);
    if (check_g.passed + check_g.failed == 0) {
        fprintf(stderr, "%s: no assertions ran\n", test_name);
        return 1;
    }
    return check_g.failed ? 1 : 0;
}

static void log_to_stderr(clrelu_log_level level, const char *message, void *user)
{
    (void)user;
    if (level >= CLRELU_LOG_WARN)
        fprintf(stderr, "clrelu: %s\n", message);
}

clrelu_context *check_context(const clrelu_context_options *opts)
{
    clrelu_context_options o = {0};
    if (opts)
        o = *opts;
    if (!o.log)
        o.log = log_to_stderr;
    clrelu_context *ctx = NULL;
    if (clrelu_context_create(&o, &ctx) != CLRELU_OK) {
        fprintf(stderr, "cannot create context: %s\n", clrelu_last_error());
        exit(1);
    }
    return ctx;
}
