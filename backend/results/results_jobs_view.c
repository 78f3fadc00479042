/* results_jobs_view.c: a benchmark job as clients see it — its parts aggregated into one record, and one result set (JSON or CSV) across its machines. */
#include "clrelu_results_jobs.h"
#include "core/backend.h"
#include "results/results_store.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JOB_COLS "id, created_ms, request, targets, labels, cancel_requested"
enum { J_ID, J_CREATED, J_REQUEST, J_TARGETS, J_LABELS, J_CANCEL };
#define PART_COLS                                                                                                   \
    "p.part, p.machine_id, p.state, p.claimed_by, p.attempts, p.started_ms, p.finished_ms, p.done, p.total,"        \
    " p.elapsed_s, p.eta_s, p.current, p.error, p.run_id, r.machine_id,"                                           \
    " CASE WHEN p.result_csv IS NULL THEN 0 ELSE 1 END, p.job_id"
enum { P_PART, P_TARGET, P_STATE, P_CLAIMED, P_ATTEMPTS, P_STARTED, P_FINISHED, P_DONE, P_TOTAL, P_ELAPSED, P_ETA,
       P_CURRENT, P_ERROR, P_RUN, P_RUN_MACHINE, P_HAS_CSV, P_JOB };

static double num(const char *cell) { return cell ? strtod(cell, NULL) : 0.0; }

/* The machine a part ran or runs on: its run's, else its claimant's (the runner token up to
 * '#'), else the one it is addressed to; "" when none yet. */
static void part_machine(const db_rows *p, int r, char *buf, size_t len)
{
    const char *run_m = db_cell(p, r, P_RUN_MACHINE), *claimed = db_cell(p, r, P_CLAIMED), *target = db_cell(p, r, P_TARGET);
    if (run_m)
        snprintf(buf, len, "%s", run_m);
    else if (claimed)
        snprintf(buf, len, "%.*s", (int)strcspn(claimed, "#"), claimed);
    else
        snprintf(buf, len, "%s", target ? target : "");
}

/* The job in row jr of jobs with its parts rows [p0, p1) of parts, as the record described in
 * clrelu_results_jobs.h (without results). NULL when out of memory. */
