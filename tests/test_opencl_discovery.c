/* test_opencl_discovery.c: PoCL's CPU device is discovered, described sanely, and selectable. */
#include "test_opencl_compare.h"

#include <CL/cl.h>

/* How many devices the OpenCL runtime itself reports (all platforms). */
static unsigned runtime_device_count(void)
{
    cl_uint np = 0, total = 0;
    cl_platform_id ps[16];
    if (clGetPlatformIDs(16, ps, &np) != CL_SUCCESS)
        return 0;
    for (cl_uint i = 0; i < np && i < 16; i++) {
        cl_uint nd = 0;
        if (clGetDeviceIDs(ps[i], CL_DEVICE_TYPE_ALL, 0, NULL, &nd) == CL_SUCCESS)
            total += nd;
    }
    return total;
}

int main(void)
{
    clrelu_context *ctx = check_context(NULL);
    const clrelu_device *dev = cmp_opencl_device(ctx);
    const clrelu_device_info *in = clrelu_device_get_info(dev);

    int n_opencl = 0;
    for (int i = 0; i < clrelu_device_count(ctx); i++)
        n_opencl += strcmp(clrelu_device_get_info(clrelu_device_at(ctx, i))->backend, "opencl") == 0;
    CHECK((unsigned)n_opencl == runtime_device_count(), "%d OpenCL devices listed, the runtime has %u", n_opencl,
          runtime_device_count());

    CHECK(strcmp(in->backend, "opencl") == 0, "backend '%s'", in->backend);
    CHECK(in->type == CLRELU_DEVICE_CPU && strcmp(in->id, "cpu:0") == 0, "type %d id '%s'", (int)in->type, in->id);
    CHECK(in->name[0] && in->platform[0] && in->vendor[0], "empty name/platform/vendor: '%s' '%s' '%s'", in->name,
          in->platform, in->vendor);
    CHECK(strncmp(in->device_version, "OpenCL ", 7) == 0, "device version '%s'", in->device_version);
    CHECK(strncmp(in->opencl_c_version, "OpenCL C ", 9) == 0, "OpenCL C version '%s'", in->opencl_c_version);
    CHECK(in->driver_version[0], "empty driver version");
    CHECK(in->compute_units > 0, "compute units %u", in->compute_units);
    CHECK(in->max_alloc_bytes > 0 && in->max_alloc_bytes <= in->global_mem_bytes, "max alloc %llu, global %llu",
          (unsigned long long)in->max_alloc_bytes, (unsigned long long)in->global_mem_bytes);
    CHECK(in->local_mem_bytes > 0, "local memory %llu", (unsigned long long)in->local_mem_bytes);
    CHECK(in->max_work_group_size > 0, "max work-group size %zu", in->max_work_group_size);
    CHECK(in->pref_vector_width_float > 0, "preferred float vector width %u", in->pref_vector_width_float);
    CHECK(in->timer_resolution_ns >= 0, "timer resolution %g", in->timer_resolution_ns);
    CHECK(in->dtype_supported[CLRELU_F32] && in->dtype_supported[CLRELU_F16] && in->dtype_supported[CLRELU_BF16],
          "float32/float16/bfloat16 must always be supported");
    CHECK(in->dtype_supported[CLRELU_F64] == in->fp64, "float64 support %d but fp64 %d",
          in->dtype_supported[CLRELU_F64], in->fp64);
    CHECK(in->pref_vector_width_double > 0 || !in->fp64, "fp64 device without a preferred double width");
    if (strstr(in->platform, "Portable Computing Language"))
        CHECK(in->host_unified_memory, "PoCL's CPU device shares host memory");

    /* selectors */
    const clrelu_device *sel = NULL;
    CHECK_OK(clrelu_device_select(ctx, "cpu", &sel));
    CHECK(sel == dev, "'cpu' selects %s", sel ? clrelu_device_get_info(sel)->id : "nothing");
    CHECK_OK(clrelu_device_select(ctx, "cpu:0", &sel));
    CHECK(sel == dev, "'cpu:0' selects %s", sel ? clrelu_device_get_info(sel)->id : "nothing");
    CHECK_OK(clrelu_device_select(ctx, in->name, &sel));
    CHECK(sel && clrelu_device_get_info(sel)->type == CLRELU_DEVICE_CPU, "its name '%s' selects another device",
          in->name);

    /* float64 is refused exactly when the device lacks fp64 */
    double one = 1.0, out = 0.0;
    clrelu_op_args a = {.op = "relu", .dtype = CLRELU_F64, .count = 1, .x = &one, .y = &out};
    clrelu_status st = clrelu_run(ctx, dev, &a);
    CHECK(in->fp64 ? st == CLRELU_OK && out == 1.0 : st == CLRELU_ERR_UNSUPPORTED, "float64 relu: %s",
          clrelu_status_name(st));
    clrelu_context_destroy(ctx);

    /* no_opencl: the host device alone */
    clrelu_context_options o = {.no_opencl = true};
    ctx = check_context(&o);
    CHECK(clrelu_device_count(ctx) == 1, "no_opencl context has %d devices", clrelu_device_count(ctx));
    CHECK(strcmp(clrelu_device_get_info(clrelu_device_at(ctx, 0))->backend, "host") == 0, "the one device is '%s'",
          clrelu_device_get_info(clrelu_device_at(ctx, 0))->backend);
    CHECK(clrelu_device_select(ctx, "cpu", &sel) == CLRELU_ERR_NOT_FOUND, "no_opencl context still has a cpu");
    clrelu_context_destroy(ctx);
    return check_summary("test_opencl_discovery");
}
