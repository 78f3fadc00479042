/* serve.h: the entry point of `clrelu serve`, for the command-line program (the layer above). */
#ifndef CLRELU_SERVER_SERVE_H
#define CLRELU_SERVER_SERVE_H

/* Run the HTTP server with the arguments of `clrelu serve` (argv[0] is "serve") until SIGTERM or
 * SIGINT; returns the process exit code (0 after a graceful stop, 2 on bad usage, 1 on failure). */
int serve_main(int argc, char **argv);

#endif
