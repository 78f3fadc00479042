/* auth.h: API key checks — the key compared in constant time. */
#ifndef CLRELU_SERVER_AUTH_H
#define CLRELU_SERVER_AUTH_H

#include <stdbool.h>

/* given == secret, in time that depends only on the length of given (never on where the first
 * difference is, nor on the secret's length). secret must be non-empty. */
bool auth_secret_equal(const char *given, const char *secret);

/* The key presented by a request: "Authorization: Bearer KEY" (scheme case-insensitive) or
 * "X-API-Key: KEY". True when either header carries the secret. */
bool auth_headers_ok(const char *authorization, const char *x_api_key, const char *secret);

#endif
