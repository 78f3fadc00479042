/* results_db.h: the one interface a results database implements (SQLite, PostgreSQL) and the store that holds one. */
#ifndef CLRELU_RESULTS_DB_H
#define CLRELU_RESULTS_DB_H

#include "clrelu_results.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

/* A statement's result: n_rows x n_cols text cells, row-major; a NULL cell is SQL NULL. */
typedef struct {
    int n_rows, n_cols;
    char **cells;
} db_rows;

static inline const char *db_cell(const db_rows *r, int row, int col) { return r->cells[row * r->n_cols + col]; }
/* Free the cells and empty r (inline: libclrelu_results.a exports only clrelu_ and clr_ names). */
static inline void db_rows_clear(db_rows *r)
{
    if (r->cells)
        for (int i = 0; i < r->n_rows * r->n_cols; i++)
            free(r->cells[i]);
    free(r->cells);
    r->cells = NULL;
    r->n_rows = r->n_cols = 0;
}

/* A database driver. SQL is written once, for both: parameters are $1..$n (the SQLite driver
 * renumbers them as ?1..?n), values travel as text (NULL = SQL NULL), and the dialects differ
 * only in what the driver names here. */
typedef struct db_driver {
    const char *name;            /* "sqlite", "postgresql" */
    const char *begin_write;     /* starts a transaction that will write: "BEGIN IMMEDIATE" / "BEGIN" */
    const char *skip_locked;     /* appended to the SELECT that claims a job part: " FOR UPDATE SKIP
                                    LOCKED" (PostgreSQL); "" (SQLite: BEGIN IMMEDIATE already
                                    excludes every other writer) */
    const char *has_table;       /* one row, one cell: the number of tables named $1 */
    const char *migrate_lock;    /* run first in the migration's transaction so that two processes
                                    never migrate at once: pg_advisory_xact_lock (PostgreSQL);
                                    NULL (SQLite: begin_write is the lock) */
    /* Connect; err names the database with the password hidden. */
    clrelu_status (*connect)(const char *url, void **conn, char *err, size_t errlen);
    void (*disconnect)(void *conn);
    /* Run one statement. rows may be NULL when no result is wanted. CLRELU_ERR_IO when the
     * connection is lost (the store reconnects on its next call), CLRELU_ERR_INVALID_ARG for a
     * constraint or SQL error. */
    clrelu_status (*exec)(void *conn, const char *sql, int n_params, const char *const *params, db_rows *rows,
                          char *err, size_t errlen);
    /* Whether the connection is still usable (after a failed exec). */
    bool (*alive)(void *conn);
} db_driver;

extern const db_driver clr_results_sqlite_driver;   /* results_sqlite.c */
extern const db_driver clr_results_postgres_driver; /* results_postgres.c */

struct clrelu_results {
    const db_driver *drv;
    void *conn;                  /* NULL while disconnected (reconnected on the next call) */
    char *url;
    char redacted[512];
    pthread_mutex_t lock;        /* recursive: one statement or transaction at a time, and the
                                  * transaction's holder may run statements inside it */
    bool in_tx;                  /* a transaction is open (only its holder reads or writes this) */
};

#endif
