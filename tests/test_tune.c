/* test_tune.c: the tuning file — round trip, corrupt or foreign files ignored, tuned configs used with exact results, on every OpenCL device. */
#include "check.h"
#include "clrelu_tune.h"
#include "oclgrind/quick.h"
#include "ref_compare.h"
#include "tune/tune.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static clrelu_context *open_ctx(const char *dir)
{
    clrelu_context_options o = {.cache_dir = dir, .max_chunk_bytes = test_quick() ? QUICK_CHUNK_BYTES : 0};
    return check_context(&o);
}

/* The device `id` ("cpu:0", "gpu:0", ...) of ctx; exits with a failure if there is none. */
static const clrelu_device *device(clrelu_context *ctx, const char *id)
{
    const clrelu_device *dev = NULL;
    if (clrelu_device_select(ctx, id, &dev) != CLRELU_OK) {
        fprintf(stderr, "no device %s: %s\n", id, clrelu_last_error());
        exit(1);
    }
    return dev;
}

/* relu/leaky_relu/prelu forward and backward at sizes with vector tails, exact on dev. */
static void exact_runs(clrelu_context *ctx, const clrelu_device *dev, const char *label)
{
    static const char *const ops[] = {"relu", "leaky_relu", "hardtanh", "prelu"};
    static const size_t sizes[] = {1, 15, 16, 17, 1000, 65536 + 13};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = test_quick() && sizes[s] > 4096 ? 4096 + 13 : sizes[s]; /* quick: tests/oclgrind/quick.h */
        double *v = malloc(n * sizeof *v);
        void *x = ref_alloc(CLRELU_F32, n), *g = ref_alloc(CLRELU_F32, n), *w = ref_alloc(CLRELU_F32, 2);
        ref_random_values(v, n, n, CLRELU_F32);
        ref_fill(x, CLRELU_F32, v, n);
        ref_random_values(v, n, n + 9, CLRELU_F32);
        ref_fill(g, CLRELU_F32, v, n);
        const double slopes[2] = {0.125, -2.0};
        ref_fill(w, CLRELU_F32, slopes, 2);
        for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
            for (int dir = 0; dir < 2; dir++) {
                size_t shape[3] = {1, 2, n / 2};
                clrelu_op_args a = {.op = ops[k], .dtype = CLRELU_F32, .count = n, .x = x,
                                    .grad_output = dir ? g : NULL};
                if (!strcmp(ops[k], "prelu")) {
                    a.shape = shape;
                    a.rank = 3;
                    a.count = 2 * (n / 2);
                    a.weight = w;
                }
                ref_run_check(ctx, dev, &a, REF_OUT_OF_PLACE, label);
                ref_run_check(ctx, dev, &a, REF_IN_PLACE_X, label);
            }
        free(v);
        free(x);
        free(g);
        free(w);
    }
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL, "cannot write %s", path);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* dir/<fp>.tune holding body and its checksum line, as tune.c writes it (FNV-1a 64 of the body). */
static void write_signed(const char *dir, const char *fp, const char *body)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (const unsigned char *p = (const unsigned char *)body; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ull;
    }
    char path[1200], text[1024];
    snprintf(path, sizeof path, "%s/%s.tune", dir, fp);
    snprintf(text, sizeof text, "%send %016llx\n", body, (unsigned long long)h);
    write_file(path, text);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = calloc(1, 8192);
    if (buf && fread(buf, 1, 8191, f) == 0)
        buf[0] = '\0';
    fclose(f);
    return buf;
}

