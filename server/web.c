/* web.c: the static routes — the embedded web page, /openapi.json and /metrics. */
#include "metrics.h"
#include "router.h"
#include "web.h"

#include <stdlib.h>
#include <string.h>

/* Copy an embedded file into the response (responses always own heap memory). */
static void send_asset(response *rp, const char *name, const char *ctype)
{
    for (const embedded_file *f = clrelu_server_assets; f->name; f++) {
        if (strcmp(f->name, name) != 0)
            continue;
        char *copy = malloc(f->size + 1);
        if (!copy) {
            response_error(rp, 503, "out of memory");
            return;
        }
        memcpy(copy, f->data, f->size);
        copy[f->size] = '\0';
        free(rp->body);
        rp->status = 200;
        rp->body = copy;
        rp->len = f->size;
        rp->content_type = ctype;
        return;
    }
    response_error(rp, 404, "%s is not embedded in this build", name);
}

void h_web_index(server *s, request *rq, response *rp)
{
    send_asset(rp, "index.html", "text/html; charset=utf-8");
}

/* The page's Results section (web/results.js, loaded by index.html). */
void h_web_results_js(server *s, request *rq, response *rp)
{
    send_asset(rp, "results.js", "text/javascript; charset=utf-8");
}

void h_openapi(server *s, request *rq, response *rp)
{
    send_asset(rp, "openapi.json", "application/json");
}

void h_metrics(server *s, request *rq, response *rp)
{
    char *text = metrics_render(s->metrics, s->stats);
    if (!text) {
        response_error(rp, 503, "out of memory rendering metrics");
        return;
    }
    free(rp->body);
    rp->status = 200;
    rp->body = text;
    rp->len = strlen(text);
    rp->content_type = "text/plain; version=0.0.4; charset=utf-8";
}
