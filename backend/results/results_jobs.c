/* results_jobs.c: the shared benchmark job queue on the results store — submit with fan-out, claim, lease, finish, release, requeue, cancel, delete. */
#include "clrelu_results_jobs.h"
#include "core/backend.h"
#include "results/results_store.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A part that is running again after a release or a requeue starts from nothing. */
#define PART_RESET "claimed_by = NULL, lease_until_ms = NULL, started_ms = NULL, done = 0, elapsed_s = 0, eta_s = NULL, current = ''"

void clrelu_job_claim_clear(clrelu_job_claim *c)
{
    if (!c)
        return;
    free(c->request_json);
    free(c->labels_json);
    memset(c, 0, sizeof *c);
}

/* ---- submit ------------------------------------------------------------------------------------ */

/* Whether a machine's labels (JSON text) hold every key/value of want (an object of strings). */
static bool labels_match(const char *labels_text, const cJSON *want)
{
    cJSON *have = labels_text ? cJSON_Parse(labels_text) : NULL;
    bool ok = true;
    const cJSON *w;
    cJSON_ArrayForEach(w, want)
    {
        const cJSON *h = cJSON_GetObjectItemCaseSensitive(have, w->string);
        if (!cJSON_IsString(h) || strcmp(h->valuestring, w->valuestring) != 0) {
            ok = false;
            break;
        }
    }
    cJSON_Delete(have);
    return ok;
}

/* The machines a "machines" value names, as a JSON array of ids (malloc'd text in *ids; *n of
 * them). Called inside the submit transaction. */
static clrelu_status resolve_targets(clrelu_results *db, const char *spec_text, uint64_t alive_ms, char **ids, int *n)
{
    *ids = NULL;
    *n = 0;
    cJSON *spec = cJSON_Parse(spec_text), *out = cJSON_CreateArray();
    db_rows rows = {0};
    clrelu_status st = CLRELU_OK;
    char since[24];
    uint64_t now = clr_results_now_ms();
    const char *p[1] = {clr_results_u64(since, now > alive_ms ? now - alive_ms : 0)};
    const cJSON *want = NULL;
    if (!out) {
        st = clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "out of memory");
        goto out;
    }
    if (cJSON_IsObject(spec)) {
        want = cJSON_GetObjectItemCaseSensitive(spec, "label");
        const cJSON *v;
        bool ok = cJSON_IsObject(want) && cJSON_GetArraySize(spec) == 1;
        cJSON_ArrayForEach(v, want) ok = ok && cJSON_IsString(v);
        if (!ok) {
            st = clrelu_set_error(CLRELU_ERR_INVALID_ARG,
                                  "'machines' as an object must be {\"label\": {\"key\": \"value\", ...}}");
            goto out;
        }
    }
    if (cJSON_IsArray(spec)) {
        const cJSON *v;
        if (cJSON_GetArraySize(spec) == 0) {
            st = clrelu_set_error(CLRELU_ERR_INVALID_ARG, "'machines' is an empty list");
            goto out;
        }
        cJSON_ArrayForEach(v, spec)
        {
            if (!cJSON_IsString(v) || !*v->valuestring) {
                st = clrelu_set_error(CLRELU_ERR_INVALID_ARG, "'machines' must list machine ids (strings)");
                goto out;
            }
            bool dup = false;
            const cJSON *seen;
            cJSON_ArrayForEach(seen, out) dup = dup || !strcmp(seen->valuestring, v->valuestring);
            if (dup)
                continue;
            const char *q[1] = {v->valuestring};
            if ((st = clr_results_exec(db, "SELECT id FROM machines WHERE id = $1", 1, q, &rows)) != CLRELU_OK)
                goto out;
            bool known = rows.n_rows == 1;
            db_rows_clear(&rows);
            if (!known) {
                st = clrelu_set_error(CLRELU_ERR_INVALID_ARG, "unknown machine '%.100s' (GET /v1/machines lists them)",
                                      v->valuestring);
                goto out;
            }
            cJSON_AddItemToArray(out, cJSON_CreateString(v->valuestring));
        }
    } else if ((cJSON_IsString(spec) && !strcmp(spec->valuestring, "all")) || want) {
        if ((st = clr_results_exec(db, "SELECT id, labels FROM machines WHERE last_seen_ms >= $1 ORDER BY id", 1, p,
                                   &rows)) != CLRELU_OK)
            goto out;
        for (int r = 0; r < rows.n_rows; r++)
            if (!want || labels_match(db_cell(&rows, r, 1), want))
                cJSON_AddItemToArray(out, cJSON_CreateString(db_cell(&rows, r, 0)));
        db_rows_clear(&rows);
        if (cJSON_GetArraySize(out) == 0) {
            st = clrelu_set_error(CLRELU_ERR_INVALID_ARG, "no live machine matches 'machines' %.200s", spec_text);
            goto out;
        }
    } else {
        st = clrelu_set_error(CLRELU_ERR_INVALID_ARG, "'machines' must be \"all\", a list of machine ids or "
                                                      "{\"label\": {\"key\": \"value\"}}");
        goto out;
    }
    *n = cJSON_GetArraySize(out);
    if (!(*ids = cJSON_PrintUnformatted(out)))
        st = clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "out of memory");
