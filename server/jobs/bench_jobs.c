/* bench_jobs.c: benchmark jobs in the results store — start-up (store, machine, import), the heartbeat and lease ticker, the worker that claims and runs parts, submit. */
#include "jobs/bench_jobs.h"

#include "access_log.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#define POLL_MS 500          /* how often an idle worker looks for a queued part */
#define MAX_ATTEMPTS 3       /* claims of one part before it is given up as failed */
#define STORE_GRACE_MS 5000  /* how long a stopping daemon keeps trying to store a finished part */

/* A setting in milliseconds from an environment variable in seconds (tuning and tests), else def. */
static uint64_t env_ms(const char *name, uint64_t def)
{
    const char *v = getenv(name);
    char *end = NULL;
    double s = v && *v ? strtod(v, &end) : 0;
    return v && *v && end && !*end && s >= 0.1 && s <= 86400 ? (uint64_t)(s * 1000.0) : def;
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

/* The results directory as before the store: the default SQLite file lives there, and JSON
 * results saved there by earlier versions are imported from it. "" when it cannot be made. */
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
        server_log(&j->srv->log, CLRELU_LOG_WARN, "benchmarks: cannot create the results directory %s (%s)", j->dir,
                   strerror(errno));
        j->dir[0] = '\0';
    }
}

/* Note the outcome of a store call: the first failure to reach it and its return are logged. */
static void note_db(bench_jobs *j, clrelu_status st)
{
    if (st == CLRELU_ERR_IO && atomic_exchange(&j->db_ok, false))
        server_log(&j->srv->log, CLRELU_LOG_WARN,
                   "results store unreachable: %s; the benchmark, results and machine endpoints answer 503 until it "
                   "returns (activations and inference are not affected)",
                   clrelu_last_error());
    else if (st == CLRELU_OK && !atomic_exchange(&j->db_ok, true))
        server_log(&j->srv->log, CLRELU_LOG_INFO, "results store %s reachable again", j->url);
}

unsigned bench_jobs_http_status(bench_jobs *j, clrelu_status st)
{
    if (j && (st == CLRELU_OK || st == CLRELU_ERR_IO))
        note_db(j, st);
    switch (st) {
    case CLRELU_OK: return 200;
    case CLRELU_ERR_IO: return 503;
    case CLRELU_ERR_NOT_FOUND: return 404;
    case CLRELU_ERR_INVALID_ARG: return 400;
    case CLRELU_ERR_OUT_OF_MEMORY: return 503;
    default: return 500;
    }
}

/* Wait on j->wake for at most ms (call under j->lock). */
static void wait_ms(bench_jobs *j, uint64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t)(ms / 1000);
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&j->wake, &j->lock, &ts);
}

static uint64_t mono_ms(void) { return now_ns() / 1000000u; }

/* ---- the ticker: heartbeat, requeue of dead daemons' parts, lease renewal ------------------- */

/* Renew the running part's lease and publish its progress; learn about a cancel or a lost claim. */
static void renew(bench_jobs *j)
{
    clrelu_job_claim c = {0};
    clrelu_bench_progress p;
    char current[160];
    pthread_mutex_lock(&j->lock);
    bool have = j->has_claim;
    unsigned gen = j->claim_gen;
    if (have) {
        snprintf(c.job_id, sizeof c.job_id, "%s", j->claim.job_id);
        c.part = j->claim.part;
        p = j->progress;
        snprintf(current, sizeof current, "%s", j->current);
        p.current = current;
    }
    pthread_mutex_unlock(&j->lock);
    if (!have)
        return;
    bool held = true, cancel = false;
    clrelu_status st = clrelu_jobs_renew(j->db, &c, j->runner, j->lease_ms, &p, &held, &cancel);
    note_db(j, st);
    if (st != CLRELU_OK)
        return;
    pthread_mutex_lock(&j->lock);
    bool same = j->has_claim && j->claim_gen == gen && !j->finishing;
    pthread_mutex_unlock(&j->lock);
    if (!same)
        return; /* answered after that part ended */
    if (cancel)
        atomic_store(&j->cancel, true);
    if (!held && !atomic_exchange(&j->lost, true))
        server_log(&j->srv->log, CLRELU_LOG_WARN,
                   "benchmark %s part %d: this daemon no longer holds it (its lease ran out and it was queued again); "
                   "stopping it and dropping its results",
                   c.job_id, c.part);
}

