/* results_store.c: opening a results store by URL, running statements and transactions on it (lock, reconnect, errors), ids and the clock. */
#include "results/results_store.h"

#include "core/backend.h"
#include "results/results_schema.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

/* The driver a URL names, or NULL. */
static const db_driver *driver_for(const char *url)
{
    if (!strncmp(url, "sqlite:", 7))
        return &clr_results_sqlite_driver;
    if (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11))
        return &clr_results_postgres_driver;
    return NULL;
}

/* Replace the value that starts at v (up to one of `end` or the end) by "***" in buf. */
static void mask_value(char *buf, size_t len, char *v, const char *end)
{
    size_t vlen = strcspn(v, end);
    size_t pos = (size_t)(v - buf);
    if (vlen == 0 || pos + 3 >= len)
        return;
    char rest[1024];
    snprintf(rest, sizeof rest, "%s", v + vlen);
    snprintf(v, len - pos, "***%s", rest);
}

void clrelu_results_redact_url(const char *url, char *buf, size_t len)
{
    if (!buf || !len)
        return;
    snprintf(buf, len, "%s", url ? url : "");
    /* scheme://user:password@host… */
    char *auth = strstr(buf, "://");
    if (auth) {
        auth += 3;
        size_t alen = strcspn(auth, "/?#");
        char *at = NULL;
        for (char *p = auth; p < auth + alen; p++)
            if (*p == '@')
                at = p;
        char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
        if (colon)
            mask_value(buf, len, colon + 1, "@");
    }
    /* password=… in a query string or a key=value connection string */
    for (char *p = buf; *p; p++) {
        if (strncasecmp(p, "password=", 9) != 0 || (p != buf && !strchr("?& ", p[-1])))
            continue;
        p += 9;
        mask_value(buf, len, p, "& ");
    }
}

/* Record a failure of the store: "results store URL: message". */
static clrelu_status fail(const clrelu_results *db, clrelu_status st, const char *msg)
{
    return clrelu_set_error(st, "results store %s: %s", db->redacted, msg);
}

static clrelu_status connect_locked(clrelu_results *db)
{
    char err[1024] = "";
    if (db->conn)
        return CLRELU_OK;
    clrelu_status st = db->drv->connect(db->url, &db->conn, err, sizeof err);
    if (st != CLRELU_OK) {
        db->conn = NULL;
        return fail(db, st, err);
    }
    return CLRELU_OK;
}

clrelu_status clr_results_exec(clrelu_results *db, const char *sql, int n, const char *const *params, db_rows *rows)
{
    char err[1024] = "";
    if (rows)
        *rows = (db_rows){0};
    pthread_mutex_lock(&db->lock);
    clrelu_status st = CLRELU_OK;
    if (!db->conn && db->in_tx) {
        st = fail(db, CLRELU_ERR_IO, "the connection was lost during a transaction");
        goto out;
    }
    if ((st = connect_locked(db)) != CLRELU_OK)
        goto out;
    st = db->drv->exec(db->conn, sql, n, params, rows, err, sizeof err);
    if (st != CLRELU_OK) {
        fail(db, st, err);
        if (!db->drv->alive(db->conn)) { /* reconnected by the next call (outside a transaction) */
            db->drv->disconnect(db->conn);
            db->conn = NULL;
            st = CLRELU_ERR_IO;
        }
    }
out:
    pthread_mutex_unlock(&db->lock);
    return st;
}

clrelu_status clr_results_begin(clrelu_results *db, bool write)
{
    pthread_mutex_lock(&db->lock);
    if (db->in_tx) {
        pthread_mutex_unlock(&db->lock);
        return fail(db, CLRELU_ERR_INVALID_ARG, "a transaction is already open on this store");
    }
    clrelu_status st = clr_results_exec(db, write ? db->drv->begin_write : "BEGIN", 0, NULL, NULL);
    if (st != CLRELU_OK) {
        pthread_mutex_unlock(&db->lock);
        return st;
    }
    db->in_tx = true; /* the mutex stays held until commit or rollback */
    return CLRELU_OK;
}