out:
    db_rows_clear(&rows);
    cJSON_Delete(spec);
    cJSON_Delete(out);
    return st;
}

clrelu_status clrelu_jobs_submit(clrelu_results *db, const clrelu_job_submit *s, char id[CLRELU_JOB_ID_MAX],
                                 char **record_json)
{
    if (record_json)
        *record_json = NULL;
    if (!db || !s || !s->request_json || !id)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "clrelu_jobs_submit: missing argument");
    char *targets = NULL;
    int n_parts = 1;
    char created[24], total[24], part[24];
    clr_results_new_id(id, "b");
    clrelu_status st = clr_results_begin(db, true);
    if (st != CLRELU_OK)
        return st;
    if (s->machines_json && (st = resolve_targets(db, s->machines_json, s->alive_ms, &targets, &n_parts)) != CLRELU_OK)
        goto fail;
    const char *pj[5] = {id, clr_results_u64(created, clr_results_now_ms()), s->request_json,
                         targets ? targets : "null", s->labels_json ? s->labels_json : "{}"};
    if ((st = clr_results_exec(db, "INSERT INTO jobs (id, created_ms, request, targets, labels) VALUES ($1, $2, $3, $4, $5)",
                               5, pj, NULL)) != CLRELU_OK)
        goto fail;
    cJSON *tj = targets ? cJSON_Parse(targets) : NULL;
    const cJSON *t = tj ? tj->child : NULL;
    for (int i = 0; i < n_parts && st == CLRELU_OK; i++, t = t ? t->next : NULL) {
        const char *pp[4] = {id, clr_results_u64(part, (uint64_t)i), t ? t->valuestring : NULL,
                             clr_results_u64(total, (uint64_t)(s->total > 0 ? s->total : 0))};
        st = clr_results_exec(db, "INSERT INTO job_parts (job_id, part, machine_id, state, total) VALUES ($1, $2, $3, 'queued', $4)",
                              4, pp, NULL);
    }
    cJSON_Delete(tj);
    if (st != CLRELU_OK)
        goto fail;
    free(targets);
    if ((st = clr_results_commit(db)) != CLRELU_OK)
        return st;
    return record_json ? clrelu_jobs_get(db, id, false, record_json) : CLRELU_OK;
fail:
    free(targets);
    clr_results_rollback(db);
    return st;
}

/* ---- claim, renew, finish, release ------------------------------------------------------------- */

