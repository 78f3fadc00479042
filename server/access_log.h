/* access_log.h: one logfmt line per request on stderr, and the server's leveled log. */
#ifndef CLRELU_SERVER_ACCESS_LOG_H
#define CLRELU_SERVER_ACCESS_LOG_H

#include "clrelu.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    const char *method, *path, *remote, *route;
    unsigned status;            /* 0: the client went away before a response */
    uint64_t bytes_in, bytes_out, dur_ns;
} access_entry;

/* The log settings of one server (server.log, set from --log-level): lines below min_level are
 * dropped. A NULL logger logs at the default level, info. */
typedef struct server_logger {
    clrelu_log_level min_level;
} server_logger;

/* The request's line, at level info. */
void access_log_write(const server_logger *lg, const access_entry *e);
/* Leveled diagnostics ("level=warn msg=..."). */
void server_log(const server_logger *lg, clrelu_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Adapter for clrelu_context_options.log; log_user is the server_logger. */
void server_log_from_library(clrelu_log_level level, const char *message, void *user);
bool server_log_enabled(const server_logger *lg, clrelu_log_level level);

#endif
