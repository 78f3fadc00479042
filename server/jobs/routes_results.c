/* routes_results.c: /v1/results (runs with filters and pages, one run, compare, history of a case) and /v1/machines — reads of the results store. */
#include "jobs/bench_jobs.h"
#include "router.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *arg(const request *rq, const char *key)
{
    const char *v = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, key);
    return v && *v ? v : NULL;
}

/* A whole-number query argument into *out (left alone when absent); false (400 answered) when
 * it is not one. */
static bool arg_u64(const request *rq, response *rp, const char *key, uint64_t *out)
{
    const char *v = arg(rq, key);
    if (!v)
        return true;
    char *end = NULL;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || end == v || *end || v[0] == '-') {
        response_error(rp, 400, "'%s' must be a whole number (got '%.40s')", key, v);
        return false;
    }
    *out = x;
    return true;
}

static bool arg_limit(const request *rq, response *rp, int max, int *out)
{
    uint64_t v = 0;
    if (!arg_u64(rq, rp, "limit", &v))
        return false;
    if (v > (uint64_t)max) {
        response_error(rp, 400, "'limit' must be at most %d", max);
        return false;
    }
    *out = (int)v;
    return true;
}

/* The store, or a 503 answered when benchmarks (and so the store) are not available. */
static clrelu_results *store(server *s, response *rp)
{
    if (!s->bench || !s->bench->db) {
        response_error(rp, 503, "the results store is not available");
        return NULL;
    }
    return s->bench->db;
}

/* Answer a store call's outcome: its JSON (200), or the error (503 while unreachable). */
static void answer(server *s, response *rp, clrelu_status st, char *json)
{
    if (st == CLRELU_OK && json) {
        bench_jobs_http_status(s->bench, st);
        response_json_text(rp, 200, json);
        return;
    }
    if (st == CLRELU_OK) {
        response_error(rp, 500, "the results store answered nothing");
        return;
    }
    free(json);
    unsigned http = bench_jobs_http_status(s->bench, st);
    if (st == CLRELU_ERR_IO)
        response_error(rp, 503, "the results store is unavailable: %s", clrelu_last_error());
    else
        response_error(rp, http, "%s", clrelu_last_error());
}

/* GET /v1/machines: every registered machine, with "alive" (a heartbeat within alive_ms) and
 * "self" (this daemon's). */
void h_machines(server *s, request *rq, response *rp)
{
    (void)rq;
    clrelu_results *db = store(s, rp);
    if (!db)
        return;
    char *text = NULL;
    clrelu_status st = clrelu_results_machines(db, &text);
    if (st != CLRELU_OK) {
        answer(s, rp, st, text);
        return;
    }
    cJSON *doc = cJSON_Parse(text);
    free(text);
    if (!doc) {
        response_error(rp, 500, "the machine list is not JSON");
        return;
    }
    uint64_t now = wall_ms();
    cJSON *m;
    cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(doc, "machines"))
    {
        const cJSON *seen = cJSON_GetObjectItemCaseSensitive(m, "last_seen_ms"), *id = cJSON_GetObjectItemCaseSensitive(m, "id");
        cJSON_AddBoolToObject(m, "alive", cJSON_IsNumber(seen) && seen->valuedouble + (double)s->bench->alive_ms >= (double)now);
        cJSON_AddBoolToObject(m, "self", cJSON_IsString(id) && !strcmp(id->valuestring, s->bench->machine.id));
    }
    cJSON_AddNumberToObject(doc, "now_ms", (double)now);
    cJSON_AddNumberToObject(doc, "heartbeat_ms", (double)s->bench->heartbeat_ms);
    cJSON_AddNumberToObject(doc, "alive_within_ms", (double)s->bench->alive_ms);
    response_json(rp, 200, doc);
}

/* GET /v1/results?machine=&device=&op=&dtype=&label=k=v&job=&min_elements=&max_elements=
 * &since_ms=&until_ms=&limit=&cursor= */
void h_results_list(server *s, request *rq, response *rp)
{
    clrelu_results *db = store(s, rp);
    if (!db)
        return;
    clrelu_results_filter f = {.machine = arg(rq, "machine"), .device = arg(rq, "device"), .op = arg(rq, "op"),
                               .dtype = arg(rq, "dtype"), .label = arg(rq, "label"), .job = arg(rq, "job"),
                               .cursor = arg(rq, "cursor")};
    if (!arg_u64(rq, rp, "min_elements", &f.min_elements) || !arg_u64(rq, rp, "max_elements", &f.max_elements) ||
        !arg_u64(rq, rp, "since_ms", &f.since_ms) || !arg_u64(rq, rp, "until_ms", &f.until_ms) ||
        !arg_limit(rq, rp, 1000, &f.limit))
        return;
    char *json = NULL;
    clrelu_status st = clrelu_results_list(db, &f, &json);
    answer(s, rp, st, json);
}

/* GET /v1/results/{id} */
void h_results_get(server *s, request *rq, response *rp)
{
    clrelu_results *db = store(s, rp);
    if (!db)
        return;
    const char *slash = strrchr(rq->path, '/');
    char *json = NULL;
    clrelu_status st = clrelu_results_get(db, slash ? slash + 1 : rq->path, &json);
    answer(s, rp, st, json);
}

/* GET /v1/results/compare?a=RUN&b=RUN */
void h_results_compare(server *s, request *rq, response *rp)
{
    clrelu_results *db = store(s, rp);
    if (!db)
        return;
    const char *a = arg(rq, "a"), *b = arg(rq, "b");
    if (!a || !b) {
        response_error(rp, 400, "compare needs two runs: ?a=RUN&b=RUN (ids from GET /v1/results)");
        return;
    }
    char *json = NULL;
    int slower = 0;
    clrelu_status st = clrelu_results_compare(db, a, b, &json, &slower);
    answer(s, rp, st, json);
}

/* GET /v1/results/history?op=&dtype=&elements=&device=&machine=&direction=&placement=
 * &since_ms=&until_ms=&limit= */
void h_results_history(server *s, request *rq, response *rp)
{
    clrelu_results *db = store(s, rp);
    if (!db)
        return;
    clrelu_results_case_key k = {.machine = arg(rq, "machine"), .device = arg(rq, "device"), .op = arg(rq, "op"),
                                 .dtype = arg(rq, "dtype"), .direction = arg(rq, "direction"),
                                 .placement = arg(rq, "placement")};
    if (!arg_u64(rq, rp, "elements", &k.elements) || !arg_u64(rq, rp, "since_ms", &k.since_ms) ||
        !arg_u64(rq, rp, "until_ms", &k.until_ms) || !arg_limit(rq, rp, 10000, &k.limit))
        return;
    if (!k.op || !k.dtype || !k.elements) {
        response_error(rp, 400, "history needs op, dtype and elements (and may name machine, device, direction, "
                                "placement, since_ms, until_ms, limit)");
        return;
    }
    char *json = NULL;
    clrelu_status st = clrelu_results_history(db, &k, &json);
    answer(s, rp, st, json);
}
