/* binary_ext.c: Triton binary tensor data extension (request split, response assembly, datatypes). */
#include "codec/binary_ext.h"

#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    size_t size;
} datatypes[] = {
    {"BOOL", 1}, {"UINT8", 1}, {"INT8", 1},   {"UINT16", 2}, {"INT16", 2}, {"UINT32", 4}, {"INT32", 4},
    {"UINT64", 8}, {"INT64", 8}, {"FP16", 2}, {"BF16", 2},  {"FP32", 4},  {"FP64", 8},
};

size_t v2_datatype_size(const char *name)
{
    for (size_t i = 0; i < sizeof datatypes / sizeof datatypes[0]; i++)
        if (!strcmp(name, datatypes[i].name))
            return datatypes[i].size;
    return 0;
}

bool v2_datatype_parse(const char *name, clrelu_dtype *out)
{
    static const struct {
        const char *name;
        clrelu_dtype t;
    } map[] = {{"FP32", CLRELU_F32}, {"FP16", CLRELU_F16}, {"BF16", CLRELU_BF16}, {"FP64", CLRELU_F64}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(name, map[i].name)) {
            *out = map[i].t;
            return true;
        }
    return false;
}

const char *v2_datatype_name(clrelu_dtype t)
{
    switch (t) {
    case CLRELU_F16: return "FP16";
    case CLRELU_BF16: return "BF16";
    case CLRELU_F64: return "FP64";
    default: return "FP32";
    }
}

bool v2_split_body(const request *rq, v2_body *b, response *rp)
{
    memset(b, 0, sizeof *b);
    if (rq->header_len < 0) {
        b->json = rq->body;
        b->json_len = rq->len;
        return true;
    }
    if ((unsigned long long)rq->header_len > rq->len) {
        response_error(rp, 400, "Inference-Header-Content-Length %lld exceeds the body's %zu bytes", rq->header_len,
                       rq->len);
        return false;
    }
    b->json = rq->body;
    b->json_len = (size_t)rq->header_len;
    b->bin = rq->body ? rq->body + rq->header_len : NULL;
    b->bin_len = rq->len - (size_t)rq->header_len;
    b->raw = rq->header_len == 0;
    return true;
}

void v2_binary_response(response *rp, char *header_json, const void *const *bin, const size_t *bin_len, int n_bin)
{
    size_t hlen = strlen(header_json);
    if (n_bin == 0) {
        response_json_text(rp, 200, header_json);
        return;
    }
    size_t total = hlen;
    for (int i = 0; i < n_bin; i++)
        total += bin_len[i];
    char *body = malloc(total ? total : 1);
    if (!body) {
        free(header_json);
        response_error(rp, 503, "out of memory assembling the response");
        return;
    }
    memcpy(body, header_json, hlen);
    size_t pos = hlen;
    for (int i = 0; i < n_bin; i++) {
        if (bin_len[i])
            memcpy(body + pos, bin[i], bin_len[i]);
        pos += bin_len[i];
    }
    free(header_json);
    free(rp->body);
    rp->status = 200;
    rp->body = body;
    rp->len = total;
    rp->content_type = "application/octet-stream";
    rp->header_len = (long long)hlen;
}

void v2_binary_response_tail(response *rp, char *header_json, const void *out, size_t out_len, void *tail_alloc)
{
    size_t hlen = strlen(header_json);
    free(rp->body);
    free(rp->tail_alloc);
    rp->status = 200;
    rp->body = header_json;
    rp->len = hlen;
    rp->tail = out;
    rp->tail_len = out_len;
    rp->tail_alloc = tail_alloc;
    rp->content_type = "application/octet-stream";
    rp->header_len = (long long)hlen;
}
