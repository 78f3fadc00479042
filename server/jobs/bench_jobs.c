/* bench_jobs.c: the benchmark job queue — submit, one worker thread running sweeps in order, cancel, stop. */
#include "jobs/bench_jobs.h"

#include "access_log.h"
#include "codec/json_int.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define JOB_MAX_CASES 20000
#define JOB_DEFAULT_MAX_SECONDS 600.0

bench_job *bench_jobs_find(bench_jobs *j, const char *id)
{
    for (bench_job *b = j->jobs; b; b = b->next)
        if (!strcmp(b->rec.id, id))
            return b;
    return NULL;
}

void bench_job_free(bench_job *b)
{
    if (!b)
        return;
    bench_record_clear(&b->rec);
    for (int i = 0; i < 6; i++)
        free(b->opt_strings[i]);
    free(b);
}

/* mkdir -p */
static bool make_dirs(const char *path)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return false;
            *p = '/';
        }
    return mkdir(buf, 0755) == 0 || errno == EEXIST;
}

static void resolve_dir(bench_jobs *j)
{
    const char *cfg = j->srv->cfg.results_dir, *env = getenv("CLRELU_RESULTS_DIR"), *xdg = getenv("XDG_STATE_HOME");
    if (cfg && *cfg)
        snprintf(j->dir, sizeof j->dir, "%s", cfg);
    else if (env && *env)
        snprintf(j->dir, sizeof j->dir, "%s", env);
    else if (xdg && *xdg)
        snprintf(j->dir, sizeof j->dir, "%s/clrelu/benchmarks", xdg);
    else
        snprintf(j->dir, sizeof j->dir, "clrelu-results");
    if (!make_dirs(j->dir)) {
        server_log(&j->srv->log, CLRELU_LOG_WARN, "benchmarks: cannot create the results directory %s (%s); results are kept in memory only",
                   j->dir, strerror(errno));
        j->dir[0] = '\0';
    } else {
        server_log(&j->srv->log, CLRELU_LOG_INFO, "benchmarks: results directory %s", j->dir);
    }
}

/* Progress from the engine (worker thread, between cases). */
static void on_progress(const clrelu_bench_progress *p, void *user)
{
    bench_job *b = user;
    pthread_mutex_lock(&b->owner->lock);
    b->rec.done = p->done;
    b->rec.total = p->total;
    b->rec.elapsed_s = p->elapsed_s;
    b->rec.eta_s = p->eta_s;
    snprintf(b->rec.current, sizeof b->rec.current, "%s", p->current);
    pthread_mutex_unlock(&b->owner->lock);
}

static bool is_cancelled(void *user) { return atomic_load(&((bench_job *)user)->cancel); }

/* Run one job to the end and save it. The final state is published only once the results are
 * on disk (when they can be saved), so a client that saw "done" finds the job after a kill -9. */
static void run_job(bench_jobs *j, bench_job *b)
{
    clrelu_bench_result *r = NULL;
    clrelu_status st = clrelu_bench_run(j->srv->ctx, &b->opts, &r);
    char *json = r ? clrelu_bench_to_json(r) : NULL, *csv = r ? clrelu_bench_to_csv(r) : NULL;
    job_state final;
    bench_record *rec = &b->rec;
    pthread_mutex_lock(&j->lock);
    rec->result_json = json;
    rec->result_csv = csv;
    rec->finished_ms = wall_ms();
    if (r)
        rec->elapsed_s = r->elapsed_s;
    if (st == CLRELU_ERR_CANCELLED) {
        final = JOB_CANCELLED;
    } else if (st != CLRELU_OK || (r && (!json || !csv))) {
        final = JOB_FAILED;
        snprintf(rec->error, sizeof rec->error, "%s", st != CLRELU_OK ? clrelu_last_error() : "out of memory");
    } else {
        final = JOB_DONE;
        rec->done = rec->total;
    }
    rec->current[0] = '\0';
    bench_record snap = *rec; /* what the file will say: the job as it stands, in its final state */
    snap.state = final;
    pthread_mutex_unlock(&j->lock);
    clrelu_bench_result_free(r);
    /* Only the worker changes a running job's fields, so the snapshot's pointers stay valid. */
    if (j->dir[0] && !bench_store_save(j->dir, &snap))
        server_log(&j->srv->log, CLRELU_LOG_WARN, "benchmark %s: cannot save the results in %s", rec->id, j->dir);
    pthread_mutex_lock(&j->lock);
    rec->state = final;
    pthread_mutex_unlock(&j->lock);
    server_log(&j->srv->log, CLRELU_LOG_INFO, "benchmark %s %s after %.1f s", rec->id, job_state_name(final),
               rec->elapsed_s);
}

