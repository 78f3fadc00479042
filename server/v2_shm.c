/* v2_shm.c: inference tensors in Triton system shared memory (see v2_shm.h). */
#include "v2_shm.h"

#include "codec/json_int.h"
#include "shm_regions.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

bool v2_shm_ref_parse(const cJSON *params, const char *what, v2_shm_ref *ref, response *rp)
{
    memset(ref, 0, sizeof *ref);
    const cJSON *jr = cJSON_GetObjectItemCaseSensitive(params, "shared_memory_region");
    const cJSON *jb = cJSON_GetObjectItemCaseSensitive(params, "shared_memory_byte_size");
    const cJSON *jo = cJSON_GetObjectItemCaseSensitive(params, "shared_memory_offset");
    if (!jr && !jb && !jo)
        return true;
    if (!jr || !jb) {
        response_error(rp, 400, "%s: shared_memory_region and shared_memory_byte_size must be given together", what);
        return false;
    }
    if (!cJSON_IsString(jr) || !name_is_safe(jr->valuestring)) {
        response_error(rp, 400, "%s: shared_memory_region must be the name of a registered region", what);
        return false;
    }
    if (!json_to_u64(jb, UINT64_MAX, &ref->byte_size) || (jo && !json_to_u64(jo, UINT64_MAX, &ref->offset))) {
        response_error(rp, 400, "%s: shared_memory_byte_size and shared_memory_offset must be whole numbers >= 0",
                       what);
        return false;
    }
    snprintf(ref->region, sizeof ref->region, "%s", jr->valuestring);
    ref->set = true;
    return true;
}

void *v2_shm_scratch(size_t bytes)
{
    enum { HUGE_PAGE = 2u << 20 };
    if (bytes < 2 * (size_t)HUGE_PAGE)
        return malloc(bytes ? bytes : 1);
    void *p = NULL;
    if (posix_memalign(&p, HUGE_PAGE, bytes) != 0)
        return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(p, bytes & ~(size_t)(HUGE_PAGE - 1), MADV_HUGEPAGE); /* advice only: failure is harmless */
#endif
    return p;
}

/* The region ref names, acquired; NULL with a 400 on rp. */
static shm_region *acquire(server *s, const v2_shm_ref *ref, response *rp)
{
    shm_region *g = s->shm ? shm_acquire(s->shm, ref->region) : NULL;
    if (!g)
        response_error(rp, 400, "Unable to find shared memory region: '%s'", ref->region);
    return g;
}

bool v2_shm_read_input(server *s, const v2_shm_ref *ref, const char *name, void *dst, size_t bytes, response *rp)
{
    if (ref->byte_size != bytes) {
        response_error(rp, 400, "unexpected total byte size %llu for input '%s', expecting %zu",
                       (unsigned long long)ref->byte_size, name, bytes);
        return false;
    }
    shm_region *g = acquire(s, ref, rp);
    if (!g)
        return false;
    char err[512];
    shm_status st = shm_read(g, ref->offset, dst, bytes, err, sizeof err);
    shm_release(s->shm, g);
    if (st != SHM_OK)
        response_error(rp, 400, "input '%s': %s", name, err);
    return st == SHM_OK;
}

bool v2_shm_output_fits(const v2_shm_ref *ref, const char *name, size_t bytes, response *rp)
{
    if (ref->byte_size < bytes) {
        response_error(rp, 400, "shared memory size specified with the request for output '%s' (%llu bytes) should be "
                       "at least %zu bytes to hold the results", name, (unsigned long long)ref->byte_size, bytes);
        return false;
    }
    return true;
}

bool v2_shm_write_output(server *s, const v2_shm_ref *ref, const char *name, const void *src, size_t bytes,
                         response *rp)
{
    if (!v2_shm_output_fits(ref, name, bytes, rp))
        return false;
    shm_region *g = acquire(s, ref, rp);
    if (!g)
        return false;
    char err[512];
    shm_status st = shm_write(g, ref->offset, src, bytes, err, sizeof err);
    shm_release(s->shm, g);
    if (st != SHM_OK)
        response_error(rp, 400, "output '%s': %s", name, err);
    return st == SHM_OK;
}

void v2_shm_output_params(cJSON *output, const v2_shm_ref *ref, size_t bytes)
{
    cJSON *p = cJSON_AddObjectToObject(output, "parameters");
    cJSON_AddStringToObject(p, "shared_memory_region", ref->region);
    cJSON_AddNumberToObject(p, "shared_memory_byte_size", (double)bytes);
    if (ref->offset)
        cJSON_AddNumberToObject(p, "shared_memory_offset", (double)ref->offset);
}