clrelu_status clrelu_jobs_claim(clrelu_results *db, const char *machine_id, const char *runner, uint64_t lease_ms,
                                clrelu_job_can_run can_run, void *user, clrelu_job_claim *out, bool *claimed)
{
    *claimed = false;
    memset(out, 0, sizeof *out);
    char sql[512], now_s[24], until_s[24];
    uint64_t now = clr_results_now_ms();
    clr_results_u64(now_s, now);
    clr_results_u64(until_s, now + lease_ms);
    /* The oldest queued parts this machine may take. The job's request is read per candidate
     * (not joined) so that the row lock taken on PostgreSQL covers the part alone. */
    snprintf(sql, sizeof sql,
             "SELECT job_id, part, machine_id, attempts FROM job_parts WHERE state = 'queued'"
             " AND (machine_id = $1 OR machine_id IS NULL)"
             " AND job_id NOT IN (SELECT id FROM jobs WHERE cancel_requested = 1)"
             " ORDER BY (SELECT created_ms FROM jobs WHERE jobs.id = job_parts.job_id), job_id, part LIMIT 64%s",
             db->drv->skip_locked);
    db_rows cand = {0}, job = {0};
    clrelu_status st = clr_results_begin(db, true);
    if (st != CLRELU_OK)
        return st;
    const char *pm[1] = {machine_id};
    if ((st = clr_results_exec(db, sql, 1, pm, &cand)) != CLRELU_OK)
        goto out;
    for (int r = 0; r < cand.n_rows && !*claimed; r++) {
        const char *jid = db_cell(&cand, r, 0), *pj[1] = {jid};
        bool targeted = db_cell(&cand, r, 2) != NULL;
        if ((st = clr_results_exec(db, "SELECT request, labels FROM jobs WHERE id = $1", 1, pj, &job)) != CLRELU_OK)
            goto out;
        if (job.n_rows == 1 && (targeted || !can_run || can_run(db_cell(&job, 0, 0), user))) {
            const char *pu[5] = {jid, db_cell(&cand, r, 1), runner, until_s, now_s};
            if ((st = clr_results_exec(db, "UPDATE job_parts SET state = 'running', claimed_by = $3, lease_until_ms = $4,"
                                           " started_ms = $5, attempts = attempts + 1, error = NULL, done = 0,"
                                           " current = '', eta_s = NULL WHERE job_id = $1 AND part = $2 AND state = 'queued'",
                                       5, pu, NULL)) != CLRELU_OK)
                goto out;
            snprintf(out->job_id, sizeof out->job_id, "%s", jid);
            out->part = atoi(db_cell(&cand, r, 1));
            out->attempts = atoi(db_cell(&cand, r, 3)) + 1;
            out->targeted = targeted;
            out->request_json = strdup(db_cell(&job, 0, 0));
            out->labels_json = strdup(db_cell(&job, 0, 1) ? db_cell(&job, 0, 1) : "{}");
            if (!out->request_json || !out->labels_json) {
                st = clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "out of memory");
                goto out;
            }
            *claimed = true;
        }
        db_rows_clear(&job);
    }
out:
    db_rows_clear(&cand);
    db_rows_clear(&job);
    if (st == CLRELU_OK && *claimed)
        st = clr_results_commit(db);
    else
        clr_results_rollback(db);
    if (st != CLRELU_OK) {
        *claimed = false;
        clrelu_job_claim_clear(out);
    }
    return st;
}

/* Whether runner holds the part, and whether its job's cancel was asked. */
static clrelu_status read_hold(clrelu_results *db, const clrelu_job_claim *c, const char *runner, bool *held,
                               bool *cancel)
{
    char part[24];
    const char *p[2] = {c->job_id, clr_results_u64(part, (uint64_t)c->part)};
    db_rows rows = {0};
    clrelu_status st = clr_results_exec(db, "SELECT p.claimed_by, p.state, j.cancel_requested FROM job_parts p"
                                            " JOIN jobs j ON j.id = p.job_id WHERE p.job_id = $1 AND p.part = $2",
                                        2, p, &rows);
    if (st == CLRELU_OK) {
        *held = rows.n_rows == 1 && db_cell(&rows, 0, 0) && !strcmp(db_cell(&rows, 0, 0), runner) &&
                !strcmp(db_cell(&rows, 0, 1), "running");
        if (cancel)
            *cancel = rows.n_rows == 1 && db_cell(&rows, 0, 2) && atoi(db_cell(&rows, 0, 2)) != 0;
    }
    db_rows_clear(&rows);
    return st;
}

clrelu_status clrelu_jobs_renew(clrelu_results *db, const clrelu_job_claim *c, const char *runner, uint64_t lease_ms,
                                const clrelu_bench_progress *pr, bool *held, bool *cancel)
{
    *held = false;
    *cancel = false;
    char part[24], until[24], done[24], total[24], elapsed[32], eta[32];
    const char *p[9] = {c->job_id, clr_results_u64(part, (uint64_t)c->part), runner,
                        clr_results_u64(until, clr_results_now_ms() + lease_ms)};
    clrelu_status st;
    if (pr) {
        p[4] = clr_results_u64(done, (uint64_t)(pr->done > 0 ? pr->done : 0));
        p[5] = clr_results_u64(total, (uint64_t)(pr->total > 0 ? pr->total : 0));
        p[6] = clr_results_dbl(elapsed, pr->elapsed_s);
        p[7] = pr->eta_s >= 0 ? clr_results_dbl(eta, pr->eta_s) : NULL;
        p[8] = pr->current ? pr->current : "";
        st = clr_results_exec(db, "UPDATE job_parts SET lease_until_ms = $4, done = $5, total = $6,"
                                  " elapsed_s = COALESCE($7, elapsed_s), eta_s = $8, current = $9"
                                  " WHERE job_id = $1 AND part = $2 AND claimed_by = $3 AND state = 'running'",
                              9, p, NULL);
    } else {
        st = clr_results_exec(db, "UPDATE job_parts SET lease_until_ms = $4"
                                  " WHERE job_id = $1 AND part = $2 AND claimed_by = $3 AND state = 'running'",
                              4, p, NULL);
    }
    return st != CLRELU_OK ? st : read_hold(db, c, runner, held, cancel);
}

