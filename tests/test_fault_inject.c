/* test_fault_inject.c: injected device faults fail exactly the armed number of runs (also under
 * concurrency), with CLRELU_ERR_DEVICE and a message, and the device works again afterwards. */
#include "check.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 4
#define RUNS_PER_THREAD 50
#define FAULTS 37

typedef struct {
    clrelu_context *ctx;
    const clrelu_device *dev;
    int failed_device, failed_other, wrong;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < RUNS_PER_THREAD; i++) {
        float x[3] = {-1.0f, 0.5f, 2.0f}, y[3] = {9, 9, 9};
        clrelu_op_args a = {.op = "relu", .dtype = CLRELU_F32, .count = 3, .x = x, .y = y};
        clrelu_status st = clrelu_run(w->ctx, w->dev, &a);
        if (st == CLRELU_ERR_DEVICE)
            w->failed_device++;
        else if (st != CLRELU_OK)
            w->failed_other++;
        else if (y[0] != 0.0f || y[1] != 0.5f || y[2] != 2.0f)
            w->wrong++;
    }
    return NULL;
}

static void test_device(clrelu_context *ctx, const clrelu_device *dev)
{
    const char *id = clrelu_device_get_info(dev)->id;
    float x[2] = {-3.0f, 4.0f}, y[2] = {7, 7};
    clrelu_op_args a = {.op = "relu", .dtype = CLRELU_F32, .count = 2, .x = x, .y = y};
    CHECK(clrelu_device_faults_pending(dev) == 0, "%s: no faults at start", id);
    CHECK_OK(clrelu_device_inject_fault(ctx, dev, 2));
    CHECK(clrelu_device_faults_pending(dev) == 2, "%s: 2 pending", id);
    /* Validation errors come first and do not consume a fault. */
    clrelu_op_args bad = a;
    bad.op = "no_such_op";
    CHECK(clrelu_run(ctx, dev, &bad) == CLRELU_ERR_NOT_FOUND, "%s: bad op still NOT_FOUND", id);
    CHECK(clrelu_device_faults_pending(dev) == 2, "%s: validation error consumed no fault", id);
    for (int i = 0; i < 2; i++) {
        clrelu_status st = clrelu_run(ctx, dev, &a);
        CHECK(st == CLRELU_ERR_DEVICE, "%s: run %d -> %s, want DEVICE", id, i, clrelu_status_name(st));
        CHECK(strstr(clrelu_last_error(), "injected device fault") != NULL, "%s: message '%s'", id,
              clrelu_last_error());
    }
    CHECK(y[0] == 7.0f && y[1] == 7.0f, "%s: a failed run leaves the output alone", id);
    CHECK_OK(clrelu_run(ctx, dev, &a));
    CHECK(y[0] == 0.0f && y[1] == 4.0f, "%s: recovered run is correct (%g %g)", id, y[0], y[1]);
    CHECK_OK(clrelu_device_inject_fault(ctx, dev, 5));
    CHECK_OK(clrelu_device_inject_fault(ctx, dev, 0));
    CHECK(clrelu_device_faults_pending(dev) == 0, "%s: count 0 clears", id);
    CHECK_OK(clrelu_run(ctx, dev, &a));

    /* Concurrent runs: exactly FAULTS of them fail, every other one is correct. */
    CHECK_OK(clrelu_device_inject_fault(ctx, dev, FAULTS));
    pthread_t th[THREADS];
    worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){.ctx = ctx, .dev = dev};
        pthread_create(&th[i], NULL, work, &w[i]);
    }
    int dev_fail = 0, other = 0, wrong = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        dev_fail += w[i].failed_device;
        other += w[i].failed_other;
        wrong += w[i].wrong;
    }
    CHECK(dev_fail == FAULTS, "%s: %d device failures under concurrency, want %d", id, dev_fail, FAULTS);
    CHECK(other == 0 && wrong == 0, "%s: %d other failures, %d wrong results", id, other, wrong);
    CHECK(clrelu_device_faults_pending(dev) == 0, "%s: all faults delivered", id);
}

/* Run relu once on dev: 'D' for a device error, 'K' for a correct result, 'X' for anything else. */
static char run_once(clrelu_context *ctx, const clrelu_device *dev)
{
    float x[2] = {-1.0f, 3.0f}, y[2] = {5, 5};
    clrelu_op_args a = {.op = "relu", .dtype = CLRELU_F32, .count = 2, .x = x, .y = y};
    clrelu_status st = clrelu_run(ctx, dev, &a);
    if (st == CLRELU_ERR_DEVICE)
        return 'D';
    return st == CLRELU_OK && y[0] == 0.0f && y[1] == 3.0f ? 'K' : 'X';
}

/* $CLRELU_FAULT_INJECT arms faults once, when a context is created: "SELECTOR:COUNT" entries,
 * bad or unmatched ones skipped; a context created after it is unset has none. */
static void test_env(void)
{
    setenv("CLRELU_FAULT_INJECT", "host:3,nonsense,gpu:9:1,host:x,:4", 1);
    clrelu_context *ctx = check_context(&(clrelu_context_options){.no_opencl = true});
    unsetenv("CLRELU_FAULT_INJECT");
    const clrelu_device *host = NULL;
    CHECK_OK(clrelu_device_select(ctx, "host", &host));
    CHECK(clrelu_device_faults_pending(host) == 3, "env: host has %u pending, want 3",
          clrelu_device_faults_pending(host));
    for (int i = 0; i < 3; i++)
        CHECK(run_once(ctx, host) == 'D', "env: run %d fails", i);
    CHECK(run_once(ctx, host) == 'K', "env: the 4th run succeeds");
    clrelu_context *later = check_context(&(clrelu_context_options){.no_opencl = true});
    CHECK(clrelu_device_faults_pending(clrelu_device_at(later, 0)) == 0, "env: read at creation only");
    clrelu_context_destroy(later);
    clrelu_context_destroy(ctx);

    /* An OpenCL CPU device (PoCL) by type index, when there is one. */
    setenv("CLRELU_FAULT_INJECT", "cpu:0:2", 1);
    ctx = check_context(NULL);
    unsetenv("CLRELU_FAULT_INJECT");
    const clrelu_device *cpu = NULL;
    if (clrelu_device_select(ctx, "cpu:0", &cpu) == CLRELU_OK) {
        CHECK(clrelu_device_faults_pending(cpu) == 2, "env: cpu:0 has %u pending, want 2",
              clrelu_device_faults_pending(cpu));
        CHECK(run_once(ctx, cpu) == 'D' && run_once(ctx, cpu) == 'D',
              "env: two cpu:0 runs fail");
        CHECK(run_once(ctx, cpu) == 'K', "env: cpu:0 recovers");
    }
    clrelu_context_destroy(ctx);
}

int main(void)
{
    test_env();
    clrelu_context *ctx = check_context(NULL);
    clrelu_context *other = check_context(&(clrelu_context_options){.no_opencl = true});
    for (int i = 0; i < clrelu_device_count(ctx); i++)
        test_device(ctx, clrelu_device_at(ctx, i));
    CHECK(clrelu_device_inject_fault(other, clrelu_device_at(ctx, 0), 1) == CLRELU_ERR_INVALID_ARG,
          "a device of another context is refused");
    CHECK(clrelu_device_inject_fault(NULL, clrelu_device_at(ctx, 0), 1) == CLRELU_ERR_INVALID_ARG, "NULL context");
    clrelu_context_destroy(other);
    clrelu_context_destroy(ctx);
    return check_summary("test_fault_inject");
}