/* The worker: oldest queued job first, one at a time, so no two sweeps share a device. */
static void *worker_main(void *arg)
{
    bench_jobs *j = arg;
    pthread_mutex_lock(&j->lock);
    for (;;) {
        bench_job *next = NULL;
        for (bench_job *b = j->jobs; b && !next; b = b->next)
            if (b->rec.state == JOB_QUEUED)
                next = b;
        if (j->stopping)
            break;
        if (!next) {
            pthread_cond_wait(&j->wake, &j->lock);
            continue;
        }
        next->rec.state = JOB_RUNNING;
        next->rec.started_ms = wall_ms();
        pthread_mutex_unlock(&j->lock);
        run_job(j, next);
        pthread_mutex_lock(&j->lock);
    }
    pthread_mutex_unlock(&j->lock);
    return NULL;
}

/* The jobs saved in the results directory, oldest first; one that cannot be held is dropped. */
static void adopt_saved(bench_jobs *j)
{
    int n = 0;
    bench_record *recs = bench_store_load(j->dir, &j->srv->log, &n);
    bench_job **tail = &j->jobs;
    for (int i = 0; i < n; i++) {
        bench_job *b = calloc(1, sizeof *b);
        if (!b) {
            bench_record_clear(&recs[i]);
            continue;
        }
        b->rec = recs[i];
        b->owner = j;
        *tail = b;
        tail = &b->next;
    }
    free(recs);
}

void bench_jobs_save(bench_jobs *j, const bench_job *b)
{
    if (j->dir[0])
        bench_store_save(j->dir, &b->rec);
}

bench_jobs *bench_jobs_start(server *s)
{
    bench_jobs *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->srv = s;
    pthread_mutex_init(&j->lock, NULL);
    pthread_cond_init(&j->wake, NULL);
    resolve_dir(j);
    if (j->dir[0])
        adopt_saved(j);
    if (pthread_create(&j->worker, NULL, worker_main, j) != 0) {
        bench_jobs_stop(j);
        return NULL;
    }
    j->worker_started = true;
    return j;
}

void bench_jobs_cancel_all(bench_jobs *j)
{
    if (!j)
        return;
    pthread_mutex_lock(&j->lock);
    j->stopping = true;
    for (bench_job *b = j->jobs; b; b = b->next)
        atomic_store(&b->cancel, true);
    pthread_cond_broadcast(&j->wake);
    pthread_mutex_unlock(&j->lock);
}

void bench_jobs_stop(bench_jobs *j)
{
    if (!j)
        return;
    bench_jobs_cancel_all(j);
    if (j->worker_started)
        pthread_join(j->worker, NULL);
    /* sweeps that never started are recorded as cancelled */
    for (bench_job *b = j->jobs; b; b = b->next)
        if (b->rec.state == JOB_QUEUED) {
            b->rec.state = JOB_CANCELLED;
            b->rec.finished_ms = wall_ms();
            snprintf(b->rec.error, sizeof b->rec.error, "the server stopped before the sweep started");
            bench_jobs_save(j, b);
        }
    while (j->jobs) {
        bench_job *b = j->jobs;
        j->jobs = b->next;
        bench_job_free(b);
    }
    pthread_mutex_destroy(&j->lock);
    pthread_cond_destroy(&j->wake);
    free(j);
}

/* A request field as a comma list: a string as is, an array of strings or whole numbers (sizes
 * as element counts) joined. NULL when absent; sets *bad when present with another type. */
