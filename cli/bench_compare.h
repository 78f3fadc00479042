/* bench_compare.h: `clrelu bench --compare OLD.json` — ratios of this run against an earlier one. */
#ifndef CLRELU_BENCH_COMPARE_H
#define CLRELU_BENCH_COMPARE_H

#include "clrelu_bench.h"

#include <stdio.h>

/* Print, for every case timed in both runs (same device, op, dtype, direction, placement and
 * elements), the old and new median GB/s and the ratio new/old. Returns false (message printed)
 * when old_path cannot be read or is not a clrelu-bench/1 document. */
bool bench_compare_print(FILE *out, const clrelu_bench_result *r, const char *old_path);

#endif
