/* clrelu_results_jobs.h: public API of the benchmark job queue that daemons share through the results store. */
#ifndef CLRELU_RESULTS_JOBS_H
#define CLRELU_RESULTS_JOBS_H

#include "clrelu_bench.h"
#include "clrelu_results.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A job is one benchmark request split into parts: one part that any machine with the requested
 * devices may take, or (a fleet sweep) one part per target machine, taken by that machine only.
 * A daemon claims a part (SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL, an immediate write
 * transaction on SQLite), holds it under a lease it renews, and finishes it in one transaction
 * that also stores the part's run; a finish, renewal or release succeeds only while the caller
 * still holds the claim, so a part never has two runners. A part whose lease ran out (its daemon
 * died) is queued again by whichever daemon calls clrelu_jobs_requeue_expired.
 *
 * A runner names itself with a token unique to one daemon process ("machine-id#instance"); the
 * machine id before the '#' is the machine its run is stored under.
 *
 * Part and job states: "queued", "running", "done", "cancelled", "failed". Every function
 * returns CLRELU_ERR_IO when the database cannot be reached (callers retry; the server answers
 * 503), CLRELU_ERR_NOT_FOUND for an unknown job id, CLRELU_ERR_INVALID_ARG for a bad argument
 * (the message says which). */

#define CLRELU_JOB_ID_MAX 64

/* ---- submitting ------------------------------------------------------------------------------- */
typedef struct {
    const char *request_json;  /* the accepted request as it is echoed: a JSON object */
    const char *machines_json; /* NULL: one part, any capable machine. Else the request's "machines":
                                  "all" (every live machine), ["id", ...] (each a known machine),
                                  or {"label": {"key": "value", ...}} (every live machine whose
                                  labels hold all of them); one part per machine */
    const char *labels_json;   /* labels every run of the job gets (an object of strings), NULL: none */
    int total;                 /* cases per part as counted where the job was submitted (the
                                  claimant recounts on its own devices); 0 when unknown */
    uint64_t alive_ms;         /* a machine is live when its last heartbeat is this recent */
} clrelu_job_submit;

/* Queue a job; id receives its new id ("b<hex ms>-<hex>"), record_json (may be NULL) the job
 * record as clrelu_jobs_get writes it. INVALID_ARG when "machines" is malformed, names an
 * unknown machine or matches no live machine. */
clrelu_status clrelu_jobs_submit(clrelu_results *db, const clrelu_job_submit *s, char id[CLRELU_JOB_ID_MAX],
                                 char **record_json);

/* ---- running (a daemon's worker) --------------------------------------------------------------- */
typedef struct {
    char job_id[CLRELU_JOB_ID_MAX];
    int part;
    int attempts;               /* claims of this part so far, this one included */
    bool targeted;              /* the part was addressed to this machine (a fleet sweep) */
    char *request_json;         /* malloc'd: the job's request */
    char *labels_json;          /* malloc'd: the job's labels ("{}" when none) */
} clrelu_job_claim;

void clrelu_job_claim_clear(clrelu_job_claim *c);

/* Whether this daemon can run an untargeted part's request (it has the requested devices). */
typedef bool (*clrelu_job_can_run)(const char *request_json, void *user);

/* Claim the oldest queued part this machine may run: one addressed to machine_id, or one
 * addressed to no machine for which can_run (may be NULL: any) answers true. The part becomes
 * "running", held by runner until now + lease_ms. *claimed false when there is none. */
clrelu_status clrelu_jobs_claim(clrelu_results *db, const char *machine_id, const char *runner, uint64_t lease_ms,
                                clrelu_job_can_run can_run, void *user, clrelu_job_claim *out, bool *claimed);

/* Extend the lease to now + lease_ms and publish progress (p may be NULL). *held false when the
 * runner no longer holds the part (it was requeued or deleted): stop and drop the work.
 * *cancel true when a client asked to cancel the job. */
clrelu_status clrelu_jobs_renew(clrelu_results *db, const clrelu_job_claim *c, const char *runner, uint64_t lease_ms,
                                const clrelu_bench_progress *p, bool *held, bool *cancel);

