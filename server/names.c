/* names.c: the one rule for request-supplied names that may become file names. */
#include "names.h"

#include <string.h>

bool name_is_safe(const char *name)
{
    if (!name || !*name || name[0] == '.' || name[0] == '-')
        return false;
    size_t n = 0;
    for (const char *c = name; *c; c++, n++) {
        bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_' ||
                  *c == '.' || *c == '-';
        if (!ok || n >= NAME_MAX_LEN)
            return false;
    }
    return true;
}