static cJSON *build_record(const db_rows *jobs, int jr, const db_rows *parts, int p0, int p1)
{
    cJSON *o = cJSON_CreateObject(), *prog = cJSON_CreateObject(), *arr = cJSON_CreateArray();
    if (!o || !prog || !arr) {
        cJSON_Delete(o);
        cJSON_Delete(prog);
        cJSON_Delete(arr);
        return NULL;
    }
    int n = p1 - p0, n_running = 0, n_queued = 0, n_done = 0, n_failed = 0, done = 0, total = 0;
    double elapsed = 0, eta = -1, started = 0, finished = 0;
    const char *current = "", *error = NULL, *error_machine = "";
    bool has_results = false, cancel = num(db_cell(jobs, jr, J_CANCEL)) != 0;
    bool fleet = db_cell(jobs, jr, J_TARGETS) && strcmp(db_cell(jobs, jr, J_TARGETS), "null") != 0;
    for (int r = p0; r < p1; r++) {
        const char *state = db_cell(parts, r, P_STATE);
        char machine[128];
        part_machine(parts, r, machine, sizeof machine);
        n_running += !strcmp(state, "running");
        n_queued += !strcmp(state, "queued");
        n_done += !strcmp(state, "done");
        n_failed += !strcmp(state, "failed");
        done += (int)num(db_cell(parts, r, P_DONE));
        total += (int)num(db_cell(parts, r, P_TOTAL));
        double e = num(db_cell(parts, r, P_ELAPSED)), s = num(db_cell(parts, r, P_STARTED)),
               f = num(db_cell(parts, r, P_FINISHED));
        elapsed = e > elapsed ? e : elapsed;
        if (s > 0 && (started == 0 || s < started))
            started = s;
        finished = f > finished ? f : finished;
        if (!strcmp(state, "running")) {
            if (db_cell(parts, r, P_ETA) && num(db_cell(parts, r, P_ETA)) > eta)
                eta = num(db_cell(parts, r, P_ETA));
            if (!*current && db_cell(parts, r, P_CURRENT))
                current = db_cell(parts, r, P_CURRENT);
        }
        if (!error && db_cell(parts, r, P_ERROR) && *db_cell(parts, r, P_ERROR)) {
            error = db_cell(parts, r, P_ERROR);
            error_machine = fleet ? db_cell(parts, r, P_TARGET) : "";
        }
        has_results |= db_cell(parts, r, P_RUN) != NULL;
        cJSON *it = cJSON_CreateObject();
        if (!it)
            continue;
        cJSON_AddNumberToObject(it, "part", num(db_cell(parts, r, P_PART)));
        if (*machine)
            cJSON_AddStringToObject(it, "machine", machine);
        else
            cJSON_AddNullToObject(it, "machine");
        cJSON_AddStringToObject(it, "status", state);
        cJSON_AddNumberToObject(it, "attempts", num(db_cell(parts, r, P_ATTEMPTS)));
        cJSON_AddNumberToObject(it, "done", num(db_cell(parts, r, P_DONE)));
        cJSON_AddNumberToObject(it, "total", num(db_cell(parts, r, P_TOTAL)));
        if (db_cell(parts, r, P_RUN))
            cJSON_AddStringToObject(it, "run", db_cell(parts, r, P_RUN));
        else
            cJSON_AddNullToObject(it, "run");
        if (db_cell(parts, r, P_ERROR) && *db_cell(parts, r, P_ERROR))
            cJSON_AddStringToObject(it, "error", db_cell(parts, r, P_ERROR));
        cJSON_AddItemToArray(arr, it);
    }
    const char *status = n_running || (n_queued && n_queued < n) ? "running"
                         : n_queued                              ? "queued"
                         : n_done == n                           ? "done"
                         : cancel || !n_failed                   ? "cancelled"
                                                                 : "failed";
    bool live = n_running || n_queued;
    cJSON_AddStringToObject(o, "id", db_cell(jobs, jr, J_ID));
    cJSON_AddStringToObject(o, "status", status);
    cJSON_AddNumberToObject(o, "created_ms", num(db_cell(jobs, jr, J_CREATED)));
    if (started > 0)
        cJSON_AddNumberToObject(o, "started_ms", started);
    if (!live && finished > 0)
        cJSON_AddNumberToObject(o, "finished_ms", finished);
    cJSON_AddNumberToObject(prog, "done", done);
    cJSON_AddNumberToObject(prog, "total", total);
    cJSON_AddNumberToObject(prog, "fraction", total ? (double)done / total : (live ? 0.0 : 1.0));
    cJSON_AddNumberToObject(prog, "elapsed_s", elapsed);
    if (n_running && eta >= 0)
        cJSON_AddNumberToObject(prog, "eta_s", eta);
    else
        cJSON_AddNullToObject(prog, "eta_s");
    cJSON_AddStringToObject(prog, "current", current);
    cJSON_AddItemToObject(o, "progress", prog);
    cJSON *req = db_cell(jobs, jr, J_REQUEST) ? cJSON_Parse(db_cell(jobs, jr, J_REQUEST)) : NULL;
    if (req)
        cJSON_AddItemToObject(o, "request", req);
    if (error) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s%s%s", error_machine && *error_machine ? error_machine : "",
                 error_machine && *error_machine ? ": " : "", error);
        cJSON_AddStringToObject(o, "error", msg);
    }
    cJSON_AddBoolToObject(o, "has_results", has_results);
    if (fleet) {
        cJSON *targets = cJSON_Parse(db_cell(jobs, jr, J_TARGETS));
        if (targets)
            cJSON_AddItemToObject(o, "machines", targets);
    }
    cJSON *labels = db_cell(jobs, jr, J_LABELS) ? cJSON_Parse(db_cell(jobs, jr, J_LABELS)) : NULL;
    if (labels && cJSON_GetArraySize(labels) > 0)
        cJSON_AddItemToObject(o, "labels", labels);
    else
        cJSON_Delete(labels);
    cJSON_AddItemToObject(o, "parts", arr);
    return o;
}

