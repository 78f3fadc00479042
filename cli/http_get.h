/* http_get.h: one HTTP/1.1 GET to a clrelu server (`clrelu results --server URL`), plain http:// only. */
#ifndef CLRELU_CLI_HTTP_GET_H
#define CLRELU_CLI_HTTP_GET_H

#include <stdbool.h>
#include <stddef.h>

/* GET base_url + path (base_url "http://host[:port][/prefix]", path beginning with "/", its query
 * already escaped) on a fresh connection, with `Authorization: Bearer api_key` when api_key is
 * set. On success (any HTTP status) returns true with *status and *body (malloc'd, NUL-terminated,
 * the body decoded from chunked transfer coding when so sent; *len its length). On failure
 * (bad URL, https, unreachable, malformed reply) returns false with the reason in err. */
bool http_get(const char *base_url, const char *path, const char *api_key, int timeout_s, int *status, char **body,
              size_t *len, char *err, size_t errlen);

/* Append the query parameter "name=value" to buf (with '?' or '&'), escaping value; false when
 * buf (of size cap) would overflow. A NULL or empty value appends nothing. */
bool http_query_add(char *buf, size_t cap, const char *name, const char *value);

#endif