static char *list_field(const cJSON *req, const char *key, bool *bad)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, key);
    if (!v || cJSON_IsNull(v))
        return NULL;
    if (cJSON_IsString(v))
        return strdup(v->valuestring);
    if (!cJSON_IsArray(v)) {
        *bad = true;
        return NULL;
    }
    size_t len = 1;
    const cJSON *it;
    cJSON_ArrayForEach(it, v)
    {
        uint64_t whole;
        if (!cJSON_IsString(it) && !json_to_u64(it, UINT64_C(9007199254740992), &whole)) {
            *bad = true;
            return NULL;
        }
        len += (cJSON_IsString(it) ? strlen(it->valuestring) : 20) + 1;
    }
    char *out = calloc(1, len);
    if (!out)
        return NULL;
    size_t used = 0;
    cJSON_ArrayForEach(it, v)
    {
        uint64_t whole = 0;
        if (cJSON_IsString(it))
            used += (size_t)snprintf(out + used, len - used, "%s%s", used ? "," : "", it->valuestring);
        else if (json_to_u64(it, UINT64_C(9007199254740992), &whole)) /* checked in the first pass */
            used += (size_t)snprintf(out + used, len - used, "%s%llu", used ? "," : "", (unsigned long long)whole);
    }
    return out;
}

/* A number field; false when present and not a number in [lo, hi] (or not whole, for integer). */
static bool num_field(const cJSON *req, const char *key, double lo, double hi, bool integer, double *out, char *err,
                      size_t errlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, key);
    if (!v)
        return true;
    /* Integer fields have lo >= 0: json_to_u64 checks the range before converting. */
    uint64_t whole = 0;
    bool ok = integer ? json_to_u64(v, (uint64_t)hi, &whole) && (double)whole >= lo
                      : cJSON_IsNumber(v) && v->valuedouble >= lo && v->valuedouble <= hi;
    if (!ok) {
        snprintf(err, errlen, "'%s' must be %s in [%g, %g]", key, integer ? "an integer" : "a number", lo, hi);
        return false;
    }
    *out = integer ? (double)whole : v->valuedouble;
    return true;
}

/* The request as echoed back and saved: the client's object without its null members (null
 * means "the default", and the documented fields are never null). NULL when out of memory. */
static char *request_text(const cJSON *req)
{
    cJSON *copy = cJSON_Duplicate(req, true);
    if (!copy)
        return NULL;
    for (cJSON *it = copy->child, *next; it; it = next) {
        next = it->next;
        if (cJSON_IsNull(it))
            cJSON_Delete(cJSON_DetachItemViaPointer(copy, it));
    }
    char *text = cJSON_PrintUnformatted(copy);
    cJSON_Delete(copy);
    return text;
}

/* Record a message for the client and evaluate to the status. */
#define SET_ERR(code, ...) (snprintf(err, errlen, __VA_ARGS__), (code))

