/* clrelu_bench.h: public API of the benchmark engine — sweeps over devices, ops, dtypes, sizes, directions and placements. */
#ifndef CLRELU_BENCH_H
#define CLRELU_BENCH_H

#include "clrelu.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- sweep specification ----------------------------------------------------------------- */
/* Sizes: a comma list of items, each a size or a geometric range "A..B xF" (A, A*F, ... <= B).
 * A size is an element count ("4096", "1K" = 1024, "16M", "1G": binary multiples) or, with a
 * byte unit, the bytes of one tensor ("64KiB", "256MiB", "1GB" = 10^9, "512B"); byte sizes
 * become elements per dtype (bytes / sizeof(dtype)). */
typedef struct {
    uint64_t value;
    bool bytes;                 /* value is bytes of one tensor, else elements */
} clrelu_bench_size;

/* Parse a size spec into a malloc'd array (caller frees). CLRELU_ERR_INVALID_ARG with a message
 * naming the bad item. At most 4096 sizes. */
clrelu_status clrelu_bench_parse_sizes(const char *spec, clrelu_bench_size **out, int *n);

typedef struct clrelu_bench_progress {
    int done, total;            /* cases finished (run or skipped) of all cases */
    double elapsed_s;
    double eta_s;               /* estimate of the time left; < 0 when unknown */
    const char *current;        /* label of the case starting now ("" at the end) */
} clrelu_bench_progress;

/* Every string field is a comma list; NULL or "" picks the default shown. */
typedef struct {
    const char *devices;        /* selectors as clrelu_device_select takes them, or "all" (default) */
    const char *ops;            /* op names or "all"; default "relu" */
    const char *dtypes;         /* dtype names or "all"; default "float32" */
    const char *sizes;          /* see above; default "64K..4M x4" */
    const char *directions;     /* "forward", "backward" or "both"; default "forward" */
    const char *placements;     /* "out" (out of place), "in" (in place) or "both"; default "out" */
    int warmup;                 /* untimed runs after the first run; default 1 (0 means default, < 0 none) */
    int min_samples;            /* default 5 */
    double min_time_s;          /* per case, default 0.05 (0 means default, < 0 none: only the sample counts) */
    int max_samples;            /* per case, default 1000 */
    uint64_t max_bytes;         /* memory cap per case (all host buffers); 0: a quarter of host memory */
    double max_seconds;         /* time cap for the whole sweep; 0: none. Cases not started in
                                   time are skipped ("time cap reached") */
    bool no_ceilings;           /* skip the copy/add/CLBlast/empty-launch reference measurements */
    void (*progress)(const clrelu_bench_progress *p, void *user); /* optional, between cases */
    bool (*cancelled)(void *user);                                 /* optional, polled between cases */
    void *user;
} clrelu_bench_options;

/* ---- results ----------------------------------------------------------------------------- */
typedef struct {
    double min, median, mean, p95, max, stddev, cv; /* cv = stddev / mean (0 when mean is 0) */
} clrelu_bench_stats;

/* Statistics of n samples (n >= 1; samples need not be sorted). p95 and median interpolate
 * linearly between order statistics; stddev is the sample standard deviation (n - 1). */
clrelu_bench_stats clrelu_bench_stats_of(const double *samples, size_t n);

typedef enum {
    CLRELU_BENCH_OK = 0,        /* timed, every result matched the reference */
    CLRELU_BENCH_SKIPPED,       /* not run: reason says why */
    CLRELU_BENCH_FAILED,        /* a run failed (reason) */
    CLRELU_BENCH_MISMATCH,      /* timed, but some result differed from the reference (reason) */
} clrelu_bench_case_status;

const char *clrelu_bench_case_status_name(clrelu_bench_case_status s); /* "ok", "skipped", ... */

/* Logical bytes one call moves: every input element read once plus every output element
 * written once: forward 2 * N * sizeof(T) (read x, write y), backward 3 * N * sizeof(T)
 * (read x and grad_output, write dx), whether in place or not. */
uint64_t clrelu_bench_bytes_moved(bool backward, size_t elements, clrelu_dtype dtype);

typedef struct {
    int device;                 /* index into clrelu_bench_result.devices */
    char op[32];
    clrelu_dtype dtype;
    bool backward, in_place;
    size_t elements;
    uint64_t bytes_moved;
    clrelu_bench_case_status status;
    char reason[256];
    int n_samples;
    double *kernel_ns;          /* n_samples raw device times (profiling events; host: wall time of the pass) */
    double *host_ns;            /* n_samples host round trips (the whole clrelu_run call) */
    clrelu_bench_stats kernel, host, transfer_in, transfer_out; /* nanoseconds */
    double first_run_ns;        /* the first call, build included */
    double build_ns;            /* program build/load time within the first call */
    double gbps_median, gbps_max; /* bytes_moved / kernel median, and / kernel min */
    double elements_per_s;      /* at the kernel median */
    double ceiling_gbps;        /* copy (forward) or add (backward) ceiling at the median; 0: none */
    double pct_of_copy;         /* gbps_median / copy ceiling * 100; 0 when unmeasured */
    long mismatches;            /* elements that differed, summed over samples */
} clrelu_bench_case;

typedef enum {
    CLRELU_CEIL_COPY = 0,       /* vectorised copy kernel of the op kernels' vector shape */
    CLRELU_CEIL_ADD,            /* c = a + b (BabelStream add): 2 reads + 1 write */
    CLRELU_CEIL_CLBLAST_COPY,   /* CLBlast xCOPY */
    CLRELU_CEIL_EMPTY,          /* empty kernel: launch latency (host round trip) */
    CLRELU_CEIL_KIND_COUNT
} clrelu_ceiling_kind;

