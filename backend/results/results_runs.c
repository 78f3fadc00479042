/* results_runs.c: storing a run (one transaction: machine, run, cases, labels) and reading runs back — list with filters and pages, one run, one case's history with verdicts. */
#include "results/results_store.h"
#include "results/results_verdict.h"

#include "core/backend.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small JSON helpers ---------------------------------------------------------------------- */

static const char *jstr(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double jnum(const cJSON *o, const char *key, double dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static void add_str_cell(cJSON *o, const char *key, const char *cell)
{
    if (cell)
        cJSON_AddStringToObject(o, key, cell);
    else
        cJSON_AddNullToObject(o, key);
}

/* Print and delete out into *json. */
static clrelu_status finish_json(cJSON *out, char **json, const char *who)
{
    *json = out ? cJSON_PrintUnformatted(out) : NULL;
    cJSON_Delete(out);
    return *json ? CLRELU_OK : clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "%s: out of memory", who);
}

/* ---- storing a run --------------------------------------------------------------------------- */

/* The run's status from its document: cancelled (meta.cancelled), mismatch (a case's results
 * differed from the reference), failed (a case failed to run), else done. */
static const char *run_status(const cJSON *doc)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(doc, "meta");
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(meta, "cancelled")))
        return "cancelled";
    bool failed = false, mismatch = false;
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(doc, "cases"))
    {
        const char *s = jstr(c, "status");
        mismatch |= s && !strcmp(s, "mismatch");
        failed |= s && !strcmp(s, "failed");
    }
    return mismatch ? "mismatch" : failed ? "failed" : "done";
}

/* The machine's labels with the run's own on top, as a new object; NULL when either is not an
 * object of strings. */
static cJSON *merged_labels(const clrelu_machine *m, const char *labels_json)
{
    cJSON *out = cJSON_Parse(m->labels_json && *m->labels_json ? m->labels_json : "{}");
    cJSON *own = cJSON_Parse(labels_json && *labels_json ? labels_json : "{}");
    bool ok = cJSON_IsObject(out) && cJSON_IsObject(own);
    const cJSON *e;
    for (int pass = 0; ok && pass < 2; pass++)
        cJSON_ArrayForEach(e, (pass ? own : out)) ok &= cJSON_IsString(e);
    cJSON_ArrayForEach(e, (ok ? own : NULL))
    {
        cJSON *v = cJSON_CreateString(e->valuestring);
        if (cJSON_GetObjectItemCaseSensitive(out, e->string))
            cJSON_ReplaceItemInObjectCaseSensitive(out, e->string, v);
        else
            cJSON_AddItemToObject(out, e->string, v);
    }
    cJSON_Delete(own);
    if (!ok) {
        cJSON_Delete(out);
        return NULL;
    }
    return out;
}

/* A case's timing numbers: the kernel median, the spread and count of its samples (the samples'
 * cv when the document kept none, as compare does), GB/s and % of copy; NULL when untimed. */
