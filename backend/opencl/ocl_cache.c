/* ocl_cache.c: program binaries on disk — hashed keys, a checked header, atomic writes. */
#include "opencl/ocl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CACHE_MAGIC "CLRLUPRG"
#define CACHE_VERSION 1u

/* Entry layout: this header (little-endian host order; entries are machine-local), then
 * payload_len bytes of program binary whose FNV-1a hash is checksum. */
typedef struct {
    char magic[8];
    uint32_t version;
    uint32_t header_size;
    uint64_t payload_len;
    uint64_t checksum;
    char key[32];
} cache_header;

static uint64_t fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* Two FNV-1a streams with different seeds (and a separator between parts) give a 128-bit key. */
void clr_ocl_cache_key(const char *const parts[], int n_parts, char key[33])
{
    uint64_t a = 0xcbf29ce484222325ull, b = 0x84222325cbf29ce4ull;
    for (int i = 0; i < n_parts; i++) {
        size_t len = strlen(parts[i]);
        a = fnv1a(a, parts[i], len + 1);
        b = fnv1a(b, parts[i], len + 1);
        b = fnv1a(b, &len, sizeof len);
    }
    snprintf(key, 33, "%016llx%016llx", (unsigned long long)a, (unsigned long long)b);
}

static void entry_path(const char *dir, const char *key, char *path, size_t size)
{
    snprintf(path, size, "%s/%s.clbin", dir, key);
}

clrelu_status clr_ocl_cache_load(const char *dir, const char *key, void **data, size_t *size)
{
    clrelu_status st = CLRELU_OK;
    char path[1200];
    cache_header h;
    void *payload = NULL;
    entry_path(dir, key, path, sizeof path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return clrelu_set_error(CLRELU_ERR_NOT_FOUND, "no cache entry %s", path);
    struct stat sb;
    if (fread(&h, sizeof h, 1, f) != 1 || fstat(fileno(f), &sb) != 0) {
        st = clrelu_set_error(CLRELU_ERR_IO, "cache entry %s is truncated", path);
        goto out;
    }
    if (memcmp(h.magic, CACHE_MAGIC, 8) != 0 || h.version != CACHE_VERSION || h.header_size != sizeof h ||
        memcmp(h.key, key, 32) != 0) {
        st = clrelu_set_error(CLRELU_ERR_IO, "cache entry %s has a foreign or stale header", path);
        goto out;
    }
    if (h.payload_len == 0 || (uint64_t)sb.st_size != sizeof h + h.payload_len) {
        st = clrelu_set_error(CLRELU_ERR_IO, "cache entry %s has the wrong length", path);
        goto out;
    }
    payload = malloc(h.payload_len);
    if (!payload) {
        st = clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "cache entry %s: out of memory", path);
        goto out;
    }
    if (fread(payload, 1, h.payload_len, f) != h.payload_len) {
        st = clrelu_set_error(CLRELU_ERR_IO, "cache entry %s is truncated", path);
        goto out;
    }
    if (fnv1a(0xcbf29ce484222325ull, payload, h.payload_len) != h.checksum) {
        st = clrelu_set_error(CLRELU_ERR_IO, "cache entry %s fails its checksum", path);
        goto out;
    }
    *data = payload;
    *size = h.payload_len;
    payload = NULL;
out:
    free(payload);
    fclose(f);
    return st;
}

/* mkdir -p */
static clrelu_status make_dirs(const char *dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s", dir);
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            return clrelu_set_error(CLRELU_ERR_IO, "cannot create cache directory %s: %s", path, strerror(errno));
        *p = c;
        if (c == '\0')
            break;
    }
    return CLRELU_OK;
}

/* Write to a temporary file in the same directory and rename it over the entry, so a reader
 * never sees half an entry and concurrent writers leave one whole entry. */
clrelu_status clr_ocl_cache_store(const char *dir, const char *key, const void *data, size_t size)
{
    clrelu_status st = make_dirs(dir);
    if (st != CLRELU_OK)
        return st;
    static unsigned long counter;
    char path[1200], tmp[1300];
    entry_path(dir, key, path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld.%lu", path, (long)getpid(),
             __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
    cache_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, CACHE_MAGIC, 8);
    h.version = CACHE_VERSION;
    h.header_size = sizeof h;
    h.payload_len = size;
    h.checksum = fnv1a(0xcbf29ce484222325ull, data, size);
    memcpy(h.key, key, 32);
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return clrelu_set_error(CLRELU_ERR_IO, "cannot write cache entry %s: %s", tmp, strerror(errno));
    bool ok = fwrite(&h, sizeof h, 1, f) == 1 && fwrite(data, 1, size, f) == size;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        st = clrelu_set_error(CLRELU_ERR_IO, "cannot write cache entry %s: %s", path, strerror(errno));
        unlink(tmp);
    }
    return st;
}
