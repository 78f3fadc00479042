/* auth.c: the API key policy's primitive — constant-time comparison of a presented key. */
#include "auth.h"

#include <string.h>
#include <strings.h>

bool auth_secret_equal(const char *given, const char *secret)
{
    size_t gl = strlen(given), sl = strlen(secret);
    if (sl == 0)
        return false;
    /* Walk all of given, mixing every byte into d; a length mismatch also sets d. */
    volatile unsigned char d = (unsigned char)(gl != sl);
    for (size_t i = 0; i < gl; i++)
        d |= (unsigned char)given[i] ^ (unsigned char)secret[i % sl];
    return d == 0;
}

bool auth_headers_ok(const char *authorization, const char *x_api_key, const char *secret)
{
    bool ok = false;
    /* Both are checked even when the first matches, so timing does not tell which one did. */
    if (x_api_key && auth_secret_equal(x_api_key, secret))
        ok = true;
    if (authorization && !strncasecmp(authorization, "Bearer ", 7) && auth_secret_equal(authorization + 7, secret))
        ok = true;
    return ok;
}