const char *clrelu_ceiling_kind_name(clrelu_ceiling_kind k); /* "copy", "add", "clblast_copy", "empty" */

typedef struct {
    int device;
    clrelu_ceiling_kind kind;
    clrelu_dtype dtype;
    size_t elements;            /* 0 for empty */
    uint64_t bytes_moved;       /* copy 2 N sizeof(T), add 3 N sizeof(T), empty 0 */
    clrelu_bench_case_status status; /* ok, skipped or failed */
    char reason[256];
    int n_samples;
    clrelu_bench_stats ns;      /* device time (empty: host round trip of launch + finish) */
    double gbps_median, gbps_max;
} clrelu_bench_ceiling;

typedef struct {
    char id[64], name[128], type[16], backend[16], platform[128], vendor[128], driver[64];
    char device_version[64], opencl_c_version[64];
    unsigned compute_units, clock_mhz;
    uint64_t global_mem_bytes, max_alloc_bytes;
    double timer_resolution_ns;
} clrelu_bench_device_meta;

typedef struct {
    char clrelu_version[16];
    char host[256];             /* hostname, OS, machine, online CPUs */
    char timestamp[32];         /* UTC, ISO 8601 */
    char data_pattern[160];
    char sizes[256], ops[512], dtypes[128], directions[32], placements[16];
    int warmup, min_samples, max_samples;
    double min_time_s, max_seconds;
    uint64_t max_bytes;
    bool cancelled, time_capped;
    double elapsed_s;
    int n_devices;
    clrelu_bench_device_meta *devices;
    int n_cases;
    clrelu_bench_case *cases;
    int n_ceilings;
    clrelu_bench_ceiling *ceilings;
} clrelu_bench_result;

/* Number of cases the options describe (checks them as clrelu_bench_run does). */
clrelu_status clrelu_bench_count(clrelu_context *ctx, const clrelu_bench_options *opts, int *total);

/* Run the sweep. *out is allocated even when the sweep was cancelled (CLRELU_ERR_CANCELLED:
 * finished cases kept, the rest skipped with reason "cancelled"); free it with
 * clrelu_bench_result_free. Bad options fail before anything runs (*out stays NULL). Cases
 * run one after another on the calling thread. */
clrelu_status clrelu_bench_run(clrelu_context *ctx, const clrelu_bench_options *opts, clrelu_bench_result **out);
void clrelu_bench_result_free(clrelu_bench_result *r);

/* The result as JSON (schema "clrelu-bench/1", see docs/benchmarks.md) or CSV (one row per
 * case, header first). malloc'd, NUL-terminated; NULL when out of memory. */
char *clrelu_bench_to_json(const clrelu_bench_result *r);
char *clrelu_bench_to_csv(const clrelu_bench_result *r);
/* The CSV header line (without newline) that clrelu_bench_to_csv starts with. */
const char *clrelu_bench_csv_header(void);

/* ---- single measurements for benchmark programs (bench/) ------------------------------------ */
/* One ceiling of `kind` with the engine's kernels and timing, on caller-owned host arrays of
 * `count` elements of dtype: copy c = a, add c = a + b (b unused otherwise), CLBlast copy, or
 * an empty launch (count and arrays unused). Copy and add store the way clrelu_run stores for
 * the same arrays: with streaming stores exactly where clrelu_run would use them (out of place,
 * past the cache; see clrelu_timing.streaming_stores). `warmup` untimed launches, then `repeats`
 * (>= 1) timed ones into samples_ns[0..repeats): device time (empty: the host round trip). Each
 * call sets up afresh (buffers over the arrays, the program from the binary cache).
 * CLRELU_ERR_UNSUPPORTED with a reason when the device measures no such ceiling. */
clrelu_status clrelu_bench_ceiling_measure(clrelu_context *ctx, const clrelu_device *dev, clrelu_ceiling_kind kind,
                                           clrelu_dtype dtype, const void *a, const void *b, void *c, size_t count,
                                           int warmup, int repeats, double *samples_ns);

/* Dense-layer forward variants, float32 (bench/dense): z = x W^T with x [n, in], W [out, in] */
typedef enum {
    CLRELU_BENCH_DENSE_GEMM = 0,    /* CLBlast GEMM alone */
    CLRELU_BENCH_DENSE_FUSED,       /* GEMM + the one fused bias + activation pass clrelu_dense_forward runs */
    CLRELU_BENCH_DENSE_SEPARATE,    /* GEMM + a bias pass + an activation pass */
} clrelu_bench_dense_variant;

/* Time one variant on dev (OpenCL devices; others: CLRELU_ERR_UNSUPPORTED) with buffers in
 * device memory filled once per call; act is an op without per-channel weights, at its default
 * parameters. `warmup` untimed runs, then `repeats` samples: each `batch` runs enqueued back to
 * back and waited for, its wall time divided by batch, into samples_ns[0..repeats). */
clrelu_status clrelu_bench_dense_measure(clrelu_context *ctx, const clrelu_device *dev,
                                         clrelu_bench_dense_variant variant, const char *act, size_t n, size_t in,
                                         size_t out, int batch, int warmup, int repeats, double *samples_ns);

#ifdef __cplusplus
}
#endif
#endif /* CLRELU_BENCH_H */