static void *ticker_main(void *arg)
{
    bench_jobs *j = arg;
    uint64_t next_beat = 0, every = j->lease_ms / 4 < 1000 ? j->lease_ms / 4 : 1000;
    pthread_mutex_lock(&j->lock);
    while (!j->stopping) {
        pthread_mutex_unlock(&j->lock);
        renew(j);
        if (mono_ms() >= next_beat) {
            clrelu_status st = clrelu_results_heartbeat(j->db, &j->machine);
            int requeued = 0;
            if (st == CLRELU_OK)
                st = clrelu_jobs_requeue_expired(j->db, MAX_ATTEMPTS, &requeued);
            int orphaned = 0;
            if (st == CLRELU_OK)
                st = clrelu_jobs_fail_orphaned(j->db, j->gone_ms, &orphaned);
            note_db(j, st);
            if (orphaned)
                server_log(&j->srv->log, CLRELU_LOG_WARN,
                           "benchmarks: %d job part%s failed: addressed to a machine not seen for %llu s", orphaned,
                           orphaned == 1 ? "" : "s", (unsigned long long)(j->gone_ms / 1000));
            if (requeued)
                server_log(&j->srv->log, CLRELU_LOG_WARN,
                           "benchmarks: %d job part%s queued again (the daemon%s running them stopped renewing its lease)",
                           requeued, requeued == 1 ? "" : "s", requeued == 1 ? "" : "s");
            next_beat = mono_ms() + j->heartbeat_ms;
        }
        pthread_mutex_lock(&j->lock);
        if (!j->stopping)
            wait_ms(j, every);
    }
    pthread_mutex_unlock(&j->lock);
    return NULL;
}

/* ---- the worker: claim a part, run it, store it ---------------------------------------------- */

/* Progress from the engine (worker thread, between cases): kept for the ticker to publish. */
static void on_progress(const clrelu_bench_progress *p, void *user)
{
    bench_jobs *j = user;
    pthread_mutex_lock(&j->lock);
    j->progress = *p;
    snprintf(j->current, sizeof j->current, "%s", p->current ? p->current : "");
    pthread_mutex_unlock(&j->lock);
}

static bool is_cancelled(void *user)
{
    bench_jobs *j = user;
    return atomic_load(&j->cancel) || atomic_load(&j->stop) || atomic_load(&j->lost);
}

/* Whether this daemon has the devices an untargeted part asks for. */
static bool can_run(const char *request_json, void *user)
{
    bench_jobs *j = user;
    bench_job *b = NULL;
    char err[256];
    bool ok = bench_request_parse_text(j->srv->ctx, request_json, &b, err, sizeof err) == CLRELU_OK && b->devices_here;
    bench_job_free(b);
    return ok;
}

/* Hand the part back so that another daemon (or this one, after a restart) runs it. */
static void release(bench_jobs *j, const clrelu_job_claim *c)
{
    clrelu_status st = CLRELU_ERR_IO;
    for (int i = 0; i < 3 && st == CLRELU_ERR_IO; i++)
        st = clrelu_jobs_release(j->db, c, j->runner);
    note_db(j, st);
    if (st == CLRELU_OK)
        server_log(&j->srv->log, CLRELU_LOG_INFO, "benchmark %s part %d handed back to the queue (stopping)", c->job_id,
                   c->part);
    else
        server_log(&j->srv->log, CLRELU_LOG_WARN,
                   "benchmark %s part %d: could not hand it back (%s); it is queued again when its lease ends",
                   c->job_id, c->part, clrelu_last_error());
}