clrelu_status clrelu_jobs_finish(clrelu_results *db, const clrelu_job_claim *c, const char *runner,
                                 const clrelu_machine *m, const clrelu_job_outcome *o, bool *held)
{
    *held = false;
    char part[24], now[24], done[24], total[24], elapsed[32], run_id[CLR_RESULTS_ID_LEN] = "";
    db_rows rows = {0};
    clrelu_status st = clr_results_begin(db, true);
    if (st != CLRELU_OK)
        return st;
    const char *p[9] = {c->job_id, clr_results_u64(part, (uint64_t)c->part), runner, o->state,
                        clr_results_u64(now, clr_results_now_ms()), o->error && *o->error ? o->error : NULL,
                        clr_results_u64(done, (uint64_t)(o->done > 0 ? o->done : 0)),
                        clr_results_u64(total, (uint64_t)(o->total > 0 ? o->total : 0)),
                        clr_results_dbl(elapsed, o->elapsed_s)};
    /* The update is the claim check: it changes the row only while runner holds it (and locks it
     * on PostgreSQL until the commit, so a requeue cannot slip in between). */
    if ((st = clr_results_exec(db, "UPDATE job_parts SET state = $4, finished_ms = $5, error = $6, done = $7, total = $8,"
                                   " elapsed_s = COALESCE($9, elapsed_s), lease_until_ms = NULL, eta_s = NULL, current = ''"
                                   " WHERE job_id = $1 AND part = $2 AND claimed_by = $3 AND state = 'running'",
                               9, p, NULL)) != CLRELU_OK ||
        (st = clr_results_exec(db, "SELECT claimed_by, state, run_id FROM job_parts WHERE job_id = $1 AND part = $2", 2, p,
                               &rows)) != CLRELU_OK)
        goto fail;
    bool mine = rows.n_rows == 1 && db_cell(&rows, 0, 0) && !strcmp(db_cell(&rows, 0, 0), runner) &&
                !strcmp(db_cell(&rows, 0, 1), o->state);
    if (mine && db_cell(&rows, 0, 2)) {
        /* an earlier call committed and only its answer was lost: already stored */
        db_rows_clear(&rows);
        clr_results_rollback(db);
        *held = true;
        return CLRELU_OK;
    }
    db_rows_clear(&rows);
    if (!mine) {
        clr_results_rollback(db);
        return CLRELU_OK;
    }
    if (o->result_json) {
        if ((st = clr_results_store_run(db, m, c->labels_json, c->job_id, o->result_json, 0, run_id)) != CLRELU_OK)
            goto fail;
        const char *pr[4] = {c->job_id, p[1], run_id, o->result_csv};
        if ((st = clr_results_exec(db, "UPDATE job_parts SET run_id = $3, result_csv = $4 WHERE job_id = $1 AND part = $2",
                                   4, pr, NULL)) != CLRELU_OK)
            goto fail;
    }
    if ((st = clr_results_commit(db)) == CLRELU_OK)
        *held = true;
    return st;
fail:
    db_rows_clear(&rows);
    clr_results_rollback(db);
    return st;
}

