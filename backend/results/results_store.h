/* results_store.h: the store's internals every results file shares — statements, transactions, ids, clock, and storing a run inside a caller's transaction. */
#ifndef CLRELU_RESULTS_STORE_H
#define CLRELU_RESULTS_STORE_H

#include "results/results_db.h"

#include <stdint.h>

/* Who uses this: the store itself (results_store.c, results_runs.c, results_machines.c,
 * results_import.c), the job queue (results_jobs.c) and compare (results_compare.c).
 * Every external symbol of libclrelu_results.a starts with clrelu_ (public) or clr_ (internal):
 * tests/test_symbols.py checks it, as for libclrelu.a.
 *
 * Thread safety: every function below takes the store's lock (a recursive mutex), so a statement
 * runs alone; clr_results_begin keeps the lock until clr_results_commit or clr_results_rollback,
 * so a transaction is never interleaved with another thread's statements. Calls made inside a
 * transaction by the thread that began it nest freely. */

#define CLR_RESULTS_ID_LEN 64

/* Run one statement (SQL written once for both databases: parameters $1..$n, values as text,
 * NULL = SQL NULL). rows may be NULL; when given it is filled (the caller frees it with
 * db_rows_clear, also after a failure, where it is empty). Outside a transaction a lost
 * connection is reconnected first; inside one, a lost connection fails the statement (the
 * caller rolls back and may retry the whole transaction). On failure clrelu_last_error() names
 * the store (password hidden) and the database's message:
 *   CLRELU_ERR_IO           unreachable, lost connection, busy/locked, serialisation failure
 *   CLRELU_ERR_INVALID_ARG  SQL or constraint error (a unique key violated, …) */
clrelu_status clr_results_exec(clrelu_results *db, const char *sql, int n, const char *const *params, db_rows *rows);

/* Start a transaction; write = true takes the write lock at once (BEGIN IMMEDIATE on SQLite), so
 * that a read-then-write transaction never fails half-way on a lock. Holds the store's mutex
 * until commit or rollback. Not nestable: a second begin on the same store from the holding
 * thread answers CLRELU_ERR_INVALID_ARG. */
clrelu_status clr_results_begin(clrelu_results *db, bool write);
/* Commit; on failure the transaction is rolled back. Either way the mutex is released. */
clrelu_status clr_results_commit(clrelu_results *db);
/* Roll back (keeps clrelu_last_error() as it was, so a caller can roll back and return the
 * error that made it roll back). Releases the mutex. Safe when the connection is gone. */
void clr_results_rollback(clrelu_results *db);

/* Wall-clock time, Unix milliseconds. */
uint64_t clr_results_now_ms(void);
/* A new unique id: prefix, then the time in hex and 32 random bits ("r-18c2f3a4b5c-9f3e2a1b");
 * prefix up to 16 characters. buf holds CLR_RESULTS_ID_LEN bytes. */
void clr_results_new_id(char buf[CLR_RESULTS_ID_LEN], const char *prefix);
/* A 64-bit integer as decimal text for a statement parameter (buf of 24 bytes); returns buf. */
const char *clr_results_u64(char buf[24], uint64_t v);
/* A double as text that reads back exactly (buf of 32 bytes); NULL (SQL NULL) when not finite. */
const char *clr_results_dbl(char buf[32], double v);
/* A JSON text cell as a cJSON item (fallback parsed when the cell is NULL or does not parse). */
struct cJSON *clr_results_json_cell(const char *text, const char *fallback);
/* o[key] = the numeric cell, or null for SQL NULL. */
void clr_results_add_num_cell(struct cJSON *o, const char *key, const char *cell);

/* Insert or refresh a machine (every field; first_seen_ms kept; a run's machine without labels
 * keeps the stored ones, a heartbeat sets them).
 * heartbeat: a daemon is alive on it, last_seen_ms = now_ms; else (a stored run) last_seen_ms
 * stays as it was, 0 for a machine no daemon ever served from. Inside a write transaction or alone. */
clrelu_status clr_results_upsert_machine(clrelu_results *db, const clrelu_machine *m, uint64_t now_ms, bool heartbeat);

/* Store a run (machine upserted, the run, its cases, its labels) inside the caller's open write
 * transaction (clr_results_begin(db, true)): the job queue stores a part's result and marks the
 * part done in one transaction with it. created_ms 0 means now. labels_json: the run's own
 * labels (object of strings, may be NULL); the run is labelled with the machine's labels
 * overridden by these. run_id receives the new id. CLRELU_ERR_INVALID_ARG for result JSON that
 * is not clrelu-bench/1. Nothing is rolled back here: the caller does on failure. */
clrelu_status clr_results_store_run(clrelu_results *db, const clrelu_machine *m, const char *labels_json,
                                    const char *job_id, const char *result_json, uint64_t created_ms,
                                    char run_id[CLR_RESULTS_ID_LEN]);

/* The spread (1.4826 * MAD / median, see results_verdict.h) and sample count of one case object
 * of a clrelu-bench/1 document, from its samples.kernel_ns: *spread < 0 when it has no samples. */
struct cJSON;
void clr_results_case_spread(const struct cJSON *c, double *spread, int *n_samples);

#endif
