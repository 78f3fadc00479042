/* bench_jobs.h: benchmark sweeps as background jobs — a queue, one worker, persistence in a results directory. */
#ifndef CLRELU_SERVER_BENCH_JOBS_H
#define CLRELU_SERVER_BENCH_JOBS_H

#include "clrelu_bench.h"
#include "jobs/bench_store.h"
#include "server.h"

#include <stdatomic.h>

struct cJSON;

/* One sweep: its record (bench_store.h: status, progress, results; read and written under the
 * queue's lock) and what running it needs. */
typedef struct bench_job {
    bench_record rec;
    char *opt_strings[6];       /* owned copies: devices, ops, dtypes, sizes, directions, placements */
    clrelu_bench_options opts;
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
/* Save a final job's record in the results directory when there is one (call without the lock:
 * a final record no longer changes). */
void bench_jobs_save(bench_jobs *j, const bench_job *b);

#endif
