/* clrelu_results.h: public API of the results store — benchmark runs, machines and the shared job queue, in SQLite or PostgreSQL. */
#ifndef CLRELU_RESULTS_H
#define CLRELU_RESULTS_H

#include "clrelu.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the store ----------------------------------------------------------------------------------
 * One connection to a results database, safe to share between threads (calls are serialised).
 * Every function returns a status; the message is in clrelu_last_error() on the calling thread.
 * CLRELU_ERR_IO means the database could not be reached or failed (a caller may retry later;
 * the server answers 503); CLRELU_ERR_NOT_FOUND an unknown id; CLRELU_ERR_INVALID_ARG a bad
 * argument (bad URL, bad filter, malformed result JSON). JSON out-parameters are malloc'd,
 * NUL-terminated text the caller frees. */
typedef struct clrelu_results clrelu_results;

/* The schema version this build creates and migrates to (see docs/benchmarks.md). */
#define CLRELU_RESULTS_SCHEMA_VERSION 2

/* Open a store by URL and bring its schema to CLRELU_RESULTS_SCHEMA_VERSION (creating it when
 * empty; migrations run in one transaction each):
 *   "sqlite:PATH"                      an SQLite file (created, WAL mode); PATH may be relative
 *   "postgresql://…", "postgres://…"   a PostgreSQL database (libpq connection URI)
 * A database newer than this build is refused (CLRELU_ERR_UNSUPPORTED). Messages name the store
 * with any password hidden. */
clrelu_status clrelu_results_open(const char *url, clrelu_results **out);
void clrelu_results_close(clrelu_results *db);
/* "sqlite" or "postgresql". */
const char *clrelu_results_backend(const clrelu_results *db);
/* The URL as it may be logged: a password in it replaced by "***". Always NUL-terminates buf. */
void clrelu_results_redact_url(const char *url, char *buf, size_t len);
/* The schema version the database holds (after open: CLRELU_RESULTS_SCHEMA_VERSION). */
clrelu_status clrelu_results_schema_version(clrelu_results *db, int *version);

/* ---- machines -----------------------------------------------------------------------------------
 * What a run or a daemon ran on. The id is stable across restarts: the given one, else
 * $CLRELU_MACHINE_ID, else a hash of /etc/machine-id and the hostname (so containers on one host
 * differ). labels_json is an object of string values, e.g. {"pool":"gpu"} ("{}" when none). */
typedef struct {
    char id[65];
    char hostname[256], cpu_model[256], kernel[128], os[128];
    uint64_t memory_bytes;
    unsigned cpus;
    char clrelu_version[32], build[128]; /* version, and compiler / build type / options */
    char *labels_json;                   /* malloc'd */
    char *devices_json;                  /* malloc'd array: id, name, type, backend, platform, vendor,
                                            driver, device_version, compute_units, global_mem_bytes */
} clrelu_machine;

/* Describe this machine and ctx's devices. machine_id and labels_json may be NULL. */
clrelu_status clrelu_machine_describe(clrelu_context *ctx, const char *machine_id, const char *labels_json,
                                      clrelu_machine *m);
void clrelu_machine_clear(clrelu_machine *m);
/* Parse "key=value" into labels (a JSON object as text, malloc'd in *labels_json, which may hold
 * earlier labels: the key is added or replaced). Keys: [A-Za-z0-9_.-]{1,63}; values up to 255 bytes. */
clrelu_status clrelu_label_add(char **labels_json, const char *key_eq_value);

/* Register the machine or refresh it: every field, and last_seen = now. Daemons call it at
 * start and then periodically (the heartbeat). Storing a run also records its machine, but
 * never moves last_seen_ms (0 for a machine no daemon ever served from), and a run stored
 * without labels keeps the labels the machine has; a heartbeat sets them (none clears them). */
clrelu_status clrelu_results_heartbeat(clrelu_results *db, const clrelu_machine *m);
/* {"machines":[{id, hostname, cpu_model, memory_bytes, cpus, kernel, os, clrelu_version, build,
 *   labels:{}, devices:[…], first_seen_ms, last_seen_ms}, …]} ordered by id. */
clrelu_status clrelu_results_machines(clrelu_results *db, char **json);

/* ---- runs ---------------------------------------------------------------------------------------
 * A run is one result set (schema clrelu-bench/1, as clrelu_bench_to_json writes it) from one
 * machine: a `clrelu bench` invocation or one machine's part of a benchmark job. */

/* Store a run in one transaction (the run, its cases with samples, ceilings and labels), or
 * nothing. job_id NULL for a run outside any job. run_id receives the new id.
 * The run's labels are m's labels with labels_json's on top (so a run is found by its machine's
 * pool as well as by its own labels). Its status: "cancelled" (meta.cancelled), "mismatch" (a
 * case's results differed from the reference), "failed" (a case failed to run), else "done".
 * Each case keeps its kernel median, GB/s, % of copy, sample count and spread (the rule under
 * compare below; the samples' cv when the document kept no samples). */
