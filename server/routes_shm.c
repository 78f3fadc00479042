/* routes_shm.c: Triton's system shared-memory extension — register, unregister and status of regions (/v2/systemsharedmemory/...). */
#include "request_json.h"
#include "router.h"
#include "shm_regions.h"

#include "codec/json_int.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The {region} of /v2/systemsharedmemory/region/{region}/...: copied into out (false with a
 * 400 when it is not a safe name), or "" for the routes without one. */
static bool region_of(const request *rq, char *out, size_t size, response *rp)
{
    static const char prefix[] = "/v2/systemsharedmemory/region/";
    out[0] = '\0';
    if (strncmp(rq->path, prefix, sizeof prefix - 1) != 0)
        return true;
    const char *name = rq->path + sizeof prefix - 1;
    size_t n = strcspn(name, "/");
    if (n >= size) {
        response_error(rp, 400, "invalid region name (use letters, digits, '_', '-' and '.', at most %d)", NAME_MAX_LEN);
        return false;
    }
    memcpy(out, name, n);
    out[n] = '\0';
    if (!name_is_safe(out)) {
        response_error(rp, 400, "invalid region name '%s' (use letters, digits, '_', '-' and '.', at most %d)", out,
                       NAME_MAX_LEN);
        return false;
    }
    return true;
}

/* The extension is off (--shm-max-regions 0): every route answers so. */
static bool enabled(const server *s, response *rp)
{
    if (!s->shm)
        response_error(rp, 400, "system shared memory is disabled on this server (--shm-max-regions 0)");
    return s->shm != NULL;
}

/* GET /v2/systemsharedmemory[/region/{region}]/status → [{"name","key","offset","byte_size"}]. */
void h_shm_status(server *s, request *rq, response *rp)
{
    char name[NAME_MAX_LEN + 1];
    if (!region_of(rq, name, sizeof name, rp) || !enabled(s, rp))
        return;
    shm_info *info;
    int n = shm_snapshot(s->shm, name[0] ? name : NULL, &info);
    if (n == -1) {
        response_error(rp, 400, "Unable to find system shared memory region: '%s'", name);
        return;
    }
    if (n < 0) {
        response_error(rp, 503, "out of memory");
        return;
    }
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(arr, o);
        cJSON_AddStringToObject(o, "name", info[i].name);
        cJSON_AddStringToObject(o, "key", info[i].key);
        cJSON_AddNumberToObject(o, "offset", (double)info[i].offset);
        cJSON_AddNumberToObject(o, "byte_size", (double)info[i].byte_size);
    }
    free(info);
    response_json(rp, 200, arr);
}

/* POST /v2/systemsharedmemory/region/{region}/register {"key": "/name", "offset": N, "byte_size": N}. */
void h_shm_register(server *s, request *rq, response *rp)
{
    char name[NAME_MAX_LEN + 1];
    if (!region_of(rq, name, sizeof name, rp) || !enabled(s, rp))
        return;
    cJSON *root = parse_json_or_400(rq->body, rq->len, rp);
    if (!root)
        return;
    const cJSON *jk = cJSON_GetObjectItemCaseSensitive(root, "key");
    const cJSON *jo = cJSON_GetObjectItemCaseSensitive(root, "offset");
    const cJSON *jb = cJSON_GetObjectItemCaseSensitive(root, "byte_size");
    uint64_t offset = 0, byte_size = 0;
    if (!cJSON_IsObject(root) || !cJSON_IsString(jk)) {
        response_error(rp, 400, "the register request is {\"key\": \"/shm_name\", \"offset\": N, \"byte_size\": N}");
    } else if (!json_to_u64(jb, UINT64_MAX, &byte_size) || (jo && !json_to_u64(jo, UINT64_MAX, &offset))) {
        response_error(rp, 400, "\"offset\" and \"byte_size\" must be whole numbers >= 0 (byte_size is required)");
    } else {
        char err[512];
        shm_status st = shm_register(s->shm, name, jk->valuestring, offset, byte_size, err, sizeof err);
        if (st == SHM_OK)
            response_json(rp, 200, cJSON_CreateObject());
        else
            response_error(rp, st == SHM_NO_MEMORY ? 503 : 400, "%s", err);
    }
    cJSON_Delete(root);
}

/* POST /v2/systemsharedmemory[/region/{region}]/unregister (the body is ignored; Triton's is
 * empty). An unknown region is no error. */
void h_shm_unregister(server *s, request *rq, response *rp)
{
    char name[NAME_MAX_LEN + 1];
    if (!region_of(rq, name, sizeof name, rp) || !enabled(s, rp))
        return;
    shm_unregister(s->shm, name[0] ? name : NULL);
    response_json(rp, 200, cJSON_CreateObject());
}