/* Store the outcome, retrying while the store is unreachable (the result waits in memory);
 * a stopping daemon gives up after STORE_GRACE_MS. */
static void store_outcome(bench_jobs *j, const clrelu_job_claim *c, clrelu_job_outcome *o)
{
    uint64_t stop_seen = 0;
    bool told = false;
    char why[512];
    for (;;) {
        bool held = false;
        clrelu_status st = clrelu_jobs_finish(j->db, c, j->runner, &j->machine, o, &held);
        note_db(j, st);
        if (st == CLRELU_OK) {
            if (held)
                server_log(&j->srv->log, CLRELU_LOG_INFO, "benchmark %s part %d %s after %.1f s", c->job_id, c->part,
                           o->state, o->elapsed_s);
            else
                server_log(&j->srv->log, CLRELU_LOG_WARN,
                           "benchmark %s part %d: its lease ran out and another daemon took it; this result was dropped",
                           c->job_id, c->part);
            return;
        }
        if (st != CLRELU_ERR_IO) {
            if (!o->result_json) {
                server_log(&j->srv->log, CLRELU_LOG_ERROR, "benchmark %s part %d: cannot store its end: %s", c->job_id,
                           c->part, clrelu_last_error());
                return;
            }
            /* a result the store refuses: record the failure instead of nothing */
            snprintf(why, sizeof why, "the result could not be stored: %s", clrelu_last_error());
            server_log(&j->srv->log, CLRELU_LOG_ERROR, "benchmark %s part %d: %s", c->job_id, c->part, why);
            o->state = "failed";
            o->error = why;
            o->result_json = o->result_csv = NULL;
            continue;
        }
        if (!told) {
            server_log(&j->srv->log, CLRELU_LOG_WARN,
                       "benchmark %s part %d finished; its result is kept in memory and stored once the results store "
                       "is back",
                       c->job_id, c->part);
            told = true;
        }
        pthread_mutex_lock(&j->lock);
        if (j->stopping && !stop_seen)
            stop_seen = mono_ms();
        bool give_up = stop_seen && mono_ms() - stop_seen > STORE_GRACE_MS;
        if (!give_up)
            wait_ms(j, 1000);
        pthread_mutex_unlock(&j->lock);
        if (give_up) {
            server_log(&j->srv->log, CLRELU_LOG_WARN,
                       "benchmark %s part %d: stopping without storing its result; it runs again once its lease ends",
                       c->job_id, c->part);
            return;
        }
    }
}