static clrelu_status insert_case(clrelu_results *db, const char *run_id, const cJSON *doc, const cJSON *c)
{
    const char *dev = jstr(c, "device"), *name = dev;
    const cJSON *d;
    cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(doc, "devices"))
    {
        const char *id = jstr(d, "id");
        if (dev && id && !strcmp(id, dev) && jstr(d, "name"))
            name = jstr(d, "name");
    }
    const char *op = jstr(c, "op"), *dtype = jstr(c, "dtype"), *status = jstr(c, "status");
    const cJSON *el = cJSON_GetObjectItemCaseSensitive(c, "elements");
    if (!dev || !op || !dtype || !status || !cJSON_IsNumber(el) || el->valuedouble < 0)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG,
                                "result JSON: a case lacks device, op, dtype, status or elements (clrelu-bench/1)");
    const cJSON *kernel = cJSON_GetObjectItemCaseSensitive(c, "kernel_ns");
    double median = jnum(kernel, "median", 0), spread;
    int n;
    clr_results_case_spread(c, &spread, &n);
    if (spread < 0 && median > 0)
        spread = jnum(kernel, "cv", -1);
    bool timed = median > 0;
    char mb[32], sb[32], gb[32], pb[32], nb[24], eb[24];
    const char *direction = jstr(c, "direction"), *placement = jstr(c, "placement");
    const char *p[14] = {run_id,
                         dev,
                         name,
                         op,
                         dtype,
                         direction ? direction : "forward",
                         placement ? placement : "out",
                         clr_results_u64(eb, (uint64_t)el->valuedouble),
                         status,
                         timed ? clr_results_dbl(mb, median) : NULL,
                         timed ? clr_results_dbl(gb, jnum(c, "gbps_median", 0)) : NULL,
                         timed ? clr_results_dbl(pb, jnum(c, "pct_of_copy", 0)) : NULL,
                         timed && spread >= 0 ? clr_results_dbl(sb, spread) : NULL,
                         clr_results_u64(nb, (uint64_t)n)};
    return clr_results_exec(db,
                            "INSERT INTO cases (run_id, device_id, device_name, op, dtype, direction, placement, elements,"
                            " status, median_ns, gbps_median, pct_of_copy, spread, n_samples)"
                            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                            14, p, NULL);
}

clrelu_status clr_results_store_run(clrelu_results *db, const clrelu_machine *m, const char *labels_json,
                                    const char *job_id, const char *result_json, uint64_t created_ms,
                                    char run_id[CLR_RESULTS_ID_LEN])
{
    if (!db || !m || !result_json || !run_id)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "results store: storing a run needs a machine and a result");
    run_id[0] = '\0';
    cJSON *doc = cJSON_Parse(result_json), *labels = NULL;
    char *doc_text = NULL, *labels_text = NULL;
    clrelu_status st = CLRELU_OK;
    const char *schema = jstr(doc, "schema");
    if (!cJSON_IsObject(doc) || !schema || strcmp(schema, "clrelu-bench/1") != 0 ||
        !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(doc, "cases"))) {
        st = clrelu_set_error(CLRELU_ERR_INVALID_ARG, "result JSON is not a clrelu-bench/1 document with cases");
        goto out;
    }
    if (!(labels = merged_labels(m, labels_json))) {
        st = clrelu_set_error(CLRELU_ERR_INVALID_ARG, "labels must be JSON objects of strings");
        goto out;
    }
    doc_text = cJSON_PrintUnformatted(doc);
    labels_text = cJSON_PrintUnformatted(labels);
    if (!doc_text || !labels_text) {
        st = clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "results store: out of memory");
        goto out;
    }
    uint64_t now = clr_results_now_ms();
    if ((st = clr_results_upsert_machine(db, m, now, false)) != CLRELU_OK)
        goto out;
    char id[CLR_RESULTS_ID_LEN], cb[24];
    clr_results_new_id(id, "r-");
    const char *version = jstr(cJSON_GetObjectItemCaseSensitive(doc, "meta"), "clrelu_version");
    const char *p[9] = {id,      clr_results_u64(cb, created_ms ? created_ms : now),
                        m->id,   job_id,
                        version && *version ? version : m->clrelu_version,
                        run_status(doc), doc_text, labels_text, m->build};
    st = clr_results_exec(db,
                          "INSERT INTO runs (id, created_ms, machine_id, job_id, clrelu_version, status, result, labels, build)"
                          " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                          9, p, NULL);
    const cJSON *c;
    cJSON_ArrayForEach(c, (st == CLRELU_OK ? cJSON_GetObjectItemCaseSensitive(doc, "cases") : NULL))
    {
        if ((st = insert_case(db, id, doc, c)) != CLRELU_OK)
            goto out;
    }
    const cJSON *l;
    cJSON_ArrayForEach(l, (st == CLRELU_OK ? labels : NULL))
    {
        const char *lp[3] = {id, l->string, l->valuestring};
        if ((st = clr_results_exec(db, "INSERT INTO run_labels (run_id, key, value) VALUES ($1, $2, $3)", 3, lp,
                                   NULL)) != CLRELU_OK)
            goto out;
    }
    if (st == CLRELU_OK)
        snprintf(run_id, CLR_RESULTS_ID_LEN, "%s", id);
out:
    cJSON_Delete(doc);
    cJSON_Delete(labels);
    free(doc_text);
    free(labels_text);
    return st;
}

