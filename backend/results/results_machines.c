/* results_machines.c: what a machine is (describe, labels) and the machines table (upsert, heartbeat, list). */
#include "results/results_store.h"

#include "core/backend.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

/* ---- describe ------------------------------------------------------------------------------- */

/* The value of the first line of path that starts with key (after the separator sep and blanks,
 * without quotes or the newline) into buf; false when absent. */
static bool file_value(const char *path, const char *key, char sep, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char line[1024];
    size_t klen = strlen(key);
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        if (strncmp(line, key, klen) != 0)
            continue;
        char *v = line + klen;
        while (*v == ' ' || *v == '\t')
            v++;
        if (*v != sep)
            continue;
        v++;
        while (*v == ' ' || *v == '\t' || *v == '"')
            v++;
        size_t n = strcspn(v, "\"\n");
        snprintf(buf, len, "%.*s", (int)n, v);
        found = true;
    }
    fclose(f);
    return found;
}

/* 64-bit FNV-1a, continued from h. */
static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ull;
    }
    return h;
}

/* The stable id: $CLRELU_MACHINE_ID, else a hash of /etc/machine-id and the hostname. */
static void default_id(char id[65], const char *hostname)
{
    const char *env = getenv("CLRELU_MACHINE_ID");
    if (env && *env) {
        snprintf(id, 65, "%s", env);
        return;
    }
    char mid[128] = "";
    FILE *f = fopen("/etc/machine-id", "r");
    if (f) {
        if (!fgets(mid, sizeof mid, f))
            mid[0] = '\0';
        fclose(f);
        mid[strcspn(mid, "\n")] = '\0';
    }
    uint64_t h = fnv1a(fnv1a(0xcbf29ce484222325ull, mid), "\n");
    h = fnv1a(h, hostname);
    snprintf(id, 65, "m-%016llx", (unsigned long long)h);
}

static void build_string(char *buf, size_t len)
{
#if defined(__clang__)
    const char *cc = "clang " __clang_version__;
#elif defined(__GNUC__)
    const char *cc = "gcc " __VERSION__;
#else
    const char *cc = "cc";
#endif
#ifdef CLRELU_BUILD_TYPE
    const char *type = CLRELU_BUILD_TYPE;
#else
    const char *type = "";
#endif
#ifdef CLRELU_BUILD_SANITIZE
    const char *san = CLRELU_BUILD_SANITIZE;
#else
    const char *san = "";
#endif
#ifdef CLRELU_HAVE_OPENCL
    const char *ocl = "opencl";
#else
    const char *ocl = "no-opencl";
#endif
    snprintf(buf, len, "%s; %s; %s%s%s", cc, *type ? type : "default build type", ocl, *san ? "; sanitize=" : "", san);
}

