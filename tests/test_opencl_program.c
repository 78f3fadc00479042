/* test_opencl_program.c: program build, the on-disk binary cache (hits, corrupt entries), binary export/import. */
#include "test_opencl_compare.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* Log messages of interest, counted (the library logs from any thread). */
static struct {
    pthread_mutex_t lock;
    int built, loaded, ignored, imported;
} events = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0};

static void count_log(clrelu_log_level level, const char *msg, void *user)
{
    (void)level;
    (void)user;
    pthread_mutex_lock(&events.lock);
    events.built += strstr(msg, "program built") != NULL;
    events.loaded += strstr(msg, "loaded from cache") != NULL;
    events.ignored += strstr(msg, "ignoring cache entry") != NULL;
    events.imported += strstr(msg, "imported") != NULL;
    pthread_mutex_unlock(&events.lock);
}

static void reset_events(void)
{
    events.built = events.loaded = events.ignored = events.imported = 0;
}

static clrelu_context *make_context(const char *cache_dir, bool fpga)
{
    clrelu_context_options o = {.log = count_log, .cache_dir = cache_dir, .force_fpga_variant = fpga};
    return check_context(&o);
}

/* The one cache entry in dir (path into `path`); returns how many entries there are. */
static int cache_entry(const char *dir, char *path, size_t size)
{
    int n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t len = strlen(e->d_name);
        if (len > 6 && strcmp(e->d_name + len - 6, ".clbin") == 0) {
            snprintf(path, size, "%s/%s", dir, e->d_name);
            n++;
        }
    }
    closedir(d);
    return n;
}

static long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

/* The whole file, malloc'd (NULL if unreadable); *size gets its length. */
static unsigned char *read_file(const char *path, long *size)
{
    *size = file_size(path);
    FILE *f = fopen(path, "rb");
    unsigned char *data = f && *size >= 0 ? malloc((size_t)*size + 1) : NULL;
    if (data && fread(data, 1, (size_t)*size, f) != (size_t)*size) {
        free(data);
        data = NULL;
    }
    if (f)
        fclose(f);
    return data;
}

/* A few ops through dev: bit-exact relu and prelu, and a transcendental one. */
static void check_results_on(clrelu_context *ctx, const clrelu_device *dev, const char *label)
{
    cmp_with_host(ctx, dev, "relu", CLRELU_F32, NULL, 0, 1000, false, CMP_OUT_OF_PLACE, 1, label, NULL);
    cmp_with_host(ctx, dev, "gelu", CLRELU_F32, NULL, 0, 999, true, CMP_OUT_OF_PLACE, 2, label, NULL);
    size_t shape[] = {2, 3, 50};
    cmp_with_host(ctx, dev, "prelu", CLRELU_F32, shape, 3, 300, true, CMP_OUT_OF_PLACE, 3, label, NULL);
}

/* The same on the OpenCL CPU device (the cache tests' device). */
static void check_results(clrelu_context *ctx, const char *label)
{
    check_results_on(ctx, cmp_opencl_device(ctx), label);
}

/* Device `id` of ctx ("cpu:0", "gpu:0", ...); exits with a failure if there is none. */
static const clrelu_device *device(clrelu_context *ctx, const char *id)
{
    const clrelu_device *dev = NULL;
    if (clrelu_device_select(ctx, id, &dev) != CLRELU_OK) {
        fprintf(stderr, "no device %s: %s\n", id, clrelu_last_error());
        exit(1);
    }
    return dev;
}

static void corrupt_file(const char *path, bool truncate_it)
{
    long size = file_size(path);
    if (truncate_it) {
        CHECK(truncate(path, size / 2) == 0, "cannot truncate %s", path);
        return;
    }
    FILE *f = fopen(path, "r+b");
    CHECK(f != NULL, "cannot open %s", path);
    if (!f)
        return;
    for (long at = 100; at < size; at += size / 7) {
        fseek(f, at, SEEK_SET);
        int c = fgetc(f);
        fseek(f, at, SEEK_SET);
        fputc(c ^ 0x5a, f);
    }
    fclose(f);
}

