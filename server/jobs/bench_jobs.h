/* bench_jobs.h: benchmark sweeps as jobs in the results store — this daemon's machine, its heartbeat, and the worker that claims and runs job parts. */
#ifndef CLRELU_SERVER_BENCH_JOBS_H
#define CLRELU_SERVER_BENCH_JOBS_H

#include "clrelu_results_jobs.h"
#include "jobs/bench_request.h"
#include "server.h"

#include <stdatomic.h>

struct cJSON;

/* The queue as this daemon sees it. Jobs, their parts and results live in the store (shared by
 * every daemon on the same database); this holds the connection, the machine this daemon
 * registers, and the part it runs now. */
typedef struct bench_jobs {
    server *srv;
    clrelu_results *db;
    char url[512];              /* the store's URL, password hidden (for messages) */
    char dir[1024];             /* results directory (the default SQLite file, the JSON-era import) */
    clrelu_machine machine;     /* this daemon's machine, registered by the heartbeat */
    char runner[160];           /* "machine-id#instance": who holds a claimed part */
    uint64_t lease_ms, heartbeat_ms, alive_ms, gone_ms; /* gone_ms: a fleet part waits this long for its machine */
    atomic_bool db_ok;          /* the last store call worked (logs the changes once) */

    pthread_mutex_t lock;       /* guards what follows */
    pthread_cond_t wake;        /* a job was submitted here, or stop */
    bool stopping;
    pthread_t worker, ticker;
    bool worker_started, ticker_started;
    /* the part being run (the worker's; the ticker renews its lease and publishes progress) */
    bool has_claim;
    bool finishing;             /* the worker is storing the part's end: a renewal that finds it
                                   no longer running is that, not a lost claim */
    unsigned claim_gen;         /* counts claims, so that a renewal answered late never applies
                                   to the next part */
    clrelu_job_claim claim;
    clrelu_bench_progress progress;
    char current[160];
    atomic_bool cancel;         /* a client cancelled the running part's job */
    atomic_bool lost;           /* the claim was lost (requeued elsewhere): drop the work */
    atomic_bool stop;           /* the daemon stops: hand the part back */
} bench_jobs;

/* Open the results store (cfg.results_db, else sqlite:<results dir>/results.db; the results
 * directory resolves as cfg.results_dir, $CLRELU_RESULTS_DIR, $XDG_STATE_HOME/clrelu/benchmarks,
 * else ./clrelu-results), register this machine, import a JSON-era results directory (once per
 * file), start the heartbeat and the worker. NULL (logged, naming the store with its password
 * hidden) when the store cannot be opened or a thread cannot start: the daemon stops. */
bench_jobs *bench_jobs_start(server *s);
/* Stop claiming; the running sweep stops between cases or samples and its part is handed back
 * (queued again for any daemon). Returns at once; bench_jobs_stop waits and frees. */
void bench_jobs_cancel_all(bench_jobs *j);
void bench_jobs_stop(bench_jobs *j);

/* Queue a sweep from a request body. On success *id is set (202); else the HTTP status to answer
 * (400 bad request, 503 store unreachable or stopping) with the message in err. */
unsigned bench_jobs_submit(bench_jobs *j, const struct cJSON *req, char id[CLRELU_JOB_ID_MAX], char *err, size_t errlen);
/* A client cancelled job id: when this daemon runs one of its parts, stop it now. */
void bench_jobs_cancelled(bench_jobs *j, const char *id);

/* The HTTP status for a store call that failed with st (IO: 503, NOT_FOUND: 404, INVALID_ARG:
 * 400, else 500); an IO failure is also noted in j->db_ok. */
unsigned bench_jobs_http_status(bench_jobs *j, clrelu_status st);

#endif
