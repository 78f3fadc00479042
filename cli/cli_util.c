/* cli_util.c: helpers shared by the clrelu subcommands — option matching, context, device and parameter errors. */
#include "cli_util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "clrelu %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

bool cli_is_help(const char *arg) { return !strcmp(arg, "-h") || !strcmp(arg, "--help"); }

int cli_option(const char *cmd, int argc, char **argv, int *i, const char *name, const char **value)
{
    const char *arg = argv[*i];
    size_t n = strlen(name);
    if (strncmp(arg, name, n) != 0)
        return 0;
    if (arg[n] == '=') {
        *value = arg + n + 1;
        return 1;
    }
    if (arg[n] != '\0')
        return 0;
    if (*i + 1 >= argc) {
        cli_error(cmd, "option %s needs a value", name);
        return -1;
    }
    *value = argv[++*i];
    return 1;
}

bool cli_parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE)
        return false;
    *out = v;
    return true;
}

/* Warnings and errors, and from CLRELU_LOG_LEVEL=debug|info (the server's variable) the library's
 * lower levels too: e.g. each size of a crossover measurement (clrelu tune). */
static void log_to_stderr(clrelu_log_level level, const char *message, void *user)
{
    static const char *const names[] = {"debug", "info", "warning", "error"};
    const char *want = getenv("CLRELU_LOG_LEVEL");
    clrelu_log_level min = want && strcmp(want, "debug") == 0  ? CLRELU_LOG_DEBUG
                           : want && strcmp(want, "info") == 0 ? CLRELU_LOG_INFO
                                                               : CLRELU_LOG_WARN;
    (void)user;
    if (level >= min && (unsigned)level < sizeof names / sizeof names[0])
        fprintf(stderr, "clrelu: %s: %s\n", names[level], message);
}

bool cli_open_context(const char *cmd, clrelu_context **ctx)
{
    clrelu_context_options opts = {0};
    opts.log = log_to_stderr;
    if (clrelu_context_create(&opts, ctx) != CLRELU_OK) {
        cli_error(cmd, "cannot initialise: %s", clrelu_last_error());
        return false;
    }
    return true;
}

bool cli_select_device(const char *cmd, const clrelu_context *ctx, const char *selector, const clrelu_device **out)
{
    if (clrelu_device_select(ctx, selector, out) == CLRELU_OK)
        return true;
    cli_error(cmd, "%s", clrelu_last_error());
    fprintf(stderr, "available devices:");
    for (int i = 0; i < clrelu_device_count(ctx); i++) {
        const clrelu_device_info *info = clrelu_device_get_info(clrelu_device_at(ctx, i));
        fprintf(stderr, "%s %s (%s)", i ? "," : "", info->id, info->name);
    }
    fprintf(stderr, "; also 'auto', a type, or part of a device/platform name\n");
    return false;
}

static void list_params(const clrelu_op_desc *op)
{
    if (op->n_params == 0) {
        fprintf(stderr, "%s takes no parameters\n", op->name);
        return;
    }
    fprintf(stderr, "parameters of %s:", op->name);
    for (int i = 0; i < op->n_params; i++)
        fprintf(stderr, "%s %s (default %g)", i ? "," : "", op->params[i].name, op->params[i].default_value);
    fputc('\n', stderr);
}

bool cli_apply_param(const char *cmd, const clrelu_op_desc *op, const char *assignment, double params[CLRELU_MAX_PARAMS])
{
    const char *eq = strchr(assignment, '=');
    if (!eq || eq == assignment) {
        cli_error(cmd, "--param expects NAME=VALUE, got '%s'", assignment);
        list_params(op);
        return false;
    }
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)(eq - assignment), assignment);
    int idx = clrelu_op_param_index(op, name);
    if (idx < 0 || (size_t)(eq - assignment) >= sizeof name) {
        cli_error(cmd, "%s has no parameter '%s'", op->name, name);
        list_params(op);
        return false;
    }
    if (!cli_parse_double(eq + 1, &params[idx])) {
        cli_error(cmd, "value of %s is not a number: '%s'", name, eq + 1);
        return false;
    }
    return true;
}

void cli_list_ops(void)
{
    fprintf(stderr, "valid ops:");
    for (int i = 0; i < clrelu_op_count(); i++)
        fprintf(stderr, "%s %s", i ? "," : "", clrelu_op_get(i)->name);
    fputc('\n', stderr);
}
