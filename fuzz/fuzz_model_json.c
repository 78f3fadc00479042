/* fuzz_model_json.c: libFuzzer harness for the model config JSON reader (clr_mj_parse). */
#include "fuzz.h"

#include "model/model_json.h"

#include <stdlib.h>
#include <string.h>

/* Walk the tree so that every string and container is read (a bad length shows up). */
static size_t walk(const mj_value *v, int depth)
{
    if (depth > 64)
        abort(); /* the parser promises to refuse deeper nesting */
    size_t n = 1;
    if (v->type == MJ_STRING && !v->string)
        abort();
    if (v->type == MJ_STRING)
        n += strlen(v->string);
    if (v->type == MJ_ARRAY || v->type == MJ_OBJECT)
        for (size_t i = 0; i < v->n; i++) {
            if (v->type == MJ_OBJECT) {
                n += strlen(v->keys[i]);
                if (clr_mj_get(v, v->keys[i]) == NULL)
                    abort();
            }
            n += walk(&v->items[i], depth + 1);
        }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mj_value v;
    memset(&v, 0, sizeof v);
    if (clr_mj_parse((const char *)data, size, "fuzz", &v) == CLRELU_OK) {
        (void)walk(&v, 1);
        clr_mj_free(&v);
    }
    return 0;
}
