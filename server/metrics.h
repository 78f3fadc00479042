/* metrics.h: Prometheus counters and histograms for HTTP requests and devices (thread-safe). */
#ifndef CLRELU_SERVER_METRICS_H
#define CLRELU_SERVER_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct metrics;
struct model_stats;

/* route_names[0..n_routes) label the routes; requests that match no route count as "unmatched".
 * device_ids label the devices. The arrays must outlive the metrics. */
struct metrics *metrics_create(int n_routes, const char *const *route_names, int n_devices,
                               const char *const *device_ids);
void metrics_destroy(struct metrics *m);

void metrics_inflight(struct metrics *m, int delta);
/* route -1: unmatched. */
void metrics_request_done(struct metrics *m, int route, unsigned status, uint64_t dur_ns,
                          uint64_t bytes_in, uint64_t bytes_out);
void metrics_device_run(struct metrics *m, int device, uint64_t kernel_ns, bool ok);

/* Prometheus text exposition (format 0.0.4), including the Triton nv_inference_* families read
 * from stats. Returns a malloc'd string or NULL. */
char *metrics_render(struct metrics *m, struct model_stats *stats);

#endif
