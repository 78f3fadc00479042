/* bad_kernels.c: deliberately wrong kernels and API calls on Oclgrind, so that the runner's parsing (run.py --expect) is proven against the installed Oclgrind. */
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>

#include <stdio.h>
#include <string.h>

/* One kernel per diagnostic the runner must recognise: a write past the end of a buffer, two
 * work-items writing one element (a write-write race), and a barrier only half a work-group
 * reaches. */
static const char *source =
    "__kernel void past_end(__global float *x) { x[get_global_id(0) + 1] = 1.0f; }\n"
    "__kernel void racing(__global float *x) { x[0] = (float)get_global_id(0); }\n"
    "__kernel void diverging(__global float *x, __local float *l) {\n"
    "  if (get_local_id(0) < 2) { l[get_local_id(0)] = 0.0f; barrier(CLK_LOCAL_MEM_FENCE); }\n"
    "  x[get_global_id(0)] = 0.0f;\n"
    "}\n";

/* The first device of the platform whose name contains "Oclgrind", or NULL. */
static cl_device_id oclgrind_device(void)
{
    cl_platform_id platforms[16];
    cl_uint n = 0;
    if (clGetPlatformIDs(16, platforms, &n) != CL_SUCCESS)
        return NULL;
    for (cl_uint i = 0; i < n && i < 16; i++) {
        char name[256] = "";
        cl_device_id dev = NULL;
        clGetPlatformInfo(platforms[i], CL_PLATFORM_NAME, sizeof name - 1, name, NULL);
        if (strstr(name, "Oclgrind") && clGetDeviceIDs(platforms[i], CL_DEVICE_TYPE_ALL, 1, &dev, NULL) == CL_SUCCESS)
            return dev;
    }
    return NULL;
}

/* Run kernel `name` over 16 work-items in groups of 4 on a 16-float buffer. */
static int launch(cl_command_queue q, cl_program prog, cl_mem buf, const char *name)
{
    cl_int err = CL_SUCCESS;
    cl_kernel k = clCreateKernel(prog, name, &err);
    if (err != CL_SUCCESS) {
        fprintf(stderr, "bad_kernels: clCreateKernel(%s) failed: %d\n", name, err);
        return 1;
    }
    clSetKernelArg(k, 0, sizeof buf, &buf);
    if (strcmp(name, "diverging") == 0)
        clSetKernelArg(k, 1, 4 * sizeof(float), NULL);
    size_t global = 16, local = 4;
    err = clEnqueueNDRangeKernel(q, k, 1, NULL, &global, &local, 0, NULL, NULL);
    if (err == CL_SUCCESS)
        err = clFinish(q);
    clReleaseKernel(k);
    if (err != CL_SUCCESS) {
        fprintf(stderr, "bad_kernels: %s failed: %d\n", name, err);
        return 1;
    }
    return 0;
}

int main(void)
{
    cl_device_id dev = oclgrind_device();
    if (!dev) {
        fprintf(stderr, "bad_kernels: no Oclgrind platform\n");
        return 1;
    }
    char name[256] = "";
    clGetDeviceInfo(dev, CL_DEVICE_NAME, sizeof name - 1, name, NULL);
    printf("bad_kernels: on %s\n", name);

    int failed = 1;
    cl_int err = CL_SUCCESS;
    cl_context ctx = clCreateContext(NULL, 1, &dev, NULL, NULL, &err);
    cl_command_queue q = ctx ? clCreateCommandQueue(ctx, dev, 0, &err) : NULL;
    cl_program prog = q ? clCreateProgramWithSource(ctx, 1, &source, NULL, &err) : NULL;
    cl_mem buf = prog ? clCreateBuffer(ctx, CL_MEM_READ_WRITE, 16 * sizeof(float), NULL, &err) : NULL;
    if (!buf || clBuildProgram(prog, 1, &dev, "", NULL, NULL) != CL_SUCCESS) {
        fprintf(stderr, "bad_kernels: setup failed: %d\n", err);
        goto out;
    }
    failed = launch(q, prog, buf, "past_end") | launch(q, prog, buf, "racing") |
             launch(q, prog, buf, "diverging");
    /* API misuse: a read past the end of the buffer (Oclgrind's API check reports it) */
    float past;
    if (clEnqueueReadBuffer(q, buf, CL_TRUE, 16 * sizeof(float), sizeof past, &past, 0, NULL, NULL) == CL_SUCCESS) {
        fprintf(stderr, "bad_kernels: a read past the buffer's end succeeded\n");
        failed = 1;
    }
out:
    if (buf)
        clReleaseMemObject(buf);
    if (prog)
        clReleaseProgram(prog);
    if (q)
        clReleaseCommandQueue(q);
    if (ctx)
        clReleaseContext(ctx);
    return failed;
}
