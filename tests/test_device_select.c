/* test_device_select.c: device discovery, ids and indices, the host device's description, and selection by string. */
#include "check.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const clrelu_device *select_ok(clrelu_context *ctx, const char *sel)
{
    const clrelu_device *dev = NULL;
    clrelu_status st = clrelu_device_select(ctx, sel, &dev);
    CHECK(st == CLRELU_OK && dev != NULL, "select '%s': %s (%s)", sel ? sel : "(null)", clrelu_status_name(st),
          clrelu_last_error());
    return st == CLRELU_OK ? dev : NULL;
}

static void select_fails(clrelu_context *ctx, const char *sel, clrelu_status want)
{
    const clrelu_device *dev = (const clrelu_device *)1;
    clrelu_status st = clrelu_device_select(ctx, sel, &dev);
    CHECK(st == want && dev == NULL, "select '%s': got %s, want %s", sel, clrelu_status_name(st),
          clrelu_status_name(want));
    CHECK(clrelu_last_error()[0] != '\0', "select '%s' failed without a message", sel);
}

static bool contains_nocase(const char *hay, const char *needle)
{
    for (size_t n = strlen(needle); *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return true;
    return false;
}

static void host_description(const clrelu_device *host)
{
    const clrelu_device_info *h = clrelu_device_get_info(host);
    CHECK(h->type == CLRELU_DEVICE_HOST && strcmp(h->id, "host") == 0 && strcmp(h->backend, "host") == 0,
          "host device: type %d id %s backend %s", (int)h->type, h->id, h->backend);
    CHECK(strcmp(h->name, "host (plain C)") == 0 && strcmp(h->platform, "clrelu") == 0 &&
              strcmp(h->vendor, "clrelu") == 0 && strcmp(h->driver_version, CLRELU_VERSION) == 0,
          "host names: %s / %s / %s / %s", h->name, h->platform, h->vendor, h->driver_version);
    CHECK(h->compute_units >= 1 && h->global_mem_bytes > 0 && h->max_alloc_bytes > 0, "host sizes: %u cores, %llu bytes",
          h->compute_units, (unsigned long long)h->global_mem_bytes);
    CHECK(h->fp64 && h->host_unified_memory, "host has fp64 and unified memory");
    for (int t = 0; t < CLRELU_DTYPE_COUNT; t++)
        CHECK(h->dtype_supported[t], "host supports %s", clrelu_dtype_name((clrelu_dtype)t));
    CHECK(h->pref_vector_width_float == 1 && h->pref_vector_width_half == 1 && h->pref_vector_width_double == 1,
          "host vector widths 1");
}

int main(void)
{
    clrelu_context *ctx = check_context(NULL);
    int n = clrelu_device_count(ctx);
    const clrelu_device *pocl = NULL, *gpu = NULL;
    int n_cpu = 0, n_host = 0;
    for (int i = 0; i < n; i++) {
        const clrelu_device *d = clrelu_device_at(ctx, i);
        const clrelu_device_info *info = clrelu_device_get_info(d);
        printf("%d %-8s %-7s %s | %s\n", i, info->id, info->backend, info->name, info->platform);
        CHECK(info->index == i, "device %d reports index %d", i, info->index);
        CHECK(select_ok(ctx, info->id) == d, "selecting by id '%s' returns device %d", info->id, i);
        for (int j = 0; j < i; j++)
            CHECK(strcmp(info->id, clrelu_device_get_info(clrelu_device_at(ctx, j))->id) != 0, "ids unique: %s",
                  info->id);
        char idx[16];
        snprintf(idx, sizeof idx, "%d", i);
        CHECK(select_ok(ctx, idx) == d, "selecting by index %s", idx);
        if (info->type == CLRELU_DEVICE_HOST)
            n_host++;
        if (info->type == CLRELU_DEVICE_CPU) {
            CHECK(info->type_index == n_cpu, "cpu type_index %d", info->type_index);
            n_cpu++;
            if (!pocl && contains_nocase(info->platform, "portable"))
                pocl = d;
        }
        if (info->type == CLRELU_DEVICE_GPU && !gpu)
            gpu = d;
    }
    CHECK(clrelu_device_at(ctx, n) == NULL && clrelu_device_at(ctx, -1) == NULL, "device_at out of range is NULL");
    CHECK(n_host == 1, "exactly one host device (%d)", n_host);
#ifdef CLRELU_HAVE_OPENCL
    if (!getenv("CLRELU_NO_OPENCL"))
        CHECK(pocl != NULL, "PoCL's CPU device is installed here and must be discovered");
#endif

    const clrelu_device *host = select_ok(ctx, "host");
    if (host)
        host_description(host);
    CHECK(select_ok(ctx, "Plain C") == host, "name substring, any case, finds the host");

    /* auto: GPU first, then CPU (PoCL) before the host */
    const clrelu_device *best = gpu ? gpu : pocl ? pocl : host;
    if (gpu || !n_cpu) {
        CHECK(select_ok(ctx, "auto") == best, "auto picks the best device");
    } else {
        const clrelu_device *a = select_ok(ctx, "auto");
        CHECK(a && clrelu_device_get_info(a)->type == CLRELU_DEVICE_CPU, "auto prefers a CPU device over the host");
    }
    CHECK(select_ok(ctx, NULL) == select_ok(ctx, "auto") && select_ok(ctx, "") == select_ok(ctx, "auto"),
          "NULL and \"\" mean auto");

    if (n_cpu) {
        const clrelu_device *c = select_ok(ctx, "cpu");
        CHECK(c && clrelu_device_get_info(c)->type == CLRELU_DEVICE_CPU && clrelu_device_get_info(c)->type_index == 0,
              "cpu is the first CPU device");
        CHECK(select_ok(ctx, "cpu:0") == c, "cpu:0 == cpu");
    } else {
        select_fails(ctx, "cpu", CLRELU_ERR_NOT_FOUND);
        select_fails(ctx, "cpu:0", CLRELU_ERR_NOT_FOUND);
    }
    if (n_cpu <= 5)
        select_fails(ctx, "cpu:5", CLRELU_ERR_NOT_FOUND);
    if (gpu)
        CHECK(select_ok(ctx, "gpu") == gpu, "gpu finds the GPU");
    else
        select_fails(ctx, "gpu", CLRELU_ERR_NOT_FOUND);
    if (pocl) {
        const clrelu_device *p = select_ok(ctx, "pthread");
        CHECK(p && clrelu_device_get_info(p)->type == CLRELU_DEVICE_CPU, "'pthread' finds PoCL's CPU device");
        p = select_ok(ctx, "PORTABLE");
        CHECK(p && clrelu_device_get_info(p)->type == CLRELU_DEVICE_CPU, "'PORTABLE' finds PoCL by platform");
    } else {
        select_fails(ctx, "portable", CLRELU_ERR_NOT_FOUND);
    }
    select_fails(ctx, "cpu:x", CLRELU_ERR_INVALID_ARG);
    select_fails(ctx, "cpu:", CLRELU_ERR_INVALID_ARG);
    select_fails(ctx, "cpu:-1", CLRELU_ERR_INVALID_ARG);
    select_fails(ctx, "gpu:1x", CLRELU_ERR_INVALID_ARG);
    select_fails(ctx, "no-such-device-anywhere", CLRELU_ERR_NOT_FOUND);
    select_fails(ctx, "99", CLRELU_ERR_NOT_FOUND);
    const clrelu_device *dummy;
    CHECK(clrelu_device_select(NULL, "host", &dummy) == CLRELU_ERR_INVALID_ARG, "NULL context");
    CHECK(clrelu_device_select(ctx, "host", NULL) == CLRELU_ERR_INVALID_ARG, "NULL out");
    clrelu_context_destroy(ctx);

    /* no_opencl: the host device alone */
    clrelu_context_options o = {.no_opencl = true};
    ctx = check_context(&o);
    CHECK(clrelu_device_count(ctx) == 1, "no_opencl: %d devices", clrelu_device_count(ctx));
    const clrelu_device *only = select_ok(ctx, "auto");
    CHECK(only && clrelu_device_get_info(only)->type == CLRELU_DEVICE_HOST, "no_opencl: auto is the host");
    select_fails(ctx, "cpu", CLRELU_ERR_NOT_FOUND);
    clrelu_context_destroy(ctx);
    return check_summary("test_device_select");
}
