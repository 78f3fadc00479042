/* test_auto_crossover.c: small tensors on the `auto` device run on the host below the measured crossover of their op class and dtype, exactly; CLRELU_AUTO_HOST=0 turns it off. */
#include "check.h"
#include "clrelu_tune.h"
#include "ref_compare.h"
#include "tune/tune.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Every op at sizes 1..~1000 on dev, forward and backward, against the reference. */
static void small_tensors(clrelu_context *ctx, const clrelu_device *dev, const char *label)
{
    static const size_t sizes[] = {1, 3, 16, 17, 100, 1000, 1024};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        for (int t = 0; t < CLRELU_DTYPE_COUNT; t++) {
            clrelu_dtype dt = (clrelu_dtype)t;
            if (!clrelu_device_get_info(dev)->dtype_supported[dt])
                continue;
            double *v = malloc(n * sizeof *v);
            void *x = ref_alloc(dt, n), *g = ref_alloc(dt, n), *w = ref_alloc(dt, 1), *gw = ref_alloc(dt, 1);
            ref_random_values(v, n, n + (size_t)t, dt);
            ref_fill(x, dt, v, n);
            ref_random_values(v, n, n * 3 + 1, dt);
            ref_fill(g, dt, v, n);
            const double slope = 0.3;
            ref_fill(w, dt, &slope, 1);
            for (int k = 0; k < clrelu_op_count(); k++)
                for (int dir = 0; dir < 2; dir++) {
                    const clrelu_op_desc *op = clrelu_op_get(k);
                    clrelu_op_args a = {.op = op->name, .dtype = dt, .count = n, .x = x, .grad_output = dir ? g : NULL};
                    if (op->per_channel) {
                        a.weight = w;
                        a.grad_weight = dir ? gw : NULL;
                    }
                    char full[128];
                    snprintf(full, sizeof full, "%s, %zu elements", label, n);
                    ref_run_check(ctx, dev, &a, REF_OUT_OF_PLACE, full);
                    ref_run_check(ctx, dev, &a, REF_IN_PLACE_X, full);
                }
            free(v);
            free(x);
            free(g);
            free(w);
            free(gw);
        }
    }
}

static clrelu_context *ctx_in(const char *dir)
{
    clrelu_context_options o = {.cache_dir = dir};
    return check_context(&o);
}

/* Where one call of op on dev ran: true on the host. */
static bool ran_on_host(clrelu_context *ctx, const clrelu_device *dev, const char *op, clrelu_dtype t, size_t n)
{
    void *x = ref_alloc(t, n), *y = ref_alloc(t, n);
    memset(x, 0, n * clrelu_dtype_size(t));
    clrelu_timing tm;
    clrelu_op_args a = {.op = op, .dtype = t, .count = n, .x = x, .y = y, .timing = &tm};
    CHECK_OK(clrelu_run(ctx, dev, &a));
    free(x);
    free(y);
    return tm.ran_on && clrelu_device_get_info(tm.ran_on)->type == CLRELU_DEVICE_HOST;
}

/* A tuning file with a different crossover per class and dtype: each op goes by its own class's
 * and dtype's, in the dispatcher's answer and in where clrelu_run really runs. */
