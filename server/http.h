/* http.h: the libmicrohttpd daemon — start, graceful stop, request state and routing glue. */
#ifndef CLRELU_SERVER_HTTP_H
#define CLRELU_SERVER_HTTP_H

#include "server.h"

/* Start listening on cfg.host:cfg.port; sets s->daemon and s->bound_port. */
int http_start(server *s);
/* Stop accepting, wait up to grace_ms for in-flight requests, then stop the daemon. Returns the
 * number of requests still in flight when it gave up (0 on a clean stop). */
unsigned http_stop(server *s, unsigned grace_ms);

#endif