clrelu_status clrelu_results_put_run(clrelu_results *db, const clrelu_machine *m, const char *labels_json,
                                     const char *job_id, const char *result_json, char run_id[64])
{
    if (!db || !run_id)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "clrelu_results_put_run: NULL argument");
    char id[CLR_RESULTS_ID_LEN];
    clrelu_status st = clr_results_begin(db, true);
    if (st != CLRELU_OK)
        return st;
    if ((st = clr_results_store_run(db, m, labels_json, job_id, result_json, 0, id)) != CLRELU_OK) {
        clr_results_rollback(db);
        return st;
    }
    if ((st = clr_results_commit(db)) != CLRELU_OK)
        return st;
    snprintf(run_id, 64, "%s", id);
    return CLRELU_OK;
}

/* ---- listing --------------------------------------------------------------------------------- */

/* A statement under construction: SQL text and up to 24 parameters (copies it owns). */
typedef struct {
    char sql[4096];
    const char *p[24];
    char own[24][300];
    int n;
} query;

/* Add a parameter and append fmt to the SQL with every "$?" replaced by its number. */
static void q_param(query *q, const char *fmt, const char *value)
{
    int k = q->n++;
    snprintf(q->own[k], sizeof q->own[k], "%s", value);
    q->p[k] = q->own[k];
    size_t len = strlen(q->sql);
    for (const char *f = fmt; *f && len + 4 < sizeof q->sql; f++) {
        if (f[0] == '$' && f[1] == '?') {
            len += (size_t)snprintf(q->sql + len, sizeof q->sql - len, "$%d", k + 1);
            f++;
        } else {
            q->sql[len++] = *f;
            q->sql[len] = '\0';
        }
    }
}

static void q_text(query *q, const char *text)
{
    size_t len = strlen(q->sql);
    snprintf(q->sql + len, sizeof q->sql - len, "%s", text);
}

static void q_u64(query *q, const char *fmt, uint64_t v)
{
    char b[24];
    q_param(q, fmt, clr_results_u64(b, v));
}

/* The case filters of f (device, op, dtype, size range) as one EXISTS clause, when any is set. */
static void case_filters(query *q, const clrelu_results_filter *f)
{
    if (!f->device && !f->op && !f->dtype && !f->min_elements && !f->max_elements)
        return;
    q_text(q, " AND EXISTS (SELECT 1 FROM cases c WHERE c.run_id = r.id");
    if (f->device) {
        char like[300];
        snprintf(like, sizeof like, "%%%s%%", f->device);
        q_param(q, " AND (c.device_id = $?", f->device);
        q_param(q, " OR lower(c.device_name) LIKE lower($?))", like);
    }
    if (f->op)
        q_param(q, " AND c.op = $?", f->op);
    if (f->dtype)
        q_param(q, " AND c.dtype = $?", f->dtype);
    if (f->min_elements)
        q_u64(q, " AND c.elements >= $?", f->min_elements);
    if (f->max_elements)
        q_u64(q, " AND c.elements <= $?", f->max_elements);
    q_text(q, ")");
}

static bool too_long(const char *s) { return s && strlen(s) >= 256; }

