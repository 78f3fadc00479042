/* bench_request.c: POST /v1/benchmarks bodies — known fields, types and ranges, the case count, the echo. */
#include "jobs/bench_request.h"

#include "codec/json_int.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bench_job_free(bench_job *b)
{
    if (!b)
        return;
    free(b->request);
    free(b->machines);
    free(b->labels);
    for (int i = 0; i < 6; i++)
        free(b->opt_strings[i]);
    free(b);
}

/* A request field as a comma list: a string as is, an array of strings or whole numbers (sizes
 * as element counts) joined. NULL when absent; sets *bad when present with another type. */
static char *list_field(const cJSON *req, const char *key, bool *bad)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, key);
    if (!v || cJSON_IsNull(v))
        return NULL;
    if (cJSON_IsString(v))
        return strdup(v->valuestring);
    if (!cJSON_IsArray(v)) {
        *bad = true;
        return NULL;
    }
    size_t len = 1;
    const cJSON *it;
    cJSON_ArrayForEach(it, v)
    {
        uint64_t whole;
        if (!cJSON_IsString(it) && !json_to_u64(it, UINT64_C(9007199254740992), &whole)) {
            *bad = true;
            return NULL;
        }
        len += (cJSON_IsString(it) ? strlen(it->valuestring) : 20) + 1;
    }
    char *out = calloc(1, len);
    if (!out)
        return NULL;
    size_t used = 0;
    cJSON_ArrayForEach(it, v)
    {
        uint64_t whole = 0;
        if (cJSON_IsString(it))
            used += (size_t)snprintf(out + used, len - used, "%s%s", used ? "," : "", it->valuestring);
        else if (json_to_u64(it, UINT64_C(9007199254740992), &whole)) /* checked in the first pass */
            used += (size_t)snprintf(out + used, len - used, "%s%llu", used ? "," : "", (unsigned long long)whole);
    }
    return out;
}

/* A number field; false when present and not a number in [lo, hi] (or not whole, for integer). */
static bool num_field(const cJSON *req, const char *key, double lo, double hi, bool integer, double *out, char *err,
                      size_t errlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, key);
    if (!v)
        return true;
    /* Integer fields have lo >= 0: json_to_u64 checks the range before converting. */
    uint64_t whole = 0;
    bool ok = integer ? json_to_u64(v, (uint64_t)hi, &whole) && (double)whole >= lo
                      : cJSON_IsNumber(v) && v->valuedouble >= lo && v->valuedouble <= hi;
    if (!ok) {
        snprintf(err, errlen, "'%s' must be %s in [%g, %g]", key, integer ? "an integer" : "a number", lo, hi);
        return false;
    }
    *out = integer ? (double)whole : v->valuedouble;
    return true;
}

/* The request as echoed back and saved: the client's object without its null members (null
 * means "the default", and the documented fields are never null). NULL when out of memory. */
static char *request_text(const cJSON *req)
{
    cJSON *copy = cJSON_Duplicate(req, true);
    if (!copy)
        return NULL;
    for (cJSON *it = copy->child, *next; it; it = next) {
        next = it->next;
        if (cJSON_IsNull(it))
            cJSON_Delete(cJSON_DetachItemViaPointer(copy, it));
    }
    char *text = cJSON_PrintUnformatted(copy);
    cJSON_Delete(copy);
    return text;
}

/* Record a message for the client and evaluate to the status. */
#define SET_ERR(code, ...) (snprintf(err, errlen, __VA_ARGS__), (code))

/* "machines" (a fleet sweep: its shape is checked where it is resolved against the machines
 * table) and "labels" (an object of short strings, the runs' labels), kept as JSON text. */
static clrelu_status fleet_fields(const cJSON *req, bench_job *b, char *err, size_t errlen)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(req, "machines"), *l = cJSON_GetObjectItemCaseSensitive(req, "labels");
    if (m && !cJSON_IsNull(m)) {
        if (!cJSON_IsString(m) && !cJSON_IsArray(m) && !cJSON_IsObject(m))
            return SET_ERR(CLRELU_ERR_INVALID_ARG, "'machines' must be \"all\", a list of machine ids or "
                                                   "{\"label\": {\"key\": \"value\"}}");
        if (!(b->machines = cJSON_PrintUnformatted(m)))
            return SET_ERR(CLRELU_ERR_OUT_OF_MEMORY, "out of memory");
    }
    if (l && !cJSON_IsNull(l)) {
        const cJSON *it;
        bool ok = cJSON_IsObject(l);
        cJSON_ArrayForEach(it, l)
        {
            size_t kl = strlen(it->string ? it->string : "");
            ok = ok && kl >= 1 && kl <= 63 && strspn(it->string, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                               "0123456789_.-") == kl &&
                 cJSON_IsString(it) && strlen(it->valuestring) <= 255;
        }
        if (!ok)
            return SET_ERR(CLRELU_ERR_INVALID_ARG, "'labels' must be an object of strings (keys of 1-63 letters, "
                                                   "digits, '_', '.' or '-'; values up to 255 bytes)");
        if (!(b->labels = cJSON_PrintUnformatted(l)))
            return SET_ERR(CLRELU_ERR_OUT_OF_MEMORY, "out of memory");
    }
    return CLRELU_OK;
}

