/* v2_kinds.h: the KServe v2 handlers of each kind of served model — op models (v2_op.c) and MLP models (routes_models.c). */
#ifndef CLRELU_SERVER_V2_KINDS_H
#define CLRELU_SERVER_V2_KINDS_H

#include "served.h"
#include "server.h"

/* A handler for one served model m (rq->model names it and its version, if any, is "1"). */
typedef void (*v2_model_handler)(server *s, const served_model *m, request *rq, response *rp);

/* What one kind of model answers: GET .../{model}, .../ready, .../config, POST .../infer. */
typedef struct {
    v2_model_handler metadata, ready, config, infer;
} v2_kind;

extern const v2_kind v2_op_kind;  /* v2_op.c */
extern const v2_kind v2_mlp_kind; /* routes_models.c */

#endif