/* Devices and case counts of a page's runs, into each run object: one statement per 20 runs. */
static clrelu_status add_devices(clrelu_results *db, cJSON *runs)
{
    int n = cJSON_GetArraySize(runs);
    cJSON **items = malloc((size_t)(n ? n : 1) * sizeof *items);
    if (!items)
        return clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "results list: out of memory");
    int k = 0;
    cJSON *r;
    cJSON_ArrayForEach(r, runs) items[k++] = r;
    clrelu_status st = CLRELU_OK;
    for (int first = 0; st == CLRELU_OK && first < n; first += 20) {
        int last = first + 20 < n ? first + 20 : n;
        query q = {.n = 0};
        q_text(&q, "SELECT run_id, device_id, device_name, count(*) FROM cases WHERE run_id IN (");
        for (int i = first; i < last; i++)
            q_param(&q, i > first ? ", $?" : "$?", jstr(items[i], "id"));
        q_text(&q, ") GROUP BY run_id, device_id, device_name ORDER BY run_id, device_id");
        db_rows rows;
        if ((st = clr_results_exec(db, q.sql, q.n, q.p, &rows)) != CLRELU_OK)
            break;
        for (int i = first; i < last; i++) {
            cJSON *devs = cJSON_AddArrayToObject(items[i], "devices");
            double cases = 0;
            for (int j = 0; devs && j < rows.n_rows; j++) {
                if (strcmp(db_cell(&rows, j, 0), jstr(items[i], "id")) != 0)
                    continue;
                cJSON *d = cJSON_CreateObject();
                cJSON_AddStringToObject(d, "id", db_cell(&rows, j, 1));
                cJSON_AddStringToObject(d, "name", db_cell(&rows, j, 2));
                cJSON_AddItemToArray(devs, d);
                cases += strtod(db_cell(&rows, j, 3), NULL);
            }
            cJSON_AddNumberToObject(items[i], "n_cases", cases);
        }
        db_rows_clear(&rows);
    }
    free(items);
    return st;
}

clrelu_status clrelu_results_list(clrelu_results *db, const clrelu_results_filter *filter, char **json)
{
    static const clrelu_results_filter none = {0};
    const clrelu_results_filter *f = filter ? filter : &none;
    if (!db || !json)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "clrelu_results_list: NULL argument");
    *json = NULL;
    if (f->limit < 0)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "results list: negative page size");
    int limit = f->limit ? (f->limit > 1000 ? 1000 : f->limit) : 50;
    if (too_long(f->machine) || too_long(f->device) || too_long(f->op) || too_long(f->dtype) || too_long(f->label) ||
        too_long(f->job) || too_long(f->cursor))
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "results list: a filter is longer than 255 bytes");
    query q = {.n = 0};
    q_text(&q, "SELECT r.id, r.created_ms, r.machine_id, m.hostname, r.job_id, r.labels, r.clrelu_version, r.status"
               " FROM runs r JOIN machines m ON m.id = r.machine_id WHERE 1 = 1");
    if (f->machine) {
        q_param(&q, " AND (r.machine_id = $?", f->machine);
        q_param(&q, " OR m.hostname = $?)", f->machine);
    }
    if (f->job)
        q_param(&q, " AND r.job_id = $?", f->job);
    if (f->label) {
        const char *eq = strchr(f->label, '=');
        if (!eq || eq == f->label)
            return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "results list: label filter '%s' is not key=value", f->label);
        char key[256];
        snprintf(key, sizeof key, "%.*s", (int)(eq - f->label), f->label);
        q_param(&q, " AND EXISTS (SELECT 1 FROM run_labels l WHERE l.run_id = r.id AND l.key = $?", key);
        q_param(&q, " AND l.value = $?)", eq + 1);
    }
    if (f->since_ms)
        q_u64(&q, " AND r.created_ms >= $?", f->since_ms);
    if (f->until_ms)
        q_u64(&q, " AND r.created_ms <= $?", f->until_ms);
    case_filters(&q, f);
    if (f->cursor) {
        char *end = NULL;
        unsigned long long at = strtoull(f->cursor, &end, 10);
        if (end == f->cursor || *end != ':' || !end[1])
            return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "results list: bad cursor '%s' (expected the previous page's next)",
                                    f->cursor);
        q_u64(&q, " AND (r.created_ms < $?", at);
        q_u64(&q, " OR (r.created_ms = $?", at);
        q_param(&q, " AND r.id < $?))", end + 1);
    }
    char tail[96];
    snprintf(tail, sizeof tail, " ORDER BY r.created_ms DESC, r.id DESC LIMIT %d", limit + 1);
    q_text(&q, tail);
    db_rows rows;
    clrelu_status st = clr_results_exec(db, q.sql, q.n, q.p, &rows);
    if (st != CLRELU_OK)
        return st;
    cJSON *out = cJSON_CreateObject(), *runs = cJSON_AddArrayToObject(out, "runs");
    int shown = rows.n_rows > limit ? limit : rows.n_rows;
    for (int i = 0; runs && i < shown; i++) {
        cJSON *o = cJSON_CreateObject(), *mach = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", db_cell(&rows, i, 0));
        clr_results_add_num_cell(o, "created_ms", db_cell(&rows, i, 1));
        cJSON_AddStringToObject(mach, "id", db_cell(&rows, i, 2));
        cJSON_AddStringToObject(mach, "hostname", db_cell(&rows, i, 3));
        cJSON_AddItemToObject(o, "machine", mach);
        add_str_cell(o, "job", db_cell(&rows, i, 4));
        cJSON_AddItemToObject(o, "labels", clr_results_json_cell(db_cell(&rows, i, 5), "{}"));
        add_str_cell(o, "clrelu_version", db_cell(&rows, i, 6));
        add_str_cell(o, "status", db_cell(&rows, i, 7));
        cJSON_AddItemToArray(runs, o);
    }
    if (rows.n_rows > limit) {
        char next[CLR_RESULTS_ID_LEN + 32];
        snprintf(next, sizeof next, "%s:%s", db_cell(&rows, limit - 1, 1), db_cell(&rows, limit - 1, 0));
        cJSON_AddStringToObject(out, "next", next);
    } else {
        cJSON_AddNullToObject(out, "next");
    }
    db_rows_clear(&rows);
    if (out && (st = add_devices(db, runs)) != CLRELU_OK) {
        cJSON_Delete(out);
        return st;
    }
    return finish_json(out, json, "clrelu_results_list");
}

