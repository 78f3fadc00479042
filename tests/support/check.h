/* check.h: a minimal test harness — CHECK macros that count, and a summary line ctest can read. */
#ifndef CLRELU_CHECK_H
#define CLRELU_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#include "clrelu.h"

typedef struct {
    long passed, failed;
    int max_reports;    /* print at most this many failure messages */
} check_state;

extern check_state check_g;

void check_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* CHECK(cond, fmt, ...): counts one assertion; prints the message on failure. */
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (cond)                                                                                  \
            check_g.passed++;                                                                      \
        else                                                                                       \
            check_fail(__FILE__, __LINE__, __VA_ARGS__);                                           \
    } while (0)

/* CHECK_OK(status_expr): the call must return CLRELU_OK. */
#define CHECK_OK(expr)                                                                             \
    do {                                                                                           \
        clrelu_status st_ = (expr);                                                                \
        CHECK(st_ == CLRELU_OK, "%s -> %s: %s", #expr, clrelu_status_name(st_), clrelu_last_error()); \
    } while (0)

/* Print "N passed, N failed" and return the process exit code (0 only if nothing failed and
 * something was checked). */
int check_summary(const char *test_name);

/* A context for tests: OpenCL devices included unless CLRELU_NO_OPENCL is set; logs warnings to
 * stderr. Exits the test with code 1 if it cannot be created. */
clrelu_context *check_context(const clrelu_context_options *opts);

#endif
