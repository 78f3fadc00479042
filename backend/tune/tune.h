/* tune.h: per-device tuned launch parameters (vector width, work-group size, work per item) and the host crossover. */
#ifndef CLRELU_TUNE_H
#define CLRELU_TUNE_H

#include "clrelu_tune.h"
#include "core/backend.h"

/* One kernel configuration; a 0 field means "the backend's default". */
typedef struct {
    unsigned vw;        /* elements per vector load/store (build option -DVW) */
    unsigned wg;        /* work-group size */
    unsigned ept;       /* vectors per work-item (global size = vectors / ept); 0: one group per CU */
} tune_cfg;

/* What is stored per device fingerprint: the best config per dtype (have[t]) and, per op class
 * (clrelu_op_class) and dtype, the element count below which the host backend beats the device
 * (have_cross; UINT64_MAX: the host wins at every size). */
typedef struct {
    bool have[CLRELU_DTYPE_COUNT];
    tune_cfg cfg[CLRELU_DTYPE_COUNT];
    uint64_t cross[CLRELU_OP_CLASS_COUNT][CLRELU_DTYPE_COUNT];
    bool have_cross[CLRELU_OP_CLASS_COUNT][CLRELU_DTYPE_COUNT];
} tune_record;

/* 32 hex digits naming the device: platform, name, vendor, driver and device versions. */
void clr_tune_fingerprint(const clrelu_device_info *info, char out[33]);
/* Load dir/<fingerprint>.tune. CLRELU_ERR_NOT_FOUND when absent; CLRELU_ERR_IO with the reason when
 * the file is corrupt, truncated or for another device (the caller then ignores it). */
clrelu_status clr_tune_load(const char *dir, const char *fingerprint, tune_record *out);
/* Write the record atomically (temporary file + rename). */
clrelu_status clr_tune_store(const char *dir, const char *fingerprint, const tune_record *rec);

#endif
