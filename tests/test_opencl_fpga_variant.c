/* test_opencl_fpga_variant.c: the single work-item (FPGA) kernels, forced on PoCL, equal the host device. */
#include "test_opencl_compare.h"

#include <CL/cl.h>

/* Load an exported program into a plain OpenCL context for the first CPU device and read the
 * work-group size that relu_fwd was compiled for ({1,1,1} for the FPGA variant). */
static void compiled_work_group(const void *bin, size_t size, size_t wg[3])
{
    cl_platform_id p;
    cl_device_id d;
    cl_int err;
    wg[0] = wg[1] = wg[2] = 0;
    if (clGetPlatformIDs(1, &p, NULL) != CL_SUCCESS || clGetDeviceIDs(p, CL_DEVICE_TYPE_CPU, 1, &d, NULL) != CL_SUCCESS)
        return;
    cl_context c = clCreateContext(NULL, 1, &d, NULL, NULL, &err);
    const unsigned char *b = bin;
    cl_program prog = clCreateProgramWithBinary(c, 1, &d, &size, &b, NULL, &err);
    if (err == CL_SUCCESS && clBuildProgram(prog, 1, &d, NULL, NULL, NULL) == CL_SUCCESS) {
        cl_kernel k = clCreateKernel(prog, "relu_fwd", &err);
        if (err == CL_SUCCESS) {
            clGetKernelWorkGroupInfo(k, d, CL_KERNEL_COMPILE_WORK_GROUP_SIZE, 3 * sizeof(size_t), wg, NULL);
            clReleaseKernel(k);
        }
    }
    if (prog)
        clReleaseProgram(prog);
    clReleaseContext(c);
}

int main(void)
{
    clrelu_context_options o = {.force_fpga_variant = true};
    clrelu_context *ctx = check_context(&o);
    const clrelu_device *dev = cmp_opencl_device(ctx);
    const clrelu_device_info *info = clrelu_device_get_info(dev);

    /* the programs really are the FPGA variant: their kernels demand one work-item groups */
    void *bin = NULL;
    size_t bin_size = 0;
    CHECK_OK(clrelu_program_export(ctx, dev, CLRELU_F32, &bin, &bin_size));
    CHECK(bin_size > 0, "exported FPGA program is empty");
    size_t wg[3];
    compiled_work_group(bin, bin_size, wg);
    CHECK(wg[0] == 1 && wg[1] == 1 && wg[2] == 1, "FPGA relu_fwd compiled for work-groups of %zux%zux%zu, want 1x1x1",
          wg[0], wg[1], wg[2]);
    free(bin);

    /* and without the option the NDRange kernels are used (no required work-group size) */
    clrelu_context *plain = check_context(NULL);
    const clrelu_device *pdev = cmp_opencl_device(plain);
    CHECK_OK(clrelu_program_export(plain, pdev, CLRELU_F32, &bin, &bin_size));
    compiled_work_group(bin, bin_size, wg);
    CHECK(wg[0] == 0, "NDRange relu_fwd has a required work-group size %zu", wg[0]);
    free(bin);
    clrelu_context_destroy(plain);

    static const size_t large[] = {4099, 65536 + 15, 300007};
    for (int d = 0; d < CLRELU_DTYPE_COUNT; d++) {
        clrelu_dtype t = (clrelu_dtype)d;
        if (!info->dtype_supported[t])
            continue;
        for (int k = 0; k < clrelu_op_count(); k++) {
            const char *op = clrelu_op_get(k)->name;
            for (int bwd = 0; bwd < 2; bwd++) {
                long bad = 0;
                for (size_t n = 0; n <= 67 && bad == 0; n++)
                    bad += cmp_with_host(ctx, dev, op, t, NULL, 0, n, bwd, CMP_OUT_OF_PLACE, 100 + n, "fpga small",
                                         NULL);
                for (size_t i = 0; i < sizeof large / sizeof large[0]; i++)
                    cmp_with_host(ctx, dev, op, t, NULL, 0, large[i], bwd, CMP_OUT_OF_PLACE, 7 + i, "fpga large",
                                  NULL);
                /* in place, and prelu with channels */
                cmp_with_host(ctx, dev, op, t, NULL, 0, 1000, bwd, bwd ? CMP_IN_PLACE_G : CMP_IN_PLACE_X, 3,
                              "fpga in place", NULL);
                size_t shape[] = {3, 5, 17};
                cmp_with_host(ctx, dev, op, t, shape, 3, 3 * 5 * 17, bwd, CMP_OUT_OF_PLACE, 5, "fpga 3x5x17", NULL);
            }
        }
    }
    clrelu_context_destroy(ctx);
    return check_summary("test_opencl_fpga_variant");
}
