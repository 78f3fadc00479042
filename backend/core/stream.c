/* stream.c: the footprint from which out-of-place passes on the CPU write with non-temporal stores (see stream.h). */
#include "core/stream.h"
#include "core/settings.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Why: an ordinary store first reads the line it writes (read-for-ownership), so an output that
 * outgrows the caches costs two trips to memory instead of one, and it is evicted before anyone
 * reads it anyway. Below the cache's size the output is better kept cached for its reader. */

/* The largest cache sysfs lists for cpu0 (the last level), else 32 MiB. */
static size_t llc_bytes(void)
{
    size_t best = 0;
    for (int i = 0; i < 8; i++) {
        char path[96];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        unsigned long v = 0;
        char unit = 0;
        if (fscanf(f, "%lu%c", &v, &unit) >= 1) {
            size_t b = (size_t)v * (unit == 'K' ? 1024u : unit == 'M' ? 1048576u : 1u);
            if (b > best)
                best = b;
        }
        fclose(f);
    }
    return best ? best : (size_t)32 << 20;
}

size_t clr_stream_min_bytes(void)
{
    static _Atomic size_t value;
    static atomic_bool known;
    if (atomic_load_explicit(&known, memory_order_acquire))
        return atomic_load_explicit(&value, memory_order_relaxed);
    clr_settings env;
    clr_settings_read(&env);
    size_t v = env.stream_min_bytes_set ? env.stream_min_bytes : llc_bytes();
    atomic_store_explicit(&value, v, memory_order_relaxed); /* every thread computes the same */
    atomic_store_explicit(&known, true, memory_order_release);
    return v;
}

bool clr_stream_pays(size_t count, size_t esize, int arrays)
{
    size_t min = clr_stream_min_bytes();
    return min != SIZE_MAX && count >= min / (size_t)arrays / esize;
}
