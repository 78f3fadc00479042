/* svg_plot.h: a benchmark result as an SVG line chart — GB/s against tensor size, both log axes. */
#ifndef CLRELU_SVG_PLOT_H
#define CLRELU_SVG_PLOT_H

#include "clrelu_bench.h"

#include <stdio.h>

/* One polyline (class "series", data-series="device op dtype direction placement") per series of
 * timed cases and one dashed polyline (class "ceiling", data-series="device copy dtype") per
 * measured copy ceiling; points carry <title> tooltips. Returns false on a write error. */
bool svg_plot_write(FILE *out, const clrelu_bench_result *r);

#endif
