/* v2_outputs.c: the "outputs" of a KServe v2 inference request (see v2_outputs.h). */
#include "v2_outputs.h"

#include <cjson/cJSON.h>
#include <string.h>

bool v2_read_outputs(const cJSON *root, bool *out_binary, v2_shm_ref *shm, response *rp)
{
    memset(shm, 0, sizeof *shm);
    const cJSON *outs = root ? cJSON_GetObjectItemCaseSensitive(root, "outputs") : NULL;
    if (!outs || cJSON_IsNull(outs))
        return true;
    if (!cJSON_IsArray(outs)) {
        response_error(rp, 400, "\"outputs\" must be an array");
        return false;
    }
    bool seen = false;
    const cJSON *o;
    cJSON_ArrayForEach(o, outs)
    {
        const cJSON *jn = cJSON_GetObjectItemCaseSensitive(o, "name");
        if (!cJSON_IsString(jn) || strcmp(jn->valuestring, "OUTPUT0") != 0) {
            response_error(rp, 400, "unknown output '%s' (the only output is OUTPUT0)",
                           cJSON_IsString(jn) ? jn->valuestring : "?");
            return false;
        }
        if (seen) {
            response_error(rp, 400, "output 'OUTPUT0' already requested");
            return false;
        }
        seen = true;
        const cJSON *params = cJSON_GetObjectItemCaseSensitive(o, "parameters");
        const cJSON *bd = cJSON_GetObjectItemCaseSensitive(params, "binary_data");
        if (bd)
            *out_binary = cJSON_IsTrue(bd);
        if (!v2_shm_ref_parse(params, "output 'OUTPUT0'", shm, rp))
            return false;
        if (shm->set)
            *out_binary = false;
    }
    return true;
}
