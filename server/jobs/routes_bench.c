/* routes_bench.c: /v1/benchmarks — start a sweep (202 + Location), list, status/progress/results (JSON or CSV), cancel. */
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

/* Print obj and append `"results": <results>` before its closing brace; takes obj. */
static char *json_with_results(cJSON *obj, const char *results)
{
    char *head = cJSON_PrintUnformatted(obj);
    cJSON_Delete(obj);
    if (!head || !results)
        return head;
    size_t hl = strlen(head), rl = strlen(results);
    char *out = malloc(hl + rl + 16);
    if (out && hl >= 2) {
        memcpy(out, head, hl - 1); /* drop '}' */
        memcpy(out + hl - 1, ",\"results\":", 11);
        memcpy(out + hl + 10, results, rl);
        memcpy(out + hl + 10 + rl, "}", 2);
    }
    free(head);
    return out;
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
    bench_job *b = NULL;
    char err[512] = "";
    clrelu_status st = bench_jobs_submit(s->bench, req, &b, err, sizeof err);
    cJSON_Delete(req);
    if (st != CLRELU_OK) {
        response_error(rp, st == CLRELU_ERR_OUT_OF_MEMORY ? 503 : st == CLRELU_ERR_DEVICE ? 503 : 400, "%s",
                       err);
        return;
    }
    pthread_mutex_lock(&s->bench->lock);
    cJSON *o = bench_record_json(&b->rec);
    snprintf(rp->location, sizeof rp->location, "/v1/benchmarks/%s", b->rec.id);
    pthread_mutex_unlock(&s->bench->lock);
    if (!o) {
        response_error(rp, 500, "out of memory");
        return;
    }
    cJSON_AddStringToObject(o, "location", rp->location);
    response_json(rp, 202, o);
}

void h_bench_list(server *s, request *rq, response *rp)
{
    (void)rq;
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "jobs");
    if (!o || !arr) {
        cJSON_Delete(o);
        response_error(rp, 500, "out of memory");
        return;
    }
    if (s->bench) {
        pthread_mutex_lock(&s->bench->lock);
        for (bench_job *b = s->bench->jobs; b; b = b->next) {
            cJSON *item = bench_record_json(&b->rec);
            if (item)
                cJSON_AddItemToArray(arr, item);
        }
        pthread_mutex_unlock(&s->bench->lock);
    }
    response_json(rp, 200, o);
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
    pthread_mutex_lock(&s->bench->lock);
    bench_job *b = bench_jobs_find(s->bench, path_id(rq));
    char *body = NULL;
    bool csv = fmt && !strcmp(fmt, "csv");
    if (!b) {
        pthread_mutex_unlock(&s->bench->lock);
        response_error(rp, 404, "no benchmark '%s'", path_id(rq));
        return;
    }
    if (csv && !b->rec.result_csv) {
        pthread_mutex_unlock(&s->bench->lock);
        response_error(rp, 409, "benchmark %s has no results yet (status %s)", b->rec.id, job_state_name(b->rec.state));
        return;
    }
    body = csv ? strdup(b->rec.result_csv) : json_with_results(bench_record_json(&b->rec), b->rec.result_json);
    pthread_mutex_unlock(&s->bench->lock);
    if (!body) {
        response_error(rp, 500, "out of memory");
        return;
    }
    response_json_text(rp, 200, body);
    if (csv)
        rp->content_type = "text/csv; charset=utf-8";
}

void h_bench_cancel(server *s, request *rq, response *rp)
{
    if (!s->bench) {
        response_error(rp, 404, "no benchmark '%s'", path_id(rq));
        return;
    }
    bench_jobs *j = s->bench;
    pthread_mutex_lock(&j->lock);
    bench_job *b = bench_jobs_find(j, path_id(rq));
    if (!b) {
        pthread_mutex_unlock(&j->lock);
        response_error(rp, 404, "no benchmark '%s'", path_id(rq));
        return;
    }
    if (b->rec.state != JOB_QUEUED && b->rec.state != JOB_RUNNING) {
        pthread_mutex_unlock(&j->lock);
        response_error(rp, 409, "benchmark %s already finished (status %s)", b->rec.id, job_state_name(b->rec.state));
        return;
    }
    atomic_store(&b->cancel, true);
    bool was_queued = b->rec.state == JOB_QUEUED;
    if (was_queued) {
        b->rec.state = JOB_CANCELLED;
        b->rec.finished_ms = wall_ms();
        snprintf(b->rec.error, sizeof b->rec.error, "cancelled before it started");
    }
    cJSON *o = bench_record_json(&b->rec);
    pthread_mutex_unlock(&j->lock);
    /* a queued job is final now; a running one is saved by the worker when it stops */
    if (was_queued)
        bench_jobs_save(j, b);
    if (!o) {
        response_error(rp, 500, "out of memory");
        return;
    }
    response_json(rp, 202, o);
}
