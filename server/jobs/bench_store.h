/* bench_store.h: the record of a benchmark job (what clients see and what is saved) and the results directory that keeps them. */
#ifndef CLRELU_SERVER_BENCH_STORE_H
#define CLRELU_SERVER_BENCH_STORE_H

#include "access_log.h"

#include <stdbool.h>
#include <stdint.h>

struct cJSON;

typedef enum { JOB_QUEUED = 0, JOB_RUNNING, JOB_DONE, JOB_CANCELLED, JOB_FAILED } job_state;

const char *job_state_name(job_state s);

/* A job as it is shown and saved: status, times, progress, the request echo and the results.
 * The strings are malloc'd and owned by the record (bench_record_clear frees them). */
typedef struct bench_record {
    char id[48];
    job_state state;
    char *request;              /* the accepted options as JSON text */
    uint64_t created_ms, started_ms, finished_ms;
    int done, total;
    double elapsed_s, eta_s;
    char current[160];
    char error[256];
    char *result_json, *result_csv; /* when finished (also for a cancelled sweep's partial results) */
} bench_record;

/* Free the record's strings (not the record itself). */
void bench_record_clear(bench_record *r);
/* The record as a JSON object (status, progress, request); results are appended by the caller.
 * NULL when out of memory. */
struct cJSON *bench_record_json(const bench_record *r);

/* Save r in dir atomically: <dir>/<id>.json (the record with its results) and <id>.csv, each
 * written to a temporary file and renamed. Reads only r, which must not change meanwhile. */
bool bench_store_save(const char *dir, const bench_record *r);
/* Every record saved in dir, oldest first (by created_ms; equal times in directory order), as a
 * malloc'd array of *n records; temporary files left by an interrupted save are removed. A job
 * saved while queued or running is loaded as cancelled. NULL with *n = 0 when there is none. */
bench_record *bench_store_load(const char *dir, const server_logger *lg, int *n);

#endif
