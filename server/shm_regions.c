/* shm_regions.c: the registry of system shared-memory regions (see shm_regions.h). */
#include "shm_regions.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* One registered region. refs counts the registry's own reference (while registered) plus one
 * per request that acquired it; the descriptor is closed when it drops to 0. */
struct shm_region {
    shm_info info;
    int fd;
    unsigned refs;              /* under the registry's lock */
};

struct shm_registry {
    pthread_mutex_t lock;
    shm_region **regions;       /* registered regions in registration order, n of max */
    unsigned n, max;
    uint64_t bytes, max_bytes;  /* sum of the registered byte sizes, and its cap */
};

shm_registry *shm_registry_create(unsigned max_regions, uint64_t max_bytes)
{
    shm_registry *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->regions = calloc(max_regions ? max_regions : 1, sizeof *r->regions);
    if (!r->regions) {
        free(r);
        return NULL;
    }
    pthread_mutex_init(&r->lock, NULL);
    r->max = max_regions;
    r->max_bytes = max_bytes;
    return r;
}

static void region_free(shm_region *g)
{
    close(g->fd);
    free(g);
}

/* Drop one reference; the caller holds the lock. Returns the region to free (outside the lock)
 * when that was the last one, else NULL. */
static shm_region *unref_locked(shm_region *g)
{
    return --g->refs == 0 ? g : NULL;
}

/* Remove entry i from the table (keeping the order); the caller holds the lock. */
static shm_region *remove_locked(shm_registry *r, unsigned i)
{
    shm_region *g = r->regions[i];
    memmove(&r->regions[i], &r->regions[i + 1], (r->n - i - 1) * sizeof *r->regions);
    r->n--;
    r->bytes -= g->info.byte_size;
    return unref_locked(g);
}

static int find_locked(const shm_registry *r, const char *name)
{
    for (unsigned i = 0; i < r->n; i++)
        if (strcmp(r->regions[i]->info.name, name) == 0)
            return (int)i;
    return -1;
}

void shm_registry_destroy(shm_registry *r)
{
    if (!r)
        return;
    for (unsigned i = 0; i < r->n; i++)
        region_free(r->regions[i]); /* no request runs any more: every reference is the table's */
    free(r->regions);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

bool shm_key_is_valid(const char *key)
{
    size_t n = strlen(key);
    if (n < 2 || n > SHM_KEY_MAX_LEN || key[0] != '/')
        return false;
    if (!strcmp(key, "/.") || !strcmp(key, "/.."))
        return false;
    for (size_t i = 1; i < n; i++) {
        char c = key[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '.'))
            return false;
    }
    return true;
}

/* The object's current size, or -1 with errno set. */
static long long object_size(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return -1;
    return st.st_size < 0 ? 0 : (long long)st.st_size;
}

