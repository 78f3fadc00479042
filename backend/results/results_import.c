/* results_import.c: a results directory of the JSON-file era into the store — each job or result file once, the files left in place. */
#include "results/results_store.h"

#include "core/backend.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* The whole file as a NUL-terminated string (malloc'd), or NULL. */
static char *read_text(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) != NULL) {
        if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        } else {
            buf[n] = '\0';
            *len = (size_t)n;
        }
    }
    fclose(f);
    return buf;
}

static const char *jstr(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double jnum(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : 0.0;
}

static bool is_bench(const cJSON *o)
{
    const char *s = jstr(o, "schema");
    return s && !strcmp(s, "clrelu-bench/1");
}

/* meta.timestamp ("2026-12-06T03:27:46Z") as Unix ms; 0 when absent or unreadable. */
static uint64_t timestamp_ms(const cJSON *doc)
{
    const char *t = jstr(cJSON_GetObjectItemCaseSensitive(doc, "meta"), "timestamp");
    struct tm tm = {0};
    if (!t || sscanf(t, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                     &tm.tm_sec) != 6)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t s = timegm(&tm);
    return s > 0 ? (uint64_t)s * 1000u : 0;
}

/* A job file as the server saved it: a finished job, its one part (on machine m) and its run. */
static clrelu_status import_job(clrelu_results *db, const clrelu_machine *m, const char *path, const cJSON *o,
                                char run_id[CLR_RESULTS_ID_LEN])
{
    const char *id = jstr(o, "id"), *status = jstr(o, "status");
    db_rows r;
    clrelu_status st = clr_results_exec(db, "SELECT 1 FROM jobs WHERE id = $1", 1, &id, &r);
    bool exists = st == CLRELU_OK && r.n_rows > 0;
    db_rows_clear(&r);
    if (st != CLRELU_OK || exists)
        return st; /* the same job imported from another path: recorded, not doubled */
    uint64_t created = (uint64_t)jnum(o, "created_ms"), started = (uint64_t)jnum(o, "started_ms"),
             finished = (uint64_t)jnum(o, "finished_ms");
    /* saved while queued or running by an older server: it never resumed (bench_store.c) */
    const char *state = status && (!strcmp(status, "done") || !strcmp(status, "failed")) ? status : "cancelled";
    char *request = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(o, "request"));
    char cb[24];
    const char *pj[3] = {id, clr_results_u64(cb, created ? created : clr_results_now_ms()), request ? request : "{}"};
    st = clr_results_exec(db, "INSERT INTO jobs (id, created_ms, request) VALUES ($1, $2, $3)", 3, pj, NULL);
    free(request);
    if (st != CLRELU_OK)
        return st;
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(o, "results");
    char *res_text = is_bench(res) ? cJSON_PrintUnformatted(res) : NULL;
    if (res_text) {
        st = clr_results_store_run(db, m, NULL, id, res_text, finished ? finished : created, run_id);
        free(res_text);
        if (st != CLRELU_OK)
            return st;
    }
    /* the CSV the server wrote next to it: <id>.csv */
    char csv_path[PATH_MAX];
    snprintf(csv_path, sizeof csv_path, "%.*s.csv", (int)(strlen(path) - 5), path);
    size_t csv_len = 0;
    char *csv = run_id[0] ? read_text(csv_path, &csv_len) : NULL;
    const cJSON *prog = cJSON_GetObjectItemCaseSensitive(o, "progress");
    char sb[24], fb[24], db_[24], tb[24], eb[32];
    const char *err = jstr(o, "error");
    const char *pp[11] = {id,
                          m->id,
                          state,
                          started ? clr_results_u64(sb, started) : NULL,
                          finished ? clr_results_u64(fb, finished) : NULL,
                          clr_results_u64(db_, (uint64_t)jnum(prog, "done")),
                          clr_results_u64(tb, (uint64_t)jnum(prog, "total")),
                          clr_results_dbl(eb, jnum(prog, "elapsed_s")),
                          err,
                          run_id[0] ? run_id : NULL,
                          csv};
    st = clr_results_exec(db,
                          "INSERT INTO job_parts (job_id, part, machine_id, state, attempts, started_ms, finished_ms,"
                          " done, total, elapsed_s, error, run_id, result_csv)"
                          " VALUES ($1, 0, $2, $3, 1, $4, $5, $6, $7, $8, $9, $10, $11)",
                          11, pp, NULL);
    free(csv);
    return st;
}

