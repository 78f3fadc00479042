/* results_tables.c: print the results store's JSON (runs, a run, a comparison, a history, machines) as tables. */
#include "results_tables.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

static const cJSON *item(const cJSON *o, const char *key) { return cJSON_GetObjectItemCaseSensitive(o, key); }

static const char *str_of(const cJSON *o, const char *key)
{
    const cJSON *v = item(o, key);
    return cJSON_IsString(v) && *v->valuestring ? v->valuestring : "-";
}

static double num_of(const cJSON *o, const char *key)
{
    const cJSON *v = item(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* Unix milliseconds as "YYYY-MM-DD HH:MM:SS" UTC, or "-". */
static const char *utc(double ms, char buf[32])
{
    if (!isfinite(ms) || ms <= 0)
        return "-";
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(buf, 32, "%Y-%m-%d %H:%M:%S", &tm))
        return "-";
    return buf;
}

/* A number with prec decimals and a suffix, or "-" when it is not finite. */
static const char *fmt_num(double v, int prec, const char *suffix, char buf[32])
{
    if (!isfinite(v))
        return "-";
    snprintf(buf, 32, "%.*f%s", prec, v, suffix);
    return buf;
}

/* An object of strings as "k=v,k=v" ("-" when empty). */
static const char *labels_text(const cJSON *labels, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    const cJSON *kv;
    cJSON_ArrayForEach(kv, labels)
    {
        if (!cJSON_IsString(kv) || !kv->string)
            continue;
        int w = snprintf(buf + n, cap - n, "%s%s=%s", n ? "," : "", kv->string, kv->valuestring);
        if (w < 0 || (size_t)w >= cap - n)
            break;
        n += (size_t)w;
    }
    return n ? buf : "-";
}

/* The machine of a run or point: an object {id, hostname} (its hostname) or an id. */
static const char *machine_name(const cJSON *m)
{
    if (cJSON_IsString(m))
        return m->valuestring;
    const char *h = str_of(m, "hostname");
    return strcmp(h, "-") ? h : str_of(m, "id");
}

/* A point's device: an object {id, name} (its id) or an id. */
static const char *device_id(const cJSON *d)
{
    if (cJSON_IsString(d))
        return d->valuestring;
    return str_of(d, "id");
}

void results_print_list(FILE *out, const cJSON *doc)
{
    const cJSON *runs = item(doc, "runs"), *r;
    fprintf(out, "%-26s %-19s %-16s %-9s %6s %-8s %-24s %s\n", "ID", "CREATED (UTC)", "MACHINE", "STATUS", "CASES",
            "VERSION", "DEVICES", "LABELS");
    cJSON_ArrayForEach(r, runs)
    {
        char t[32], devs[256] = "", labels[512], n[32];
        size_t dn = 0;
        const cJSON *d;
        cJSON_ArrayForEach(d, item(r, "devices"))
        {
            int w = snprintf(devs + dn, sizeof devs - dn, "%s%s", dn ? "," : "", str_of(d, "id"));
            if (w < 0 || (size_t)w >= sizeof devs - dn)
                break;
            dn += (size_t)w;
        }
        fprintf(out, "%-26s %-19s %-16s %-9s %6s %-8s %-24s %s\n", str_of(r, "id"), utc(num_of(r, "created_ms"), t),
                machine_name(item(r, "machine")), str_of(r, "status"), fmt_num(num_of(r, "n_cases"), 0, "", n),
                str_of(r, "clrelu_version"), dn ? devs : "-", labels_text(item(r, "labels"), labels, sizeof labels));
    }
    if (!cJSON_GetArraySize(runs))
        fprintf(out, "(no runs match)\n");
    const cJSON *next = item(doc, "next");
    if (cJSON_IsString(next) && *next->valuestring)
        fprintf(out, "more: --cursor %s\n", next->valuestring);
}

void results_print_run(FILE *out, const cJSON *doc)
{
    const cJSON *res = item(doc, "result"), *m = item(doc, "machine"), *meta = item(res, "meta");
    char t[32], labels[512];
    fprintf(out, "run %s  %s UTC  job %s\n", str_of(doc, "id"), utc(num_of(doc, "created_ms"), t), str_of(doc, "job"));
    fprintf(out, "machine %s (%s)  clrelu %s  labels %s\n", machine_name(m), str_of(m, "id"), str_of(meta, "clrelu_version"),
            labels_text(item(doc, "labels"), labels, sizeof labels));
    const cJSON *d;
    cJSON_ArrayForEach(d, item(res, "devices"))
    fprintf(out, "device %-8s %s | %s | driver %s\n", str_of(d, "id"), str_of(d, "name"), str_of(d, "platform"),
            str_of(d, "driver_version"));
    fprintf(out, "\n%-8s %-10s %-8s %-4s %-3s %10s %-8s %5s %10s %6s %8s %6s\n", "DEVICE", "OP", "DTYPE", "DIR", "PL",
            "ELEMENTS", "STATUS", "N", "MEDIAN_us", "CV%", "GB/s", "%COPY");
    const cJSON *c;
    int n = 0;
    cJSON_ArrayForEach(c, item(res, "cases"))
    {
        char e[32], s[32], med[32], cv[32], g[32], p[32];
        const cJSON *k = item(c, "kernel_ns");
        bool timed = num_of(c, "n_samples") > 0;
        fprintf(out, "%-8s %-10s %-8s %-4s %-3s %10s %-8s %5s %10s %6s %8s %6s%s%s\n", str_of(c, "device"), str_of(c, "op"),
                str_of(c, "dtype"), strcmp(str_of(c, "direction"), "backward") ? "fwd" : "bwd", str_of(c, "placement"),
                fmt_num(num_of(c, "elements"), 0, "", e), str_of(c, "status"), fmt_num(num_of(c, "n_samples"), 0, "", s),
                timed ? fmt_num(num_of(k, "median") / 1e3, 2, "", med) : "", timed ? fmt_num(num_of(k, "cv") * 100, 1, "", cv) : "",
                timed ? fmt_num(num_of(c, "gbps_median"), 3, "", g) : "", timed ? fmt_num(num_of(c, "pct_of_copy"), 1, "", p) : "",
                strcmp(str_of(c, "reason"), "-") ? "  " : "", strcmp(str_of(c, "reason"), "-") ? str_of(c, "reason") : "");
        n++;
    }
    fprintf(out, "\n%d cases, %d ceilings.\n", n, cJSON_GetArraySize(item(res, "ceilings")));
}

/* One side of a comparison in its header line. */
static void compare_side(FILE *out, const char *which, const cJSON *s)
{
    char t[32], labels[512];
    const char *id = str_of(s, "id");
    double ms = num_of(s, "created_ms");
    fprintf(out, "%s: %s  %s  %s  clrelu %s  labels %s\n", which, id, isfinite(ms) ? utc(ms, t) : str_of(s, "timestamp"),
            cJSON_IsObject(item(s, "machine")) || cJSON_IsString(item(s, "machine")) ? machine_name(item(s, "machine"))
                                                                                        : str_of(s, "host"),
            str_of(s, "clrelu_version"), labels_text(item(s, "labels"), labels, sizeof labels));
}

void results_print_compare(FILE *out, const cJSON *doc)
{
    compare_side(out, "A", item(doc, "a"));
    compare_side(out, "B", item(doc, "b"));
    fprintf(out, "\n%-8s %-10s %-8s %-4s %-3s %10s %10s %10s %8s %8s %7s %6s %s\n", "DEVICE", "OP", "DTYPE", "DIR", "PL",
            "ELEMENTS", "A_us", "B_us", "A_GB/s", "B_GB/s", "B/A", "±", "VERDICT");
    const cJSON *c;
    cJSON_ArrayForEach(c, item(doc, "cases"))
    {
        const cJSON *a = item(c, "a"), *b = item(c, "b"), *v = item(c, "verdict");
        char e[32], am[32], bm[32], ag[32], bg[32], r[32], th[32];
        fprintf(out, "%-8s %-10s %-8s %-4s %-3s %10s %10s %10s %8s %8s %7s %6s %s\n", str_of(c, "device"), str_of(c, "op"),
                str_of(c, "dtype"), strcmp(str_of(c, "direction"), "backward") ? "fwd" : "bwd", str_of(c, "placement"),
                fmt_num(num_of(c, "elements"), 0, "", e), fmt_num(num_of(a, "median_ns") / 1e3, 2, "", am),
                fmt_num(num_of(b, "median_ns") / 1e3, 2, "", bm), fmt_num(num_of(a, "gbps"), 3, "", ag),
                fmt_num(num_of(b, "gbps"), 3, "", bg), fmt_num(num_of(c, "ratio"), 3, "x", r),
                fmt_num(num_of(c, "threshold") * 100, 1, "%", th), cJSON_IsString(v) ? v->valuestring : "untimed");
    }
    const cJSON *s = item(doc, "summary");
    fprintf(out, "\n%.0f same, %.0f faster, %.0f slower, %.0f untimed; %.0f cases only in A, %.0f only in B.\n",
            num_of(s, "same"), num_of(s, "faster"), num_of(s, "slower"), num_of(s, "untimed"), num_of(doc, "only_a"),
            num_of(doc, "only_b"));
    fprintf(out, "Rule: %s.\n", str_of(doc, "rule"));
}

void results_print_history(FILE *out, const cJSON *doc)
{
    fprintf(out, "%-19s %-26s %-16s %-8s %-8s %10s %7s %8s %6s %7s %s\n", "CREATED (UTC)", "RUN", "MACHINE", "DEVICE",
            "VERSION", "MEDIAN_us", "SPREAD%", "GB/s", "%COPY", "RATIO", "VERDICT");
    const cJSON *p, *points = item(doc, "points");
    cJSON_ArrayForEach(p, points)
    {
        char t[32], m[32], s[32], g[32], c[32], r[32];
        const cJSON *v = item(p, "verdict");
        fprintf(out, "%-19s %-26s %-16s %-8s %-8s %10s %7s %8s %6s %7s %s\n", utc(num_of(p, "created_ms"), t),
                str_of(p, "run"), machine_name(item(p, "machine")), device_id(item(p, "device")), str_of(p, "clrelu_version"),
                fmt_num(num_of(p, "median_ns") / 1e3, 2, "", m), fmt_num(num_of(p, "spread") * 100, 1, "", s),
                fmt_num(num_of(p, "gbps_median"), 3, "", g), fmt_num(num_of(p, "pct_of_copy"), 1, "", c),
                fmt_num(num_of(p, "ratio"), 3, "x", r), cJSON_IsString(v) ? v->valuestring : "-");
    }
    if (!cJSON_GetArraySize(points))
        fprintf(out, "(no stored run has this case)\n");
}

void results_print_machines(FILE *out, const cJSON *doc)
{
    fprintf(out, "%-18s %-16s %-30s %8s %4s %-19s %s\n", "ID", "HOSTNAME", "CPU", "MEM_GiB", "CPUS", "LAST SEEN (UTC)",
            "DEVICES");
    const cJSON *m, *list = item(doc, "machines");
    cJSON_ArrayForEach(m, list)
    {
        char t[32], mem[32], cpus[32], devs[256] = "";
        size_t dn = 0;
        const cJSON *d;
        cJSON_ArrayForEach(d, item(m, "devices"))
        {
            int w = snprintf(devs + dn, sizeof devs - dn, "%s%s", dn ? "," : "", str_of(d, "id"));
            if (w < 0 || (size_t)w >= sizeof devs - dn)
                break;
            dn += (size_t)w;
        }
        fprintf(out, "%-18.18s %-16s %-30.30s %8s %4s %-19s %s\n", str_of(m, "id"), str_of(m, "hostname"),
                str_of(m, "cpu_model"), fmt_num(num_of(m, "memory_bytes") / (1024.0 * 1024 * 1024), 1, "", mem),
                fmt_num(num_of(m, "cpus"), 0, "", cpus), utc(num_of(m, "last_seen_ms"), t), dn ? devs : "-");
    }
    if (!cJSON_GetArraySize(list))
        fprintf(out, "(no machines registered)\n");
}