/* Validate a request and build its job (not queued): options, case count, request echo. */
clrelu_status bench_request_parse(clrelu_context *ctx, const cJSON *req, bench_job **out, char *err, size_t errlen)
{
    static const char *const keys[6] = {"devices", "ops", "dtypes", "sizes", "directions", "placements"};
    static const char *const known[] = {"devices", "ops", "dtypes", "sizes", "directions", "placements", "repeats",
                                        "max_samples", "warmup", "min_time_s", "max_seconds", "max_bytes", "ceilings"};
    if (!cJSON_IsObject(req))
        return SET_ERR(CLRELU_ERR_INVALID_ARG, "the body must be a JSON object");
    /* A misspelt option must not be ignored silently (nor echoed back as if it had been used). */
    for (const cJSON *it = req->child; it; it = it->next) {
        size_t k = 0;
        while (k < sizeof known / sizeof known[0] && (!it->string || strcmp(it->string, known[k]) != 0))
            k++;
        if (k == sizeof known / sizeof known[0])
            return SET_ERR(CLRELU_ERR_INVALID_ARG,
                           "unknown field '%.64s' (known: devices, ops, dtypes, sizes, directions, placements, "
                           "repeats, max_samples, warmup, min_time_s, max_seconds, max_bytes, ceilings)",
                           it->string ? it->string : "");
    }
    bench_job *b = calloc(1, sizeof *b);
    if (!b)
        return SET_ERR(CLRELU_ERR_OUT_OF_MEMORY, "out of memory");
    clrelu_status st = CLRELU_OK;
    bool bad = false;
    for (int i = 0; i < 6 && !bad; i++) {
        b->opt_strings[i] = list_field(req, keys[i], &bad);
        if (bad)
            st = SET_ERR(CLRELU_ERR_INVALID_ARG, "'%s' must be a string or an array of strings (sizes: or whole numbers)", keys[i]);
    }
    if (st != CLRELU_OK)
        goto out;
    clrelu_bench_options *o = &b->opts;
    o->devices = b->opt_strings[0];
    o->ops = b->opt_strings[1];
    o->dtypes = b->opt_strings[2];
    o->sizes = b->opt_strings[3];
    o->directions = b->opt_strings[4];
    o->placements = b->opt_strings[5];
    double repeats = 0, max_samples = 0, warmup = 0, min_time = 0, max_seconds = JOB_DEFAULT_MAX_SECONDS, max_bytes = 0;
    if (!num_field(req, "repeats", 1, 100000, true, &repeats, err, errlen) ||
        !num_field(req, "max_samples", 1, 100000, true, &max_samples, err, errlen) ||
        !num_field(req, "warmup", 0, 1000, true, &warmup, err, errlen) ||
        !num_field(req, "min_time_s", 0, 60, false, &min_time, err, errlen) ||
        !num_field(req, "max_seconds", 0.001, 86400, false, &max_seconds, err, errlen) ||
        !num_field(req, "max_bytes", 1, 1e15, false, &max_bytes, err, errlen)) {
        st = CLRELU_ERR_INVALID_ARG;
        goto out;
    }
    const cJSON *ceil = cJSON_GetObjectItemCaseSensitive(req, "ceilings");
    if (ceil && !cJSON_IsBool(ceil)) {
        st = SET_ERR(CLRELU_ERR_INVALID_ARG, "'ceilings' must be true or false");
        goto out;
    }
    o->no_ceilings = ceil && cJSON_IsFalse(ceil);
    o->min_samples = (int)repeats;
    o->max_samples = (int)max_samples;
    o->warmup = cJSON_GetObjectItemCaseSensitive(req, "warmup") && warmup == 0 ? -1 : (int)warmup;
    o->min_time_s = cJSON_GetObjectItemCaseSensitive(req, "min_time_s") && min_time == 0 ? -1 : min_time;
    o->max_seconds = max_seconds;
    o->max_bytes = (uint64_t)max_bytes;
    int total = 0;
    if ((st = clrelu_bench_count(ctx, o, &total)) != CLRELU_OK) {
        snprintf(err, errlen, "%s", clrelu_last_error());
        goto out;
    }
    if (total > JOB_MAX_CASES) {
        st = SET_ERR(CLRELU_ERR_INVALID_ARG, "%d cases is more than a job may run (%d)", total, JOB_MAX_CASES);
        goto out;
    }
    if (!(b->rec.request = request_text(req))) {
        st = SET_ERR(CLRELU_ERR_OUT_OF_MEMORY, "out of memory");
        goto out;
    }
    b->rec.total = total;
    b->rec.eta_s = -1;
    *out = b;
    b = NULL;
out:
    bench_job_free(b);
    return st;
}

clrelu_status bench_jobs_submit(bench_jobs *j, const cJSON *req, bench_job **out, char *err, size_t errlen)
{
    bench_job *b = NULL;
    clrelu_status st = bench_request_parse(j->srv->ctx, req, &b, err, errlen);
    if (st != CLRELU_OK)
        return st;
    b->opts.progress = on_progress;
    b->opts.cancelled = is_cancelled;
    b->opts.user = b;
    b->owner = j;
    b->rec.created_ms = wall_ms();
    pthread_mutex_lock(&j->lock);
    if (j->stopping) {
        pthread_mutex_unlock(&j->lock);
        st = SET_ERR(CLRELU_ERR_DEVICE, "the server is stopping");
        goto out;
    }
    snprintf(b->rec.id, sizeof b->rec.id, "b%llx-%u", (unsigned long long)b->rec.created_ms, ++j->counter);
    bench_job **tail = &j->jobs;
    while (*tail)
        tail = &(*tail)->next;
    *tail = b;
    pthread_cond_broadcast(&j->wake);
    pthread_mutex_unlock(&j->lock);
    server_log(&j->srv->log, CLRELU_LOG_INFO, "benchmark %s queued: %d cases", b->rec.id, b->rec.total);
    *out = b;
    b = NULL;
out:
    bench_job_free(b);
    return st;
}
