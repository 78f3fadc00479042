/* conn_gate.h: the listening socket, and a gate that answers connections whose first bytes cannot start a request before libmicrohttpd sees them. */
#ifndef CLRELU_SERVER_CONN_GATE_H
#define CLRELU_SERVER_CONN_GATE_H

#include "server.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

typedef struct conn_gate conn_gate;

/* What a connection's first bytes say (RFC 9112 §2.2: a request starts with a method, a token;
 * empty lines before it may be ignored). */
typedef enum {
    GATE_MORE,  /* only CR/LF so far (*skip of them may be discarded): wait for more */
    GATE_PASS,  /* a token character (HTTP), or 0x16 on a TLS port: hand it to the daemon */
    GATE_BAD,   /* anything else: answer 400 and close */
} gate_verdict;

/* Classify the n > 0 first bytes of a connection; *skip is the count of leading CR/LF bytes
 * (plain HTTP only). Pure, for the tests too. */
gate_verdict gate_classify(const unsigned char *b, size_t n, bool tls, size_t *skip);

/* Bind and listen on the server's --host/--port (s->bound_port is set); NULL, logged, on failure.
 * Open it before the daemon starts, so that the daemon's threads see it. */
conn_gate *gate_open(server *s);
/* Start the gate's thread, which accepts, waits up to --timeout for each connection's first
 * bytes, answers a bad start with a JSON 400 (access log and metrics included) and hands the
 * others to daemon d (started with MHD_USE_NO_LISTEN_SOCKET). The gate enforces
 * --max-connections (it stops accepting at the limit, so the rest wait in the backlog) and
 * --per-ip-limit (a connection over it is closed), counting its own connections and the
 * daemon's as reported through gate_daemon_opened/closed. 0, or -1 logged. */
int gate_run(conn_gate *g, struct MHD_Daemon *d);
/* The daemon took (started) or dropped (closed) a connection from sa: called from
 * libmicrohttpd's NOTIFY_CONNECTION callback, on any thread. */
void gate_daemon_opened(conn_gate *g, const struct sockaddr *sa);
void gate_daemon_closed(conn_gate *g, const struct sockaddr *sa);
/* Stop accepting (the listening socket is closed); connections already waiting for their first
 * bytes are still handed over or answered. */
void gate_quiesce(conn_gate *g);
/* Connections the gate itself holds (waiting for first bytes, or closing after an answer). */
unsigned gate_held(conn_gate *g);
/* Stop the thread and close every connection it holds. Call before the daemon is stopped (the
 * gate hands connections to it); free g with gate_free once the daemon is stopped (its threads
 * report closed connections to g until then). */
void gate_stop(conn_gate *g);
void gate_free(conn_gate *g);

#endif
