/* served.h: the one table of served models — every op (a model of its own) and every MLP model of the repository — looked up by name. */
#ifndef CLRELU_SERVER_SERVED_H
#define CLRELU_SERVER_SERVED_H

#include "clrelu.h"
#include "clrelu_model.h"

#include <stdbool.h>

/* What a served model is; each kind has its own handlers (v2_kinds.h). */
typedef enum { SERVED_OP = 0, SERVED_MLP, SERVED_KINDS } served_kind;

typedef struct {
    char name[128];             /* the {model} of the routes */
    served_kind kind;
    const clrelu_op_desc *op;   /* SERVED_OP */
    clrelu_model *mlp;          /* SERVED_MLP, owned by the table */
    int slot;                   /* index in the table, also the model's statistics slot (stats.c) */
} served_model;

typedef struct served_models served_models;

/* A table holding every op in op-table order (slot = the op's index); NULL when out of memory. */
served_models *served_models_create(void);
/* Append an MLP model under name, taking m (freed by the table, or here on failure); false when
 * out of memory or the name is too long. Names must not repeat (models.c checks). */
bool served_models_add_mlp(served_models *t, const char *name, clrelu_model *m);
void served_models_free(served_models *t);
int served_models_count(const served_models *t);
/* Entry i, or NULL out of range. */
const served_model *served_models_at(const served_models *t, int i);
/* The model called name, or NULL. */
const served_model *served_models_find(const served_models *t, const char *name);

#endif
