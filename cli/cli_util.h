/* cli_util.h: helpers shared by the clrelu subcommands — exit codes, option matching, context, errors. */
#ifndef CLRELU_CLI_UTIL_H
#define CLRELU_CLI_UTIL_H

#include "clrelu.h"

#include <stdbool.h>

/* Exit codes of every subcommand. */
enum { CLI_EXIT_OK = 0, CLI_EXIT_ERROR = 1, CLI_EXIT_USAGE = 2 };

/* Print "clrelu CMD: message" to stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True if arg is -h or --help. */
bool cli_is_help(const char *arg);

/* Match argv[*i] against an option taking a value, written "--name VALUE" or "--name=VALUE".
 * Returns 1 and sets *value (advancing *i past a separate value), 0 if argv[*i] is another
 * argument, -1 if the value is missing (an error has been printed). */
int cli_option(const char *cmd, int argc, char **argv, int *i, const char *name, const char **value);

/* Parse a whole string as a finite or infinite double ("nan" is accepted as NaN); false if
 * any text is left over or nothing is a number. */
bool cli_parse_double(const char *s, double *out);

/* Create a context that logs warnings to stderr; prints the error and returns false on failure. */
bool cli_open_context(const char *cmd, clrelu_context **ctx);

/* Select a device by selector (NULL: auto); prints the error and the valid ids on failure. */
bool cli_select_device(const char *cmd, const clrelu_context *ctx, const char *selector, const clrelu_device **out);

/* Apply one "NAME=VALUE" to params for op; prints an error naming the op's parameters and
 * returns false if the name is unknown or the value is not a number. */
bool cli_apply_param(const char *cmd, const clrelu_op_desc *op, const char *assignment, double params[CLRELU_MAX_PARAMS]);

/* Print the op names from the op table, comma-separated, to stderr (after an error). */
void cli_list_ops(void);

#endif
