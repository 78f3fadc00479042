/* commands.h: the subcommands of the `clrelu` program; each lives in its own cmd_*.c file. */
#ifndef CLRELU_COMMANDS_H
#define CLRELU_COMMANDS_H

#include "clrelu.h"

typedef struct {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the command name; returns the exit code */
} cli_command;

int cmd_devices(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_tune(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_results(int argc, char **argv);

#endif
