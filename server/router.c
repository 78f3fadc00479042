/* router.c: the route table and the matcher (exact segments and {captures}). */
#include "router.h"

#include "models.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static const route routes[] = {
    {"GET", "/", "/", h_web_index, BODY_NONE, false},
    {"GET", "/index.html", "/", h_web_index, BODY_NONE, false},
    {"GET", "/results.js", "/results.js", h_web_results_js, BODY_NONE, false},
    {"GET", "/openapi.json", "/openapi.json", h_openapi, BODY_NONE, false},
    {"GET", "/metrics", "/metrics", h_metrics, BODY_NONE, false},
    {"GET", "/v1/devices", "/v1/devices", h_devices, BODY_NONE, false},
    {"GET", "/v1/ops", "/v1/ops", h_ops, BODY_NONE, false},
    {"POST", "/v1/activate", "/v1/activate", h_activate, BODY_JSON, true},
    {"POST", "/v1/debug/faults", "/v1/debug/faults", h_debug_faults, BODY_JSON, true},
    {"GET", "/v1/models", "/v1/models", h_models_list, BODY_NONE, false},
    {"POST", "/v1/models/{model}/infer", "/v1/models/{model}/infer", h_model_infer, BODY_JSON, true},
    {"GET", "/v1/benchmarks", "/v1/benchmarks", h_bench_list, BODY_NONE, false},
    {"POST", "/v1/benchmarks", "/v1/benchmarks", h_bench_submit, BODY_JSON, true},
    {"GET", "/v1/benchmarks/{id}", "/v1/benchmarks/{id}", h_bench_get, BODY_NONE, false},
    {"DELETE", "/v1/benchmarks/{id}", "/v1/benchmarks/{id}", h_bench_cancel, BODY_NONE, true},
    {"GET", "/v1/machines", "/v1/machines", h_machines, BODY_NONE, false},
    {"GET", "/v1/results", "/v1/results", h_results_list, BODY_NONE, false},
    {"GET", "/v1/results/compare", "/v1/results/compare", h_results_compare, BODY_NONE, false},
    {"GET", "/v1/results/history", "/v1/results/history", h_results_history, BODY_NONE, false},
    {"GET", "/v1/results/{id}", "/v1/results/{id}", h_results_get, BODY_NONE, false},
    {"GET", "/v2", "/v2", h_v2_server, BODY_NONE, false},
    {"GET", "/v2/health/live", "/v2/health/live", h_v2_live, BODY_NONE, false},
    {"GET", "/v2/health/ready", "/v2/health/ready", h_v2_ready, BODY_NONE, false},
    {"GET", "/v2/models/stats", "/v2/models/stats", h_v2_stats, BODY_NONE, false},
    {"GET", "/v2/models/{model}", "/v2/models/{model}", h_v2_model, BODY_NONE, false},
    {"GET", "/v2/models/{model}/versions/{version}", "/v2/models/{model}", h_v2_model, BODY_NONE, false},
    {"GET", "/v2/models/{model}/ready", "/v2/models/{model}/ready", h_v2_model_ready, BODY_NONE, false},
    {"GET", "/v2/models/{model}/versions/{version}/ready", "/v2/models/{model}/ready", h_v2_model_ready, BODY_NONE, false},
    {"POST", "/v2/models/{model}/infer", "/v2/models/{model}/infer", h_v2_infer, BODY_INFER, true},
    {"POST", "/v2/models/{model}/versions/{version}/infer", "/v2/models/{model}/infer", h_v2_infer, BODY_INFER, true},
    {"GET", "/v2/models/{model}/config", "/v2/models/{model}/config", h_v2_config, BODY_NONE, false},
    {"GET", "/v2/models/{model}/versions/{version}/config", "/v2/models/{model}/config", h_v2_config, BODY_NONE, false},
    {"GET", "/v2/models/{model}/stats", "/v2/models/{model}/stats", h_v2_stats, BODY_NONE, false},
    {"GET", "/v2/models/{model}/versions/{version}/stats", "/v2/models/{model}/stats", h_v2_stats, BODY_NONE, false},
    /* Triton's system shared-memory extension (routes_shm.c): all need the key when one is set */
    {"GET", "/v2/systemsharedmemory/status", "/v2/systemsharedmemory/status", h_shm_status, BODY_NONE, true},
    {"GET", "/v2/systemsharedmemory/region/{region}/status", "/v2/systemsharedmemory/region/{region}/status",
     h_shm_status, BODY_NONE, true},
    {"POST", "/v2/systemsharedmemory/region/{region}/register", "/v2/systemsharedmemory/region/{region}/register",
     h_shm_register, BODY_JSON, true},
    {"POST", "/v2/systemsharedmemory/region/{region}/unregister", "/v2/systemsharedmemory/region/{region}/unregister",
     h_shm_unregister, BODY_JSON, true},
    {"POST", "/v2/systemsharedmemory/unregister", "/v2/systemsharedmemory/unregister", h_shm_unregister, BODY_JSON,
     true},
};
#define N_ROUTES ((int)(sizeof routes / sizeof routes[0]))

