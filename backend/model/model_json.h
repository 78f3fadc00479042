/* model_json.h: a small JSON reader for model config files (the library itself depends on no JSON library). */
#ifndef CLRELU_MODEL_JSON_H
#define CLRELU_MODEL_JSON_H

#include "clrelu.h"

typedef enum { MJ_NULL, MJ_BOOL, MJ_NUMBER, MJ_STRING, MJ_ARRAY, MJ_OBJECT } mj_type;

/* A parsed value. Arrays hold n items; objects n items with keys[i] naming items[i]. */
typedef struct mj_value {
    mj_type type;
    bool boolean;
    double number;
    char *string;
    struct mj_value *items;
    char **keys;
    size_t n;
} mj_value;

/* Parse text[0..len) as one JSON value (nesting up to 64 deep). On failure CLRELU_ERR_INVALID_ARG
 * with "what: <reason> at line L column C" in the error message. Free with clr_mj_free. */
clrelu_status clr_mj_parse(const char *text, size_t len, const char *what, mj_value *out);
void clr_mj_free(mj_value *v);
/* Member of an object (NULL if absent or v is not an object). */
const mj_value *clr_mj_get(const mj_value *v, const char *key);

#endif