clrelu_status clrelu_results_put_run(clrelu_results *db, const clrelu_machine *m, const char *labels_json,
                                     const char *job_id, const char *result_json, char run_id[64]);

/* Filters for listing runs: every field optional (NULL / 0). A run matches when it has at least
 * one case matching the case filters (device, op, dtype, size range). */
typedef struct {
    const char *machine;        /* machine id or hostname */
    const char *device;         /* device id ("cpu:0") or a substring of the device name */
    const char *op, *dtype;
    const char *label;          /* "key=value" */
    const char *job;            /* job id */
    uint64_t min_elements, max_elements;
    uint64_t since_ms, until_ms; /* run time, Unix ms, inclusive */
    int limit;                  /* page size: default 50, at most 1000 (larger asks get 1000) */
    const char *cursor;         /* "next" of the previous page ("created_ms:run id"); NULL for the
                                   first (newest first) */
} clrelu_results_filter;

/* {"runs":[{id, created_ms, machine:{id, hostname}, job, labels, clrelu_version, status,
 *   n_cases, devices:[{id, name}]}], "next": "<cursor>" | null} newest first. */
clrelu_status clrelu_results_list(clrelu_results *db, const clrelu_results_filter *f, char **json);
/* {"id", "created_ms", "machine":{id, hostname, cpu_model, memory_bytes, cpus, kernel, os,
 *   clrelu_version, build, labels, devices}, "labels":{…}, "job", "status", "clrelu_version",
 *   "build", "result": <clrelu-bench/1>}. CLRELU_ERR_NOT_FOUND for an unknown id. */
clrelu_status clrelu_results_get(clrelu_results *db, const char *run_id, char **json);

/* One case across runs: the statistics of every stored run of it, oldest first, each with the
 * verdict against the point before it of the same machine and device (as
 * clrelu_results_compare_json decides; null for the first of a series in the window, or when
 * either side is untimed). ratio = this median / that median (time: > 1 is slower).
 * {"points":[{run, created_ms, machine:{id, hostname}, device:{id, name}, clrelu_version, labels,
 *   status, median_ns, spread, gbps_median, pct_of_copy, verdict, ratio}]}
 * (issue 16 refinement: machine and device are objects, as in clrelu_results_list.) */
typedef struct {
    const char *machine, *device, *op, *dtype; /* device: device id; op and dtype required */
    const char *direction, *placement;         /* default "forward", "out" */
    uint64_t elements;                         /* required */
    uint64_t since_ms, until_ms;
    int limit;                                 /* the most recent `limit` points; default 200, at most 10000 */
} clrelu_results_case_key;
clrelu_status clrelu_results_history(clrelu_results *db, const clrelu_results_case_key *k, char **json);

/* ---- compare ------------------------------------------------------------------------------------
 * Two result sets case by case (matched by device id, op, dtype, direction, placement and
 * elements). The verdict rule, per case, from the kernel-time samples of each side:
 *   m = median, s = 1.4826 * MAD / m (robust relative spread); ratio = m_B / m_A (time);
 *   SAME    when |ratio - 1| <= max(0.02, 2 * max(s_A, s_B))
 *   SLOWER  when ratio > 1 beyond that, FASTER when ratio < 1 beyond it.
 * {"a":{run…}, "b":{run…}, "cases":[{device, op, dtype, direction, placement, elements,
 *   a:{median_ns, spread, gbps}, b:{…}, ratio, verdict}], "only_a":n, "only_b":n,
 *   "summary":{"same":n, "faster":n, "slower":n}, "rule": "<the rule in words>"}.
 * a_json and b_json: clrelu-bench/1 documents, or run documents ("result" inside). */
clrelu_status clrelu_results_compare_json(const char *a_json, const char *b_json, char **json, int *n_slower);
clrelu_status clrelu_results_compare(clrelu_results *db, const char *run_a, const char *run_b, char **json,
                                     int *n_slower);

/* ---- import -------------------------------------------------------------------------------------
 * Import a results directory of the JSON-file era (<id>.json benchmark jobs as the server saved
 * them, or clrelu-bench/1 files): each job becomes a finished job with its run, once (a file
 * already imported is skipped). The files are left in place. *imported counts new runs.
 * A job becomes one part on machine m (state done, failed or cancelled: a job saved while queued
 * or running never resumed), with <id>.csv as its CSV; a bare result file's run is dated by its
 * meta.timestamp. Each file is imported in its own transaction and recorded by its real path;
 * a job id already in the store is recorded and not doubled; other JSON files are left alone. */
clrelu_status clrelu_results_import_dir(clrelu_results *db, const clrelu_machine *m, const char *dir,
                                        int *imported);

#ifdef __cplusplus
}
#endif
#endif /* CLRELU_RESULTS_H */