static cJSON *devices_of(clrelu_context *ctx)
{
    cJSON *arr = cJSON_CreateArray();
    int n = ctx ? clrelu_device_count(ctx) : 0;
    for (int i = 0; arr && i < n; i++) {
        const clrelu_device_info *d = clrelu_device_get_info(clrelu_device_at(ctx, i));
        cJSON *o = d ? cJSON_CreateObject() : NULL;
        if (!o)
            continue;
        cJSON_AddStringToObject(o, "id", d->id);
        cJSON_AddStringToObject(o, "name", d->name);
        cJSON_AddStringToObject(o, "type", clrelu_device_type_name(d->type));
        cJSON_AddStringToObject(o, "backend", d->backend ? d->backend : "");
        cJSON_AddStringToObject(o, "platform", d->platform);
        cJSON_AddStringToObject(o, "vendor", d->vendor);
        cJSON_AddStringToObject(o, "driver", d->driver_version);
        cJSON_AddStringToObject(o, "device_version", d->device_version);
        cJSON_AddNumberToObject(o, "compute_units", d->compute_units);
        cJSON_AddNumberToObject(o, "global_mem_bytes", (double)d->global_mem_bytes);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

/* An object of strings (the labels rule), as a new cJSON; NULL when text is not one. */
static cJSON *parse_labels(const char *text)
{
    cJSON *o = cJSON_Parse(text && *text ? text : "{}");
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return NULL;
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, o)
    {
        if (!cJSON_IsString(e)) {
            cJSON_Delete(o);
            return NULL;
        }
    }
    return o;
}

clrelu_status clrelu_machine_describe(clrelu_context *ctx, const char *machine_id, const char *labels_json,
                                      clrelu_machine *m)
{
    if (!m)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "clrelu_machine_describe: m is NULL");
    memset(m, 0, sizeof *m);
    cJSON *labels = parse_labels(labels_json);
    if (!labels)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "machine labels must be a JSON object of strings, not '%.80s'",
                                labels_json);
    if (gethostname(m->hostname, sizeof m->hostname - 1) != 0)
        snprintf(m->hostname, sizeof m->hostname, "unknown");
    if (machine_id && *machine_id) {
        if (strlen(machine_id) >= sizeof m->id) {
            cJSON_Delete(labels);
            return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "machine id longer than %zu bytes", sizeof m->id - 1);
        }
        snprintf(m->id, sizeof m->id, "%s", machine_id);
    } else {
        default_id(m->id, m->hostname);
    }
    if (!file_value("/proc/cpuinfo", "model name", ':', m->cpu_model, sizeof m->cpu_model))
        snprintf(m->cpu_model, sizeof m->cpu_model, "unknown");
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    m->memory_bytes = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    m->cpus = cpus > 0 ? (unsigned)cpus : 0;
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(m->kernel, sizeof m->kernel, "%.20s %.70s %.20s", u.sysname, u.release, u.machine);
    if (!file_value("/etc/os-release", "PRETTY_NAME", '=', m->os, sizeof m->os))
        snprintf(m->os, sizeof m->os, "%s", u.sysname);
    snprintf(m->clrelu_version, sizeof m->clrelu_version, "%s", CLRELU_VERSION);
    build_string(m->build, sizeof m->build);
    cJSON *devs = devices_of(ctx);
    m->labels_json = cJSON_PrintUnformatted(labels);
    m->devices_json = devs ? cJSON_PrintUnformatted(devs) : NULL;
    cJSON_Delete(labels);
    cJSON_Delete(devs);
    if (!m->labels_json || !m->devices_json) {
        clrelu_machine_clear(m);
        return clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "clrelu_machine_describe: out of memory");
    }
    return CLRELU_OK;
}

void clrelu_machine_clear(clrelu_machine *m)
{
    if (!m)
        return;
    free(m->labels_json);
    free(m->devices_json);
    m->labels_json = m->devices_json = NULL;
}

clrelu_status clrelu_label_add(char **labels_json, const char *key_eq_value)
{
    if (!labels_json || !key_eq_value)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "clrelu_label_add: NULL argument");
    const char *eq = strchr(key_eq_value, '=');
    size_t klen = eq ? (size_t)(eq - key_eq_value) : 0;
    if (!eq || klen < 1 || klen > 63)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "label '%.80s': expected key=value with a key of 1 to 63 characters",
                                key_eq_value);
    for (size_t i = 0; i < klen; i++) {
        char c = key_eq_value[i];
        if (!isalnum((unsigned char)c) && c != '_' && c != '.' && c != '-')
            return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "label '%.80s': a key holds only A-Z a-z 0-9 _ . -",
                                    key_eq_value);
    }
    if (strlen(eq + 1) > 255)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "label '%.*s': the value is longer than 255 bytes", (int)klen,
                                key_eq_value);
    cJSON *o = parse_labels(*labels_json);
    if (!o)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "labels must be a JSON object of strings, not '%.80s'",
                                *labels_json);
    char key[64];
    snprintf(key, sizeof key, "%.*s", (int)klen, key_eq_value);
    cJSON *v = cJSON_CreateString(eq + 1);
    bool ok = v && (cJSON_GetObjectItemCaseSensitive(o, key) ? cJSON_ReplaceItemInObjectCaseSensitive(o, key, v)
                                                             : cJSON_AddItemToObject(o, key, v));
    if (!ok)
        cJSON_Delete(v);
    char *text = ok ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (!text)
        return clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "clrelu_label_add: out of memory");
    free(*labels_json);
    *labels_json = text;
    return CLRELU_OK;
}

/* ---- the machines table ---------------------------------------------------------------------- */

