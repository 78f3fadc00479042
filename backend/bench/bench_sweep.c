/* bench_sweep.c: the sweep's clock, time cap, cancel poll and bandwidth helper, shared by the driver, the case runner and the ceiling runner. */
#include "bench/bench_sweep.h"

double clr_bench_elapsed(const bench_sweep *sw) { return (double)(clrelu_now_ns() - sw->t_start) * 1e-9; }

bool clr_bench_out_of_time(const bench_sweep *sw)
{
    return sw->plan->max_seconds > 0 && clr_bench_elapsed(sw) >= sw->plan->max_seconds;
}

bool clr_bench_cancelled(const bench_sweep *sw)
{
    return sw->opts->cancelled && sw->opts->cancelled(sw->opts->user);
}

double clr_bench_gbps(uint64_t bytes, double ns) { return ns > 0 ? (double)bytes / ns : 0.0; }
