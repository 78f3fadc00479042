/* routes_debug.c: POST /v1/debug/faults — device fault injection, only with `--fault-injection`. */
#include "codec/json_int.h"
#include "request_json.h"
#include "router.h"

#include <cjson/cJSON.h>

/* Body {"device": "host", "count": 3}: the next `count` runs on that device fail as a device
 * error (503); count 0 clears. Answers the device id and the faults now pending. Without
 * --fault-injection the route does not exist (404), so production servers never expose it. */
void h_debug_faults(server *s, request *rq, response *rp)
{
    if (!s->cfg.fault_injection) {
        response_error(rp, 404, "no route for %s", rq->path);
        return;
    }
    cJSON *root = parse_json_or_400(rq->body, rq->len, rp);
    if (!root)
        return;
    const cJSON *dev = cJSON_GetObjectItemCaseSensitive(root, "device");
    const cJSON *count = cJSON_GetObjectItemCaseSensitive(root, "count");
    server_device *d = NULL;
    uint64_t n = 0;
    if (dev && !cJSON_IsString(dev)) {
        response_error(rp, 400, "\"device\" must be a string");
    } else if (!json_to_u64(count, 1000000, &n)) {
        response_error(rp, 400, "\"count\" must be an integer in 0..1000000");
    } else if (server_pick_device(s, dev ? dev->valuestring : NULL, &d) != CLRELU_OK) {
        response_error(rp, 404, "no device '%s'", dev->valuestring);
    } else if (clrelu_device_inject_fault(s->ctx, d->dev, (unsigned)n) != CLRELU_OK) {
        response_error(rp, 500, "%s", clrelu_last_error());
    } else {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "device", d->info->id);
        cJSON_AddNumberToObject(o, "pending", clrelu_device_faults_pending(d->dev));
        response_json(rp, 200, o);
    }
    cJSON_Delete(root);
}
