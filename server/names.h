/* names.h: validation of names that come from requests and may become file names (model names,
 * result ids, versions), so that no request can reach outside the results and model directories. */
#ifndef CLRELU_SERVER_NAMES_H
#define CLRELU_SERVER_NAMES_H

#include <stdbool.h>

#define NAME_MAX_LEN 100

/* A safe name: 1..NAME_MAX_LEN bytes of [A-Za-z0-9_.-], not starting with '.' or '-' (so never
 * ".", "..", a hidden file or something read as an option), no '/' or NUL by construction. */
bool name_is_safe(const char *name);

#endif
