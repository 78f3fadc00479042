/* bench_engine.h: what the sweep driver (bench_run.c) calls — the case runner and the ceiling runner. */
#ifndef CLRELU_BENCH_ENGINE_H
#define CLRELU_BENCH_ENGINE_H

#include "bench/bench_sweep.h"

/* bench_case.c: time one case (first run, warm-up, samples, validation of every result) into c,
 * whose identity fields (device, op, dtype, direction, placement, elements) are already set. */
void clr_bench_case_run(bench_sweep *sw, bench_group *g, clrelu_bench_case *c);

/* bench_ceilings.c: measure the group's ceilings (copy, CLBlast copy, and add when want_add)
 * and, once per device, the empty-kernel launch. Appends to sw->res->ceilings; fills
 * g->copy_ceiling / g->add_ceiling. */
void clr_bench_group_ceilings(bench_sweep *sw, bench_group *g, bool want_add);
void clr_bench_empty_ceiling(bench_sweep *sw, const clrelu_device *dev, int dev_index);

#endif
