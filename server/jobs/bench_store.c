/* bench_store.c: benchmark jobs on disk — one <id>.json (job + results) and <id>.csv each, written atomically. */
#include "jobs/bench_store.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *job_state_name(job_state s)
{
    static const char *const names[] = {"queued", "running", "done", "cancelled", "failed"};
    return s <= JOB_FAILED ? names[s] : "unknown";
}

void bench_record_clear(bench_record *r)
{
    free(r->request);
    free(r->result_json);
    free(r->result_csv);
    r->request = r->result_json = r->result_csv = NULL;
}

cJSON *bench_record_json(const bench_record *b)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *prog = cJSON_CreateObject();
    cJSON *req = b->request ? cJSON_Parse(b->request) : NULL;
    if (!o || !prog) {
        cJSON_Delete(o);
        cJSON_Delete(prog);
        cJSON_Delete(req);
        return NULL;
    }
    cJSON_AddStringToObject(o, "id", b->id);
    cJSON_AddStringToObject(o, "status", job_state_name(b->state));
    cJSON_AddNumberToObject(o, "created_ms", (double)b->created_ms);
    if (b->started_ms)
        cJSON_AddNumberToObject(o, "started_ms", (double)b->started_ms);
    if (b->finished_ms)
        cJSON_AddNumberToObject(o, "finished_ms", (double)b->finished_ms);
    cJSON_AddNumberToObject(prog, "done", b->done);
    cJSON_AddNumberToObject(prog, "total", b->total);
    cJSON_AddNumberToObject(prog, "fraction", b->total ? (double)b->done / b->total : 1.0);
    cJSON_AddNumberToObject(prog, "elapsed_s", b->elapsed_s);
    if (b->state == JOB_RUNNING && b->eta_s >= 0)
        cJSON_AddNumberToObject(prog, "eta_s", b->eta_s);
    else
        cJSON_AddNullToObject(prog, "eta_s");
    cJSON_AddStringToObject(prog, "current", b->current);
    cJSON_AddItemToObject(o, "progress", prog);
    if (req)
        cJSON_AddItemToObject(o, "request", req);
    if (b->error[0])
        cJSON_AddStringToObject(o, "error", b->error);
    cJSON_AddBoolToObject(o, "has_results", b->result_json != NULL);
    return o;
}

/* Write data to path through a temporary file in the same directory and rename (atomic). */
static bool write_atomic(const char *path, const char *data, size_t len)
{
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return false;
    bool ok = fwrite(data, 1, len, f) == len;
    ok &= fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok &= fclose(f) == 0;
    if (ok && rename(tmp, path) != 0)
        ok = false;
    if (!ok)
        unlink(tmp);
    return ok;
}

bool bench_store_save(const char *dir, const bench_record *b)
{
    char path[1200];
    bool ok = true;
    if (b->result_csv) {
        snprintf(path, sizeof path, "%s/%s.csv", dir, b->id);
        ok = write_atomic(path, b->result_csv, strlen(b->result_csv));
    }
    cJSON *o = bench_record_json(b);
    cJSON *res = b->result_json ? cJSON_Parse(b->result_json) : NULL;
    if (!o) {
        cJSON_Delete(res);
        return false;
    }
    if (res)
        cJSON_AddItemToObject(o, "results", res);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!text)
        return false;
    snprintf(path, sizeof path, "%s/%s.json", dir, b->id);
    ok &= write_atomic(path, text, strlen(text));
    free(text);
    return ok;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    long len = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)len + 1)) != NULL) {
        if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
            free(buf);
            buf = NULL;
        } else {
            buf[len] = '\0';
        }
    }
    fclose(f);
    return buf;
}

static double num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : 0.0;
}