/* One file in its own transaction: imported (and recorded in imports) or left alone. *counted
 * true when it added a run. */
static clrelu_status import_file(clrelu_results *db, const clrelu_machine *m, const char *path, bool *counted)
{
    *counted = false;
    char key[PATH_MAX];
    if (!realpath(path, key))
        snprintf(key, sizeof key, "%s", path);
    const char *pk = key;
    db_rows r;
    clrelu_status st = clr_results_exec(db, "SELECT 1 FROM imports WHERE path = $1", 1, &pk, &r);
    bool done = st == CLRELU_OK && r.n_rows > 0;
    db_rows_clear(&r);
    if (st != CLRELU_OK || done)
        return st;
    size_t len = 0;
    char *text = read_text(path, &len);
    cJSON *o = text ? cJSON_ParseWithLength(text, len) : NULL;
    free(text);
    bool job = o && jstr(o, "id") && jstr(o, "status");
    if (!job && !is_bench(o)) {
        cJSON_Delete(o);
        return CLRELU_OK; /* not a file of ours: nothing recorded, so a later build may read it */
    }
    char run_id[CLR_RESULTS_ID_LEN] = "";
    if ((st = clr_results_begin(db, true)) != CLRELU_OK) {
        cJSON_Delete(o);
        return st;
    }
    if (job) {
        st = import_job(db, m, path, o, run_id);
    } else {
        uint64_t at = timestamp_ms(o);
        struct stat sb;
        if (!at && stat(path, &sb) == 0)
            at = (uint64_t)sb.st_mtime * 1000u;
        char *res = cJSON_PrintUnformatted(o);
        st = res ? clr_results_store_run(db, m, NULL, NULL, res, at, run_id)
                 : clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "import: out of memory");
        free(res);
    }
    cJSON_Delete(o);
    char nb[24];
    const char *pi[3] = {key, clr_results_u64(nb, clr_results_now_ms()), run_id[0] ? run_id : NULL};
    if (st == CLRELU_OK)
        st = clr_results_exec(db, "INSERT INTO imports (path, imported_ms, run_id) VALUES ($1, $2, $3)", 3, pi, NULL);
    if (st != CLRELU_OK) {
        char msg[1200];
        snprintf(msg, sizeof msg, "%s", clrelu_last_error());
        clr_results_rollback(db);
        return clrelu_set_error(st, "importing %s: %s", path, msg);
    }
    if ((st = clr_results_commit(db)) == CLRELU_OK)
        *counted = run_id[0] != '\0';
    return st;
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

clrelu_status clrelu_results_import_dir(clrelu_results *db, const clrelu_machine *m, const char *dir, int *imported)
{
    if (imported)
        *imported = 0;
    if (!db || !m || !dir)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "clrelu_results_import_dir: NULL argument");
    DIR *d = opendir(dir);
    if (!d)
        return clrelu_set_error(CLRELU_ERR_IO, "import: cannot read the directory %s", dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    clrelu_status st = CLRELU_OK;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len < 6 || strcmp(e->d_name + len - 5, ".json") != 0 || strstr(e->d_name, ".tmp."))
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            char **grown = realloc(names, ncap * sizeof *grown);
            if (!grown) {
                st = clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "import: out of memory");
                break;
            }
            names = grown;
            cap = ncap;
        }
        if (!(names[n] = strdup(e->d_name))) {
            st = clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "import: out of memory");
            break;
        }
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; st == CLRELU_OK && i < n; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        bool counted = false;
        st = import_file(db, m, path, &counted);
        if (counted && imported)
            (*imported)++;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return st;
}
