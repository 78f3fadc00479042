/* results_migrate.c: the migration runner — one transaction per schema version, one process at a time, plus the C steps some versions need. */
#include "results/results_schema.h"
#include "results/results_store.h"
#include "results/results_verdict.h"

#include "core/backend.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The version the database holds: 0 when it has no schema_version table (an empty database). */
static clrelu_status read_version(clrelu_results *db, int *version)
{
    db_rows r;
    const char *name = "schema_version";
    *version = 0;
    clrelu_status st = clr_results_exec(db, db->drv->has_table, 1, &name, &r);
    if (st != CLRELU_OK)
        return st;
    bool has = r.n_rows == 1 && db_cell(&r, 0, 0) && atoi(db_cell(&r, 0, 0)) > 0;
    db_rows_clear(&r);
    if (!has)
        return CLRELU_OK;
    if ((st = clr_results_exec(db, "SELECT max(version) FROM schema_version", 0, NULL, &r)) != CLRELU_OK)
        return st;
    if (r.n_rows == 1 && db_cell(&r, 0, 0))
        *version = atoi(db_cell(&r, 0, 0));
    db_rows_clear(&r);
    return CLRELU_OK;
}

clrelu_status clrelu_results_schema_version(clrelu_results *db, int *version)
{
    if (!db || !version)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "clrelu_results_schema_version: NULL argument");
    return read_version(db, version);
}

void clr_results_case_spread(const cJSON *c, double *spread, int *n_samples)
{
    const cJSON *samples = cJSON_GetObjectItemCaseSensitive(c, "samples");
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(samples, "kernel_ns");
    *spread = -1;
    *n_samples = 0;
    int n = cJSON_IsArray(k) ? cJSON_GetArraySize(k) : 0;
    if (n <= 0)
        return;
    double *v = malloc((size_t)n * sizeof *v);
    if (!v)
        return;
    int i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, k)
    {
        if (cJSON_IsNumber(e) && i < n)
            v[i++] = e->valuedouble;
    }
    double median;
    *n_samples = i;
    if (!clr_results_robust(v, i, &median, spread))
        *spread = -1;
    free(v);
}

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* v2's C step: the spread and sample count of every case stored by a v1 database, from the
 * samples in its run's result document (cases matched by their key). */
static clrelu_status fill_spread(clrelu_results *db)
{
    db_rows ids;
    clrelu_status st = clr_results_exec(db, "SELECT id FROM runs ORDER BY id", 0, NULL, &ids);
    for (int i = 0; st == CLRELU_OK && i < ids.n_rows; i++) {
        const char *id = db_cell(&ids, i, 0);
        db_rows r;
        if ((st = clr_results_exec(db, "SELECT result FROM runs WHERE id = $1", 1, &id, &r)) != CLRELU_OK)
            break;
        cJSON *doc = r.n_rows == 1 && db_cell(&r, 0, 0) ? cJSON_Parse(db_cell(&r, 0, 0)) : NULL;
        db_rows_clear(&r);
        const cJSON *c;
        cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(doc, "cases"))
        {
            double spread;
            int n;
            clr_results_case_spread(c, &spread, &n);
            const cJSON *el = cJSON_GetObjectItemCaseSensitive(c, "elements");
            if (!cJSON_IsNumber(el))
                continue;
            char sb[32], nb[24], eb[24];
            const char *p[] = {spread >= 0 ? clr_results_dbl(sb, spread) : NULL,
                               clr_results_u64(nb, (uint64_t)n),
                               id,
                               str(c, "device"),
                               str(c, "op"),
                               str(c, "dtype"),
                               str(c, "direction"),
                               str(c, "placement"),
                               clr_results_u64(eb, (uint64_t)el->valuedouble)};
            st = clr_results_exec(db,
                                  "UPDATE cases SET spread = $1, n_samples = $2 WHERE run_id = $3 AND device_id = $4"
                                  " AND op = $5 AND dtype = $6 AND direction = $7 AND placement = $8 AND elements = $9",
                                  9, p, NULL);
            if (st != CLRELU_OK)
                break;
        }
        cJSON_Delete(doc);
    }
    db_rows_clear(&ids);
    return st;
}

/* post_steps[v - 1]: what runs after version v's SQL, in its transaction (NULL: nothing). */
static clrelu_status (*const post_steps[])(clrelu_results *) = {NULL, fill_spread};

/* One step: lock, read the version, apply the next migration. *done when nothing was left. */
static clrelu_status migrate_one(clrelu_results *db, bool *done)
{
    int v = 0;
    *done = false;
    clrelu_status st = clr_results_begin(db, true);
    if (st != CLRELU_OK)
        return st;
    if (db->drv->migrate_lock && (st = clr_results_exec(db, db->drv->migrate_lock, 0, NULL, NULL)) != CLRELU_OK)
        goto fail;
    if ((st = read_version(db, &v)) != CLRELU_OK)
        goto fail;
    if (v > clr_results_migration_count) {
        st = clrelu_set_error(CLRELU_ERR_UNSUPPORTED,
                              "results store %s holds schema version %d, newer than this build of clrelu %s knows "
                              "(%d): use a newer clrelu, or another database",
                              db->redacted, v, CLRELU_VERSION, clr_results_migration_count);
        goto fail;
    }
    if (v == clr_results_migration_count) {
        *done = true;
        clr_results_rollback(db); /* read only */
        return CLRELU_OK;
    }
    for (const char *const *sql = clr_results_migrations[v]; *sql; sql++)
        if ((st = clr_results_exec(db, *sql, 0, NULL, NULL)) != CLRELU_OK)
            goto fail;
    if (post_steps[v] && (st = post_steps[v](db)) != CLRELU_OK)
        goto fail;
    char vb[24];
    const char *p = clr_results_u64(vb, (uint64_t)v + 1);
    if ((st = clr_results_exec(db, "UPDATE schema_version SET version = $1", 1, &p, NULL)) != CLRELU_OK)
        goto fail;
    if ((st = clr_results_commit(db)) != CLRELU_OK) {
        char msg[1200];
        snprintf(msg, sizeof msg, "%s", clrelu_last_error());
        return clrelu_set_error(st, "migrating to schema version %d: %s", v + 1, msg);
    }
    return CLRELU_OK;
fail:
    clr_results_rollback(db);
    if (v < clr_results_migration_count) {
        char msg[1200];
        snprintf(msg, sizeof msg, "%s", clrelu_last_error());
        clrelu_set_error(st, "migrating to schema version %d: %s", v + 1, msg);
    }
    return st;
}

clrelu_status clr_results_migrate(clrelu_results *db)
{
    _Static_assert(sizeof post_steps / sizeof post_steps[0] == CLRELU_RESULTS_SCHEMA_VERSION,
                   "one post step slot per schema version");
    if (clr_results_migration_count != CLRELU_RESULTS_SCHEMA_VERSION)
        return clrelu_set_error(CLRELU_ERR_UNSUPPORTED, "results store: the build's migrations stop at %d, not %d",
                                clr_results_migration_count, CLRELU_RESULTS_SCHEMA_VERSION);
    for (int i = 0; i <= CLRELU_RESULTS_SCHEMA_VERSION; i++) {
        bool done;
        clrelu_status st = migrate_one(db, &done);
        if (st != CLRELU_OK || done)
            return st;
    }
    return CLRELU_OK;
}
