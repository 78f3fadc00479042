/* cmd_devices.c: `clrelu devices` — every device as a table plus one block per device, or as JSON. */
#include "cli_util.h"
#include "commands.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *yes_no(bool b) { return b ? "yes" : "no"; }

/* "15.6 GiB" style; exact byte counts are in --json. */
static void format_bytes(uint64_t n, char *buf, size_t cap)
{
    static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)n;
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    snprintf(buf, cap, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

static void format_dtypes(const clrelu_device_info *info, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int t = 0; t < CLRELU_DTYPE_COUNT && n < cap; t++)
        if (info->dtype_supported[t])
            n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? " " : "", clrelu_dtype_name((clrelu_dtype)t));
}

static void print_table(const clrelu_context *ctx)
{
    printf("%-8s %-6s %-7s %4s %10s  %s\n", "ID", "TYPE", "BACKEND", "CU", "MEMORY", "NAME");
    for (int i = 0; i < clrelu_device_count(ctx); i++) {
        const clrelu_device_info *d = clrelu_device_get_info(clrelu_device_at(ctx, i));
        char mem[32];
        format_bytes(d->global_mem_bytes, mem, sizeof mem);
        printf("%-8s %-6s %-7s %4u %10s  %s\n", d->id, clrelu_device_type_name(d->type), d->backend, d->compute_units,
               mem, d->name);
    }
}

static void print_block(const clrelu_device_info *d)
{
    char global[32], alloc[32], local[32], dtypes[128];
    format_bytes(d->global_mem_bytes, global, sizeof global);
    format_bytes(d->max_alloc_bytes, alloc, sizeof alloc);
    format_bytes(d->local_mem_bytes, local, sizeof local);
    format_dtypes(d, dtypes, sizeof dtypes);
    printf("\nDevice %d: %s\n", d->index, d->id);
#define ROW(label, fmt, ...) printf("  %-24s " fmt "\n", label, __VA_ARGS__)
    ROW("Name", "%s", d->name);
    ROW("Type", "%s (backend %s)", clrelu_device_type_name(d->type), d->backend);
    ROW("Platform", "%s", d->platform);
    ROW("Vendor", "%s", d->vendor);
    ROW("Driver version", "%s", d->driver_version);
    ROW("Device version", "%s", d->device_version);
    ROW("OpenCL C version", "%s", d->opencl_c_version[0] ? d->opencl_c_version : "-");
    ROW("Compute units", "%u", d->compute_units);
    ROW("Max clock", "%u MHz", d->clock_mhz);
    ROW("Global memory", "%s (%" PRIu64 " bytes)", global, d->global_mem_bytes);
    ROW("Max allocation", "%s (%" PRIu64 " bytes)", alloc, d->max_alloc_bytes);
    ROW("Local memory", "%s", local);
    ROW("Max work-group size", "%zu", d->max_work_group_size);
    ROW("Native fp16 / fp64", "%s / %s", yes_no(d->fp16), yes_no(d->fp64));
    ROW("Unified host memory", "%s", yes_no(d->host_unified_memory));
    ROW("Preferred vector width", "float %u, half %u, double %u", d->pref_vector_width_float,
        d->pref_vector_width_half, d->pref_vector_width_double);
    ROW("Timer resolution", "%g ns", d->timer_resolution_ns);
    ROW("Data types", "%s", dtypes);
#undef ROW
}

/* A JSON string with quotes, backslashes and control characters escaped. */
static void json_string(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", stdout); break;
        case '\\': fputs("\\\\", stdout); break;
        case '\n': fputs("\\n", stdout); break;
        case '\r': fputs("\\r", stdout); break;
        case '\t': fputs("\\t", stdout); break;
        default:
            if (*p < 0x20)
                printf("\\u%04x", *p);
            else
                putchar(*p);
        }
    }
    putchar('"');
}

static void json_field_string(const char *key, const char *value)
{
    printf(",\n    \"%s\": ", key);
    json_string(value);
}

static void print_json_device(const clrelu_device_info *d)
{
    printf("  {\n    \"index\": %d", d->index);
    json_field_string("id", d->id);
    json_field_string("backend", d->backend);
    json_field_string("type", clrelu_device_type_name(d->type));
    printf(",\n    \"type_index\": %d", d->type_index);
    json_field_string("platform", d->platform);
    json_field_string("vendor", d->vendor);
    json_field_string("name", d->name);
    json_field_string("driver_version", d->driver_version);
    json_field_string("device_version", d->device_version);
    json_field_string("opencl_c_version", d->opencl_c_version);
    printf(",\n    \"compute_units\": %u,\n    \"clock_mhz\": %u", d->compute_units, d->clock_mhz);
    printf(",\n    \"global_mem_bytes\": %" PRIu64 ",\n    \"max_alloc_bytes\": %" PRIu64, d->global_mem_bytes,
           d->max_alloc_bytes);
    printf(",\n    \"local_mem_bytes\": %" PRIu64 ",\n    \"max_work_group_size\": %zu", d->local_mem_bytes,
           d->max_work_group_size);
    printf(",\n    \"fp16\": %s,\n    \"fp64\": %s,\n    \"host_unified_memory\": %s", d->fp16 ? "true" : "false",
           d->fp64 ? "true" : "false", d->host_unified_memory ? "true" : "false");
    printf(",\n    \"pref_vector_width_float\": %u,\n    \"pref_vector_width_half\": %u,\n"
           "    \"pref_vector_width_double\": %u",
           d->pref_vector_width_float, d->pref_vector_width_half, d->pref_vector_width_double);
    if (isfinite(d->timer_resolution_ns))
        printf(",\n    \"timer_resolution_ns\": %.17g", d->timer_resolution_ns);
    else
        printf(",\n    \"timer_resolution_ns\": null");
    printf(",\n    \"dtypes\": [");
    bool first = true;
    for (int t = 0; t < CLRELU_DTYPE_COUNT; t++)
        if (d->dtype_supported[t]) {
            printf("%s", first ? "" : ", ");
            json_string(clrelu_dtype_name((clrelu_dtype)t));
            first = false;
        }
    printf("]\n  }");
}

static void usage(FILE *out)
{
    fprintf(out, "Usage: clrelu devices [--json]\n\n"
                 "List the host device and every OpenCL device, with the properties that matter for\n"
                 "the kernels (memory, compute units, fp16/fp64, vector widths, supported dtypes).\n"
                 "The ID column is what --device accepts (also 'auto', a type, or part of a name).\n\n"
                 "  --json   print a JSON array with every field instead of the table\n"
                 "\nSet CLRELU_NO_OPENCL=1 to list only the host device.\n");
}

int cmd_devices(int argc, char **argv)
{
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            usage(stdout);
            return CLI_EXIT_OK;
        }
        if (!strcmp(argv[i], "--json")) {
            json = true;
            continue;
        }
        cli_error("devices", "unexpected argument '%s'", argv[i]);
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    clrelu_context *ctx;
    if (!cli_open_context("devices", &ctx))
        return CLI_EXIT_ERROR;
    int n = clrelu_device_count(ctx);
    if (json) {
        printf("[\n");
        for (int i = 0; i < n; i++) {
            print_json_device(clrelu_device_get_info(clrelu_device_at(ctx, i)));
            printf("%s\n", i + 1 < n ? "," : "");
        }
        printf("]\n");
    } else {
        print_table(ctx);
        for (int i = 0; i < n; i++)
            print_block(clrelu_device_get_info(clrelu_device_at(ctx, i)));
    }
    clrelu_context_destroy(ctx);
    return CLI_EXIT_OK;
}
