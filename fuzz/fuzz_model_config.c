/* fuzz_model_config.c: libFuzzer harness for the model config loader (clrelu_model_load_config):
 * config.json bytes → a checked model, with weights from a scratch folder of small .npy files. */
#include "fuzz.h"

#include "clrelu_model.h"
#include "model/model_config.h"
#include "clrelu_npy.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char model_dir[256];
static pthread_once_t dir_once = PTHREAD_ONCE_INIT;

static const char *const dir_files[] = {"w2x2.npy", "w2x3.npy", "w3x2.npy", "w1x4.npy", "w4x1.npy", "v1.npy",
                                        "v2.npy", "v3.npy", "v4.npy", "d2x2.npy", "junk.npy"};

/* Remove the scratch folder at exit. */
static void remove_dir(void)
{
    char path[512];
    for (size_t i = 0; i < sizeof dir_files / sizeof dir_files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", model_dir, dir_files[i]);
        unlink(path);
    }
    rmdir(model_dir);
}

/* The scratch folder the seeds name files in (dir_files): w<out>x<in>.npy matrices, v<n>.npy
 * vectors, one float64 matrix and one file that is not .npy; removed when the process exits. */
static void make_dir(void)
{
    snprintf(model_dir, sizeof model_dir, "%s/clrelu-fuzz-model.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(model_dir)) {
        model_dir[0] = '\0';
        return;
    }
    atexit(remove_dir);
    float vals[16];
    for (int i = 0; i < 16; i++)
        vals[i] = (float)(i % 5) - 2.0f;
    static const size_t mats[][2] = {{2, 2}, {2, 3}, {3, 2}, {1, 4}, {4, 1}};
    char path[512];
    for (size_t i = 0; i < sizeof mats / sizeof mats[0]; i++) {
        snprintf(path, sizeof path, "%s/w%zux%zu.npy", model_dir, mats[i][0], mats[i][1]);
        clrelu_npy_write(path, CLRELU_F32, mats[i], 2, vals);
    }
    for (size_t n = 1; n <= 4; n++) {
        snprintf(path, sizeof path, "%s/v%zu.npy", model_dir, n);
        clrelu_npy_write(path, CLRELU_F32, &n, 1, vals);
    }
    double d[4] = {0.5, -1, 2, 0};
    size_t shape[2] = {2, 2};
    snprintf(path, sizeof path, "%s/d2x2.npy", model_dir);
    clrelu_npy_write(path, CLRELU_F64, shape, 2, d);
    snprintf(path, sizeof path, "%s/junk.npy", model_dir);
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs("\x93NUMPY not really", f);
        fclose(f);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pthread_once(&dir_once, make_dir);
    if (!model_dir[0])
        abort();
    clrelu_model *m = NULL;
    if (clrelu_model_load_config(model_dir, (const char *)data, size, &m) != CLRELU_OK) {
        if (m)
            abort();
        return 0;
    }
    /* A loaded model is consistent: layers chain, and a forward pass on the host device runs. */
    int n = clrelu_model_layer_count(m);
    if (n < 1 || n > 64 || !clrelu_model_name(m) || !clrelu_model_description(m))
        abort();
    for (int i = 0; i < n; i++) {
        const clrelu_layer_info *L = clrelu_model_layer(m, i);
        if (!L || L->in < 1 || L->out < 1 || (i && L->in != clrelu_model_layer(m, i - 1)->out))
            abort();
    }
    size_t in = clrelu_model_input_size(m), out = clrelu_model_output_size(m);
    clrelu_context *ctx = fuzz_host_context();
    if (ctx && in <= 64 && out <= 64) {
        size_t es = clrelu_dtype_size(clrelu_model_dtype(m));
        void *x = calloc(in, es), *y = calloc(out, es);
        const clrelu_device *dev = NULL;
        if (x && y && clrelu_device_count(ctx) > 0 && (dev = clrelu_device_at(ctx, 0)) != NULL)
            (void)clrelu_model_forward(ctx, dev, m, x, 1, y, NULL, NULL);
        free(x);
        free(y);
    }
    clrelu_model_free(m);
    return 0;
}
