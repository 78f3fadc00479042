/* results_postgres.c: the PostgreSQL driver of the results store (libpq, text parameters, lost connections reported for reconnection). */
#include "results/results_db.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The advisory lock every migration takes (pg_advisory_xact_lock): "clrelu" in ASCII. */
#define PG_MIGRATE_LOCK "SELECT pg_advisory_xact_lock(109005631202677)"

/* libpq prints notices (e.g. "there is no transaction in progress") to stderr by default; the
 * library never prints. */
static void quiet(void *arg, const char *message) { (void)arg, (void)message; }

/* "host H port P database D user U" from the URL as libpq reads it (defaults filled in), for
 * messages: never the password. */
static void describe(const char *url, char *buf, size_t len)
{
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &perr);
    const char *host = NULL, *hostaddr = NULL, *port = NULL, *dbname = NULL, *user = NULL;
    if (opts) {
        for (PQconninfoOption *o = opts; o->keyword; o++) {
            if (!o->val || !*o->val)
                continue;
            if (!strcmp(o->keyword, "host"))
                host = o->val;
            else if (!strcmp(o->keyword, "hostaddr"))
                hostaddr = o->val;
            else if (!strcmp(o->keyword, "port"))
                port = o->val;
            else if (!strcmp(o->keyword, "dbname"))
                dbname = o->val;
            else if (!strcmp(o->keyword, "user"))
                user = o->val;
        }
    }
    snprintf(buf, len, "host %s port %s database %s user %s", host ? host : hostaddr ? hostaddr : "(default)",
             port ? port : "(default)", dbname ? dbname : "(default)", user ? user : "(default)");
    PQconninfoFree(opts);
    PQfreemem(perr);
}

/* libpq's message without its trailing newline, on one line. */
static void one_line(char *dst, size_t len, const char *msg)
{
    snprintf(dst, len, "%s", msg ? msg : "");
    for (char *p = dst; *p; p++)
        if (*p == '\n' || *p == '\t')
            *p = p[1] ? ' ' : '\0';
}

static clrelu_status pg_connect(const char *url, void **conn, char *err, size_t errlen)
{
    char *perr = NULL;
    *conn = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &perr);
    if (!opts) {
        char msg[512];
        one_line(msg, sizeof msg, perr);
        snprintf(err, errlen, "not a PostgreSQL connection URL: %s", msg);
        PQfreemem(perr);
        return CLRELU_ERR_INVALID_ARG;
    }
    PQconninfoFree(opts);
    PGconn *c = PQconnectdb(url);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        char where[512], msg[768];
        describe(url, where, sizeof where);
        one_line(msg, sizeof msg, c ? PQerrorMessage(c) : "out of memory");
        snprintf(err, errlen, "cannot connect to PostgreSQL (%s): %s", where, msg);
        PQfinish(c);
        return CLRELU_ERR_IO;
    }
    PQsetNoticeProcessor(c, quiet, NULL);
    /* UTC and ISO dates whatever the server's defaults; quiet notices server-side too */
    PGresult *r = PQexec(c, "SET client_min_messages = warning; SET TIME ZONE 'UTC'");
    PQclear(r);
    *conn = c;
    return CLRELU_OK;
}

static void pg_disconnect(void *conn) { PQfinish(conn); }

/* Whether a failed statement's SQLSTATE says "try again later": connection exceptions (08),
 * operator intervention (57: shutdown, cancel), insufficient resources (53), serialisation
 * failure and deadlock (40001, 40P01). */
static bool transient(const char *state)
{
    return state && (!strncmp(state, "08", 2) || !strncmp(state, "57", 2) || !strncmp(state, "53", 2) ||
                     !strcmp(state, "40001") || !strcmp(state, "40P01"));
}

static clrelu_status pg_exec(void *conn, const char *sql, int n_params, const char *const *params, db_rows *rows,
                             char *err, size_t errlen)
{
    PGconn *c = conn;
    PGresult *r = PQexecParams(c, sql, n_params, NULL, params, NULL, NULL, 0);
    ExecStatusType es = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    clrelu_status st = CLRELU_OK;
    if (es != PGRES_COMMAND_OK && es != PGRES_TUPLES_OK) {
        const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
        char msg[768];
        one_line(msg, sizeof msg, r ? PQresultErrorMessage(r) : PQerrorMessage(c));
        if (!*msg)
            one_line(msg, sizeof msg, PQerrorMessage(c));
        snprintf(err, errlen, "%s%s%s (in: %.200s)", msg, state ? " SQLSTATE " : "", state ? state : "", sql);
        st = PQstatus(c) != CONNECTION_OK || transient(state) ? CLRELU_ERR_IO : CLRELU_ERR_INVALID_ARG;
        goto out;
    }
    if (!rows || es != PGRES_TUPLES_OK)
        goto out;
    int nr = PQntuples(r), nc = PQnfields(r);
    rows->n_cols = nc;
    rows->n_rows = 0;
    rows->cells = nr && nc ? calloc((size_t)nr * (size_t)nc, sizeof *rows->cells) : NULL;
    if (nr && nc && !rows->cells) {
        st = CLRELU_ERR_OUT_OF_MEMORY;
        snprintf(err, errlen, "out of memory reading rows");
        goto out;
    }
    rows->n_rows = nr;
    for (int i = 0; i < nr; i++) {
        for (int j = 0; j < nc; j++) {
            if (PQgetisnull(r, i, j))
                continue;
            if (!(rows->cells[i * nc + j] = strdup(PQgetvalue(r, i, j)))) {
                st = CLRELU_ERR_OUT_OF_MEMORY;
                snprintf(err, errlen, "out of memory reading rows");
                goto out;
            }
        }
    }
out:
    if (st != CLRELU_OK && rows)
        db_rows_clear(rows);
    PQclear(r);
    return st;
}

static bool pg_alive(void *conn) { return conn && PQstatus(conn) == CONNECTION_OK; }

const db_driver clr_results_postgres_driver = {
    .name = "postgresql",
    .begin_write = "BEGIN",
    .skip_locked = " FOR UPDATE SKIP LOCKED",
    .has_table = "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"
                 " AND table_name = $1",
    .migrate_lock = PG_MIGRATE_LOCK,
    .connect = pg_connect,
    .disconnect = pg_disconnect,
    .exec = pg_exec,
    .alive = pg_alive,
};