clrelu_status clrelu_jobs_release(clrelu_results *db, const clrelu_job_claim *c, const char *runner)
{
    char part[24], now[24];
    const char *p[4] = {c->job_id, clr_results_u64(part, (uint64_t)c->part), runner,
                        clr_results_u64(now, clr_results_now_ms())};
    /* One statement each, both conditional on the claim: a cancelled job's part ends, any other
     * goes back to the queue without counting the claim as an attempt. */
    clrelu_status st = clr_results_exec(
        db, "UPDATE job_parts SET state = 'cancelled', finished_ms = $4, lease_until_ms = NULL, eta_s = NULL,"
            " current = '', error = 'cancelled (its daemon stopped)'"
            " WHERE job_id = $1 AND part = $2 AND claimed_by = $3 AND state = 'running'"
            " AND job_id IN (SELECT id FROM jobs WHERE cancel_requested = 1)",
        4, p, NULL);
    if (st == CLRELU_OK)
        st = clr_results_exec(db, "UPDATE job_parts SET state = 'queued', " PART_RESET ","
                                  " attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END"
                                  " WHERE job_id = $1 AND part = $2 AND claimed_by = $3 AND state = 'running'",
                              3, p, NULL);
    return st;
}

clrelu_status clrelu_jobs_requeue_expired(clrelu_results *db, int max_attempts, int *requeued)
{
    if (requeued)
        *requeued = 0;
    char sql[256], now_s[24];
    const char *pn[1] = {clr_results_u64(now_s, clr_results_now_ms())};
    snprintf(sql, sizeof sql,
             "SELECT job_id, part, attempts FROM job_parts WHERE state = 'running' AND lease_until_ms < $1%s",
             db->drv->skip_locked);
    db_rows rows = {0}, job = {0};
    /* Cheap when nothing expired: a read outside any write transaction first. */
    clrelu_status st = clr_results_exec(db, "SELECT 1 FROM job_parts WHERE state = 'running' AND lease_until_ms < $1", 1,
                                        pn, &rows);
    bool any = st == CLRELU_OK && rows.n_rows > 0;
    db_rows_clear(&rows);
    if (!any)
        return st;
    if ((st = clr_results_begin(db, true)) != CLRELU_OK)
        return st;
    if ((st = clr_results_exec(db, sql, 1, pn, &rows)) != CLRELU_OK)
        goto out;
    for (int r = 0; r < rows.n_rows && st == CLRELU_OK; r++) {
        const char *p[4] = {db_cell(&rows, r, 0), db_cell(&rows, r, 1), now_s, NULL};
        char msg[160];
        if ((st = clr_results_exec(db, "SELECT cancel_requested FROM jobs WHERE id = $1", 1, p, &job)) != CLRELU_OK)
            break;
        bool cancel = job.n_rows == 1 && atoi(db_cell(&job, 0, 0)) != 0;
        db_rows_clear(&job);
        int attempts = atoi(db_cell(&rows, r, 2));
        const char *cond = " WHERE job_id = $1 AND part = $2 AND state = 'running' AND lease_until_ms < $3";
        char sql2[512];
        if (cancel || (max_attempts > 0 && attempts >= max_attempts)) {
            if (cancel)
                snprintf(msg, sizeof msg, "cancelled (its daemon stopped before storing a result)");
            else
                snprintf(msg, sizeof msg,
                         "abandoned: claimed %d times, and every daemon that ran it stopped before finishing", attempts);
            p[3] = msg;
            snprintf(sql2, sizeof sql2,
                     "UPDATE job_parts SET state = '%s', finished_ms = $3, error = $4, lease_until_ms = NULL,"
                     " eta_s = NULL, current = ''%s",
                     cancel ? "cancelled" : "failed", cond);
            st = clr_results_exec(db, sql2, 4, p, NULL);
        } else {
            snprintf(sql2, sizeof sql2, "UPDATE job_parts SET state = 'queued', " PART_RESET "%s", cond);
            st = clr_results_exec(db, sql2, 3, p, NULL);
            if (st == CLRELU_OK && requeued)
                (*requeued)++;
        }
    }
out:
    db_rows_clear(&rows);
    db_rows_clear(&job);
    if (st == CLRELU_OK)
        return clr_results_commit(db);
    clr_results_rollback(db);
    return st;
}