/* One saved job into *b; false when the file is not one (logged and ignored). */
static bool load_one(const char *dir, const server_logger *lg, const char *name, bench_record *b)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *text = read_text(path);
    cJSON *o = text ? cJSON_Parse(text) : NULL;
    free(text);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id"), *st = cJSON_GetObjectItemCaseSensitive(o, "status");
    memset(b, 0, sizeof *b);
    if (!cJSON_IsString(id) || !cJSON_IsString(st) || strlen(id->valuestring) >= sizeof b->id) {
        server_log(lg, CLRELU_LOG_WARN, "benchmarks: ignoring %s (not a saved job)", path);
        cJSON_Delete(o);
        return false;
    }
    snprintf(b->id, sizeof b->id, "%s", id->valuestring);
    b->state = JOB_FAILED;
    for (int s = JOB_QUEUED; s <= JOB_FAILED; s++)
        if (!strcmp(st->valuestring, job_state_name((job_state)s)))
            b->state = (job_state)s;
    if (b->state == JOB_QUEUED || b->state == JOB_RUNNING)
        b->state = JOB_CANCELLED; /* saved mid-way by an older server: it will never resume */
    b->created_ms = (uint64_t)num(o, "created_ms");
    b->started_ms = (uint64_t)num(o, "started_ms");
    b->finished_ms = (uint64_t)num(o, "finished_ms");
    const cJSON *prog = cJSON_GetObjectItemCaseSensitive(o, "progress");
    b->done = (int)num(prog, "done");
    b->total = (int)num(prog, "total");
    b->elapsed_s = num(prog, "elapsed_s");
    b->eta_s = -1;
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(o, "error");
    if (cJSON_IsString(err))
        snprintf(b->error, sizeof b->error, "%s", err->valuestring);
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(o, "request");
    if (req)
        b->request = cJSON_PrintUnformatted(req);
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(o, "results");
    if (res) {
        b->result_json = cJSON_Print(res);
        snprintf(path, sizeof path, "%s/%s.csv", dir, b->id);
        b->result_csv = read_text(path);
    }
    cJSON_Delete(o);
    return true;
}

/* A temporary file write_atomic left behind (<id>.json.tmp.<pid> or .csv) by a writer that was
 * killed before its rename: remove it unless that process still runs. True when name is one. */
static bool remove_stale_temp(const char *dir, const server_logger *lg, const char *name)
{
    const char *t = strstr(name, ".tmp.");
    if (!t || name[0] == '.')
        return false;
    char *end = NULL;
    long pid = strtol(t + 5, &end, 10);
    if (end == t + 5 || *end || pid <= 0)
        return false;
    if (pid != (long)getpid() && kill((pid_t)pid, 0) == 0)
        return true; /* another live writer's */
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (unlink(path) == 0)
        server_log(lg, CLRELU_LOG_WARN, "benchmarks: removed %s (left by an interrupted save)", path);
    return true;
}

bench_record *bench_store_load(const char *dir, const server_logger *lg, int *n_out)
{
    *n_out = 0;
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    bench_record *recs = NULL;
    int n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (remove_stale_temp(dir, lg, e->d_name))
            continue;
        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0 || e->d_name[0] == '.')
            continue;
        if (n == cap) {
            bench_record *grown = realloc(recs, (size_t)(cap ? cap * 2 : 16) * sizeof *recs);
            if (!grown) {
                server_log(lg, CLRELU_LOG_WARN, "benchmarks: out of memory loading %s", dir);
                break;
            }
            recs = grown;
            cap = cap ? cap * 2 : 16;
        }
        bench_record r;
        if (!load_one(dir, lg, e->d_name, &r))
            continue;
        /* keep creation order: after every record created at the same time or earlier */
        int at = 0;
        while (at < n && recs[at].created_ms <= r.created_ms)
            at++;
        memmove(&recs[at + 1], &recs[at], (size_t)(n - at) * sizeof *recs);
        recs[at] = r;
        n++;
    }
    closedir(d);
    if (n)
        server_log(lg, CLRELU_LOG_INFO, "benchmarks: loaded %d saved job%s from %s", n, n == 1 ? "" : "s", dir);
    else {
        free(recs);
        recs = NULL;
    }
    *n_out = n;
    return recs;
}
