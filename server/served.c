/* served.c: the served-model table — the ops, then the MLP models loaded at start; read-only once the server listens. */
#include "served.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct served_models {
    served_model *e;
    int n, cap;
};

static bool append(served_models *t, const char *name, served_kind kind, const clrelu_op_desc *op, clrelu_model *m)
{
    if (strlen(name) >= sizeof t->e[0].name)
        return false;
    if (t->n == t->cap) {
        int cap = t->cap ? t->cap * 2 : 32;
        served_model *grown = realloc(t->e, (size_t)cap * sizeof *grown);
        if (!grown)
            return false;
        t->e = grown;
        t->cap = cap;
    }
    served_model *e = &t->e[t->n];
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "%s", name);
    e->kind = kind;
    e->op = op;
    e->mlp = m;
    e->slot = t->n++;
    return true;
}

served_models *served_models_create(void)
{
    served_models *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    for (int i = 0; i < clrelu_op_count(); i++) {
        const clrelu_op_desc *op = clrelu_op_get(i);
        if (!append(t, op->name, SERVED_OP, op, NULL)) {
            served_models_free(t);
            return NULL;
        }
    }
    return t;
}

bool served_models_add_mlp(served_models *t, const char *name, clrelu_model *m)
{
    if (append(t, name, SERVED_MLP, NULL, m))
        return true;
    clrelu_model_free(m);
    return false;
}

void served_models_free(served_models *t)
{
    if (!t)
        return;
    for (int i = 0; i < t->n; i++)
        if (t->e[i].mlp)
            clrelu_model_free(t->e[i].mlp);
    free(t->e);
    free(t);
}

int served_models_count(const served_models *t) { return t ? t->n : 0; }

const served_model *served_models_at(const served_models *t, int i)
{
    return t && i >= 0 && i < t->n ? &t->e[i] : NULL;
}

const served_model *served_models_find(const served_models *t, const char *name)
{
    for (int i = 0; t && i < t->n; i++)
        if (strcmp(t->e[i].name, name) == 0)
            return &t->e[i];
    return NULL;
}
