/* kernels.c: bench_kernels — every op's kernel bandwidth next to the engine's copy/add ceiling on the same host buffers, same run. */
#include "clrelu.h"
#include "clrelu_bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    clrelu_context *ctx;
    const clrelu_device *dev, *host;
    int reps;
    int failures;
    bool ceiling_failed;        /* a ceiling failed (reported once) */
} bench;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_u64);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Device time of one ceiling on the same arrays as the op: the engine's copy (forward: read N,
 * write N; g == NULL) or add (backward: read 2N, write N) kernel of the op kernels' vector shape
 * (kernels/bench.cl), storing the way the library's call stores (streaming stores exactly where
 * clrelu_run would use them for these arrays). Each call sets the kernel up afresh, and a fresh
 * kernel's first launch runs slower (about 30% at 1M 16-bit elements on PoCL), so one untimed
 * launch goes first. 0 when it cannot be measured (reported once). */
static uint64_t ceiling_run(bench *b, clrelu_dtype t, size_t n, const void *a, const void *g, void *c)
{
    double ns = 0;
    clrelu_status st = clrelu_bench_ceiling_measure(b->ctx, b->dev, g ? CLRELU_CEIL_ADD : CLRELU_CEIL_COPY, t, a, g,
                                                    c, n, 1, 1, &ns);
    if (st != CLRELU_OK) {
        if (!b->ceiling_failed)
            fprintf(stderr, "bench_kernels: the %s ceiling failed: %s\n", g ? "add" : "copy", clrelu_last_error());
        b->ceiling_failed = true;
        return 0;
    }
    return (uint64_t)ns;
}

static void fill(void *p, clrelu_dtype t, size_t n, unsigned seed)
{
    float *tmp = malloc(n * sizeof *tmp);
    srand(seed);
    for (size_t i = 0; i < n; i++)
        tmp[i] = (float)rand() / (float)RAND_MAX * 8.0f - 4.0f;
    clrelu_convert(tmp, CLRELU_F32, p, t, n);
    free(tmp);
}