/* ---- one run --------------------------------------------------------------------------------- */

clrelu_status clrelu_results_get(clrelu_results *db, const char *run_id, char **json)
{
    if (!db || !run_id || !json)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "clrelu_results_get: NULL argument");
    *json = NULL;
    db_rows r;
    clrelu_status st = clr_results_exec(
        db,
        "SELECT r.id, r.created_ms, r.labels, r.job_id, r.status, r.clrelu_version, r.build, r.result,"
        " m.id, m.hostname, m.cpu_model, m.memory_bytes, m.cpus, m.kernel, m.os, m.clrelu_version, m.build, m.labels,"
        " m.devices FROM runs r JOIN machines m ON m.id = r.machine_id WHERE r.id = $1",
        1, &run_id, &r);
    if (st != CLRELU_OK)
        return st;
    if (r.n_rows != 1) {
        db_rows_clear(&r);
        return clrelu_set_error(CLRELU_ERR_NOT_FOUND, "no run '%.100s' in the results store", run_id);
    }
    cJSON *out = cJSON_CreateObject(), *m = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "id", db_cell(&r, 0, 0));
    clr_results_add_num_cell(out, "created_ms", db_cell(&r, 0, 1));
    static const char *const mtext[] = {"id", "hostname", "cpu_model"};
    for (int i = 0; i < 3; i++)
        add_str_cell(m, mtext[i], db_cell(&r, 0, 8 + i));
    clr_results_add_num_cell(m, "memory_bytes", db_cell(&r, 0, 11));
    clr_results_add_num_cell(m, "cpus", db_cell(&r, 0, 12));
    static const char *const mmore[] = {"kernel", "os", "clrelu_version", "build"};
    for (int i = 0; i < 4; i++)
        add_str_cell(m, mmore[i], db_cell(&r, 0, 13 + i));
    cJSON_AddItemToObject(m, "labels", clr_results_json_cell(db_cell(&r, 0, 17), "{}"));
    cJSON_AddItemToObject(m, "devices", clr_results_json_cell(db_cell(&r, 0, 18), "[]"));
    cJSON_AddItemToObject(out, "machine", m);
    cJSON_AddItemToObject(out, "labels", clr_results_json_cell(db_cell(&r, 0, 2), "{}"));
    add_str_cell(out, "job", db_cell(&r, 0, 3));
    add_str_cell(out, "status", db_cell(&r, 0, 4));
    add_str_cell(out, "clrelu_version", db_cell(&r, 0, 5));
    add_str_cell(out, "build", db_cell(&r, 0, 6));
    cJSON_AddItemToObject(out, "result", clr_results_json_cell(db_cell(&r, 0, 7), "null"));
    db_rows_clear(&r);
    return finish_json(out, json, "clrelu_results_get");
}

