/* router.h: the route table — method + path pattern → handler, with 404/405 decisions. */
#ifndef CLRELU_SERVER_ROUTER_H
#define CLRELU_SERVER_ROUTER_H

#include "server.h"

typedef void (*route_handler)(server *s, request *rq, response *rp);

/* Body kinds a POST route accepts (Content-Type checks happen before the body is read). */
enum { BODY_NONE = 0, BODY_JSON = 1, BODY_INFER = 2 /* JSON or JSON + binary tensors */ };

typedef struct {
    const char *method;         /* "GET" or "POST"; GET routes also answer HEAD */
    const char *pattern;        /* segments; "{x}" captures one segment */
    const char *name;           /* metrics label */
    route_handler handler;
    int body;
    bool auth;                  /* guarded by --api-key when one is set */
} route;

typedef enum { ROUTE_OK = 0, ROUTE_NOT_FOUND, ROUTE_BAD_METHOD } route_result;

int router_count(void);
const route *router_at(int i);
const char *const *router_names(void);
/* Match method and path; on ROUTE_OK fills *index and the captures of rq; on ROUTE_BAD_METHOD
 * *allow is the Allow header value (a static string). */
route_result router_match(const char *method, const char *path, int *index, request *rq, const char **allow);

/* Handlers (routes_native.c, routes_v2.c, web.c). */
void h_web_index(server *s, request *rq, response *rp);
void h_web_results_js(server *s, request *rq, response *rp);
void h_openapi(server *s, request *rq, response *rp);
void h_metrics(server *s, request *rq, response *rp);
void h_devices(server *s, request *rq, response *rp);
void h_ops(server *s, request *rq, response *rp);
void h_activate(server *s, request *rq, response *rp);
void h_debug_faults(server *s, request *rq, response *rp); /* routes_debug.c */
void h_v2_server(server *s, request *rq, response *rp);
void h_v2_live(server *s, request *rq, response *rp);
void h_v2_ready(server *s, request *rq, response *rp);
void h_v2_model(server *s, request *rq, response *rp);
void h_v2_model_ready(server *s, request *rq, response *rp);
void h_v2_infer(server *s, request *rq, response *rp);
void h_v2_config(server *s, request *rq, response *rp);
void h_v2_stats(server *s, request *rq, response *rp);
void h_bench_submit(server *s, request *rq, response *rp); /* routes_bench.c */
void h_bench_list(server *s, request *rq, response *rp);
void h_bench_get(server *s, request *rq, response *rp);
void h_bench_cancel(server *s, request *rq, response *rp);
void h_machines(server *s, request *rq, response *rp); /* routes_results.c */
void h_results_list(server *s, request *rq, response *rp);
void h_results_get(server *s, request *rq, response *rp);
void h_results_compare(server *s, request *rq, response *rp);
void h_results_history(server *s, request *rq, response *rp);
void h_shm_status(server *s, request *rq, response *rp); /* routes_shm.c */
void h_shm_register(server *s, request *rq, response *rp);
void h_shm_unregister(server *s, request *rq, response *rp);

#endif