/* One case: `reps` interleaved pairs of (ceiling kernel, library call) on the same arrays. */
static void run_case(bench *b, const clrelu_op_desc *op, clrelu_dtype t, size_t n, bool backward, bool in_place,
                     void *x, void *g, void *y, void *ref)
{
    size_t es = clrelu_dtype_size(t), bytes = n * es;
    size_t shape[3] = {4, 16, n / 64};
    double wraw[16]; /* 16 slopes in any dtype */
    float wf[16];
    for (int i = 0; i < 16; i++)
        wf[i] = 0.05f * (float)(i + 1);
    clrelu_convert(wf, CLRELU_F32, wraw, t, 16);
    clrelu_op_args a = {.op = op->name, .dtype = t, .count = n, .x = x, .y = y};
    if (op->per_channel) {
        a.shape = shape;
        a.rank = 3;
        a.weight = wraw;
    }
    if (backward)
        a.grad_output = g;
    uint64_t *kern = calloc((size_t)b->reps, sizeof *kern), *tot = calloc((size_t)b->reps, sizeof *tot),
             *cei = calloc((size_t)b->reps, sizeof *cei);
    clrelu_timing tm;
    a.timing = &tm;
    if (in_place) {
        /* the op overwrites its input (x, or g for backward): it runs on y, refilled before each call */
        memcpy(y, backward ? g : x, bytes);
        if (backward)
            a.grad_output = y;
        else
            a.x = y;
    }
    /* warm-up (program build, first-launch specialisation) in the case's placement */
    if (clrelu_run(b->ctx, b->dev, &a) != CLRELU_OK) {
        printf("%-10s %-8s %-3s %-6s %5zuM  FAILED: %s\n", op->name, clrelu_dtype_name(t), backward ? "bwd" : "fwd",
               in_place ? "inpl" : "out", n >> 20, clrelu_last_error());
        b->failures++;
        goto out;
    }
    bool streamed = tm.streaming_stores;
    for (int r = 0; r < b->reps; r++) {
        /* the ceiling in the same placement: in place it reads and writes the same array (no
         * write-allocate traffic), as the op does */
        if (in_place)
            cei[r] = ceiling_run(b, t, n, backward ? x : y, backward ? y : NULL, y);
        else
            cei[r] = ceiling_run(b, t, n, x, backward ? g : NULL, y);
        if (in_place)
            memcpy(y, backward ? g : x, bytes);
        clrelu_run(b->ctx, b->dev, &a);
        kern[r] = tm.kernel_ns;
        tot[r] = tm.total_ns;
    }
    /* validate the last result against the host device */
    clrelu_op_args h = a;
    h.x = x;
    h.grad_output = backward ? g : NULL;
    h.y = ref;
    h.timing = NULL;
    if (clrelu_run(b->ctx, b->host, &h) == CLRELU_OK) {
        size_t bad = 0;
        if (op->bit_exact)
            bad = memcmp(ref, y, bytes) != 0;
        else {
            float *fr = malloc(n * sizeof *fr), *fy = malloc(n * sizeof *fy);
            clrelu_convert(ref, t, fr, CLRELU_F32, n);
            clrelu_convert(y, t, fy, CLRELU_F32, n);
            double tol = t == CLRELU_F32 ? 1e-4 : 2e-2;
            for (size_t i = 0; i < n && !bad; i++)
                bad = fabsf(fr[i] - fy[i]) > tol * (1.0 + fabsf(fr[i])) && !(isnan(fr[i]) && isnan(fy[i]));
            free(fr);
            free(fy);
        }
        if (bad) {
            b->failures++;
            printf("%-10s %s: result differs from the host device\n", op->name, clrelu_dtype_name(t));
        }
    }
    double moved = (double)bytes * (backward ? 3.0 : 2.0);
    uint64_t mk = median(kern, b->reps), mt = median(tot, b->reps), mc = median(cei, b->reps);
    double gk = moved / (double)mk, gc = moved / (double)mc;
    printf("%-10s %-8s %-3s %-4s %-3s %5zuM %8.1f %8.1f %7.3f %8.3f  %s\n", op->name, clrelu_dtype_name(t),
           backward ? "bwd" : "fwd", in_place ? "in" : "out", streamed ? "nt" : "-", n >> 20, gk, gc, gk / gc,
           (double)mt / (double)mk, op->flops_per_element > 4 ? "(transcendental)" : "");
    fflush(stdout);
out:
    free(kern);
    free(tot);
    free(cei);
}

/* 1K-element relu through the library on `auto` against a plain C loop, interleaved batches. */
static void small_tensor(bench *b)
{
    enum { N = 1024, BATCH = 200, ROUNDS = 31 };
    static float x[N], y[N], z[N];
    for (int i = 0; i < N; i++)
        x[i] = (float)(i % 17) - 8.0f;
    const clrelu_device *dev = NULL;
    clrelu_device_select(b->ctx, "auto", &dev);
    clrelu_op_args a = {.op = "relu", .dtype = CLRELU_F32, .count = N, .x = x, .y = y};
    uint64_t lib[ROUNDS], loop[ROUNDS];
    for (int w = 0; w < 50; w++)
        clrelu_run(b->ctx, dev, &a);
    for (int r = 0; r < ROUNDS; r++) {
        uint64_t t0 = now_ns();
        for (int i = 0; i < BATCH; i++)
            clrelu_run(b->ctx, dev, &a);
        uint64_t t1 = now_ns();
        for (int i = 0; i < BATCH; i++) {
            volatile float *vz = z;
            for (int j = 0; j < N; j++)
                z[j] = x[j] < 0 ? 0.0f : x[j];
            (void)vz[i % N];
        }
        uint64_t t2 = now_ns();
        lib[r] = (t1 - t0) / BATCH;
        loop[r] = (t2 - t1) / BATCH;
    }
    uint64_t ml = median(lib, ROUNDS), mc = median(loop, ROUNDS);
    printf("\n1K relu on auto (%s): library %.2f us, C loop %.2f us, ratio %.2fx (goal <= 1.5x); results %s\n",
           clrelu_device_get_info(dev)->id, (double)ml / 1e3, (double)mc / 1e3, (double)ml / (double)mc,
           memcmp(y, z, sizeof y) ? "DIFFER" : "equal");
}

static size_t parse_size(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (*end == 'K' || *end == 'k')
        v *= 1024;
    else if (*end == 'M' || *end == 'm')
        v *= 1024 * 1024;
    return (size_t)v;
}