/* Print obj and append `"results": <results>` before its closing brace; takes obj. */
static char *with_results_text(cJSON *obj, const char *results)
{
    char *head = cJSON_PrintUnformatted(obj);
    cJSON_Delete(obj);
    if (!head || !results)
        return head;
    size_t hl = strlen(head), rl = strlen(results);
    char *out = malloc(hl + rl + 16);
    if (out && hl >= 2) {
        memcpy(out, head, hl - 1); /* drop '}' */
        memcpy(out + hl - 1, ",\"results\":", 11);
        memcpy(out + hl + 10, results, rl);
        memcpy(out + hl + 10 + rl, "}", 2);
    }
    free(head);
    return out;
}

/* Move every item of doc's array `key` to the end of dst, each tagged with "machine". */
static void move_tagged(cJSON *doc, const char *key, cJSON *dst, const char *machine)
{
    cJSON *src = cJSON_GetObjectItemCaseSensitive(doc, key);
    if (!cJSON_IsArray(src))
        return;
    while (src->child) {
        cJSON *it = cJSON_DetachItemViaPointer(src, src->child);
        if (cJSON_IsObject(it))
            cJSON_AddStringToObject(it, "machine", machine);
        cJSON_AddItemToArray(dst, it);
    }
}

/* One result set across a fleet sweep's parts (rows [p0, p1) of parts): see clrelu_jobs_get. */
static clrelu_status fleet_results(clrelu_results *db, const db_rows *parts, int p0, int p1, cJSON **out)
{
    *out = NULL;
    cJSON *res = cJSON_CreateObject(), *machines = cJSON_CreateArray(), *devices = cJSON_CreateArray(),
          *ceilings = cJSON_CreateArray(), *cases = cJSON_CreateArray(), *meta = NULL;
    clrelu_status st = CLRELU_OK;
    bool cancelled = false;
    double elapsed = 0;
    if (!res || !machines || !devices || !ceilings || !cases) {
        cJSON_Delete(res);
        cJSON_Delete(machines);
        cJSON_Delete(devices);
        cJSON_Delete(ceilings);
        cJSON_Delete(cases);
        return clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "out of memory");
    }
    for (int r = p0; r < p1 && st == CLRELU_OK; r++) {
        const char *run = db_cell(parts, r, P_RUN);
        if (!run)
            continue;
        const char *p[1] = {run};
        db_rows rows = {0};
        st = clr_results_exec(db, "SELECT r.result, m.hostname FROM runs r LEFT JOIN machines m ON m.id = r.machine_id"
                                  " WHERE r.id = $1",
                              1, p, &rows);
        cJSON *doc = st == CLRELU_OK && rows.n_rows == 1 && db_cell(&rows, 0, 0) ? cJSON_Parse(db_cell(&rows, 0, 0)) : NULL;
        char machine[128];
        part_machine(parts, r, machine, sizeof machine);
        if (doc) {
            cJSON *m = cJSON_CreateObject(), *dm = cJSON_GetObjectItemCaseSensitive(doc, "meta");
            const cJSON *host = cJSON_GetObjectItemCaseSensitive(dm, "host"),
                        *ver = cJSON_GetObjectItemCaseSensitive(dm, "clrelu_version"),
                        *el = cJSON_GetObjectItemCaseSensitive(dm, "elapsed_s"),
                        *ca = cJSON_GetObjectItemCaseSensitive(dm, "cancelled");
            cancelled |= cJSON_IsTrue(ca);
            if (cJSON_IsNumber(el) && el->valuedouble > elapsed)
                elapsed = el->valuedouble;
            cJSON_AddStringToObject(m, "id", machine);
            cJSON_AddStringToObject(m, "hostname", db_cell(&rows, 0, 1) ? db_cell(&rows, 0, 1) : "");
            cJSON_AddStringToObject(m, "run", run);
            cJSON_AddStringToObject(m, "status", db_cell(parts, r, P_STATE));
            cJSON_AddNumberToObject(m, "n_cases", cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "cases")));
            if (cJSON_IsString(host))
                cJSON_AddStringToObject(m, "host", host->valuestring);
            if (cJSON_IsString(ver))
                cJSON_AddStringToObject(m, "clrelu_version", ver->valuestring);
            cJSON_AddItemToArray(machines, m);
            if (!meta && cJSON_IsObject(dm))
                meta = cJSON_DetachItemViaPointer(doc, dm);
            move_tagged(doc, "devices", devices, machine);
            move_tagged(doc, "ceilings", ceilings, machine);
            move_tagged(doc, "cases", cases, machine);
            cJSON_Delete(doc);
        }
        db_rows_clear(&rows);
    }
    cJSON_AddStringToObject(res, "schema", "clrelu-bench/1");
    cJSON_AddBoolToObject(res, "fleet", true);
    if (meta) {
        cJSON_ReplaceItemInObjectCaseSensitive(meta, "cancelled", cJSON_CreateBool(cancelled));
        cJSON_ReplaceItemInObjectCaseSensitive(meta, "elapsed_s", cJSON_CreateNumber(elapsed));
        cJSON_AddItemToObject(res, "meta", meta);
    }
    cJSON_AddItemToObject(res, "machines", machines);
    cJSON_AddItemToObject(res, "devices", devices);
    cJSON_AddItemToObject(res, "ceilings", ceilings);
    cJSON_AddItemToObject(res, "cases", cases);
    if (st != CLRELU_OK) {
        cJSON_Delete(res);
        return st;
    }
    *out = res;
    return CLRELU_OK;
}

