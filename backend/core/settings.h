/* settings.h: every CLRELU_* environment variable the library honours, read in one place (settings.c). */
#ifndef CLRELU_SETTINGS_H
#define CLRELU_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

/* What the environment asks of the library. The context resolves its copy at creation
 * (ctx->settings: the environment, then clrelu_context_options on top); the few settings that
 * describe the process rather than a context (host ISA, streaming footprint) are read once per
 * process, at first use, by the code that applies them.
 *
 * | variable                 | field            | default                              |
 * |--------------------------|------------------|--------------------------------------|
 * | CLRELU_CACHE_DIR         | cache_dir        | $XDG_CACHE_HOME/clrelu, ~/.cache/clrelu |
 * | CLRELU_NO_OPENCL         | no_opencl        | unset: OpenCL devices are discovered |
 * | CLRELU_AUTO_HOST         | auto_host        | on; 0/off/no: small calls stay on their device |
 * | CLRELU_DENSE_CROSSOVER   | dense_crossover  | measured on first use; multiply-adds below which a dense layer runs on the host (0: never) |
 * | CLRELU_HOST_THREADS      | host_threads     | online CPUs (1..256)                 |
 * | CLRELU_HOST_PIN          | host_pin         | on; 0: host workers are not moved off the caller's CPU |
 * | CLRELU_HOST_ISA          | host_isa         | widest the CPU runs (baseline, avx2, avx512) |
 * | CLRELU_FORCE_DISCRETE    | force_discrete   | off; 1: OpenCL devices staged as discrete |
 * | CLRELU_STREAM_MIN_BYTES  | stream_min_bytes | last-level cache size; 0: always stream |
 * | CLRELU_FAULT_INJECT      | fault_inject     | none; SELECTOR:COUNT[,...]           |
 */
typedef struct {
    const char *cache_dir;       /* NULL: not set */
    const char *xdg_cache_home;  /* the fallbacks for cache_dir */
    const char *home;
    bool no_opencl;
    bool auto_host;
    bool dense_crossover_set;    /* CLRELU_DENSE_CROSSOVER given (a whole number) */
    unsigned long long dense_crossover;
    int host_threads;            /* 0: not set (one per online CPU) */
    bool host_pin;
    const char *host_isa;        /* NULL: not set */
    bool force_discrete;
    bool stream_min_bytes_set;
    size_t stream_min_bytes;
    const char *fault_inject;    /* NULL: none */
} clr_settings;

/* Read the environment now (the strings point into the environment: copy what must outlive it). */
void clr_settings_read(clr_settings *out);

#endif