int main(int argc, char **argv)
{
    const char *sel = "cpu", *ops = NULL, *sizes = "16M,64M", *dtypes = "float32,float16,bfloat16";
    bench b = {.reps = 7};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--device") && i + 1 < argc)
            sel = argv[++i];
        else if (!strcmp(argv[i], "--ops") && i + 1 < argc)
            ops = argv[++i];
        else if (!strcmp(argv[i], "--sizes") && i + 1 < argc)
            sizes = argv[++i];
        else if (!strcmp(argv[i], "--dtypes") && i + 1 < argc)
            dtypes = argv[++i];
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            b.reps = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_kernels [--device SEL] [--ops a,b] [--sizes 16M,64M] "
                            "[--dtypes float32,...] [--reps N]\n");
            return 2;
        }
    }
    if (b.reps < 1)
        b.reps = 1;
    if (clrelu_context_create(NULL, &b.ctx) != CLRELU_OK || clrelu_device_select(b.ctx, sel, &b.dev) != CLRELU_OK ||
        clrelu_device_select(b.ctx, "host", &b.host) != CLRELU_OK) {
        fprintf(stderr, "bench_kernels: %s\n", clrelu_last_error());
        return 1;
    }
    const clrelu_device_info *info = clrelu_device_get_info(b.dev);
    printf("device %s: %s / %s / driver %s, %u compute units; %d interleaved reps, medians\n", info->id,
           info->platform, info->name, info->driver_version, info->compute_units, b.reps);
    printf("GB/s counts bytes read + written (fwd 2N, bwd 3N elements); ceiling = the engine's copy (fwd) or add (bwd)\n"
           "kernel of the same bytes on the same host arrays, same placement; e2e/kern = clrelu_run wall time / kernel time\n"
           "st: nt where the library wrote with streaming stores (out of place, past the cache), and so did the ceiling\n\n");
    printf("%-10s %-8s %-3s %-4s %-3s %6s %8s %8s %7s %8s\n", "op", "dtype", "dir", "plc", "st", "N", "GB/s", "ceil",
           "ratio", "e2e/kern");
    char sizes_buf[256];
    snprintf(sizes_buf, sizeof sizes_buf, "%s", sizes);
    for (char *ss = NULL, *s = strtok_r(sizes_buf, ",", &ss); s; s = strtok_r(NULL, ",", &ss)) {
        size_t n = parse_size(s);
        n -= n % 64;
        size_t max_bytes = n * 4;
        void *x = NULL, *g = NULL, *y = NULL, *ref = NULL;
        if (posix_memalign(&x, 4096, max_bytes) || posix_memalign(&g, 4096, max_bytes) ||
            posix_memalign(&y, 4096, max_bytes) || posix_memalign(&ref, 4096, max_bytes)) {
            fprintf(stderr, "bench_kernels: out of memory at %zu elements\n", n);
            return 1;
        }
        char dt_buf[128];
        snprintf(dt_buf, sizeof dt_buf, "%s", dtypes);
        for (char *sd = NULL, *d = strtok_r(dt_buf, ",", &sd); d; d = strtok_r(NULL, ",", &sd)) {
            clrelu_dtype t;
            if (clrelu_dtype_parse(d, &t) != CLRELU_OK || clrelu_dtype_size(t) > 4)
                continue;
            fill(x, t, n, 1);
            fill(g, t, n, 2);
            for (int oi = 0; oi < clrelu_op_count(); oi++) {
                const clrelu_op_desc *op = clrelu_op_get(oi);
                if (ops && !strstr(ops, op->name))
                    continue;
                if (ops) { /* whole-word match */
                    const char *p = strstr(ops, op->name);
                    size_t l = strlen(op->name);
                    if ((p != ops && p[-1] != ',') || (p[l] && p[l] != ','))
                        continue;
                }
                for (int dir = 0; dir < 2; dir++)
                    for (int inpl = 0; inpl < 2; inpl++)
                        run_case(&b, op, t, n, dir == 1, inpl == 1, x, g, y, ref);
            }
        }
        free(x);
        free(g);
        free(y);
        free(ref);
    }
    small_tensor(&b);
    clrelu_context_destroy(b.ctx);
    return b.failures || b.ceiling_failed ? 1 : 0;
}
