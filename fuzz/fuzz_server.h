/* fuzz_server.h: a host-only `clrelu serve` state without a socket, so harnesses call handlers directly. */
#ifndef CLRELU_FUZZ_SERVER_H
#define CLRELU_FUZZ_SERVER_H

#include "server.h"

/* The process-wide fixture (created on first use): host device only, small element limit. NULL
 * if it cannot be set up. */
server *fuzz_server(void);

/* Call handler with body as a POST to path's route; model is the {model} capture ("" for none).
 * header_len < 0: no Inference-Header-Content-Length. Checks the response is well formed
 * (status 200..599, a body that is valid JSON unless binary) and frees it. */
void fuzz_call(void (*handler)(server *, request *, response *), const char *model, const void *body,
               size_t len, long long header_len);

#endif
