/* bench_jobs.h: benchmark sweeps as background jobs — a queue, one worker, persistence in a results directory. */
#ifndef CLRELU_SERVER_BENCH_JOBS_H
#define CLRELU_SERVER_BENCH_JOBS_H

#include "clrelu_bench.h"
#include "server.h"

#include <stdatomic.h>

struct cJSON;

typedef enum { JOB_QUEUED = 0, JOB_RUNNING, JOB_DONE, JOB_CANCELLED, JOB_FAILED } job_state;

const char *job_state_name(job_state s);

/* One sweep. Fields below `lock` in bench_jobs are read and written under it. */
typedef struct bench_job {
    char id[48];
    job_state state;
    char *request;              /* the accepted options as JSON text */
    char *opt_strings[6];       /* owned copies: devices, ops, dtypes, sizes, directions, placements */
    clrelu_bench_options opts;
    uint64_t created_ms, started_ms, finished_ms;
    int done, total;
    double elapsed_s, eta_s;
    char current[160];
    char error[256];
    char *result_json, *result_csv; /* when finished (also for a cancelled sweep's partial results) */
    atomic_bool cancel;
    struct bench_jobs *owner;
    struct bench_job *next;     /* list in creation order */
} bench_job;

typedef struct bench_jobs {
    server *srv;
    char dir[1024];             /* results directory; "" when results cannot be persisted */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t worker;
    bool worker_started, stopping;
    bench_job *jobs;            /* every job, oldest first */
    unsigned counter;
} bench_jobs;

/* Create the queue: resolve and create the results directory (cfg.results_dir, else
 * $CLRELU_RESULTS_DIR, else $XDG_STATE_HOME/clrelu/benchmarks, else ./clrelu-results), load the
 * jobs saved there and start the worker thread. NULL when out of memory or the thread fails. */
bench_jobs *bench_jobs_start(server *s);
/* Cancel the running sweep (it stops between cases or samples) and every queued one; returns
 * at once. bench_jobs_stop then waits for the worker, saves what finished and frees everything. */
void bench_jobs_cancel_all(bench_jobs *j);
void bench_jobs_stop(bench_jobs *j);

/* Queue a sweep described by a JSON request body; 202-worthy on success (*out set, owned by
 * the queue). On bad options returns a status (INVALID_ARG/NOT_FOUND: the client's fault) with
 * the message in err. */
clrelu_status bench_jobs_submit(bench_jobs *j, const struct cJSON *req, bench_job **out, char *err, size_t errlen);
/* Validate a request body and build its job without queueing it (the parser bench_jobs_submit
 * uses; exposed for the fuzz harness): options, case count on ctx's devices, and the request as
 * it will be echoed (null members dropped). Free the job with bench_job_free. */
clrelu_status bench_request_parse(clrelu_context *ctx, const struct cJSON *req, bench_job **out, char *err,
                                  size_t errlen);
void bench_job_free(bench_job *b);
/* The job with this id, or NULL (call under j->lock). */
bench_job *bench_jobs_find(bench_jobs *j, const char *id);

/* bench_store.c: save a finished job atomically (<dir>/<id>.json and <id>.csv via temp + rename)
 * and load every saved job. Call save without the lock held; it reads fields the worker no
 * longer changes. */
bool bench_store_save(const bench_jobs *j, const bench_job *job);
void bench_store_load(bench_jobs *j);
/* The job as a JSON object (status, progress, request); results are appended by the caller. */
struct cJSON *bench_job_json(const bench_job *job);

#endif
