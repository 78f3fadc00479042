/* routes_bench.c: /v1/benchmarks — start a sweep (202 + Location), list, status/progress/results (JSON or CSV), cancel, delete; served from the results store, so any replica answers for any job. */
#include "jobs/bench_jobs.h"
#include "router.h"

#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The {id} segment: the last path segment. */
static const char *path_id(const request *rq)
{
    const char *slash = strrchr(rq->path, '/');
    return slash ? slash + 1 : rq->path;
}

/* Answer a failed store call: 503 while the store is unreachable, 404 for an unknown job. */
static void store_error(server *s, response *rp, clrelu_status st)
{
    unsigned http = bench_jobs_http_status(s->bench, st);
    if (http == 503 && st == CLRELU_ERR_IO)
        response_error(rp, 503, "the results store is unavailable: %s", clrelu_last_error());
    else
        response_error(rp, http, "%s", clrelu_last_error());
}

/* The "status" of a job record (JSON text), into buf. */
static void record_status(const char *record, char *buf, size_t len)
{
    cJSON *o = cJSON_Parse(record);
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(o, "status");
    snprintf(buf, len, "%s", cJSON_IsString(st) ? st->valuestring : "unknown");
    cJSON_Delete(o);
}

void h_bench_submit(server *s, request *rq, response *rp)
{
    if (!s->bench) {
        response_error(rp, 503, "benchmarks are not available");
        return;
    }
    cJSON *req = rq->len ? cJSON_ParseWithLength(rq->body, rq->len) : cJSON_CreateObject();
    if (!req) {
        response_error(rp, 400, "the body is not valid JSON");
        return;
    }
    char id[CLRELU_JOB_ID_MAX] = "", err[512] = "";
    unsigned http = bench_jobs_submit(s->bench, req, id, err, sizeof err);
    cJSON_Delete(req);
    if (http != 202) {
        response_error(rp, http, "%s", err);
        return;
    }
    char *rec = NULL;
    clrelu_status st = clrelu_jobs_get(s->bench->db, id, false, &rec);
    cJSON *o = st == CLRELU_OK ? cJSON_Parse(rec) : NULL;
    free(rec);
    if (!o) {
        /* queued, but the store went away before the record could be read back */
        o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", id);
        cJSON_AddStringToObject(o, "status", "queued");
    }
    snprintf(rp->location, sizeof rp->location, "/v1/benchmarks/%s", id);
    cJSON_AddStringToObject(o, "location", rp->location);
    response_json(rp, 202, o);
}

void h_bench_list(server *s, request *rq, response *rp)
{
    (void)rq;
    if (!s->bench) {
        response_json_text(rp, 200, strdup("{\"jobs\":[]}"));
        return;
    }
    char *json = NULL;
    clrelu_status st = clrelu_jobs_list(s->bench->db, 0, &json);
    if (st != CLRELU_OK) {
        store_error(s, rp, st);
        return;
    }
    response_json_text(rp, 200, json);
}

void h_bench_get(server *s, request *rq, response *rp)
{
    const char *fmt = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "format");
    if (fmt && strcmp(fmt, "json") != 0 && strcmp(fmt, "csv") != 0) {
        response_error(rp, 400, "format must be json or csv");
        return;
    }
    if (!s->bench) {
        response_error(rp, 404, "no benchmark '%s'", path_id(rq));
        return;
    }
    bool csv = fmt && !strcmp(fmt, "csv");
    char *body = NULL;
    clrelu_status st = csv ? clrelu_jobs_csv(s->bench->db, path_id(rq), &body)
                           : clrelu_jobs_get(s->bench->db, path_id(rq), true, &body);
    if (st != CLRELU_OK) {
        store_error(s, rp, st);
        return;
    }
    if (csv && !body) {
        char *rec = NULL, status[32] = "unknown";
        if (clrelu_jobs_get(s->bench->db, path_id(rq), false, &rec) == CLRELU_OK)
            record_status(rec, status, sizeof status);
        free(rec);
        response_error(rp, 409, "benchmark %s has no results yet (status %s)", path_id(rq), status);
        return;
    }
    response_json_text(rp, 200, body);
    if (csv)
        rp->content_type = "text/csv; charset=utf-8";
}

/* DELETE /v1/benchmarks/{id}: cancels a job that is queued or running (202, the record);
 * with ?purge (any value but "0" or "false") deletes a job that has ended, with its results (200). */
void h_bench_cancel(server *s, request *rq, response *rp)
{
    if (!s->bench) {
        response_error(rp, 404, "no benchmark '%s'", path_id(rq));
        return;
    }
    const char *id = path_id(rq);
    const char *purge = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "purge");
    bool del = MHD_lookup_connection_value_n(rq->conn, MHD_GET_ARGUMENT_KIND, "purge", 5, NULL, NULL) == MHD_YES &&
               !(purge && (!strcmp(purge, "0") || !strcmp(purge, "false")));
    if (del) {
        bool live = false;
        clrelu_status st = clrelu_jobs_delete(s->bench->db, id, &live);
        if (st != CLRELU_OK) {
            store_error(s, rp, st);
            return;
        }
        if (live) {
            response_error(rp, 409, "benchmark %s is queued or running: cancel it first (DELETE without ?purge)", id);
            return;
        }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", id);
        cJSON_AddBoolToObject(o, "deleted", true);
        response_json(rp, 200, o);
        return;
    }
    bool final = false;
    char *rec = NULL;
    clrelu_status st = clrelu_jobs_cancel(s->bench->db, id, &final, &rec);
    if (st != CLRELU_OK) {
        store_error(s, rp, st);
        return;
    }
    if (final) {
        char status[32] = "unknown";
        if (rec)
            record_status(rec, status, sizeof status);
        free(rec);
        response_error(rp, 409, "benchmark %s already finished (status %s); DELETE ?purge deletes it", id, status);
        return;
    }
    bench_jobs_cancelled(s->bench, id);
    if (!rec) {
        response_error(rp, 500, "out of memory");
        return;
    }
    response_json_text(rp, 202, rec);
}
