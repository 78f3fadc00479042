/* results_sqlite.c: the SQLite driver of the results store (sqlite:PATH; WAL, busy timeout, foreign keys). */
#include "results/results_db.h"

#include <ctype.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How long a statement waits for another process's write lock before answering busy (IO). */
#define SQLITE_BUSY_MS 15000

/* "sqlite:PATH" → PATH ("sqlite:///abs" and "sqlite://rel" lose the two slashes). */
static const char *path_of(const char *url)
{
    const char *p = url + strlen("sqlite:");
    if (p[0] == '/' && p[1] == '/')
        p += 2;
    return p;
}

/* Run a setting. Switching to WAL needs the file to itself, and SQLite answers busy at once, without
 * its busy handler, when another connection opens the same new file at that moment: retry for as
 * long as a statement would wait. */
static clrelu_status pragma(sqlite3 *h, const char *sql, const char *path, char *err, size_t errlen)
{
    for (int waited = 0;; waited += 10) {
        char *msg = NULL;
        int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
        if (rc == SQLITE_OK)
            return CLRELU_OK;
        if (((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) && waited < SQLITE_BUSY_MS) {
            sqlite3_free(msg);
            sqlite3_sleep(10);
            continue;
        }
        snprintf(err, errlen, "sqlite:%s: %s: %s", path, sql, msg ? msg : sqlite3_errmsg(h));
        sqlite3_free(msg);
        return CLRELU_ERR_IO;
    }
}

static clrelu_status sq_connect(const char *url, void **conn, char *err, size_t errlen)
{
    const char *path = path_of(url);
    *conn = NULL;
    if (!*path) {
        snprintf(err, errlen, "sqlite: URL '%s' names no file (sqlite:PATH)", url);
        return CLRELU_ERR_INVALID_ARG;
    }
    sqlite3 *h = NULL;
    int rc = sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "sqlite:%s: cannot open: %s", path, h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
        sqlite3_close(h);
        return CLRELU_ERR_IO;
    }
    sqlite3_busy_timeout(h, SQLITE_BUSY_MS);
    /* WAL: readers never block the writer (the daemon lists while a job stores); NORMAL sync is
     * durable across a process crash, which is what a results file needs. */
    clrelu_status st = pragma(h, "PRAGMA journal_mode=WAL", path, err, errlen);
    if (st == CLRELU_OK)
        st = pragma(h, "PRAGMA synchronous=NORMAL", path, err, errlen);
    if (st == CLRELU_OK)
        st = pragma(h, "PRAGMA foreign_keys=ON", path, err, errlen);
    /* 16 MiB of page cache (default 2 MiB): a history over 1,000 runs touches ~2,000 pages */
    if (st == CLRELU_OK)
        st = pragma(h, "PRAGMA cache_size=-16384", path, err, errlen);
    if (st != CLRELU_OK) {
        sqlite3_close(h);
        return st;
    }
    *conn = h;
    return CLRELU_OK;
}

static void sq_disconnect(void *conn) { sqlite3_close_v2(conn); }

/* Copy sql with $N rewritten as ?N outside quoted text ('…', "…"). malloc'd; NULL when out of memory. */
static char *renumber(const char *sql)
{
    size_t n = strlen(sql);
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    char quote = 0;
    for (const char *s = sql; *s; s++) {
        if (quote) {
            if (*s == quote)
                quote = 0;
        } else if (*s == '\'' || *s == '"') {
            quote = *s;
        } else if (*s == '$' && isdigit((unsigned char)s[1])) {
            *o++ = '?';
            continue;
        }
        *o++ = *s;
    }
    *o = '\0';
    return out;
}

static clrelu_status sq_status(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_NOMEM:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return CLRELU_ERR_IO;
    default:
        return CLRELU_ERR_INVALID_ARG; /* SQL error, constraint, mismatch */
    }
}

/* Append one row of the statement's columns to rows (cells grow by doubling). */
static bool add_row(sqlite3_stmt *st, db_rows *rows, int *cap)
{
    int nc = rows->n_cols;
    if ((rows->n_rows + 1) * nc > *cap) {
        int ncap = *cap ? *cap * 2 : 16 * (nc ? nc : 1);
        while (ncap < (rows->n_rows + 1) * nc)
            ncap *= 2;
        char **cells = realloc(rows->cells, (size_t)ncap * sizeof *cells);
        if (!cells)
            return false;
        rows->cells = cells;
        *cap = ncap;
    }
    char **row = rows->cells + (size_t)rows->n_rows * nc;
    for (int c = 0; c < nc; c++)
        row[c] = NULL;
    rows->n_rows++; /* counted now, so that db_rows_clear frees a half-filled row */
    for (int c = 0; c < nc; c++) {
        if (sqlite3_column_type(st, c) == SQLITE_NULL)
            continue;
        const unsigned char *t = sqlite3_column_text(st, c);
        int len = sqlite3_column_bytes(st, c);
        if (!t || !(row[c] = malloc((size_t)len + 1)))
            return false;
        memcpy(row[c], t, (size_t)len);
        row[c][len] = '\0';
    }
    return true;
}

static clrelu_status sq_exec(void *conn, const char *sql, int n_params, const char *const *params, db_rows *rows,
                             char *err, size_t errlen)
{
    sqlite3 *h = conn;
    sqlite3_stmt *st = NULL;
    clrelu_status status = CLRELU_OK;
    int cap = 0;
    char *text = renumber(sql);
    if (!text) {
        snprintf(err, errlen, "out of memory");
        return CLRELU_ERR_OUT_OF_MEMORY;
    }
    int rc = sqlite3_prepare_v2(h, text, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        status = sq_status(rc);
        snprintf(err, errlen, "%s (in: %.200s)", sqlite3_errmsg(h), sql);
        goto out;
    }
    for (int i = 0; i < n_params; i++) {
        rc = params[i] ? sqlite3_bind_text(st, i + 1, params[i], -1, SQLITE_STATIC) : sqlite3_bind_null(st, i + 1);
        if (rc != SQLITE_OK) {
            status = CLRELU_ERR_INVALID_ARG;
            snprintf(err, errlen, "parameter $%d: %s (in: %.200s)", i + 1, sqlite3_errmsg(h), sql);
            goto out;
        }
    }
    if (rows)
        rows->n_cols = sqlite3_column_count(st);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (rows && !add_row(st, rows, &cap)) {
            status = CLRELU_ERR_OUT_OF_MEMORY;
            snprintf(err, errlen, "out of memory reading rows");
            goto out;
        }
    }
    if (rc != SQLITE_DONE) {
        status = sq_status(rc);
        snprintf(err, errlen, "%s (in: %.200s)", sqlite3_errmsg(h), sql);
    }
out:
    if (status != CLRELU_OK && rows)
        db_rows_clear(rows);
    sqlite3_finalize(st);
    free(text);
    return status;
}

/* A file connection stays usable after a failed statement (busy, constraint): never reconnect. */
static bool sq_alive(void *conn) { return conn != NULL; }

const db_driver clr_results_sqlite_driver = {
    .name = "sqlite",
    .begin_write = "BEGIN IMMEDIATE",
    .skip_locked = "",
    .has_table = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
    .migrate_lock = NULL,
    .connect = sq_connect,
    .disconnect = sq_disconnect,
    .exec = sq_exec,
    .alive = sq_alive,
};