/* Run one claimed part to its end and store it (or hand it back when the daemon stops). */
static void run_part(bench_jobs *j, const clrelu_job_claim *c)
{
    bench_job *b = NULL;
    char err[512] = "", why[600] = "";
    clrelu_status st = bench_request_parse_text(j->srv->ctx, c->request_json, &b, err, sizeof err);
    pthread_mutex_lock(&j->lock);
    j->has_claim = true;
    j->finishing = false;
    j->claim_gen++;
    snprintf(j->claim.job_id, sizeof j->claim.job_id, "%s", c->job_id);
    j->claim.part = c->part;
    j->progress = (clrelu_bench_progress){.done = 0, .total = b ? b->total : 0, .eta_s = -1};
    j->current[0] = '\0';
    atomic_store(&j->cancel, false);
    atomic_store(&j->lost, false);
    pthread_mutex_unlock(&j->lock);
    server_log(&j->srv->log, CLRELU_LOG_INFO, "benchmark %s part %d claimed (attempt %d): %d cases", c->job_id, c->part,
               c->attempts, b ? b->total : 0);
    clrelu_job_outcome o = {.state = "failed"};
    clrelu_bench_result *r = NULL;
    char *json = NULL, *csv = NULL;
    if (st != CLRELU_OK || !b->devices_here) {
        snprintf(why, sizeof why, "%s on machine %s", st != CLRELU_OK ? err : b->devices_error, j->machine.id);
        o.error = why;
        o.total = b ? b->total : 0;
    } else {
        renew(j); /* the claimant's own case count, at once */
        b->opts.progress = on_progress;
        b->opts.cancelled = is_cancelled;
        b->opts.user = j;
        st = clrelu_bench_run(j->srv->ctx, &b->opts, &r);
        if (atomic_load(&j->lost))
            goto out;
        if (atomic_load(&j->stop) && !atomic_load(&j->cancel)) {
            release(j, c);
            goto out;
        }
        json = r ? clrelu_bench_to_json(r) : NULL;
        csv = r ? clrelu_bench_to_csv(r) : NULL;
        o.total = b->total;
        pthread_mutex_lock(&j->lock);
        o.done = j->progress.done;
        pthread_mutex_unlock(&j->lock);
        o.elapsed_s = r ? r->elapsed_s : 0;
        if (st == CLRELU_ERR_CANCELLED) {
            o.state = "cancelled";
        } else if (st != CLRELU_OK || (r && (!json || !csv))) {
            snprintf(why, sizeof why, "%s", st != CLRELU_OK ? clrelu_last_error() : "out of memory");
            o.error = why;
        } else {
            o.state = "done";
            o.done = o.total;
        }
        o.result_json = json;
        o.result_csv = csv;
    }
    pthread_mutex_lock(&j->lock);
    j->finishing = true;
    pthread_mutex_unlock(&j->lock);
    store_outcome(j, c, &o);
out:
    pthread_mutex_lock(&j->lock);
    j->has_claim = false;
    pthread_mutex_unlock(&j->lock);
    clrelu_bench_result_free(r);
    free(json);
    free(csv);
    bench_job_free(b);
}

/* The worker: one part at a time, so no two sweeps share a device. */
static void *worker_main(void *arg)
{
    bench_jobs *j = arg;
    pthread_mutex_lock(&j->lock);
    while (!j->stopping) {
        pthread_mutex_unlock(&j->lock);
        clrelu_job_claim c;
        bool claimed = false;
        clrelu_status st = clrelu_jobs_claim(j->db, j->machine.id, j->runner, j->lease_ms, can_run, j, &c, &claimed);
        note_db(j, st);
        if (claimed) {
            run_part(j, &c);
            clrelu_job_claim_clear(&c);
        }
        pthread_mutex_lock(&j->lock);
        if (!claimed && !j->stopping)
            wait_ms(j, POLL_MS);
    }
    pthread_mutex_unlock(&j->lock);
    return NULL;
}

/* ---- start and stop --------------------------------------------------------------------------- */

/* Whether dir holds a *.json file (results saved by a version before the store). */
static bool has_json_files(const char *dir)
{
    DIR *d = opendir(dir);
    bool found = false;
    struct dirent *e;
    while (d && !found && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        found = len > 5 && !strcmp(e->d_name + len - 5, ".json") && e->d_name[0] != '.';
    }
    if (d)
        closedir(d);
    return found;
}