/* Parts 2 to 4 on the OpenCL device `id`, its tuning file in dir. */
static void tune_on(const char *dir, const char *id)
{
    tune_record rec;
    /* 2. a tuned config is used, and results stay exact: vw 4, tiny work-groups, 3 vectors per item */
    clrelu_context *ctx = open_ctx(dir);
    const clrelu_device *dev = device(ctx, id);
    printf("test_tune: %s (%s)\n", id, clrelu_device_get_info(dev)->name);
    if (clrelu_device_get_info(dev)->type == CLRELU_DEVICE_ACCELERATOR) {
        /* accelerators (FPGAs) run the single work-item kernels, which have no launch parameters */
        clrelu_tune_result none;
        CHECK(clrelu_tune_device(ctx, dev, CLRELU_F32, 1024, &none) == CLRELU_ERR_UNSUPPORTED,
              "tuning the accelerator %s did not answer unsupported", id);
        clrelu_context_destroy(ctx);
        return;
    }
    char path[1200];
    CHECK_OK(clrelu_tune_file(ctx, dev, path, sizeof path));
    const char *slash = strrchr(path, '/');
    char fp[64] = "";
    snprintf(fp, sizeof fp, "%.32s", slash ? slash + 1 : "");
    memset(&rec, 0, sizeof rec);
    rec.have[CLRELU_F32] = true;
    rec.cfg[CLRELU_F32] = (tune_cfg){4, 8, 3};
    CHECK_OK(clr_tune_store(dir, fp, &rec));
    clrelu_context_destroy(ctx);

    ctx = open_ctx(dir);
    dev = device(ctx, id);
    clrelu_tune_config cfg;
    bool tuned = false;
    CHECK_OK(clrelu_tune_active(ctx, dev, CLRELU_F32, &cfg, &tuned));
    CHECK(tuned && cfg.vector_width == 4 && cfg.work_group_size == 8 && cfg.vectors_per_item == 3,
          "tuned config not in use: tuned=%d vw=%u wg=%u ept=%u", tuned, cfg.vector_width, cfg.work_group_size,
          cfg.vectors_per_item);
    exact_runs(ctx, dev, "tuned vw4 wg8 ept3");
    clrelu_context_destroy(ctx);

    /* 3. corrupt files are ignored: defaults, results exact */
    char *good = read_file(path);
    CHECK(good != NULL && strstr(good, "float32 4 8 3") != NULL, "tuning file %s lacks the config", path);
    const char *bad[] = {"garbage\n", "", "clrelu-tune 1\ndevice x\nend 0\n", NULL};
    char edited[8192];
    if (good) {
        /* same text, a changed value: the checksum no longer matches */
        snprintf(edited, sizeof edited, "%s", good);
        char *p = strstr(edited, "float32 4 8 3");
        if (p)
            p[8] = '8';
        bad[3] = edited;
    }
    for (int i = 0; i < 4; i++) {
        if (!bad[i])
            continue;
        write_file(path, bad[i]);
        ctx = open_ctx(dir);
        dev = device(ctx, id);
        CHECK_OK(clrelu_tune_active(ctx, dev, CLRELU_F32, &cfg, &tuned));
        CHECK(!tuned && cfg.work_group_size == 0, "corrupt tuning file %d was used (wg %u)", i, cfg.work_group_size);
        exact_runs(ctx, dev, "corrupt tuning file");
        clrelu_context_destroy(ctx);
    }
    /* a truncated good file */
    if (good) {
        good[strlen(good) / 2] = '\0';
        write_file(path, good);
        ctx = open_ctx(dir);
        dev = device(ctx, id);
        CHECK_OK(clrelu_tune_active(ctx, dev, CLRELU_F32, &cfg, &tuned));
        CHECK(!tuned, "truncated tuning file was used");
        clrelu_context_destroy(ctx);
    }
    free(good);

    /* 4. the tuner itself (small size): stores a file the next context uses, results exact */
    unlink(path);
    ctx = open_ctx(dir);
    dev = device(ctx, id);
    clrelu_tune_result r;
    CHECK_OK(clrelu_tune_device(ctx, dev, CLRELU_F32, test_quick() ? 1 << 12 : 1 << 16, &r));
    CHECK(r.candidates > 1 && r.best_gbps > 0 && r.best.vector_width >= 4, "tuner: %d candidates, %.1f GB/s, vw %u",
          r.candidates, r.best_gbps, r.best.vector_width);
    CHECK(access(path, R_OK) == 0, "tuner wrote no %s", path);
    uint64_t cross = 0;
    CHECK_OK(clrelu_tune_crossover(ctx, dev, &cross));
    CHECK(cross >= 1024, "crossover %llu below the smallest measured size", (unsigned long long)cross);
    clrelu_context_destroy(ctx);
    ctx = open_ctx(dir);
    dev = device(ctx, id);
    CHECK_OK(clrelu_tune_active(ctx, dev, CLRELU_F32, &cfg, &tuned));
    CHECK(tuned && cfg.vector_width == r.best.vector_width && cfg.work_group_size == r.best.work_group_size &&
              cfg.vectors_per_item == r.best.vectors_per_item,
          "stored tuning not loaded");
    uint64_t cross2 = 0;
    CHECK_OK(clrelu_tune_get_crossover(ctx, dev, &cross2));
    CHECK(cross2 == cross, "stored crossover %llu loaded as %llu", (unsigned long long)cross,
          (unsigned long long)cross2);
    /* every class and supported dtype was measured and stored, each loaded as written */
    tune_record stored;
    CHECK_OK(clr_tune_load(dir, fp, &stored));
    for (int c = 0; c < CLRELU_OP_CLASS_COUNT; c++)
        for (int t = 0; t < CLRELU_DTYPE_COUNT; t++) {
            if (!clrelu_device_get_info(dev)->dtype_supported[t])
                continue;
            CHECK(stored.have_cross[c][t], "no %s %s crossover stored", clrelu_op_class_name((clrelu_op_class)c),
                  clrelu_dtype_name((clrelu_dtype)t));
            uint64_t got = 0;
            CHECK_OK(clrelu_tune_get_crossover_of(ctx, dev, (clrelu_op_class)c, (clrelu_dtype)t, &got));
            CHECK(got == stored.cross[c][t] && got >= 1024, "%s %s crossover %llu, stored %llu",
                  clrelu_op_class_name((clrelu_op_class)c), clrelu_dtype_name((clrelu_dtype)t),
                  (unsigned long long)got, (unsigned long long)stored.cross[c][t]);
        }
    exact_runs(ctx, dev, "after clrelu_tune_device");
    const clrelu_device *host = NULL;
    CHECK_OK(clrelu_device_select(ctx, "host", &host));
    clrelu_tune_result hr;
    CHECK(clrelu_tune_device(ctx, host, CLRELU_F32, 0, &hr) == CLRELU_ERR_UNSUPPORTED, "tuning the host device");
    clrelu_context_destroy(ctx);
}

