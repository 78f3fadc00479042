/* tls.h: optional HTTPS — load the PEM certificate and key named by --tls-cert/--tls-key. */
#ifndef CLRELU_SERVER_TLS_H
#define CLRELU_SERVER_TLS_H

#include "server.h"

/* With both cfg.tls_cert and cfg.tls_key set, read the files into s->tls_cert_pem/tls_key_pem
 * (freed by tls_free). Fails with a logged message when only one is given, a file cannot be
 * read, or libmicrohttpd was built without TLS. 0 on success (also when TLS is not asked for). */
int tls_load(server *s);
void tls_free(server *s);

#endif