static void test_cache(const char *dir)
{
    char entry[1200] = "";
    clrelu_timing tm = {0};

    /* first use builds and writes one entry */
    reset_events();
    clrelu_context *ctx = make_context(dir, false);
    const clrelu_device *dev = cmp_opencl_device(ctx);
    cmp_with_host(ctx, dev, "relu", CLRELU_F32, NULL, 0, 100, false, CMP_OUT_OF_PLACE, 1, "first build", &tm);
    CHECK(events.built == 1 && events.loaded == 0, "first use: %d builds, %d cache loads", events.built, events.loaded);
    CHECK(tm.build_ns > 0, "first use reports no build time");
    CHECK(cache_entry(dir, entry, sizeof entry) == 1, "first build wrote no single cache entry in %s", dir);
    long good_size = file_size(entry);
    CHECK(good_size > 64, "cache entry %s has %ld bytes", entry, good_size);
    /* the second call on the same context neither builds nor loads */
    cmp_with_host(ctx, dev, "relu", CLRELU_F32, NULL, 0, 100, false, CMP_OUT_OF_PLACE, 1, "second call", &tm);
    CHECK(events.built == 1 && events.loaded == 0 && tm.build_ns == 0, "second call rebuilt (%d builds, %llu ns)",
          events.built, (unsigned long long)tm.build_ns);
    clrelu_context_destroy(ctx);

    /* a new context loads the entry instead of building */
    reset_events();
    ctx = make_context(dir, false);
    check_results(ctx, "from cache");
    CHECK(events.loaded == 1 && events.built == 0, "second context: %d cache loads, %d builds", events.loaded,
          events.built);
    clrelu_context_destroy(ctx);

    /* corrupt entries (flipped bytes, then a truncated file) are rebuilt and rewritten */
    for (int trunc = 0; trunc < 2; trunc++) {
        corrupt_file(entry, trunc);
        long bad_size = 0;
        unsigned char *bad = read_file(entry, &bad_size);
        CHECK(bad != NULL, "cannot read the corrupted entry %s", entry);
        reset_events();
        ctx = make_context(dir, false);
        check_results(ctx, trunc ? "after truncation" : "after corruption");
        CHECK(events.ignored == 1 && events.built == 1 && events.loaded == 0,
              "corrupt entry (%s): %d ignored, %d builds, %d loads", trunc ? "truncated" : "bytes flipped",
              events.ignored, events.built, events.loaded);
        clrelu_context_destroy(ctx);
        /* the entry was written anew (its size is not an invariant: a PoCL binary carries whatever
         * PoCL has compiled so far); the next context then loads and uses it, with right results */
        long new_size = 0;
        unsigned char *rewritten = read_file(entry, &new_size);
        CHECK(rewritten && new_size > 64, "rewritten entry %s has %ld bytes", entry, new_size);
        CHECK(rewritten && bad && (new_size != bad_size || memcmp(rewritten, bad, (size_t)new_size) != 0),
              "entry %s still holds the %s bytes", entry, trunc ? "truncated" : "corrupted");
        free(rewritten);
        free(bad);
        reset_events();
        ctx = make_context(dir, false);
        check_results(ctx, "rewritten entry");
        CHECK(events.loaded == 1 && events.built == 0, "rewritten entry not used: %d loads, %d builds", events.loaded,
              events.built);
        clrelu_context_destroy(ctx);
    }
}

/* Export from one context, import into a fresh one without a cache: no build, right results, on
 * device `id`. The FPGA flow: an FPGA-variant binary runs in a context that would build NDRange
 * kernels. */
