/* model_config.h: build a model from config.json text already in memory (weights still come from dir). */
#ifndef CLRELU_MODEL_CONFIG_H
#define CLRELU_MODEL_CONFIG_H

#include "clrelu_model.h"

/* What clrelu_model_load does after reading dir/config.json: parse text[0..len) and load the
 * .npy files it names from dir. Used by the config fuzz harness. */
clrelu_status clrelu_model_load_config(const char *dir, const char *text, size_t len, clrelu_model **out);

#endif