clrelu_status clrelu_jobs_fail_orphaned(clrelu_results *db, uint64_t gone_ms, int *failed)
{
    if (failed)
        *failed = 0;
    uint64_t now = clr_results_now_ms();
    char now_s[24], cut_s[24];
    const char *p[2] = {clr_results_u64(now_s, now), clr_results_u64(cut_s, now > gone_ms ? now - gone_ms : 0)};
    /* A part addressed to a machine is claimed by that machine only: once it is gone, nothing else
     * ever will. One statement, so a machine that comes back meanwhile either claimed it first or
     * finds it ended. */
    db_rows rows = {0};
    clrelu_status st = clr_results_exec(
        db,
        "UPDATE job_parts SET state = 'failed', finished_ms = $1,"
        " error = 'machine ' || machine_id || ' stopped sending heartbeats before it ran its part'"
        " WHERE state = 'queued' AND machine_id IS NOT NULL AND machine_id IN"
        " (SELECT id FROM machines WHERE last_seen_ms < $2) RETURNING job_id",
        2, p, &rows);
    if (st == CLRELU_OK && failed)
        *failed = rows.n_rows;
    db_rows_clear(&rows);
    return st;
}

/* ---- clients ----------------------------------------------------------------------------------- */

/* Count the job's parts still queued or running; NOT_FOUND when there is no such job. */
static clrelu_status live_parts(clrelu_results *db, const char *id, int *live)
{
    const char *p[1] = {id};
    db_rows rows = {0};
    clrelu_status st = clr_results_exec(db, "SELECT state FROM job_parts WHERE job_id = $1", 1, p, &rows);
    *live = 0;
    if (st == CLRELU_OK) {
        db_rows j = {0};
        st = clr_results_exec(db, "SELECT id FROM jobs WHERE id = $1", 1, p, &j);
        if (st == CLRELU_OK && j.n_rows == 0)
            st = clrelu_set_error(CLRELU_ERR_NOT_FOUND, "no benchmark '%.100s'", id);
        db_rows_clear(&j);
    }
    for (int r = 0; st == CLRELU_OK && r < rows.n_rows; r++)
        *live += !strcmp(db_cell(&rows, r, 0), "queued") || !strcmp(db_cell(&rows, r, 0), "running");
    db_rows_clear(&rows);
    return st;
}

clrelu_status clrelu_jobs_cancel(clrelu_results *db, const char *id, bool *was_final, char **record_json)
{
    *was_final = false;
    if (record_json)
        *record_json = NULL;
    char now[24];
    const char *p[2] = {id, clr_results_u64(now, clr_results_now_ms())};
    int live = 0;
    clrelu_status st = clr_results_begin(db, true);
    if (st != CLRELU_OK)
        return st;
    if ((st = live_parts(db, id, &live)) != CLRELU_OK)
        goto fail;
    if (live == 0) {
        *was_final = true;
        clr_results_rollback(db);
    } else {
        if ((st = clr_results_exec(db, "UPDATE jobs SET cancel_requested = 1 WHERE id = $1", 1, p, NULL)) != CLRELU_OK ||
            (st = clr_results_exec(db, "UPDATE job_parts SET state = 'cancelled', finished_ms = $2,"
                                       " error = 'cancelled before it started' WHERE job_id = $1 AND state = 'queued'",
                                   2, p, NULL)) != CLRELU_OK)
            goto fail;
        if ((st = clr_results_commit(db)) != CLRELU_OK)
            return st;
    }
    return record_json ? clrelu_jobs_get(db, id, false, record_json) : CLRELU_OK;
fail:
    clr_results_rollback(db);
    return st;
}

clrelu_status clrelu_jobs_delete(clrelu_results *db, const char *id, bool *was_live)
{
    *was_live = false;
    static const char *const del[] = {
        "DELETE FROM cases WHERE run_id IN (SELECT id FROM runs WHERE job_id = $1)",
        "DELETE FROM run_labels WHERE run_id IN (SELECT id FROM runs WHERE job_id = $1)",
        "UPDATE imports SET run_id = NULL WHERE run_id IN (SELECT id FROM runs WHERE job_id = $1)",
        "DELETE FROM runs WHERE job_id = $1",
        "DELETE FROM job_parts WHERE job_id = $1",
        "DELETE FROM jobs WHERE id = $1",
    };
    const char *p[1] = {id};
    int live = 0;
    clrelu_status st = clr_results_begin(db, true);
    if (st != CLRELU_OK)
        return st;
    if ((st = live_parts(db, id, &live)) != CLRELU_OK)
        goto fail;
    if (live) {
        *was_live = true;
        clr_results_rollback(db);
        return CLRELU_OK;
    }
    for (size_t i = 0; i < sizeof del / sizeof del[0]; i++)
        if ((st = clr_results_exec(db, del[i], 1, p, NULL)) != CLRELU_OK)
            goto fail;
    return clr_results_commit(db);
fail:
    clr_results_rollback(db);
    return st;
}