/* The job row and its part rows; NOT_FOUND when there is no such job. */
static clrelu_status read_job(clrelu_results *db, const char *id, db_rows *job, db_rows *parts)
{
    const char *p[1] = {id};
    *job = (db_rows){0};
    *parts = (db_rows){0};
    clrelu_status st = clr_results_exec(db, "SELECT " JOB_COLS " FROM jobs WHERE id = $1", 1, p, job);
    if (st == CLRELU_OK && job->n_rows == 0)
        st = clrelu_set_error(CLRELU_ERR_NOT_FOUND, "no benchmark '%.100s'", id);
    if (st == CLRELU_OK)
        st = clr_results_exec(db, "SELECT " PART_COLS " FROM job_parts p LEFT JOIN runs r ON r.id = p.run_id"
                                  " WHERE p.job_id = $1 ORDER BY p.part",
                              1, p, parts);
    if (st != CLRELU_OK) {
        db_rows_clear(job);
        db_rows_clear(parts);
    }
    return st;
}

clrelu_status clrelu_jobs_get(clrelu_results *db, const char *id, bool with_results, char **json)
{
    *json = NULL;
    if (!db || !id)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "clrelu_jobs_get: missing argument");
    db_rows job, parts, run = {0};
    clrelu_status st = read_job(db, id, &job, &parts);
    if (st != CLRELU_OK)
        return st;
    cJSON *o = build_record(&job, 0, &parts, 0, parts.n_rows);
    bool fleet = db_cell(&job, 0, J_TARGETS) && strcmp(db_cell(&job, 0, J_TARGETS), "null") != 0;
    if (!o) {
        st = clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "out of memory");
    } else if (with_results && fleet) {
        cJSON *res = NULL;
        if ((st = fleet_results(db, &parts, 0, parts.n_rows, &res)) == CLRELU_OK && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "has_results")))
            cJSON_AddItemToObject(o, "results", res);
        else
            cJSON_Delete(res);
        *json = st == CLRELU_OK ? cJSON_PrintUnformatted(o) : NULL;
        cJSON_Delete(o);
    } else {
        /* one machine's run: its document as stored, spliced in without a parse */
        const char *run_id = NULL;
        for (int r = 0; with_results && r < parts.n_rows && !run_id; r++)
            run_id = db_cell(&parts, r, P_RUN);
        const char *p[1] = {run_id};
        if (run_id && (st = clr_results_exec(db, "SELECT result FROM runs WHERE id = $1", 1, p, &run)) != CLRELU_OK) {
            cJSON_Delete(o);
        } else {
            *json = with_results_text(o, run.n_rows == 1 ? db_cell(&run, 0, 0) : NULL);
        }
    }
    if (st == CLRELU_OK && !*json)
        st = clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "out of memory");
    db_rows_clear(&job);
    db_rows_clear(&parts);
    db_rows_clear(&run);
    return st;
}

