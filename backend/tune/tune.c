/* tune.c: the tuning file per device fingerprint — text, checksummed, written atomically, validated on load. */
#include "tune/tune.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Version 2: the host's float64 smooth ops became vector code (host/host_f64_vec.c), so a smooth
 * float64 crossover measured by version 1 (against the scalar reference) is dropped on load; the
 * rest of a version 1 file still holds. */
#define TUNE_MAGIC "clrelu-tune 2"
#define TUNE_MAGIC_V1 "clrelu-tune 1"
#define TUNE_MAX_BYTES 4096

static uint64_t fnv1a(const void *data, size_t len, uint64_t h)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

void clr_tune_fingerprint(const clrelu_device_info *info, char out[33])
{
    const char *parts[] = {info->platform, info->name, info->vendor, info->driver_version, info->device_version};
    uint64_t a = 0xcbf29ce484222325ull, b = 0x84222325cbf29ce4ull;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        size_t len = strlen(parts[i]) + 1; /* the NUL separates the parts */
        a = fnv1a(parts[i], len, a);
        b = fnv1a(parts[i], len, b ^ (uint64_t)i);
    }
    snprintf(out, 33, "%016" PRIx64 "%016" PRIx64, a, b);
}

static void tune_path(const char *dir, const char *fingerprint, const char *suffix, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s.tune%s", dir, fingerprint, suffix);
}

static bool plausible(const tune_cfg *c)
{
    bool vw_ok = c->vw == 0 || c->vw == 2 || c->vw == 4 || c->vw == 8 || c->vw == 16;
    return vw_ok && c->wg <= 4096 && c->ept <= (1u << 20);
}

/* Parse the body (everything before the checksum line) into rec; false on any unexpected line. */
static bool parse_body(char *body, const char *fingerprint, tune_record *rec)
{
    char *save = NULL;
    char *line = strtok_r(body, "\n", &save);
    bool v1 = line && strcmp(line, TUNE_MAGIC_V1) == 0;
    if (!line || (!v1 && strcmp(line, TUNE_MAGIC) != 0))
        return false;
    line = strtok_r(NULL, "\n", &save);
    char fp[64];
    if (!line || sscanf(line, "device %63s", fp) != 1 || strcmp(fp, fingerprint) != 0)
        return false;
    while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
        char name[32], cls_name[32];
        unsigned vw, wg, ept;
        unsigned long long cross;
        clrelu_dtype t;
        clrelu_op_class cls;
        int used = 0;
        if (sscanf(line, "crossover %31s %31s %llu%n", cls_name, name, &cross, &used) == 3 && !line[used] &&
            clrelu_op_class_parse(cls_name, &cls) == CLRELU_OK && clrelu_dtype_parse(name, &t) == CLRELU_OK) {
            rec->cross[cls][t] = cross;
            rec->have_cross[cls][t] = true;
        } else if (sscanf(line, "crossover %llu%n", &cross, &used) == 1 && !line[used]) {
            /* a file from before the per-class crossovers: measured on float32 relu */
            rec->cross[CLRELU_OP_CLASS_PIECEWISE][CLRELU_F32] = cross;
            rec->have_cross[CLRELU_OP_CLASS_PIECEWISE][CLRELU_F32] = true;
        } else if (sscanf(line, "%31s %u %u %u", name, &vw, &wg, &ept) == 4 &&
                   clrelu_dtype_parse(name, &t) == CLRELU_OK) {
            tune_cfg c = {vw, wg, ept};
            if (!plausible(&c))
                return false;
            rec->cfg[t] = c;
            rec->have[t] = true;
        } else {
            return false;
        }
    }
    if (v1)
        rec->have_cross[CLRELU_OP_CLASS_SMOOTH][CLRELU_F64] = false, rec->cross[CLRELU_OP_CLASS_SMOOTH][CLRELU_F64] = 0;
    return true;
}

clrelu_status clr_tune_load(const char *dir, const char *fingerprint, tune_record *out)
{
    char path[1200];
    char buf[TUNE_MAX_BYTES + 1];
    memset(out, 0, sizeof *out);
    tune_path(dir, fingerprint, "", path, sizeof path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return clrelu_set_error(CLRELU_ERR_NOT_FOUND, "no tuning file %s", path);
    size_t len = fread(buf, 1, TUNE_MAX_BYTES + 1, f);
    fclose(f);
    if (len > TUNE_MAX_BYTES)
        return clrelu_set_error(CLRELU_ERR_IO, "tuning file %s is too large", path);
    buf[len] = '\0';
    if (strlen(buf) != len)
        return clrelu_set_error(CLRELU_ERR_IO, "tuning file %s contains NUL bytes", path);
    /* the last line is "end <hash of everything before it>" */
    char *end = len >= 2 ? buf + len - 2 : buf;
    while (end > buf && *end != '\n')
        end--;
    uint64_t want = 0;
    if (end == buf || sscanf(end + 1, "end %" SCNx64, &want) != 1 ||
        fnv1a(buf, (size_t)(end + 1 - buf), 0xcbf29ce484222325ull) != want)
        return clrelu_set_error(CLRELU_ERR_IO, "tuning file %s is corrupt or truncated (checksum)", path);
    end[1] = '\0';
    tune_record rec;
    memset(&rec, 0, sizeof rec);
    if (!parse_body(buf, fingerprint, &rec))
        return clrelu_set_error(CLRELU_ERR_IO, "tuning file %s is malformed or for another device", path);
    *out = rec;
    return CLRELU_OK;
}

clrelu_status clr_tune_store(const char *dir, const char *fingerprint, const tune_record *rec)
{
    char body[TUNE_MAX_BYTES], path[1200], tmp[1300];
    int len = snprintf(body, sizeof body, TUNE_MAGIC "\ndevice %s\n", fingerprint);
    for (int t = 0; t < CLRELU_DTYPE_COUNT; t++)
        if (rec->have[t])
            len += snprintf(body + len, sizeof body - (size_t)len, "%s %u %u %u\n", clrelu_dtype_name((clrelu_dtype)t),
                            rec->cfg[t].vw, rec->cfg[t].wg, rec->cfg[t].ept);
    for (int c = 0; c < CLRELU_OP_CLASS_COUNT; c++)
        for (int t = 0; t < CLRELU_DTYPE_COUNT; t++)
            if (rec->have_cross[c][t])
                len += snprintf(body + len, sizeof body - (size_t)len, "crossover %s %s %llu\n",
                                clrelu_op_class_name((clrelu_op_class)c), clrelu_dtype_name((clrelu_dtype)t),
                                (unsigned long long)rec->cross[c][t]);
    len += snprintf(body + len, sizeof body - (size_t)len, "end %016" PRIx64 "\n",
                    fnv1a(body, (size_t)len, 0xcbf29ce484222325ull));

    mkdir(dir, 0755); /* one level, like the program cache; an existing directory is fine */
    tune_path(dir, fingerprint, "", path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return clrelu_set_error(CLRELU_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
    bool ok = fwrite(body, 1, (size_t)len, f) == (size_t)len;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return clrelu_set_error(CLRELU_ERR_IO, "cannot write %s: %s", path, strerror(e));
    }
    return CLRELU_OK;
}