bench_jobs *bench_jobs_start(server *s)
{
    bench_jobs *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->srv = s;
    pthread_mutex_init(&j->lock, NULL);
    pthread_cond_init(&j->wake, NULL);
    atomic_init(&j->db_ok, true);
    j->lease_ms = env_ms("CLRELU_JOB_LEASE_S", 30000);
    j->heartbeat_ms = env_ms("CLRELU_HEARTBEAT_S", 3000);
    j->alive_ms = 3 * j->heartbeat_ms + 2000;
    j->gone_ms = env_ms("CLRELU_MACHINE_GONE_S", 600000);
    resolve_dir(j);
    char url[1200];
    if (s->cfg.results_db && *s->cfg.results_db)
        snprintf(url, sizeof url, "%s", s->cfg.results_db);
    else if (j->dir[0])
        snprintf(url, sizeof url, "sqlite:%s/results.db", j->dir);
    else {
        server_log(&s->log, CLRELU_LOG_WARN, "benchmarks: results are kept in memory only");
        snprintf(url, sizeof url, "sqlite::memory:");
    }
    clrelu_results_redact_url(url, j->url, sizeof j->url);
    if (clrelu_results_open(url, &j->db) != CLRELU_OK) {
        server_log(&s->log, CLRELU_LOG_ERROR, "cannot open the results store %s: %s", j->url, clrelu_last_error());
        goto fail;
    }
    if (clrelu_machine_describe(s->ctx, s->cfg.machine_id, s->cfg.labels_json, &j->machine) != CLRELU_OK) {
        server_log(&s->log, CLRELU_LOG_ERROR, "cannot describe this machine: %s", clrelu_last_error());
        goto fail;
    }
    uint32_t instance = 0;
    if (getrandom(&instance, sizeof instance, 0) != (ssize_t)sizeof instance)
        instance = (uint32_t)now_ns();
    snprintf(j->runner, sizeof j->runner, "%s#%08x", j->machine.id, (unsigned)instance);
    if (clrelu_results_heartbeat(j->db, &j->machine) != CLRELU_OK) {
        server_log(&s->log, CLRELU_LOG_ERROR, "cannot register this machine in the results store %s: %s", j->url,
                   clrelu_last_error());
        goto fail;
    }
    server_log(&s->log, CLRELU_LOG_INFO, "benchmarks: results store %s (%s), machine %s", j->url,
               clrelu_results_backend(j->db), j->machine.id);
    int imported = 0;
    if (j->dir[0] && has_json_files(j->dir)) {
        if (clrelu_results_import_dir(j->db, &j->machine, j->dir, &imported) != CLRELU_OK)
            server_log(&s->log, CLRELU_LOG_WARN, "benchmarks: importing the results saved in %s: %s", j->dir,
                       clrelu_last_error());
        else if (imported)
            server_log(&s->log, CLRELU_LOG_INFO, "benchmarks: imported %d saved job%s from %s", imported,
                       imported == 1 ? "" : "s", j->dir);
    }
    if (pthread_create(&j->ticker, NULL, ticker_main, j) != 0)
        goto fail;
    j->ticker_started = true;
    if (pthread_create(&j->worker, NULL, worker_main, j) != 0)
        goto fail;
    j->worker_started = true;
    return j;
fail:
    bench_jobs_stop(j);
    return NULL;
}

void bench_jobs_cancel_all(bench_jobs *j)
{
    if (!j)
        return;
    pthread_mutex_lock(&j->lock);
    j->stopping = true;
    atomic_store(&j->stop, true);
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
    if (j->ticker_started)
        pthread_join(j->ticker, NULL);
    clrelu_results_close(j->db);
    clrelu_machine_clear(&j->machine);
    pthread_mutex_destroy(&j->lock);
    pthread_cond_destroy(&j->wake);
    free(j);
}

void bench_jobs_cancelled(bench_jobs *j, const char *id)
{
    pthread_mutex_lock(&j->lock);
    if (j->has_claim && !strcmp(j->claim.job_id, id))
        atomic_store(&j->cancel, true);
    pthread_mutex_unlock(&j->lock);
}

/* ---- submit ----------------------------------------------------------------------------------- */

/* Whether needle occurs in hay, ignoring ASCII case. */
static bool contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (!strncasecmp(hay, needle, n))
            return true;
    return n == 0;
}

/* Whether a device of a machine (an element of its "devices") answers to selector sel as
 * clrelu_device_select would: "all"/"auto", its id, its type, or a substring of its name. */