/* The routes' metric labels as one array: a constant table, filled once. */
static const char *names[N_ROUTES];
static pthread_once_t names_once = PTHREAD_ONCE_INIT;

static void fill_names(void)
{
    for (int i = 0; i < N_ROUTES; i++)
        names[i] = routes[i].name;
}

int router_count(void) { return N_ROUTES; }
const route *router_at(int i) { return i >= 0 && i < N_ROUTES ? &routes[i] : NULL; }

const char *const *router_names(void)
{
    pthread_once(&names_once, fill_names);
    return names;
}

/* Split "/a/b/c" into segments (pointers into a copy); false when there are too many. */
static int split(char *copy, char **seg, int max)
{
    int n = 0;
    char *p = copy;
    while (*p == '/')
        p++;
    while (*p) {
        if (n == max)
            return -1;
        seg[n++] = p;
        char *slash = strchr(p, '/');
        if (!slash)
            break;
        *slash = '\0';
        p = slash + 1;
    }
    return n;
}

/* Match the path's segments against a pattern; {model} and {version} are copied into rq. */
static bool match(const char *pattern, char **useg, int un, request *rq)
{
    char pcopy[128];
    char *pseg[8];
    snprintf(pcopy, sizeof pcopy, "%s", pattern);
    int pn = split(pcopy, pseg, 8);
    if (pn != un)
        return false;
    for (int i = 0; i < pn; i++) {
        if (pseg[i][0] == '{') {
            if (!useg[i][0])
                return false;
            continue;
        }
        if (strcmp(pseg[i], useg[i]) != 0)
            return false;
    }
    if (rq) {
        rq->model[0] = rq->version[0] = '\0';
        for (int i = 0; i < pn; i++) {
            if (!strcmp(pseg[i], "{model}"))
                snprintf(rq->model, sizeof rq->model, "%s", useg[i]);
            else if (!strcmp(pseg[i], "{version}"))
                snprintf(rq->version, sizeof rq->version, "%s", useg[i]);
        }
    }
    return true;
}

route_result router_match(const char *method, const char *path, int *index, request *rq, const char **allow)
{
    char copy[512];
    char *useg[8];
    if (strlen(path) >= sizeof copy)
        return ROUTE_NOT_FOUND;
    snprintf(copy, sizeof copy, "%s", path);
    int un = split(copy, useg, 8);
    if (un < 0)
        return ROUTE_NOT_FOUND;
    const bool head = strcmp(method, "HEAD") == 0;
    bool any_path = false, get_ok = false, post_ok = false, delete_ok = false;
    for (int i = 0; i < N_ROUTES; i++) {
        if (!match(routes[i].pattern, useg, un, NULL))
            continue;
        any_path = true;
        bool is_get = !strcmp(routes[i].method, "GET");
        bool is_delete = !strcmp(routes[i].method, "DELETE");
        get_ok |= is_get;
        post_ok |= !is_get && !is_delete;
        delete_ok |= is_delete;
        if (!strcmp(routes[i].method, method) || (head && is_get)) {
            match(routes[i].pattern, useg, un, rq);
            *index = i;
            return ROUTE_OK;
        }
    }
    if (!any_path)
        return ROUTE_NOT_FOUND;
    *allow = get_ok && delete_ok ? "GET, HEAD, DELETE"
             : get_ok && post_ok ? "GET, HEAD, POST"
             : get_ok            ? "GET, HEAD"
                                 : "POST";
    return ROUTE_BAD_METHOD;
}