/* ---- history --------------------------------------------------------------------------------- */

clrelu_status clrelu_results_history(clrelu_results *db, const clrelu_results_case_key *k, char **json)
{
    if (!db || !k || !json)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "clrelu_results_history: NULL argument");
    *json = NULL;
    if (!k->op || !k->dtype || !k->elements)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "results history: op, dtype and elements are required");
    if (too_long(k->machine) || too_long(k->device) || too_long(k->op) || too_long(k->dtype) ||
        too_long(k->direction) || too_long(k->placement))
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "results history: a key field is longer than 255 bytes");
    if (k->limit < 0)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "results history: negative limit");
    int limit = k->limit ? (k->limit > 10000 ? 10000 : k->limit) : 200;
    /* The points in a subquery, their labels joined from run_labels outside it: reading
     * runs.labels would walk each run's stored document (a column before it) on SQLite. */
    query q = {.n = 0};
    q_text(&q, "SELECT p.id, p.created_ms, p.machine_id, p.hostname, p.device_id, p.device_name, p.clrelu_version,"
               " p.median_ns, p.spread, p.gbps_median, p.pct_of_copy, p.status, l.key, l.value FROM"
               " (SELECT r.id AS id, r.created_ms AS created_ms, r.machine_id AS machine_id, m.hostname AS hostname,"
               " c.device_id AS device_id, c.device_name AS device_name, r.clrelu_version AS clrelu_version,"
               " c.median_ns AS median_ns, c.spread AS spread, c.gbps_median AS gbps_median,"
               " c.pct_of_copy AS pct_of_copy, c.status AS status"
               " FROM cases c JOIN runs r ON r.id = c.run_id JOIN machines m ON m.id = r.machine_id WHERE");
    q_param(&q, " c.op = $?", k->op);
    q_param(&q, " AND c.dtype = $?", k->dtype);
    q_u64(&q, " AND c.elements = $?", k->elements);
    q_param(&q, " AND c.direction = $?", k->direction ? k->direction : "forward");
    q_param(&q, " AND c.placement = $?", k->placement ? k->placement : "out");
    if (k->device)
        q_param(&q, " AND c.device_id = $?", k->device);
    if (k->machine) {
        q_param(&q, " AND (r.machine_id = $?", k->machine);
        q_param(&q, " OR m.hostname = $?)", k->machine);
    }
    if (k->since_ms)
        q_u64(&q, " AND r.created_ms >= $?", k->since_ms);
    if (k->until_ms)
        q_u64(&q, " AND r.created_ms <= $?", k->until_ms);
    char tail[256];
    snprintf(tail, sizeof tail,
             " ORDER BY r.created_ms DESC, r.id DESC, c.device_id LIMIT %d) p"
             " LEFT JOIN run_labels l ON l.run_id = p.id ORDER BY p.created_ms DESC, p.id DESC, p.device_id, l.key",
             limit);
    q_text(&q, tail);
    db_rows rows;
    clrelu_status st = clr_results_exec(db, q.sql, q.n, q.p, &rows);
    if (st != CLRELU_OK)
        return st;
    /* first[i]: the first row of point i (newest first); a point's rows carry one label each */
    int *first = malloc(((size_t)rows.n_rows + 1) * sizeof *first), n = 0;
    if (!first) {
        db_rows_clear(&rows);
        return clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "clrelu_results_history: out of memory");
    }
    for (int i = 0; i < rows.n_rows; i++)
        if (i == 0 || strcmp(db_cell(&rows, i, 0), db_cell(&rows, i - 1, 0)) != 0 ||
            strcmp(db_cell(&rows, i, 4), db_cell(&rows, i - 1, 4)) != 0)
            first[n++] = i;
    first[n] = rows.n_rows;
    cJSON *out = cJSON_CreateObject(), *points = cJSON_AddArrayToObject(out, "points");
    /* oldest first; each point against the previous point of the same machine and device */
    for (int pi = n - 1; points && pi >= 0; pi--) {
        int i = first[pi];
        cJSON *o = cJSON_CreateObject(), *mach = cJSON_CreateObject(), *dev = cJSON_CreateObject();
        cJSON *labels = cJSON_CreateObject();
        const char *median = db_cell(&rows, i, 7), *spread = db_cell(&rows, i, 8);
        cJSON_AddStringToObject(o, "run", db_cell(&rows, i, 0));
        clr_results_add_num_cell(o, "created_ms", db_cell(&rows, i, 1));
        cJSON_AddStringToObject(mach, "id", db_cell(&rows, i, 2));
        cJSON_AddStringToObject(mach, "hostname", db_cell(&rows, i, 3));
        cJSON_AddItemToObject(o, "machine", mach);
        cJSON_AddStringToObject(dev, "id", db_cell(&rows, i, 4));
        cJSON_AddStringToObject(dev, "name", db_cell(&rows, i, 5));
        cJSON_AddItemToObject(o, "device", dev);
        add_str_cell(o, "clrelu_version", db_cell(&rows, i, 6));
        for (int r = i; r < first[pi + 1]; r++)
            if (db_cell(&rows, r, 12) && db_cell(&rows, r, 13))
                cJSON_AddStringToObject(labels, db_cell(&rows, r, 12), db_cell(&rows, r, 13));
        cJSON_AddItemToObject(o, "labels", labels);
        add_str_cell(o, "status", db_cell(&rows, i, 11));
        clr_results_add_num_cell(o, "median_ns", median);
        clr_results_add_num_cell(o, "spread", spread);
        clr_results_add_num_cell(o, "gbps_median", db_cell(&rows, i, 9));
        clr_results_add_num_cell(o, "pct_of_copy", db_cell(&rows, i, 10));
        int prev = -1;
        for (int pj = pi + 1; pj < n && prev < 0; pj++) {
            int j = first[pj];
            if (!strcmp(db_cell(&rows, j, 2), db_cell(&rows, i, 2)) && !strcmp(db_cell(&rows, j, 4), db_cell(&rows, i, 4)) &&
                db_cell(&rows, j, 7))
                prev = j;
        }
        double ratio = 0;
        clr_verdict v = CLR_VERDICT_NONE;
        if (prev >= 0 && median) {
            const char *ps = db_cell(&rows, prev, 8);
            v = clr_results_verdict(strtod(db_cell(&rows, prev, 7), NULL), ps ? strtod(ps, NULL) : 0,
                                    strtod(median, NULL), spread ? strtod(spread, NULL) : 0, &ratio);
        }
        if (v != CLR_VERDICT_NONE) {
            cJSON_AddStringToObject(o, "verdict", clr_verdict_name(v));
            cJSON_AddNumberToObject(o, "ratio", ratio);
        } else {
            cJSON_AddNullToObject(o, "verdict");
            cJSON_AddNullToObject(o, "ratio");
        }
        cJSON_AddItemToArray(points, o);
    }
    free(first);
    db_rows_clear(&rows);
    return finish_json(out, json, "clrelu_results_history");
}