/* Append text[0..n) to a growing buffer; false when out of memory (the buffer is kept). */
static bool append(char **buf, size_t *len, size_t *cap, const char *text, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t want = (*cap ? *cap : 4096);
        while (want < *len + n + 1)
            want *= 2;
        char *grown = realloc(*buf, want);
        if (!grown)
            return false;
        *buf = grown;
        *cap = want;
    }
    memcpy(*buf + *len, text, n);
    *len += n;
    (*buf)[*len] = '\0';
    return true;
}

/* A CSV field: as is, or quoted when it holds a comma, a quote or a line break. */
static bool append_field(char **buf, size_t *len, size_t *cap, const char *v)
{
    if (!v[strcspn(v, ",\"\r\n")])
        return append(buf, len, cap, v, strlen(v));
    bool ok = append(buf, len, cap, "\"", 1);
    for (const char *c = v; ok && *c; c++)
        ok = append(buf, len, cap, c, 1) && (*c != '"' || append(buf, len, cap, "\"", 1));
    return ok && append(buf, len, cap, "\"", 1);
}

clrelu_status clrelu_jobs_csv(clrelu_results *db, const char *id, char **csv)
{
    *csv = NULL;
    db_rows job, parts, rows = {0};
    clrelu_status st = read_job(db, id, &job, &parts);
    if (st != CLRELU_OK)
        return st;
    bool fleet = db_cell(&job, 0, J_TARGETS) && strcmp(db_cell(&job, 0, J_TARGETS), "null") != 0;
    const char *p[1] = {id};
    st = clr_results_exec(db, "SELECT p.result_csv, p.part FROM job_parts p WHERE p.job_id = $1 AND p.result_csv IS NOT NULL"
                              " ORDER BY p.part",
                          1, p, &rows);
    char *out = NULL;
    size_t len = 0, cap = 0;
    bool ok = true, header = false;
    for (int r = 0; st == CLRELU_OK && ok && r < rows.n_rows; r++) {
        const char *text = db_cell(&rows, r, 0);
        if (!fleet) { /* one machine: its CSV as stored */
            ok = append(&out, &len, &cap, text, strlen(text));
            break;
        }
        char machine[128] = "";
        for (int q = 0; q < parts.n_rows; q++)
            if (!strcmp(db_cell(&parts, q, P_PART), db_cell(&rows, r, 1)))
                part_machine(&parts, q, machine, sizeof machine);
        /* every line gains a first column: "machine" on the header (once), the id on each row */
        for (const char *line = text, *end; ok && *line; line = *end ? end + 1 : end) {
            end = line + strcspn(line, "\n");
            bool is_header = line == text;
            if (is_header && header)
                continue;
            ok = (is_header ? append(&out, &len, &cap, "machine", 7) : append_field(&out, &len, &cap, machine)) &&
                 append(&out, &len, &cap, ",", 1) && append(&out, &len, &cap, line, (size_t)(end - line)) &&
                 append(&out, &len, &cap, "\n", 1);
            header |= is_header;
        }
    }
    if (!ok) {
        free(out);
        out = NULL;
        st = clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "out of memory");
    }
    *csv = out;
    db_rows_clear(&job);
    db_rows_clear(&parts);
    db_rows_clear(&rows);
    return st;
}

