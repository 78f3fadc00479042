/* stream.c: the footprint from which out-of-place passes on the CPU write with non-temporal stores (see stream.h). */
#include "core/stream.h"
#include "core/settings.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Why: an ordinary store first reads the line it writes (read-for-ownership), so an output that
 * outgrows the caches costs two trips to memory instead of one, and it is evicted before anyone
 * reads it anyway. Below the cores' own caches the output is better kept cached for its reader.
 *
 * The threshold is twice the cores' private (level-2) caches together, or the last-level cache
 * when that is smaller. The last level alone was the rule before; on a virtual machine it is the
 * whole socket's shared cache (260 MiB on this project's 2-core VM, shared with its neighbours),
 * so 16M and 32M float32 passes wrote with ordinary stores. Measured there (hot loop, 2 threads,
 * float32 relu out of place, GB/s ordinary -> streaming): host 256K 129 -> 64, 512K 97 -> 66,
 * 1M 58 -> 80, 4M 56 -> 69, 16M 46 -> 64, 32M 34 -> 60; PoCL 512K 36 -> 29, 1M 22 -> 25,
 * 4M 46 -> 55, 16M 52 -> 61. 2 x 2 x 2 MiB = 8 MiB: 1M float32 elements forward. */

/* The size of cpu0's cache at `level` (0: the largest listed, the last level), or 0. */
static size_t cache_bytes(int level)
{
    size_t best = 0;
    for (int i = 0; i < 8; i++) {
        char path[96];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        int lv = 0;
        bool ok = fscanf(f, "%d", &lv) == 1;
        fclose(f);
        if (!ok || (level && lv != level))
            continue;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
        if (!(f = fopen(path, "r")))
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
    return best;
}

/* min(last level, 2 x level 2 x online CPUs); 32 MiB when sysfs lists no caches */
static size_t default_min_bytes(void)
{
    size_t llc = cache_bytes(0), l2 = cache_bytes(2);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t own = l2 && cpus > 0 ? 2 * l2 * (size_t)cpus : 0;
    if (!llc)
        return own ? own : (size_t)32 << 20;
    return own && own < llc ? own : llc;
}

size_t clr_stream_min_bytes(void)
{
    static _Atomic size_t value;
    static atomic_bool known;
    if (atomic_load_explicit(&known, memory_order_acquire))
        return atomic_load_explicit(&value, memory_order_relaxed);
    clr_settings env;
    clr_settings_read(&env);
    size_t v = env.stream_min_bytes_set ? env.stream_min_bytes : default_min_bytes();
    atomic_store_explicit(&value, v, memory_order_relaxed); /* every thread computes the same */
    atomic_store_explicit(&known, true, memory_order_release);
    return v;
}

bool clr_stream_pays(size_t count, size_t esize, int arrays)
{
    size_t min = clr_stream_min_bytes();
    return min != SIZE_MAX && count >= min / (size_t)arrays / esize;
}
