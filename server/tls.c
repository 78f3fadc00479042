/* tls.c: optional HTTPS — the PEM files named by --tls-cert/--tls-key, read once at start-up. */
#include "tls.h"

#include "access_log.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TLS_PEM_MAX (1u << 20)

/* Read a whole PEM file (at most TLS_PEM_MAX bytes) into a NUL-terminated malloc'd string. */
static char *read_pem(const server_logger *lg, const char *path, const char *what)
{
    char *text = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        server_log(lg, CLRELU_LOG_ERROR, "--tls-%s %s: %s", what, path, strerror(errno));
        return NULL;
    }
    text = malloc(TLS_PEM_MAX + 1);
    size_t n = text ? fread(text, 1, TLS_PEM_MAX + 1, f) : 0;
    if (!text || ferror(f) || n == 0 || n > TLS_PEM_MAX || !memchr(text, '-', n)) {
        server_log(lg, CLRELU_LOG_ERROR, "--tls-%s %s: empty, unreadable or larger than 1 MiB", what, path);
        free(text);
        text = NULL;
    } else {
        text[n] = '\0';
    }
    fclose(f);
    return text;
}

int tls_load(server *s)
{
    const char *cert = s->cfg.tls_cert, *key = s->cfg.tls_key;
    if (!cert && !key)
        return 0;
    if (!cert || !key) {
        server_log(&s->log, CLRELU_LOG_ERROR, "TLS needs both --tls-cert and --tls-key");
        return -1;
    }
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        server_log(&s->log, CLRELU_LOG_ERROR, "this libmicrohttpd was built without TLS (GnuTLS) support");
        return -1;
    }
    s->tls_cert_pem = read_pem(&s->log, cert, "cert");
    s->tls_key_pem = s->tls_cert_pem ? read_pem(&s->log, key, "key") : NULL;
    if (!s->tls_key_pem) {
        tls_free(s);
        return -1;
    }
    return 0;
}

void tls_free(server *s)
{
    free(s->tls_cert_pem);
    if (s->tls_key_pem) {
        /* The key is a secret: clear it before the memory goes back. */
        volatile char *k = s->tls_key_pem;
        for (size_t i = 0; k[i]; i++)
            k[i] = 0;
    }
    free(s->tls_key_pem);
    s->tls_cert_pem = s->tls_key_pem = NULL;
}