shm_status shm_register(shm_registry *r, const char *name, const char *key, uint64_t offset, uint64_t byte_size,
                        char *err, size_t errlen)
{
    if (!name_is_safe(name)) {
        snprintf(err, errlen, "invalid region name (use letters, digits, '_', '-' and '.', at most %d)", NAME_MAX_LEN);
        return SHM_BAD_NAME;
    }
    if (!shm_key_is_valid(key)) {
        snprintf(err, errlen,
                 "invalid shared memory key (a POSIX shm name: '/' then 1 to %d of [A-Za-z0-9_.-], no other '/')",
                 SHM_KEY_MAX_LEN - 1);
        return SHM_BAD_KEY;
    }
    if (byte_size == 0 || offset > UINT64_MAX - byte_size) {
        snprintf(err, errlen, "failed to register shared memory region '%s': invalid args (byte_size must be > 0)", name);
        return SHM_OUT_OF_RANGE;
    }
    /* Cheap checks first, under the lock; the open happens outside it and the checks are made
     * again before inserting. */
    pthread_mutex_lock(&r->lock);
    shm_status st = SHM_OK;
    if (find_locked(r, name) >= 0) {
        snprintf(err, errlen, "shared memory region '%s' already in manager", name);
        st = SHM_EXISTS;
    } else if (r->n >= r->max) {
        snprintf(err, errlen, "cannot register shared memory region '%s': %u regions are registered, the server's limit "
                 "(--shm-max-regions)", name, r->max);
        st = SHM_LIMIT;
    } else if (byte_size > r->max_bytes - r->bytes) {
        snprintf(err, errlen, "cannot register shared memory region '%s': %llu bytes more would exceed the server's "
                 "limit of %llu registered bytes (--shm-max-bytes; %llu in use)", name, (unsigned long long)byte_size,
                 (unsigned long long)r->max_bytes, (unsigned long long)r->bytes);
        st = SHM_LIMIT;
    }
    pthread_mutex_unlock(&r->lock);
    if (st != SHM_OK)
        return st;

    int fd = shm_open(key, O_RDWR | O_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "Unable to open shared memory region: '%s' (%s)", key, strerror(errno));
        return SHM_OPEN_FAILED;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        snprintf(err, errlen, "Invalid shared memory region: '%s'", key);
        return SHM_OPEN_FAILED;
    }
    uint64_t have = sb.st_size < 0 ? 0 : (uint64_t)sb.st_size;
    if (offset + byte_size > have) {
        close(fd);
        snprintf(err, errlen, "failed to register shared memory region '%s': invalid args (offset %llu + byte_size %llu "
                 "exceeds the %llu bytes of '%s')", name, (unsigned long long)offset, (unsigned long long)byte_size,
                 (unsigned long long)have, key);
        return SHM_OUT_OF_RANGE;
    }
    shm_region *g = calloc(1, sizeof *g);
    if (!g) {
        close(fd);
        snprintf(err, errlen, "out of memory");
        return SHM_NO_MEMORY;
    }
    snprintf(g->info.name, sizeof g->info.name, "%s", name);
    snprintf(g->info.key, sizeof g->info.key, "%s", key);
    g->info.offset = offset;
    g->info.byte_size = byte_size;
    g->fd = fd;
    g->refs = 1;

    pthread_mutex_lock(&r->lock);
    if (find_locked(r, name) >= 0) {
        snprintf(err, errlen, "shared memory region '%s' already in manager", name);
        st = SHM_EXISTS;
    } else if (r->n >= r->max || byte_size > r->max_bytes - r->bytes) {
        snprintf(err, errlen, "cannot register shared memory region '%s': the server's limit on regions or bytes "
                 "(--shm-max-regions, --shm-max-bytes) is reached", name);
        st = SHM_LIMIT;
    } else {
        r->regions[r->n++] = g;
        r->bytes += byte_size;
    }
    pthread_mutex_unlock(&r->lock);
    if (st != SHM_OK)
        region_free(g);
    return st;
}

void shm_unregister(shm_registry *r, const char *name)
{
    /* At most max regions are freed; collect them so that close() runs outside the lock. */
    shm_region **dead = calloc(r->max ? r->max : 1, sizeof *dead);
    unsigned nd = 0;
    pthread_mutex_lock(&r->lock);
    if (name) {
        int i = find_locked(r, name);
        shm_region *g = i >= 0 ? remove_locked(r, (unsigned)i) : NULL;
        if (g && dead)
            dead[nd++] = g;
        else if (g)
            region_free(g);
    } else {
        while (r->n) {
            shm_region *g = remove_locked(r, r->n - 1);
            if (g && dead)
                dead[nd++] = g;
            else if (g)
                region_free(g);
        }
    }
    pthread_mutex_unlock(&r->lock);
    for (unsigned i = 0; i < nd; i++)
        region_free(dead[i]);
    free(dead);
}