static void test_export_import(const char *dir, bool fpga_binary, const char *id)
{
    clrelu_context *src = make_context(dir, fpga_binary);
    const clrelu_device *sdev = device(src, id);
    void *bin = NULL;
    size_t size = 0;
    CHECK_OK(clrelu_program_export(src, sdev, CLRELU_F32, &bin, &size));
    CHECK(bin && size > 0, "export gave %zu bytes", size);
    clrelu_context_destroy(src);
    if (!bin)
        return;

    reset_events();
    clrelu_context *dst = make_context("", false);
    const clrelu_device *ddev = device(dst, id);
    const clrelu_device_info *info = clrelu_device_get_info(ddev);
    CHECK_OK(clrelu_program_import(dst, ddev, CLRELU_F32, bin, size));
    check_results_on(dst, ddev, fpga_binary ? "imported FPGA binary" : "imported binary");
    /* main() sets CLRELU_STREAM_MIN_BYTES=0: on a CPU device working in host memory an
     * out-of-place call takes the streaming kernels, which an FPGA-variant binary lacks; it then
     * runs the ordinary ones (other devices never stream) */
    bool streams = info->type == CLRELU_DEVICE_CPU && info->host_unified_memory && !fpga_binary;
    float x[4] = {-1, 2, -3, 4}, y[4] = {0, 0, 0, 0};
    clrelu_timing tm;
    clrelu_op_args a = {.op = "relu", .dtype = CLRELU_F32, .count = 4, .x = x, .y = y, .timing = &tm};
    CHECK_OK(clrelu_run(dst, ddev, &a));
    CHECK(y[0] == 0 && y[1] == 2 && y[2] == 0 && y[3] == 4, "relu after import: %g %g %g %g", y[0], y[1], y[2],
          y[3]);
    CHECK(tm.streaming_stores == streams, "%s %s binary: streaming_stores %d", id, fpga_binary ? "FPGA" : "NDRange",
          tm.streaming_stores);
    CHECK(events.imported == 1 && events.built == 0 && events.loaded == 0,
          "import: %d imports, %d builds, %d cache loads", events.imported, events.built, events.loaded);
    free(bin);

    /* garbage is rejected with a message, and the device keeps its program */
    static const char garbage[] = "this is not an OpenCL program binary, just some bytes";
    clrelu_status st = clrelu_program_import(dst, ddev, CLRELU_F32, garbage, sizeof garbage);
    CHECK(st == CLRELU_ERR_BUILD, "importing garbage returned %s", clrelu_status_name(st));
    CHECK(strlen(clrelu_last_error()) > 0, "importing garbage left no error message");
    check_results_on(dst, ddev, "after a rejected import");
    clrelu_context_destroy(dst);
}

/* Many threads on one fresh device: one build, every result right. */
typedef struct {
    clrelu_context *ctx;
    const char *id;
    int seed;
} worker_arg;

static void *worker(void *p)
{
    worker_arg *w = p;
    const clrelu_device *dev = device(w->ctx, w->id);
    for (int i = 0; i < 5; i++)
        cmp_with_host(w->ctx, dev, i % 2 ? "leaky_relu" : "silu", CLRELU_F16, NULL, 0, 5000 + (size_t)w->seed, i % 2,
                      CMP_OUT_OF_PLACE, (uint64_t)(w->seed * 10 + i), "threads", NULL);
    return NULL;
}

static void test_threads(const char *dir, const char *id)
{
    reset_events();
    clrelu_context *ctx = make_context(dir, false);
    const clrelu_device_info *info = clrelu_device_get_info(device(ctx, id));
    if (strstr(info->platform, "Oclgrind")) {
        printf("test_opencl_program: 4 threads on %s skipped: Oclgrind does not run kernels from several "
               "threads at once (its assertion m_kernelInvocation == NULL fails)\n", id);
        clrelu_context_destroy(ctx);
        return;
    }
    pthread_t th[4];
    worker_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (worker_arg){ctx, id, i};
        pthread_create(&th[i], NULL, worker, &args[i]);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    CHECK(events.built + events.loaded == 1, "4 threads on a fresh device: %d builds and %d loads, want 1 in all",
          events.built, events.loaded);
    clrelu_context_destroy(ctx);
}

int main(void)
{
    setenv("CLRELU_STREAM_MIN_BYTES", "0", 1); /* every out-of-place call wants streaming stores */
    char dir[] = "/tmp/clrelu-ocl-cache-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char nested[256];
    snprintf(nested, sizeof nested, "%s/a/b", dir); /* created on demand, like mkdir -p */
    test_cache(nested);
    /* export/import and the threaded build on every OpenCL device */
    clrelu_context *all = make_context("", false);
    for (int i = 0; i < clrelu_device_count(all); i++) {
        const clrelu_device_info *info = clrelu_device_get_info(clrelu_device_at(all, i));
        if (strcmp(info->backend, "opencl") != 0)
            continue;
        printf("test_opencl_program: %s (%s)\n", info->id, info->name);
        test_export_import(nested, false, info->id);
        test_export_import(nested, true, info->id);
        test_threads(nested, info->id);
    }
    clrelu_context_destroy(all);

    /* the host device has no program binaries */
    clrelu_context *ctx = make_context("", false);
    const clrelu_device *host = NULL;
    void *bin = NULL;
    size_t size = 0;
    CHECK_OK(clrelu_device_select(ctx, "host", &host));
    CHECK(clrelu_program_export(ctx, host, CLRELU_F32, &bin, &size) == CLRELU_ERR_UNSUPPORTED,
          "host program export did not answer unsupported");
    clrelu_context_destroy(ctx);

    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_summary("test_opencl_program");
}
