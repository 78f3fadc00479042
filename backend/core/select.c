/* select.c: device type names and device selection by string ("auto", "gpu:1", an index, a name). */
#include "core/backend.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *clrelu_device_type_name(clrelu_device_type t)
{
    switch (t) {
    case CLRELU_DEVICE_HOST: return "host";
    case CLRELU_DEVICE_CPU: return "cpu";
    case CLRELU_DEVICE_GPU: return "gpu";
    case CLRELU_DEVICE_ACCELERATOR: return "accelerator";
    case CLRELU_DEVICE_OTHER: return "other";
    }
    return "other";
}

static bool contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return true;
    }
    return false;
}

static bool parse_type(const char *s, size_t len, clrelu_device_type *out)
{
    static const clrelu_device_type types[] = {CLRELU_DEVICE_HOST, CLRELU_DEVICE_CPU, CLRELU_DEVICE_GPU,
                                               CLRELU_DEVICE_ACCELERATOR};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        const char *name = clrelu_device_type_name(types[i]);
        if (strlen(name) == len && strncmp(s, name, len) == 0) {
            *out = types[i];
            return true;
        }
    }
    return false;
}

/* Device preference for "auto": GPU, accelerator, CPU, then the host backend. */
static int auto_rank(clrelu_device_type t)
{
    switch (t) {
    case CLRELU_DEVICE_GPU: return 0;
    case CLRELU_DEVICE_ACCELERATOR: return 1;
    case CLRELU_DEVICE_CPU: return 2;
    case CLRELU_DEVICE_OTHER: return 3;
    case CLRELU_DEVICE_HOST: return 4;
    }
    return 5;
}

clrelu_status clrelu_device_select(const clrelu_context *ctx, const char *selector, const clrelu_device **out)
{
    if (!ctx || !out)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "device_select: NULL argument");
    *out = NULL;
    if (!selector || !*selector || strcmp(selector, "auto") == 0) {
        const clrelu_device *best = NULL;
        for (int i = 0; i < ctx->n_devices; i++)
            if (!best || auto_rank(ctx->devices[i]->info.type) < auto_rank(best->info.type))
                best = ctx->devices[i];
        *out = best;
        return best ? CLRELU_OK : clrelu_set_error(CLRELU_ERR_NOT_FOUND, "no devices");
    }
    /* "type" or "type:N" */
    const char *colon = strchr(selector, ':');
    size_t type_len = colon ? (size_t)(colon - selector) : strlen(selector);
    clrelu_device_type type;
    if (parse_type(selector, type_len, &type)) {
        long want = 0;
        if (colon) {
            char *end;
            want = strtol(colon + 1, &end, 10);
            if (end == colon + 1 || *end || want < 0)
                return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bad device selector '%s': expected %.*s:N",
                                        selector, (int)type_len, selector);
        }
        for (int i = 0; i < ctx->n_devices; i++) {
            const clrelu_device_info *info = &ctx->devices[i]->info;
            if (info->type == type && info->type_index == want) {
                *out = ctx->devices[i];
                return CLRELU_OK;
            }
        }
        return clrelu_set_error(CLRELU_ERR_NOT_FOUND, "no device matches '%s'", selector);
    }
    /* a plain index "3" selects by position */
    char *end;
    long idx = strtol(selector, &end, 10);
    if (end != selector && !*end) {
        if (idx >= 0 && idx < ctx->n_devices) {
            *out = ctx->devices[idx];
            return CLRELU_OK;
        }
        return clrelu_set_error(CLRELU_ERR_NOT_FOUND, "no device with index %ld", idx);
    }
    for (int i = 0; i < ctx->n_devices; i++) {
        const clrelu_device_info *info = &ctx->devices[i]->info;
        if (contains_nocase(info->name, selector) || contains_nocase(info->platform, selector)) {
            *out = ctx->devices[i];
            return CLRELU_OK;
        }
    }
    return clrelu_set_error(CLRELU_ERR_NOT_FOUND, "no device matches '%s'", selector);
}
