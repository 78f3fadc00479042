/* main.c: the `clrelu` command — dispatches to one subcommand per file (cmd_*.c). */
#include "commands.h"

#ifdef CLRELU_HAVE_SERVER
#include "server/serve.h"
#endif

#include <stdio.h>
#include <string.h>

static const cli_command commands[] = {
    {"devices", "list OpenCL and host devices (--json)", cmd_devices},
    {"run", "run an op on a .npy file: run OP IN.npy OUT.npy [--device SEL] [--param K=V] [--dtype T] [--backward GRAD.npy] [--weight W.npy] [--timing]", cmd_run},
    {"bench", "benchmark sweeps: devices x ops x dtypes x sizes; table/--csv/--json, --compare, --plot (see --help)", cmd_bench},
    {"results", "stored benchmark runs: results list | show ID | compare A B [--fail-on-regression] | history | machines (see --help)", cmd_results},
    {"analyze", "per-layer sparsity and dead units of an MLP model on a batch: analyze MODEL_DIR IN.npy [--device SEL] [--json]", cmd_analyze},
    {"tune", "measure and store each OpenCL device's best kernel configuration and host crossover: tune [--device SEL] [--dtype T,...] [--size N]", cmd_tune},
    {"demo", "run every op on a small array on the default device and print the results", cmd_demo},
#ifdef CLRELU_HAVE_SERVER
    {"serve", "start the HTTP server (KServe v2 + native JSON API); see `clrelu serve --help`", serve_main},
#endif
};

static void usage(FILE *out)
{
    fprintf(out, "clrelu %s: ReLU-family activations on OpenCL devices and the host\n\nUsage: clrelu COMMAND [ARGS]\n\nCommands:\n",
            CLRELU_VERSION);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n`clrelu COMMAND --help` describes a command.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("clrelu %s\n", CLRELU_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "clrelu: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