/* Validate a request and build its job (not queued): options, case count, request echo. */
clrelu_status bench_request_parse(clrelu_context *ctx, const cJSON *req, bench_job **out, char *err, size_t errlen)
{
    static const char *const keys[6] = {"devices", "ops", "dtypes", "sizes", "directions", "placements"};
    static const char *const known[] = {"devices",    "ops",        "dtypes",      "sizes",     "directions",
                                        "placements", "repeats",    "max_samples", "warmup",    "min_time_s",
                                        "max_seconds", "max_bytes", "ceilings",    "machines",  "labels"};
    if (!cJSON_IsObject(req))
        return SET_ERR(CLRELU_ERR_INVALID_ARG, "the body must be a JSON object");
    /* A misspelt option must not be ignored silently (nor echoed back as if it had been used). */
    for (const cJSON *it = req->child; it; it = it->next) {
        size_t k = 0;
        while (k < sizeof known / sizeof known[0] && (!it->string || strcmp(it->string, known[k]) != 0))
            k++;
        if (k == sizeof known / sizeof known[0])
            return SET_ERR(CLRELU_ERR_INVALID_ARG,
                           "unknown field '%.64s' (known: devices, ops, dtypes, sizes, directions, placements, "
                           "repeats, max_samples, warmup, min_time_s, max_seconds, max_bytes, ceilings, machines, labels)",
                           it->string ? it->string : "");
    }
    bench_job *b = calloc(1, sizeof *b);
    if (!b)
        return SET_ERR(CLRELU_ERR_OUT_OF_MEMORY, "out of memory");
    clrelu_status st = CLRELU_OK;
    bool bad = false;
    for (int i = 0; i < 6 && !bad; i++) {
        b->opt_strings[i] = list_field(req, keys[i], &bad);
        if (bad)
            st = SET_ERR(CLRELU_ERR_INVALID_ARG, "'%s' must be a string or an array of strings (sizes: or whole numbers)", keys[i]);
    }
    if (st != CLRELU_OK)
        goto out;
    clrelu_bench_options *o = &b->opts;
    o->devices = b->opt_strings[0];
    o->ops = b->opt_strings[1];
    o->dtypes = b->opt_strings[2];
    o->sizes = b->opt_strings[3];
    o->directions = b->opt_strings[4];
    o->placements = b->opt_strings[5];
    double repeats = 0, max_samples = 0, warmup = 0, min_time = 0, max_seconds = BENCH_JOB_DEFAULT_MAX_SECONDS, max_bytes = 0;
    if (!num_field(req, "repeats", 1, 100000, true, &repeats, err, errlen) ||
        !num_field(req, "max_samples", 1, 100000, true, &max_samples, err, errlen) ||
        !num_field(req, "warmup", 0, 1000, true, &warmup, err, errlen) ||
        !num_field(req, "min_time_s", 0, 60, false, &min_time, err, errlen) ||
        !num_field(req, "max_seconds", 0.001, 86400, false, &max_seconds, err, errlen) ||
        !num_field(req, "max_bytes", 1, 1e15, false, &max_bytes, err, errlen)) {
        st = CLRELU_ERR_INVALID_ARG;
        goto out;
    }
    const cJSON *ceil = cJSON_GetObjectItemCaseSensitive(req, "ceilings");
    if (ceil && !cJSON_IsBool(ceil)) {
        st = SET_ERR(CLRELU_ERR_INVALID_ARG, "'ceilings' must be true or false");
        goto out;
    }
    o->no_ceilings = ceil && cJSON_IsFalse(ceil);
    o->min_samples = (int)repeats;
    o->max_samples = (int)max_samples;
    o->warmup = cJSON_GetObjectItemCaseSensitive(req, "warmup") && warmup == 0 ? -1 : (int)warmup;
    o->min_time_s = cJSON_GetObjectItemCaseSensitive(req, "min_time_s") && min_time == 0 ? -1 : min_time;
    o->max_seconds = max_seconds;
    o->max_bytes = (uint64_t)max_bytes;
    if ((st = fleet_fields(req, b, err, errlen)) != CLRELU_OK)
        goto out;
    int total = 0;
    b->devices_here = true;
    if ((st = clrelu_bench_count(ctx, o, &total)) != CLRELU_OK) {
        snprintf(err, errlen, "%s", clrelu_last_error());
        /* Devices this machine lacks may be another's: counted on all of ours, the rest is checked. */
        const char *devices = o->devices;
        o->devices = NULL;
        bool others_ok = devices && clrelu_bench_count(ctx, o, &total) == CLRELU_OK;
        o->devices = devices;
        if (!others_ok)
            goto out;
        st = CLRELU_OK;
        b->devices_here = false;
        snprintf(b->devices_error, sizeof b->devices_error, "%s", err);
        err[0] = '\0';
    }
    if (total > BENCH_JOB_MAX_CASES) {
        st = SET_ERR(CLRELU_ERR_INVALID_ARG, "%d cases is more than a job may run (%d)", total, BENCH_JOB_MAX_CASES);
        goto out;
    }
    if (!(b->request = request_text(req))) {
        st = SET_ERR(CLRELU_ERR_OUT_OF_MEMORY, "out of memory");
        goto out;
    }
    b->total = total;
    *out = b;
    b = NULL;
out:
    bench_job_free(b);
    return st;
}

clrelu_status bench_request_parse_text(clrelu_context *ctx, const char *text, bench_job **out, char *err, size_t errlen)
{
    cJSON *req = text ? cJSON_Parse(text) : NULL;
    if (!req) {
        *out = NULL;
        return SET_ERR(CLRELU_ERR_INVALID_ARG, "the stored request is not JSON");
    }
    clrelu_status st = bench_request_parse(ctx, req, out, err, errlen);
    cJSON_Delete(req);
    return st;
}