/* qsort has no context argument: the rows being sorted, per thread (each list call sorts its own). */
static _Thread_local const db_rows *sort_parts;

static int cmp_part(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    int c = strcmp(db_cell(sort_parts, x, P_JOB), db_cell(sort_parts, y, P_JOB));
    return c ? c : (int)num(db_cell(sort_parts, x, P_PART)) - (int)num(db_cell(sort_parts, y, P_PART));
}

clrelu_status clrelu_jobs_list(clrelu_results *db, int limit, char **json)
{
    *json = NULL;
    if (limit <= 0 || limit > 1000)
        limit = 1000;
    char lim[24], sql[512];
    const char *p[1] = {clr_results_u64(lim, (uint64_t)limit)};
    db_rows jobs = {0}, parts = {0};
    clrelu_status st = clr_results_exec(db, "SELECT " JOB_COLS " FROM jobs ORDER BY created_ms DESC, id DESC LIMIT $1", 1,
                                        p, &jobs);
    snprintf(sql, sizeof sql,
             "SELECT " PART_COLS " FROM job_parts p LEFT JOIN runs r ON r.id = p.run_id WHERE p.job_id IN"
             " (SELECT id FROM jobs ORDER BY created_ms DESC, id DESC LIMIT $1)");
    if (st == CLRELU_OK)
        st = clr_results_exec(db, sql, 1, p, &parts);
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "jobs");
    if (st == CLRELU_OK && (!o || !arr))
        st = clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "out of memory");
    /* Part rows grouped by job id in C (the database's collation may order ids otherwise). */
    int *order = parts.n_rows ? malloc((size_t)parts.n_rows * sizeof *order) : NULL;
    if (st == CLRELU_OK && parts.n_rows && !order)
        st = clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "out of memory");
    for (int i = 0; order && i < parts.n_rows; i++)
        order[i] = i;
    if (order) {
        sort_parts = &parts;
        qsort(order, (size_t)parts.n_rows, sizeof *order, cmp_part);
    }
    db_rows grouped = {parts.n_rows, parts.n_cols, NULL};
    char **cells = order ? malloc((size_t)parts.n_rows * (size_t)parts.n_cols * sizeof *cells) : NULL;
    if (order && !cells)
        st = clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "out of memory");
    for (int i = 0; cells && i < parts.n_rows; i++)
        memcpy(cells + (size_t)i * (size_t)parts.n_cols, parts.cells + (size_t)order[i] * (size_t)parts.n_cols,
               (size_t)parts.n_cols * sizeof *cells);
    grouped.cells = cells;
    free(order);
    /* oldest first: the newest `limit`, read newest first, in reverse */
    for (int jr = jobs.n_rows - 1; st == CLRELU_OK && jr >= 0; jr--) {
        const char *id = db_cell(&jobs, jr, J_ID);
        int lo = 0, hi = grouped.n_rows;
        while (lo < hi) { /* first part row of this job */
            int mid = (lo + hi) / 2;
            if (strcmp(db_cell(&grouped, mid, P_JOB), id) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        int end = lo;
        while (end < grouped.n_rows && !strcmp(db_cell(&grouped, end, P_JOB), id))
            end++;
        cJSON *rec = build_record(&jobs, jr, &grouped, lo, end);
        if (rec)
            cJSON_AddItemToArray(arr, rec);
    }
    free(cells); /* the cells themselves belong to parts */
    if (st == CLRELU_OK && !(*json = cJSON_PrintUnformatted(o)))
        st = clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "out of memory");
    cJSON_Delete(o);
    db_rows_clear(&jobs);
    db_rows_clear(&parts);
    return st;
}