int shm_snapshot(shm_registry *r, const char *name, shm_info **out)
{
    *out = NULL;
    int n = 0;
    pthread_mutex_lock(&r->lock);
    int one = name ? find_locked(r, name) : -1;
    if (name && one < 0) {
        n = -1;
    } else {
        unsigned count = name ? 1 : r->n;
        if (count) {
            *out = malloc(count * sizeof **out);
            if (!*out) {
                n = -2;
            } else {
                for (unsigned i = 0; i < count; i++)
                    (*out)[i] = r->regions[name ? (unsigned)one : i]->info;
                n = (int)count;
            }
        }
    }
    pthread_mutex_unlock(&r->lock);
    return n;
}

shm_region *shm_acquire(shm_registry *r, const char *name)
{
    pthread_mutex_lock(&r->lock);
    int i = find_locked(r, name);
    shm_region *g = i >= 0 ? r->regions[i] : NULL;
    if (g)
        g->refs++;
    pthread_mutex_unlock(&r->lock);
    return g;
}

void shm_release(shm_registry *r, shm_region *g)
{
    if (!g)
        return;
    pthread_mutex_lock(&r->lock);
    shm_region *dead = unref_locked(g);
    pthread_mutex_unlock(&r->lock);
    if (dead)
        region_free(dead);
}

/* The checks shared by shm_read and shm_write: the range lies in the region, and the object
 * holds it now. On success *at is the range's offset in the object. */
static shm_status check_range(const shm_region *g, uint64_t off, size_t len, uint64_t *at, char *err, size_t errlen)
{
    const shm_info *i = &g->info;
    *at = i->offset + off;
    if (len == 0 && off <= i->byte_size) /* an empty tensor: nothing to copy */
        return SHM_OK;
    if (off >= i->byte_size) {
        snprintf(err, errlen, "Invalid offset for shared memory region: '%s'", i->name);
        return SHM_OUT_OF_RANGE;
    }
    if (len > i->byte_size - off) {
        snprintf(err, errlen, "Invalid offset + byte size for shared memory region: '%s'", i->name);
        return SHM_OUT_OF_RANGE;
    }
    long long have = object_size(g->fd);
    if (have < 0 || (uint64_t)have < *at + len) {
        snprintf(err, errlen, "shared memory region '%s': the object '%s' now holds %lld bytes, fewer than the %llu "
                 "the request needs (was it truncated after registration?)", i->name, i->key, have < 0 ? 0 : have,
                 (unsigned long long)(*at + len));
        return SHM_SHRUNK;
    }
    return SHM_OK;
}

shm_status shm_read(const shm_region *g, uint64_t off, void *dst, size_t len, char *err, size_t errlen)
{
    uint64_t at;
    shm_status st = check_range(g, off, len, &at, err, errlen);
    if (st != SHM_OK)
        return st;
    char *p = dst;
    while (len) {
        ssize_t got = pread(g->fd, p, len, (off_t)at);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            snprintf(err, errlen, "shared memory region '%s': read failed: %s", g->info.name, strerror(errno));
            return SHM_IO;
        }
        if (got == 0) { /* end of the object: shrunk since check_range */
            snprintf(err, errlen, "shared memory region '%s': the object '%s' was truncated while it was read",
                     g->info.name, g->info.key);
            return SHM_SHRUNK;
        }
        p += got;
        at += (uint64_t)got;
        len -= (size_t)got;
    }
    return SHM_OK;
}

/* pwrite past the end of the object would grow it; the size check above keeps the write inside
 * the registered range, so at most an object shrunk during the write grows back to it. */
shm_status shm_write(const shm_region *g, uint64_t off, const void *src, size_t len, char *err, size_t errlen)
{
    uint64_t at;
    shm_status st = check_range(g, off, len, &at, err, errlen);
    if (st != SHM_OK)
        return st;
    const char *p = src;
    while (len) {
        ssize_t put = pwrite(g->fd, p, len, (off_t)at);
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0) {
            snprintf(err, errlen, "shared memory region '%s': write failed: %s", g->info.name,
                     put < 0 ? strerror(errno) : "no progress");
            return SHM_IO;
        }
        p += put;
        at += (uint64_t)put;
        len -= (size_t)put;
    }
    return SHM_OK;
}