clrelu_status clr_results_upsert_machine(clrelu_results *db, const clrelu_machine *m, uint64_t now_ms, bool heartbeat)
{
    if (!db || !m || !m->id[0])
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "results store: a machine with an id is required");
    char mem[24], cpus[24], now[24];
    const char *p[12] = {m->id, m->hostname, m->cpu_model, clr_results_u64(mem, m->memory_bytes),
                         clr_results_u64(cpus, m->cpus), m->kernel, m->os, m->clrelu_version, m->build,
                         m->labels_json ? m->labels_json : "{}", m->devices_json ? m->devices_json : "[]",
                         clr_results_u64(now, now_ms)};
    /* last_seen_ms is the last heartbeat of a daemon on the machine (0: none yet): storing a run
     * does not make a machine look alive, or a fan-out would wait on a machine that serves nothing.
     * A heartbeat sets the labels (the daemon's --label list is the truth, none clears them); a run
     * stored without labels (clrelu bench) keeps the ones the machine has. */
    return clr_results_exec(db, heartbeat ?
                            "INSERT INTO machines (id, hostname, cpu_model, memory_bytes, cpus, kernel, os, clrelu_version,"
                            " build, labels, devices, first_seen_ms, last_seen_ms)"
                            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)"
                            " ON CONFLICT (id) DO UPDATE SET hostname = excluded.hostname, cpu_model = excluded.cpu_model,"
                            " memory_bytes = excluded.memory_bytes, cpus = excluded.cpus, kernel = excluded.kernel,"
                            " os = excluded.os, clrelu_version = excluded.clrelu_version, build = excluded.build,"
                            " labels = excluded.labels, devices = excluded.devices, last_seen_ms = excluded.last_seen_ms"
                            :
                            "INSERT INTO machines (id, hostname, cpu_model, memory_bytes, cpus, kernel, os, clrelu_version,"
                            " build, labels, devices, first_seen_ms, last_seen_ms)"
                            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0)"
                            " ON CONFLICT (id) DO UPDATE SET hostname = excluded.hostname, cpu_model = excluded.cpu_model,"
                            " memory_bytes = excluded.memory_bytes, cpus = excluded.cpus, kernel = excluded.kernel,"
                            " os = excluded.os, clrelu_version = excluded.clrelu_version, build = excluded.build,"
                            " labels = CASE WHEN excluded.labels = '{}' THEN machines.labels ELSE excluded.labels END,"
                            " devices = excluded.devices",
                            12, p, NULL);
}

clrelu_status clrelu_results_heartbeat(clrelu_results *db, const clrelu_machine *m)
{
    return clr_results_upsert_machine(db, m, clr_results_now_ms(), true);
}

clrelu_status clrelu_results_machines(clrelu_results *db, char **json)
{
    if (!db || !json)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "clrelu_results_machines: NULL argument");
    *json = NULL;
    db_rows r;
    clrelu_status st = clr_results_exec(db,
                                        "SELECT id, hostname, cpu_model, memory_bytes, cpus, kernel, os, clrelu_version,"
                                        " build, labels, devices, first_seen_ms, last_seen_ms FROM machines ORDER BY id",
                                        0, NULL, &r);
    if (st != CLRELU_OK)
        return st;
    cJSON *out = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(out, "machines");
    for (int i = 0; arr && i < r.n_rows; i++) {
        cJSON *o = cJSON_CreateObject();
        if (!o)
            break;
        static const char *const text_cols[] = {"id", "hostname", "cpu_model"};
        for (int c = 0; c < 3; c++)
            cJSON_AddStringToObject(o, text_cols[c], db_cell(&r, i, c) ? db_cell(&r, i, c) : "");
        clr_results_add_num_cell(o, "memory_bytes", db_cell(&r, i, 3));
        clr_results_add_num_cell(o, "cpus", db_cell(&r, i, 4));
        static const char *const more[] = {"kernel", "os", "clrelu_version", "build"};
        for (int c = 0; c < 4; c++)
            cJSON_AddStringToObject(o, more[c], db_cell(&r, i, 5 + c) ? db_cell(&r, i, 5 + c) : "");
        cJSON_AddItemToObject(o, "labels", clr_results_json_cell(db_cell(&r, i, 9), "{}"));
        cJSON_AddItemToObject(o, "devices", clr_results_json_cell(db_cell(&r, i, 10), "[]"));
        clr_results_add_num_cell(o, "first_seen_ms", db_cell(&r, i, 11));
        clr_results_add_num_cell(o, "last_seen_ms", db_cell(&r, i, 12));
        cJSON_AddItemToArray(arr, o);
    }
    db_rows_clear(&r);
    *json = out ? cJSON_PrintUnformatted(out) : NULL;
    cJSON_Delete(out);
    return *json ? CLRELU_OK : clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "clrelu_results_machines: out of memory");
}
