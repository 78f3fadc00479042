/* binary_ext.h: Triton's binary tensor data extension — datatypes, request split, response assembly. */
#ifndef CLRELU_SERVER_BINARY_EXT_H
#define CLRELU_SERVER_BINARY_EXT_H

#include "clrelu.h"
#include "server.h"

#include <stdbool.h>
#include <stddef.h>

/* KServe datatype name ↔ clrelu dtype; false for types the server does not compute on. */
bool v2_datatype_parse(const char *name, clrelu_dtype *out);
const char *v2_datatype_name(clrelu_dtype t);
/* Element size of any KServe datatype (BOOL 1 … FP64 8), 0 for BYTES or unknown. */
size_t v2_datatype_size(const char *name);

/* The request body split by Inference-Header-Content-Length: JSON header and binary tail. */
typedef struct {
    const char *json;
    size_t json_len;
    const char *bin;
    size_t bin_len;
    bool raw;                   /* header length 0: the whole body is one raw input tensor */
} v2_body;

/* Split rq's body; false with rp filled (400) when the header length exceeds the body. */
bool v2_split_body(const request *rq, v2_body *out, response *rp);

/* Assemble a response: the JSON header, then the binary outputs in order. Takes header_json
 * (malloc'd); sets Content-Type and Inference-Header-Content-Length when n_bin > 0. */
void v2_binary_response(response *rp, char *header_json, const void *const *bin, const size_t *bin_len, int n_bin);
/* The same for one output without copying it: the header is the body and the output follows as
 * the response's tail. Takes header_json; tail_alloc (the malloc'd block holding out, or NULL
 * when out lies in the request body) is taken as well, and freed here on failure. */
void v2_binary_response_tail(response *rp, char *header_json, const void *out, size_t out_len, void *tail_alloc);

#endif