int main(void)
{
    setenv("CLRELU_AUTO_HOST", "0", 1); /* every call here must reach the kernels */
    char dir[] = "/tmp/clrelu-test-tune-XXXXXX";
    if (!mkdtemp(dir)) {
        fprintf(stderr, "mkdtemp failed\n");
        return 1;
    }

    /* 1. round trip of the file format, through the private API */
    tune_record rec, back;
    memset(&rec, 0, sizeof rec);
    rec.have[CLRELU_F32] = true;
    rec.cfg[CLRELU_F32] = (tune_cfg){8, 16, 3};
    rec.have[CLRELU_BF16] = true;
    rec.cfg[CLRELU_BF16] = (tune_cfg){16, 64, 0};
    /* a crossover per op class and dtype, "the host at every size" included */
    rec.have_cross[CLRELU_OP_CLASS_PIECEWISE][CLRELU_F32] = true;
    rec.cross[CLRELU_OP_CLASS_PIECEWISE][CLRELU_F32] = 12345;
    rec.have_cross[CLRELU_OP_CLASS_SMOOTH][CLRELU_F32] = true;
    rec.cross[CLRELU_OP_CLASS_SMOOTH][CLRELU_F32] = 678;
    rec.have_cross[CLRELU_OP_CLASS_SMOOTH][CLRELU_F16] = true;
    rec.cross[CLRELU_OP_CLASS_SMOOTH][CLRELU_F16] = UINT64_MAX;
    rec.have_cross[CLRELU_OP_CLASS_PIECEWISE][CLRELU_BF16] = true;
    rec.cross[CLRELU_OP_CLASS_PIECEWISE][CLRELU_BF16] = 0;
    CHECK_OK(clr_tune_store(dir, "0123456789abcdef0123456789abcdef", &rec));
    CHECK_OK(clr_tune_load(dir, "0123456789abcdef0123456789abcdef", &back));
    CHECK(memcmp(&rec, &back, sizeof rec) == 0, "tune record did not round-trip");
    /* a file from before the per-class crossovers ("crossover N", measured on float32 relu) */
    write_signed(dir, "00000000000000000000000000000001",
                 "clrelu-tune 1\ndevice 00000000000000000000000000000001\nfloat32 8 16 3\ncrossover 4321\n");
    CHECK_OK(clr_tune_load(dir, "00000000000000000000000000000001", &back));
    CHECK(back.have[CLRELU_F32] && back.have_cross[CLRELU_OP_CLASS_PIECEWISE][CLRELU_F32] &&
              back.cross[CLRELU_OP_CLASS_PIECEWISE][CLRELU_F32] == 4321 &&
              !back.have_cross[CLRELU_OP_CLASS_SMOOTH][CLRELU_F32],
          "an old file's crossover is not the piecewise float32 one");
    /* a version 1 file's smooth float64 crossover was measured against the scalar float64 host:
     * dropped; its other lines kept */
    write_signed(dir, "00000000000000000000000000000003",
                 "clrelu-tune 1\ndevice 00000000000000000000000000000003\nfloat32 8 16 3\n"
                 "crossover smooth float64 11344\ncrossover smooth float32 99\n");
    CHECK_OK(clr_tune_load(dir, "00000000000000000000000000000003", &back));
    CHECK(back.have[CLRELU_F32] && !back.have_cross[CLRELU_OP_CLASS_SMOOTH][CLRELU_F64] &&
              back.have_cross[CLRELU_OP_CLASS_SMOOTH][CLRELU_F32] && back.cross[CLRELU_OP_CLASS_SMOOTH][CLRELU_F32] == 99,
          "a version 1 file's smooth float64 crossover was kept, or its other lines lost");
    /* the same line in a current file is kept */
    write_signed(dir, "00000000000000000000000000000004",
                 "clrelu-tune 2\ndevice 00000000000000000000000000000004\ncrossover smooth float64 11344\n");
    CHECK_OK(clr_tune_load(dir, "00000000000000000000000000000004", &back));
    CHECK(back.have_cross[CLRELU_OP_CLASS_SMOOTH][CLRELU_F64] && back.cross[CLRELU_OP_CLASS_SMOOTH][CLRELU_F64] == 11344,
          "a current file's smooth float64 crossover was not kept");
    /* an unknown class is a malformed file */
    write_signed(dir, "00000000000000000000000000000002",
                 "clrelu-tune 1\ndevice 00000000000000000000000000000002\ncrossover wavy float32 1\n");
    CHECK(clr_tune_load(dir, "00000000000000000000000000000002", &back) == CLRELU_ERR_IO, "unknown class accepted");
    CHECK(clr_tune_load(dir, "ffffffffffffffffffffffffffffffff", &back) == CLRELU_ERR_NOT_FOUND, "missing file not NOT_FOUND");

    /* parts 2 to 4 on every OpenCL device */
    clrelu_context *ctx = open_ctx(dir);
    char ids[16][64];
    int n_ids = 0;
    for (int i = 0; i < clrelu_device_count(ctx) && n_ids < 16; i++) {
        const clrelu_device_info *info = clrelu_device_get_info(clrelu_device_at(ctx, i));
        if (strcmp(info->backend, "opencl") == 0)
            snprintf(ids[n_ids++], sizeof ids[0], "%s", info->id);
    }
    clrelu_context_destroy(ctx);
    if (!n_ids) {
        if (getenv("CLRELU_NO_OPENCL")) {
            fprintf(stderr, "CLRELU_NO_OPENCL is set: nothing to tune\n");
            return 77;
        }
        fprintf(stderr, "no OpenCL device (is PoCL installed?)\n");
        return 1;
    }
    for (int i = 0; i < n_ids; i++)
        tune_on(dir, ids[i]);

    char cmd[1300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0, "cleanup of %s", dir);
    return check_summary("test_tune");
}