void clr_results_rollback(clrelu_results *db)
{
    if (!db->in_tx)
        return;
    char saved[1024];
    snprintf(saved, sizeof saved, "%s", clrelu_last_error());
    if (db->conn) {
        char err[256];
        if (db->drv->exec(db->conn, "ROLLBACK", 0, NULL, NULL, err, sizeof err) != CLRELU_OK &&
            !db->drv->alive(db->conn)) {
            db->drv->disconnect(db->conn);
            db->conn = NULL;
        }
    }
    db->in_tx = false;
    clrelu_set_error(CLRELU_OK, "%s", saved);
    pthread_mutex_unlock(&db->lock);
}

clrelu_status clr_results_commit(clrelu_results *db)
{
    if (!db->in_tx)
        return fail(db, CLRELU_ERR_INVALID_ARG, "commit without a transaction");
    clrelu_status st = clr_results_exec(db, "COMMIT", 0, NULL, NULL);
    if (st != CLRELU_OK) {
        clr_results_rollback(db);
        return st;
    }
    db->in_tx = false;
    pthread_mutex_unlock(&db->lock);
    return CLRELU_OK;
}

uint64_t clr_results_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void clr_results_new_id(char buf[CLR_RESULTS_ID_LEN], const char *prefix)
{
    uint32_t r = 0;
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        r = (uint32_t)ts.tv_nsec ^ (uint32_t)(uintptr_t)buf;
    }
    snprintf(buf, CLR_RESULTS_ID_LEN, "%.16s%llx-%08x", prefix ? prefix : "",
             (unsigned long long)clr_results_now_ms(), (unsigned)r);
}

const char *clr_results_u64(char buf[24], uint64_t v)
{
    snprintf(buf, 24, "%llu", (unsigned long long)v);
    return buf;
}

const char *clr_results_dbl(char buf[32], double v)
{
    if (!isfinite(v))
        return NULL;
    snprintf(buf, 32, "%.17g", v);
    return buf;
}

clrelu_status clrelu_results_open(const char *url, clrelu_results **out)
{
    if (!out)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "clrelu_results_open: out is NULL");
    *out = NULL;
    if (!url || !*url)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "results store: no URL (sqlite:PATH or postgresql://…)");
    const db_driver *drv = driver_for(url);
    char redacted[512];
    clrelu_results_redact_url(url, redacted, sizeof redacted);
    if (!drv)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG,
                                "results store %s: unknown kind of URL (sqlite:PATH or postgresql://…)", redacted);
    clrelu_results *db = calloc(1, sizeof *db);
    if (!db || !(db->url = strdup(url))) {
        free(db);
        return clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "results store: out of memory");
    }
    db->drv = drv;
    memcpy(db->redacted, redacted, sizeof redacted);
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&db->lock, &attr);
    pthread_mutexattr_destroy(&attr);
    pthread_mutex_lock(&db->lock);
    clrelu_status st = connect_locked(db);
    pthread_mutex_unlock(&db->lock);
    if (st == CLRELU_OK)
        st = clr_results_migrate(db);
    if (st != CLRELU_OK) {
        clrelu_results_close(db);
        return st;
    }
    *out = db;
    return CLRELU_OK;
}

void clrelu_results_close(clrelu_results *db)
{
    if (!db)
        return;
    if (db->conn)
        db->drv->disconnect(db->conn);
    pthread_mutex_destroy(&db->lock);
    free(db->url);
    free(db);
}

const char *clrelu_results_backend(const clrelu_results *db) { return db ? db->drv->name : ""; }

cJSON *clr_results_json_cell(const char *text, const char *fallback)
{
    cJSON *v = text ? cJSON_Parse(text) : NULL;
    return v ? v : cJSON_Parse(fallback);
}

void clr_results_add_num_cell(cJSON *o, const char *key, const char *cell)
{
    if (cell)
        cJSON_AddNumberToObject(o, key, strtod(cell, NULL));
    else
        cJSON_AddNullToObject(o, key);
}
