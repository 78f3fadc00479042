/* response.c: building JSON and error responses, status mapping, clocks. */
#include "server.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void response_json_text(response *r, unsigned status, char *text)
{
    free(r->body);
    free(r->tail_alloc);
    r->tail = NULL;
    r->tail_len = 0;
    r->tail_alloc = NULL;
    r->status = status;
    r->body = text;
    r->len = text ? strlen(text) : 0;
    r->content_type = "application/json";
    r->header_len = -1;
}

/* The error body is always {"error": "..."}; when even that cannot be allocated the body is
 * left empty and http.c sends the bare status. */
void response_error(response *r, unsigned status, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cJSON *o = cJSON_CreateObject();
    char *text = NULL;
    if (o && cJSON_AddStringToObject(o, "error", msg))
        text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    response_json_text(r, status, text);
}

void response_json(response *r, unsigned status, cJSON *obj)
{
    char *text = obj ? cJSON_PrintUnformatted(obj) : NULL;
    cJSON_Delete(obj);
    if (!text) {
        response_error(r, 500, "out of memory building the response");
        return;
    }
    response_json_text(r, status, text);
}

unsigned http_status_of(clrelu_status st)
{
    switch (st) {
    case CLRELU_OK: return 200;
    case CLRELU_ERR_INVALID_ARG: return 400;
    case CLRELU_ERR_NOT_FOUND: return 404;
    case CLRELU_ERR_UNSUPPORTED: return 400;
    case CLRELU_ERR_OUT_OF_MEMORY:
    case CLRELU_ERR_BUILD:
    case CLRELU_ERR_DEVICE:
    case CLRELU_ERR_IO:
    case CLRELU_ERR_CANCELLED:
    default: return 503;
    }
}