static bool device_matches(const cJSON *dev, const char *sel)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(dev, "id"), *type = cJSON_GetObjectItemCaseSensitive(dev, "type"),
                *name = cJSON_GetObjectItemCaseSensitive(dev, "name");
    return !strcmp(sel, "all") || !strcmp(sel, "auto") || (cJSON_IsString(id) && !strcmp(id->valuestring, sel)) ||
           (cJSON_IsString(type) && !strcasecmp(type->valuestring, sel)) ||
           (cJSON_IsString(name) && contains_nocase(name->valuestring, sel));
}

/* Whether some live machine other than this one has every device the comma list asks for. */
static clrelu_status devices_elsewhere(bench_jobs *j, const char *devices, bool *found)
{
    *found = false;
    char *text = NULL;
    clrelu_status st = clrelu_results_machines(j->db, &text);
    cJSON *doc = st == CLRELU_OK ? cJSON_Parse(text) : NULL;
    free(text);
    const cJSON *m;
    uint64_t now = wall_ms();
    cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(doc, "machines"))
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(m, "id"), *seen = cJSON_GetObjectItemCaseSensitive(m, "last_seen_ms"),
                    *devs = cJSON_GetObjectItemCaseSensitive(m, "devices");
        if (!cJSON_IsString(id) || !strcmp(id->valuestring, j->machine.id) || !cJSON_IsNumber(seen) ||
            seen->valuedouble + (double)j->alive_ms < (double)now)
            continue;
        char list[512];
        snprintf(list, sizeof list, "%s", devices);
        bool all = true;
        char *save = NULL;
        for (char *sel = strtok_r(list, ",", &save); sel && all; sel = strtok_r(NULL, ",", &save)) {
            while (*sel == ' ')
                sel++;
            bool one = false;
            const cJSON *d;
            cJSON_ArrayForEach(d, devs) one = one || device_matches(d, sel);
            all = one;
        }
        if (all) {
            *found = true;
            break;
        }
    }
    cJSON_Delete(doc);
    return st;
}

unsigned bench_jobs_submit(bench_jobs *j, const cJSON *req, char id[CLRELU_JOB_ID_MAX], char *err, size_t errlen)
{
    bench_job *b = NULL;
    unsigned http = 202;
    clrelu_status st = bench_request_parse(j->srv->ctx, req, &b, err, errlen);
    if (st != CLRELU_OK)
        return st == CLRELU_ERR_OUT_OF_MEMORY ? 503 : 400;
    pthread_mutex_lock(&j->lock);
    bool stopping = j->stopping;
    pthread_mutex_unlock(&j->lock);
    if (stopping) {
        snprintf(err, errlen, "the server is stopping");
        http = 503;
        goto out;
    }
    if (!b->devices_here && !b->machines) {
        bool found = false;
        if ((st = devices_elsewhere(j, b->opt_strings[0], &found)) != CLRELU_OK) {
            snprintf(err, errlen, "%s", clrelu_last_error());
            http = bench_jobs_http_status(j, st);
            goto out;
        }
        if (!found) {
            snprintf(err, errlen, "%s (and no other live machine has it: GET /v1/machines)", b->devices_error);
            http = 400;
            goto out;
        }
    }
    clrelu_job_submit sub = {.request_json = b->request, .machines_json = b->machines, .labels_json = b->labels,
                             .total = b->total, .alive_ms = j->alive_ms};
    if ((st = clrelu_jobs_submit(j->db, &sub, id, NULL)) != CLRELU_OK) {
        snprintf(err, errlen, "%s", clrelu_last_error());
        http = bench_jobs_http_status(j, st);
        goto out;
    }
    note_db(j, CLRELU_OK);
    server_log(&j->srv->log, CLRELU_LOG_INFO, "benchmark %s queued: %d cases%s%s", id, b->total,
               b->machines ? " per machine, machines " : "", b->machines ? b->machines : "");
    pthread_mutex_lock(&j->lock);
    pthread_cond_broadcast(&j->wake);
    pthread_mutex_unlock(&j->lock);
out:
    bench_job_free(b);
    return http;
}
