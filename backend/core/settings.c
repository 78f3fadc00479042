/* settings.c: the one place the library reads its environment (the CLRELU_* table in settings.h). */
#include "core/settings.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *nonempty(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* "0", "off" and "no" turn a default-on switch off. */
static bool switched_off(const char *v)
{
    return v && (strcmp(v, "0") == 0 || strcmp(v, "off") == 0 || strcmp(v, "no") == 0);
}

void clr_settings_read(clr_settings *s)
{
    s->cache_dir = getenv("CLRELU_CACHE_DIR"); /* "" is meaningful: caching off */
    s->xdg_cache_home = nonempty("XDG_CACHE_HOME");
    s->home = nonempty("HOME");
    s->no_opencl = getenv("CLRELU_NO_OPENCL") != NULL;
    s->auto_host = !switched_off(getenv("CLRELU_AUTO_HOST"));
    const char *dense = nonempty("CLRELU_DENSE_CROSSOVER");
    char *dense_end = NULL;
    s->dense_crossover = dense ? strtoull(dense, &dense_end, 10) : 0;
    s->dense_crossover_set = dense && dense_end && !*dense_end && dense[0] != '-';
    const char *threads = getenv("CLRELU_HOST_THREADS");
    long n = threads ? strtol(threads, NULL, 10) : 0;
    s->host_threads = n >= 1 && n <= 256 ? (int)n : 0;
    const char *pin = getenv("CLRELU_HOST_PIN");
    s->host_pin = !(pin && strcmp(pin, "0") == 0);
    s->host_isa = getenv("CLRELU_HOST_ISA");
    const char *discrete = getenv("CLRELU_FORCE_DISCRETE");
    s->force_discrete = discrete && strcmp(discrete, "1") == 0;
    const char *stream = nonempty("CLRELU_STREAM_MIN_BYTES");
    char *end = NULL;
    unsigned long long bytes = stream ? strtoull(stream, &end, 10) : 0;
    s->stream_min_bytes_set = stream && end && !*end;
    s->stream_min_bytes = bytes > SIZE_MAX ? SIZE_MAX : (size_t)bytes;
    s->fault_inject = nonempty("CLRELU_FAULT_INJECT");
}
