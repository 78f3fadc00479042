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

void access_log_write(const access_entry *e);
/* Leveled diagnostics ("level=warn msg=..."); messages below min_level are dropped. */
void server_log_set_level(clrelu_log_level min_level);
void server_log(clrelu_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Adapter for clrelu_context_options.log. */
void server_log_from_library(clrelu_log_level level, const char *message, void *user);
bool server_log_enabled(clrelu_log_level level);

#endif
