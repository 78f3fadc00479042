/* web.h: files embedded in the binary at build time (the web page, the OpenAPI document). */
#ifndef CLRELU_SERVER_WEB_H
#define CLRELU_SERVER_WEB_H

#include <stddef.h>

typedef struct {
    const char *name;           /* file name, e.g. "index.html" */
    const char *data;
    size_t size;
} embedded_file;

extern const embedded_file clrelu_server_assets[]; /* ends with {NULL, NULL, 0} */

#endif
