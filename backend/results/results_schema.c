/* results_schema.c: the results database's schema as an ordered list of migrations, one per version. */
#include "results/results_schema.h"

/* Every statement runs on both SQLite and PostgreSQL. Times are Unix milliseconds (BIGINT), JSON
 * is TEXT, booleans are INTEGER 0/1, ids are text made by the application. A migration never
 * changes once released: a new version appends one. */

/* Version 1: runs and their cases, and the machines they ran on. */
static const char *const v1[] = {
    "CREATE TABLE schema_version (version INTEGER NOT NULL)",
    "INSERT INTO schema_version (version) VALUES (0)",
    "CREATE TABLE machines ("
    " id TEXT PRIMARY KEY, hostname TEXT NOT NULL, cpu_model TEXT, memory_bytes BIGINT, cpus INTEGER,"
    " kernel TEXT, os TEXT, clrelu_version TEXT, build TEXT,"
    " labels TEXT NOT NULL DEFAULT '{}', devices TEXT NOT NULL DEFAULT '[]',"
    " first_seen_ms BIGINT NOT NULL, last_seen_ms BIGINT NOT NULL)",
    "CREATE TABLE runs ("
    " id TEXT PRIMARY KEY, created_ms BIGINT NOT NULL, machine_id TEXT NOT NULL REFERENCES machines(id),"
    " job_id TEXT, clrelu_version TEXT, status TEXT NOT NULL, result TEXT NOT NULL)",
    "CREATE INDEX runs_created ON runs (created_ms)",
    "CREATE TABLE cases ("
    " run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, device_id TEXT NOT NULL,"
    " device_name TEXT NOT NULL, op TEXT NOT NULL, dtype TEXT NOT NULL, direction TEXT NOT NULL,"
    " placement TEXT NOT NULL, elements BIGINT NOT NULL, status TEXT NOT NULL,"
    " median_ns DOUBLE PRECISION, gbps_median DOUBLE PRECISION, pct_of_copy DOUBLE PRECISION)",
    "CREATE INDEX cases_key ON cases (op, dtype, elements, device_id)",
    "CREATE INDEX cases_run ON cases (run_id)",
    0,
};

/* Version 2: labels, the robust spread of each case, builds, imported files, and the job queue
 * that replicas share (a job is one part per target machine, or one part any machine may take). */
static const char *const v2[] = {
    "ALTER TABLE runs ADD COLUMN labels TEXT NOT NULL DEFAULT '{}'",
    "ALTER TABLE runs ADD COLUMN build TEXT",
    "CREATE TABLE run_labels ("
    " run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, key TEXT NOT NULL, value TEXT NOT NULL,"
    " PRIMARY KEY (run_id, key))",
    "CREATE INDEX run_labels_kv ON run_labels (key, value)",
    "ALTER TABLE cases ADD COLUMN spread DOUBLE PRECISION",
    "ALTER TABLE cases ADD COLUMN n_samples INTEGER",
    "CREATE TABLE imports (path TEXT PRIMARY KEY, imported_ms BIGINT NOT NULL, run_id TEXT)",
    "CREATE TABLE jobs ("
    " id TEXT PRIMARY KEY, created_ms BIGINT NOT NULL, request TEXT NOT NULL,"
    " targets TEXT NOT NULL DEFAULT 'null', labels TEXT NOT NULL DEFAULT '{}',"
    " cancel_requested INTEGER NOT NULL DEFAULT 0)",
    "CREATE INDEX jobs_created ON jobs (created_ms)",
    "CREATE TABLE job_parts ("
    " job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE, part INTEGER NOT NULL,"
    " machine_id TEXT, state TEXT NOT NULL, claimed_by TEXT, lease_until_ms BIGINT,"
    " attempts INTEGER NOT NULL DEFAULT 0, started_ms BIGINT, finished_ms BIGINT,"
    " done INTEGER NOT NULL DEFAULT 0, total INTEGER NOT NULL DEFAULT 0,"
    " elapsed_s DOUBLE PRECISION NOT NULL DEFAULT 0, eta_s DOUBLE PRECISION,"
    " current TEXT NOT NULL DEFAULT '', error TEXT, run_id TEXT, result_csv TEXT,"
    " PRIMARY KEY (job_id, part))",
    "CREATE INDEX job_parts_state ON job_parts (state, machine_id)",
    0,
};

const char *const *const clr_results_migrations[] = {v1, v2};
const int clr_results_migration_count = (int)(sizeof clr_results_migrations / sizeof clr_results_migrations[0]);
