/* shm_regions.h: the registry of Triton system shared-memory regions — POSIX shm objects clients register by name, read and written through their file descriptors. */
#ifndef CLRELU_SERVER_SHM_REGIONS_H
#define CLRELU_SERVER_SHM_REGIONS_H

#include "names.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest key accepted: "/" + 1..SHM_KEY_MAX_LEN - 1 bytes of [A-Za-z0-9_.-] (shm_open names
 * live in one directory, /dev/shm on Linux, whose entries hold at most 255 bytes). */
#define SHM_KEY_MAX_LEN 255

typedef struct shm_registry shm_registry;
typedef struct shm_region shm_region;

typedef enum {
    SHM_OK = 0,
    SHM_BAD_NAME,     /* region name not name_is_safe */
    SHM_BAD_KEY,      /* key is not "/name" as shm_key_is_valid defines it */
    SHM_EXISTS,       /* a region of that name is registered */
    SHM_NOT_FOUND,    /* no region of that name */
    SHM_OPEN_FAILED,  /* shm_open failed or the object is not a regular shm object */
    SHM_OUT_OF_RANGE, /* offset/byte_size outside the region or the object */
    SHM_SHRUNK,       /* the object is now smaller than the region (a client's ftruncate) */
    SHM_LIMIT,        /* the registry's cap on regions or bytes */
    SHM_IO,           /* pread/pwrite failed */
    SHM_NO_MEMORY
} shm_status;

/* What the status routes report of one region (Triton: name, key, offset, byte_size). */
typedef struct {
    char name[NAME_MAX_LEN + 1];
    char key[SHM_KEY_MAX_LEN + 1];
    uint64_t offset, byte_size;
} shm_info;

/* A registry that holds at most max_regions regions whose byte sizes add up to at most
 * max_bytes. NULL when out of memory. Thread-safe: every function below may be called from
 * any worker thread. */
shm_registry *shm_registry_create(unsigned max_regions, uint64_t max_bytes);
/* Close every region's descriptor and free the registry (at shutdown, once no request runs). */
void shm_registry_destroy(shm_registry *r);

/* True for "/name" with name 1..SHM_KEY_MAX_LEN - 1 bytes of [A-Za-z0-9_.-], not "." or "..":
 * one object directly in the shm namespace, never a path. */
bool shm_key_is_valid(const char *key);

/* Open key (O_RDWR; the daemon writes outputs into it) and register [offset, offset +
 * byte_size) of it as region name. The object must be a regular shm object at least offset +
 * byte_size bytes long now (fstat), byte_size > 0. The descriptor stays open until the region
 * is unregistered; nothing is mapped. On failure err (errlen bytes) says why. */
shm_status shm_register(shm_registry *r, const char *name, const char *key, uint64_t offset, uint64_t byte_size,
                        char *err, size_t errlen);
/* Unregister name, or every region when name is NULL. A region in use by a request is closed
 * when the last request releases it; its name is free again at once. Unknown names are no error
 * (as in Triton). */
void shm_unregister(shm_registry *r, const char *name);

/* The registered regions, in registration order (name NULL), or the one called name. Returns
 * the count (0..) with *out malloc'd (caller frees; NULL when the count is 0), or -1 when name
 * is not registered, -2 when out of memory. */
int shm_snapshot(shm_registry *r, const char *name, shm_info **out);

/* Take a reference to region name for one request: it stays readable and writable until
 * shm_release, even if it is unregistered meanwhile. NULL when no such region. */
shm_region *shm_acquire(shm_registry *r, const char *name);
void shm_release(shm_registry *r, shm_region *g);

/* Copy len bytes at offset off of region g into dst (shm_read) or from src (shm_write). Both
 * check that [off, off + len) lies in the region, then that the object still holds it (fstat),
 * and copy with pread/pwrite on the descriptor — never through a mapping, so that an object
 * shrunk by its owner, even during the copy, is an error (SHM_SHRUNK) and never a SIGBUS. */
shm_status shm_read(const shm_region *g, uint64_t off, void *dst, size_t len, char *err, size_t errlen);
shm_status shm_write(const shm_region *g, uint64_t off, const void *src, size_t len, char *err, size_t errlen);

#endif