/* How a part ended. result_json / result_csv NULL when there is no result (a failure before
 * the sweep started). */
typedef struct {
    const char *state;          /* "done", "cancelled" or "failed" */
    const char *error;          /* NULL or a reason ("" none) */
    const char *result_json;    /* clrelu-bench/1 */
    const char *result_csv;
    int done, total;
    double elapsed_s;
} clrelu_job_outcome;

/* Finish a part in one transaction: its run (stored as clrelu_results_put_run stores one, under
 * machine m with the job's labels) and the part's final state, or nothing. *held false (and
 * nothing written) when the runner no longer holds the part. CLRELU_ERR_IO: nothing was written;
 * keep the result and call again. */
clrelu_status clrelu_jobs_finish(clrelu_results *db, const clrelu_job_claim *c, const char *runner,
                                 const clrelu_machine *m, const clrelu_job_outcome *o, bool *held);

/* Hand a held part back: queued again for any daemon (or cancelled when the job's cancel was
 * asked), its claim not counted as an attempt. For a daemon that stops. */
clrelu_status clrelu_jobs_release(clrelu_results *db, const clrelu_job_claim *c, const char *runner);

/* Queue again every running part whose lease ended before now (its daemon died), or end it as
 * cancelled when its job's cancel was asked, or as failed once it was claimed max_attempts
 * times. *requeued (may be NULL) counts the parts queued again. */
clrelu_status clrelu_jobs_requeue_expired(clrelu_results *db, int max_attempts, int *requeued);

/* End as failed every queued part addressed to a machine whose last heartbeat is older than
 * gone_ms (or that no daemon ever served from), so a fleet sweep does not wait forever on a
 * machine that left the fleet. *failed (may be NULL) counts them. */
clrelu_status clrelu_jobs_fail_orphaned(clrelu_results *db, uint64_t gone_ms, int *failed);

/* ---- clients ----------------------------------------------------------------------------------- */
/* Ask to cancel a job: its queued parts end at once ("cancelled before it started"), running ones
 * when their runner next renews. *was_final true (and nothing changed) when every part had
 * already ended. record_json (may be NULL) receives the record afterwards. */
clrelu_status clrelu_jobs_cancel(clrelu_results *db, const char *id, bool *was_final, char **record_json);

/* Delete a job whose parts have all ended, with its runs. *was_live true (and nothing deleted)
 * when some part is queued or running. */
clrelu_status clrelu_jobs_delete(clrelu_results *db, const char *id, bool *was_live);

/* The job record, aggregated over its parts:
 *   {id, status, created_ms, started_ms?, finished_ms?, progress:{done, total, fraction,
 *    elapsed_s, eta_s, current}, request, error?, has_results, machines:[…]?, parts:[{part,
 *    machine, status, attempts, done, total, run, error?}], results?}
 * status: running while any part runs or some ended and others wait; done when every part is
 * done; else cancelled (a cancel was asked, or a part was cancelled) or failed. With
 * with_results, "results" is the run's clrelu-bench/1 document for a job of one untargeted part,
 * and for a fleet sweep one result set across the machines: the first run's meta, "machines"
 * [{id, hostname, run, status, n_cases}], and devices, ceilings and cases each tagged with
 * "machine". */
clrelu_status clrelu_jobs_get(clrelu_results *db, const char *id, bool with_results, char **json);

/* The job's results as CSV (clrelu_bench_to_csv's columns; a fleet sweep gains a first column
 * "machine"). *csv NULL (status OK) when no part has results yet. */
clrelu_status clrelu_jobs_csv(clrelu_results *db, const char *id, char **csv);

/* {"jobs":[record without results, …]} oldest first, at most limit (<= 0: 1000) of the newest. */
clrelu_status clrelu_jobs_list(clrelu_results *db, int limit, char **json);

#ifdef __cplusplus
}
#endif
#endif /* CLRELU_RESULTS_JOBS_H */