static void stored_crossovers(const char *dir, const char *id)
{
    clrelu_context *ctx = ctx_in(dir);
    const clrelu_device *dev = NULL;
    CHECK_OK(clrelu_device_select(ctx, id, &dev));
    char path[1200], fp[33];
    CHECK_OK(clrelu_tune_file(ctx, dev, path, sizeof path));
    snprintf(fp, sizeof fp, "%.32s", strrchr(path, '/') + 1);
    clrelu_context_destroy(ctx);
    tune_record rec;
    memset(&rec, 0, sizeof rec);
    for (int c = 0; c < CLRELU_OP_CLASS_COUNT; c++)
        for (int t = 0; t < CLRELU_DTYPE_COUNT; t++)
            rec.have_cross[c][t] = true; /* all known: nothing is measured */
    rec.cross[CLRELU_OP_CLASS_PIECEWISE][CLRELU_F32] = 5000;
    rec.cross[CLRELU_OP_CLASS_SMOOTH][CLRELU_F32] = 300000;
    rec.cross[CLRELU_OP_CLASS_PIECEWISE][CLRELU_F16] = 0;
    rec.cross[CLRELU_OP_CLASS_SMOOTH][CLRELU_F16] = UINT64_MAX;
    CHECK_OK(clr_tune_store(dir, fp, &rec));

    ctx = ctx_in(dir);
    CHECK_OK(clrelu_device_select(ctx, id, &dev));
    static const struct {
        const char *op;
        clrelu_dtype t;
        size_t n;
        bool host;
    } cases[] = {
        {"relu", CLRELU_F32, 4999, true},       {"relu", CLRELU_F32, 5000, false},
        {"leaky_relu", CLRELU_F32, 4999, true}, {"prelu", CLRELU_F32, 5000, false},
        {"silu", CLRELU_F32, 5000, true},       {"gelu", CLRELU_F32, 299999, true},
        {"tanh", CLRELU_F32, 300000, false},    {"relu", CLRELU_F16, 1, false},
        {"sigmoid", CLRELU_F16, 1, true},       {"elu", CLRELU_F16, (size_t)1 << 22, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool on_host = !cases[i].host;
        CHECK_OK(clrelu_tune_runs_on_host_op(ctx, dev, cases[i].op, cases[i].t, cases[i].n, &on_host));
        CHECK(on_host == cases[i].host, "stored crossovers: %s %s %zu elements: on_host %d", cases[i].op,
              clrelu_dtype_name(cases[i].t), cases[i].n, on_host);
        if (strcmp(cases[i].op, "prelu") != 0)
            CHECK(ran_on_host(ctx, dev, cases[i].op, cases[i].t, cases[i].n) == cases[i].host,
                  "stored crossovers: %s %s %zu elements ran on the wrong device", cases[i].op,
                  clrelu_dtype_name(cases[i].t), cases[i].n);
    }
    uint64_t got = 0;
    CHECK_OK(clrelu_tune_get_crossover_of(ctx, dev, CLRELU_OP_CLASS_SMOOTH, CLRELU_F32, &got));
    CHECK(got == 300000, "smooth float32 crossover %llu, stored 300000", (unsigned long long)got);
    CHECK_OK(clrelu_tune_get_crossover(ctx, dev, &got));
    CHECK(got == 5000, "piecewise float32 crossover %llu, stored 5000", (unsigned long long)got);
    clrelu_context_destroy(ctx);
}

/* An empty cache: the smooth float32 crossover is measured on first use (not copied from relu's),
 * kept in the tuning file, and the next context reads it from there. */
static void fresh_cache(const char *dir, const char *id)
{
    clrelu_context *ctx = ctx_in(dir);
    const clrelu_device *dev = NULL;
    CHECK_OK(clrelu_device_select(ctx, id, &dev));
    char path[1200];
    CHECK_OK(clrelu_tune_file(ctx, dev, path, sizeof path));
    unlink(path);
    bool on_host = false;
    /* a 1K silu is far below any crossover: the first call measures it and runs on the host */
    CHECK(ran_on_host(ctx, dev, "silu", CLRELU_F32, 1024), "fresh cache: a 1K silu ran on %s", id);
    uint64_t smooth = 0;
    CHECK_OK(clrelu_tune_get_crossover_of(ctx, dev, CLRELU_OP_CLASS_SMOOTH, CLRELU_F32, &smooth));
    CHECK(smooth >= 1024, "fresh cache: smooth float32 crossover %llu", (unsigned long long)smooth);
    if (smooth != UINT64_MAX) {
        CHECK_OK(clrelu_tune_runs_on_host_op(ctx, dev, "gelu", CLRELU_F32, (size_t)smooth, &on_host));
        CHECK(!on_host, "fresh cache: gelu at the smooth crossover (%llu) goes to the host", (unsigned long long)smooth);
    }
    clrelu_context_destroy(ctx);
    tune_record rec;
    char fp[33];
    snprintf(fp, sizeof fp, "%.32s", strrchr(path, '/') + 1);
    CHECK_OK(clr_tune_load(dir, fp, &rec));
    CHECK(rec.have_cross[CLRELU_OP_CLASS_SMOOTH][CLRELU_F32] && rec.cross[CLRELU_OP_CLASS_SMOOTH][CLRELU_F32] == smooth,
          "fresh cache: the measured smooth crossover is not in %s", path);
    CHECK(!rec.have_cross[CLRELU_OP_CLASS_PIECEWISE][CLRELU_F16], "fresh cache: an unused class/dtype was measured");
    ctx = ctx_in(dir);
    CHECK_OK(clrelu_device_select(ctx, id, &dev));
    uint64_t again = 0;
    CHECK_OK(clrelu_tune_get_crossover_of(ctx, dev, CLRELU_OP_CLASS_SMOOTH, CLRELU_F32, &again));
    CHECK(again == smooth, "fresh cache: stored %llu, the next context has %llu", (unsigned long long)smooth,
          (unsigned long long)again);
    clrelu_context_destroy(ctx);
}

int main(void)
{
    setenv("CLRELU_AUTO_HOST", "1", 1);
    clrelu_context *ctx = check_context(NULL);
    const clrelu_device *dev = NULL;
    CHECK_OK(clrelu_device_select(ctx, "auto", &dev));
    const clrelu_device_info *info = clrelu_device_get_info(dev);
    if (strcmp(info->backend, "opencl") != 0) {
        if (getenv("CLRELU_NO_OPENCL")) {
            fprintf(stderr, "CLRELU_NO_OPENCL is set: auto is the host device\n");
            return 77;
        }
        fprintf(stderr, "auto selected %s, not an OpenCL device (is PoCL installed?)\n", info->id);
        return 1;
    }

    /* auto still names the best device; the crossover is measured, at least the smallest size */
    uint64_t cross = 0;
    CHECK_OK(clrelu_tune_get_crossover(ctx, dev, &cross));
    CHECK(cross >= 1024, "crossover %llu: a 1K relu should not pay a kernel launch", (unsigned long long)cross);
    bool on_host = false;
    CHECK_OK(clrelu_tune_runs_on_host(ctx, dev, CLRELU_F32, 1024, &on_host));
    CHECK(on_host, "1K elements on %s do not go to the host (crossover %llu)", info->id, (unsigned long long)cross);
    CHECK_OK(clrelu_tune_runs_on_host(ctx, dev, CLRELU_F32, (size_t)cross, &on_host));
    CHECK(!on_host, "a tensor of exactly the crossover (%llu) goes to the host", (unsigned long long)cross);
    small_tensors(ctx, dev, "auto, delegated");
    char id[64];
    snprintf(id, sizeof id, "%s", info->id);
    clrelu_context_destroy(ctx);

    char dir[] = "/tmp/clrelu-test-auto-XXXXXX";
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    fresh_cache(dir, id);
    stored_crossovers(dir, id);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0, "cleanup of %s", dir);

    /* disabled: the same calls run on the device's kernels, still exact */
    setenv("CLRELU_AUTO_HOST", "0", 1);
    ctx = check_context(NULL);
    CHECK_OK(clrelu_device_select(ctx, "auto", &dev));
    CHECK_OK(clrelu_tune_runs_on_host(ctx, dev, CLRELU_F32, 1, &on_host));
    CHECK(!on_host, "CLRELU_AUTO_HOST=0: a 1-element call still goes to the host");
    small_tensors(ctx, dev, "auto, CLRELU_AUTO_HOST=0");
    clrelu_context_destroy(ctx);

    /* contexts that ask for the device's own kernels never delegate */
    setenv("CLRELU_AUTO_HOST", "1", 1);
    clrelu_context_options o = {.max_chunk_bytes = 1 << 20};
    ctx = check_context(&o);
    CHECK_OK(clrelu_device_select(ctx, "auto", &dev));
    CHECK_OK(clrelu_tune_runs_on_host(ctx, dev, CLRELU_F32, 1, &on_host));
    CHECK(!on_host, "max_chunk_bytes context delegates to the host");
    clrelu_context_destroy(ctx);
    return check_summary("test_auto_crossover");
}
