/* models.c: load the MLP model repository at start (one subfolder per model) and describe analysis results as JSON. */
#include "models.h"

#include "access_log.h"
#include "request_json.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Subfolder names holding a config.json, sorted (malloc'd array of malloc'd names). */
static int list_models(const char *repo_dir, const server_logger *lg, char ***out)
{
    DIR *d = opendir(repo_dir);
    if (!d) {
        server_log(lg, CLRELU_LOG_ERROR, "--model-repository %s: cannot open the folder", repo_dir);
        return -1;
    }
    char **names = calloc(MODELS_MAX, sizeof *names);
    int n = 0;
    struct dirent *e;
    while (names && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[2048];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s/config.json", repo_dir, e->d_name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (n == MODELS_MAX) {
            server_log(lg, CLRELU_LOG_ERROR, "--model-repository %s: more than %d models", repo_dir, MODELS_MAX);
            n = -1;
            break;
        }
        if (!(names[n] = strdup(e->d_name))) {
            n = -1;
            break;
        }
        n++;
    }
    closedir(d);
    if (n < 0 || !names) {
        for (int i = 0; names && i < MODELS_MAX; i++)
            free(names[i]);
        free(names);
        return -1;
    }
    qsort(names, (size_t)n, sizeof *names, by_name);
    *out = names;
    return n;
}

bool models_load(served_models *t, const char *repo_dir, const server_logger *lg)
{
    if (!repo_dir || !*repo_dir)
        return true;
    char **names = NULL;
    int n = list_models(repo_dir, lg, &names);
    if (n < 0)
        return false;
    bool ok = true;
    for (int i = 0; ok && i < n; i++) {
        char dir[2048];
        snprintf(dir, sizeof dir, "%s/%s", repo_dir, names[i]);
        if (strlen(names[i]) >= sizeof ((served_model *)0)->name || clrelu_op_find(names[i])) {
            server_log(lg, CLRELU_LOG_ERROR, "model folder '%s': the name is %s", dir,
                       clrelu_op_find(names[i]) ? "an op's name (ops are models too); rename the folder" : "too long");
            ok = false;
            break;
        }
        clrelu_model *m = NULL;
        if (clrelu_model_load(dir, &m) != CLRELU_OK) {
            server_log(lg, CLRELU_LOG_ERROR, "cannot load model '%s': %s", names[i], clrelu_last_error());
            ok = false;
            break;
        }
        if (!served_models_add_mlp(t, names[i], m)) {
            server_log(lg, CLRELU_LOG_ERROR, "out of memory loading model '%s'", names[i]);
            ok = false;
            break;
        }
        server_log(lg, CLRELU_LOG_INFO, "model %s: %d layers, %zu -> %zu, %s", names[i], clrelu_model_layer_count(m),
                   clrelu_model_input_size(m), clrelu_model_output_size(m), clrelu_dtype_name(clrelu_model_dtype(m)));
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return ok;
}

cJSON *models_stats_json(const clrelu_model *m, const clrelu_layer_stats *stats)
{
    cJSON *layers = cJSON_CreateArray();
    for (int i = 0; i < clrelu_model_layer_count(m); i++) {
        const clrelu_layer_info *L = clrelu_model_layer(m, i);
        const clrelu_layer_stats *st = &stats[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(layers, o);
        cJSON_AddNumberToObject(o, "index", i);
        cJSON_AddNumberToObject(o, "in", (double)L->in);
        cJSON_AddNumberToObject(o, "out", (double)L->out);
        cJSON_AddStringToObject(o, "activation", L->activation);
        cJSON_AddNumberToObject(o, "samples", (double)st->samples);
        cJSON_AddNumberToObject(o, "zero_fraction", st->zero_fraction);
        cJSON *dead = cJSON_AddArrayToObject(o, "dead_units");
        for (size_t d = 0; d < st->n_dead; d++)
            cJSON_AddItemToArray(dead, cJSON_CreateNumber((double)st->dead[d]));
        cJSON *rate = cJSON_AddArrayToObject(o, "active_rate");
        for (size_t u = 0; u < st->units; u++)
            cJSON_AddItemToArray(rate, cJSON_CreateNumber(st->active_rate[u]));
        cJSON *pre = cJSON_AddObjectToObject(o, "pre_activation");
        cJSON_AddItemToObject(pre, "min", json_number_ext(st->pre_min));
        cJSON_AddItemToObject(pre, "max", json_number_ext(st->pre_max));
        cJSON_AddItemToObject(pre, "mean", json_number_ext(st->pre_mean));
        cJSON_AddNumberToObject(pre, "nan_count", (double)st->nan_count);
        /* the bins span a robust range (clrelu_model.h); the values outside it are counted */
        cJSON *hist = cJSON_AddArrayToObject(pre, "histogram");
        for (int b = 0; b < CLRELU_HIST_BINS; b++)
            cJSON_AddItemToArray(hist, cJSON_CreateNumber((double)st->hist[b]));
        cJSON_AddItemToObject(pre, "histogram_min", json_number_ext(st->hist_lo));
        cJSON_AddItemToObject(pre, "histogram_max", json_number_ext(st->hist_hi));
        cJSON_AddNumberToObject(pre, "below_histogram", (double)st->hist_below);
        cJSON_AddNumberToObject(pre, "above_histogram", (double)st->hist_above);
    }
    return layers;
}
