/* npy.c: .npy arrays in memory and on disk — parse, read, encode, and write atomically (temp + rename). */
#include "core/backend.h"
#include "clrelu_npy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Headers longer than this are refused when reading files (NumPy itself refuses over 10 kB). */
#define NPY_READ_HEADER_CAP (1u << 20)

void clrelu_npy_free(clrelu_npy_array *a)
{
    if (!a)
        return;
    free(a->data);
    memset(a, 0, sizeof *a);
}

/* "(2, 3)" for messages. */
static void format_shape(const size_t *shape, int rank, char *buf, size_t cap)
{
    size_t n = (size_t)snprintf(buf, cap, "(");
    for (int d = 0; d < rank && n < cap; d++)
        n += (size_t)snprintf(buf + n, cap - n, "%zu%s", shape[d], d + 1 < rank ? ", " : rank == 1 ? "," : "");
    if (n < cap)
        snprintf(buf + n, cap - n, ")");
}

static clrelu_status size_mismatch(const clrelu_npy_header *h, size_t have)
{
    char shape[256];
    format_shape(h->shape, h->rank, shape, sizeof shape);
    if (have < h->nbytes)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG,
                                "truncated .npy data: shape %s of %s needs %zu bytes, the file has %zu", shape,
                                clrelu_dtype_name(h->dtype), h->nbytes, have);
    return clrelu_set_error(CLRELU_ERR_INVALID_ARG,
                            "bad .npy file: shape %s of %s needs %zu bytes but %zu follow the header", shape,
                            clrelu_dtype_name(h->dtype), h->nbytes, have);
}

/* Copy a Fortran-order (first index fastest) array into C order (last index fastest). */
static void fortran_to_c(const unsigned char *src, unsigned char *dst, const size_t *shape, int rank, size_t count,
                         size_t item)
{
    size_t stride[CLRELU_NPY_MAX_RANK], idx[CLRELU_NPY_MAX_RANK] = {0};
    size_t s = 1;
    for (int d = 0; d < rank; d++) {
        stride[d] = s;
        s *= shape[d];
    }
    size_t off = 0;
    for (size_t i = 0; i < count; i++) {
        memcpy(dst + i * item, src + off * item, item);
        for (int d = rank - 1; d >= 0; d--) {
            off += stride[d];
            if (++idx[d] < shape[d])
                break;
            off -= stride[d] * shape[d];
            idx[d] = 0;
        }
    }
}

/* Fill out from a parsed header and its data bytes (exactly h->nbytes), transposing Fortran order. */
static clrelu_status take_data(const clrelu_npy_header *h, const void *data, clrelu_npy_array *out)
{
    memset(out, 0, sizeof *out);
    void *copy = NULL;
    if (h->nbytes) {
        copy = malloc(h->nbytes);
        if (!copy)
            return clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "out of memory for %zu bytes of .npy data", h->nbytes);
        if (h->fortran_order && h->rank >= 2)
            fortran_to_c(data, copy, h->shape, h->rank, h->count, clrelu_dtype_size(h->dtype));
        else
            memcpy(copy, data, h->nbytes);
    }
    out->dtype = h->dtype;
    out->rank = h->rank;
    memcpy(out->shape, h->shape, sizeof out->shape);
    out->count = h->count;
    out->nbytes = h->nbytes;
    out->data = copy;
    return CLRELU_OK;
}

clrelu_status clrelu_npy_parse(const void *bytes, size_t len, clrelu_npy_array *out)
{
    if (!out)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "clrelu_npy_parse: NULL argument");
    memset(out, 0, sizeof *out);
    clrelu_npy_header h;
    clrelu_status st = clrelu_npy_parse_header(bytes, len, &h);
    if (st != CLRELU_OK)
        return st;
    if (len - h.data_offset != h.nbytes)
        return size_mismatch(&h, len - h.data_offset);
    return take_data(&h, (const unsigned char *)bytes + h.data_offset, out);
}

/* Read exactly n bytes; false on a short read or an error. */
static bool read_full(FILE *f, void *buf, size_t n)
{
    return n == 0 || fread(buf, 1, n, f) == n;
}

/* Prefix the calling thread's last error with the path. */
static clrelu_status with_path(clrelu_status st, const char *path)
{
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", clrelu_last_error());
    return clrelu_set_error(st, "%s: %s", path, msg);
}

/* Read the header (bounded by NPY_READ_HEADER_CAP), check that the file size matches the
 * declared shape exactly, then read the data straight into the array's buffer. */
clrelu_status clrelu_npy_read(const char *path, clrelu_npy_array *out)
{
    if (!path || !out)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "clrelu_npy_read: NULL argument");
    memset(out, 0, sizeof *out);
    clrelu_status st = CLRELU_OK;
    unsigned char *head = NULL, *raw = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return clrelu_set_error(CLRELU_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        st = clrelu_set_error(CLRELU_ERR_IO, "%s: not a regular file", path);
        goto out;
    }
    size_t size = (size_t)sb.st_size;
    unsigned char prefix[12];
    size_t plen = size < sizeof prefix ? size : sizeof prefix;
    if (!read_full(f, prefix, plen)) {
        st = clrelu_set_error(CLRELU_ERR_IO, "%s: read error", path);
        goto out;
    }
    size_t data_offset;
    if ((st = clrelu_npy_header_extent(prefix, plen, &data_offset)) != CLRELU_OK) {
        st = with_path(st, path);
        goto out;
    }
    if (data_offset > size) {
        st = clrelu_set_error(CLRELU_ERR_INVALID_ARG, "%s: truncated .npy header (%zu bytes declared, file has %zu)",
                              path, data_offset, size);
        goto out;
    }
    if (data_offset > NPY_READ_HEADER_CAP) {
        st = clrelu_set_error(CLRELU_ERR_INVALID_ARG, "%s: .npy header of %zu bytes is too large", path, data_offset);
        goto out;
    }
    if (!(head = malloc(data_offset))) {
        st = clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "%s: out of memory", path);
        goto out;
    }
    memcpy(head, prefix, plen);
    if (!read_full(f, head + plen, data_offset - plen)) {
        st = clrelu_set_error(CLRELU_ERR_IO, "%s: read error", path);
        goto out;
    }
    clrelu_npy_header h;
    if ((st = clrelu_npy_parse_header(head, data_offset, &h)) != CLRELU_OK) {
        st = with_path(st, path);
        goto out;
    }
    if (size - data_offset != h.nbytes) {
        st = with_path(size_mismatch(&h, size - data_offset), path);
        goto out;
    }
    if (h.nbytes && !(raw = malloc(h.nbytes))) {
        st = clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "%s: out of memory for %zu bytes", path, h.nbytes);
        goto out;
    }
    if (!read_full(f, raw, h.nbytes)) {
        st = clrelu_set_error(CLRELU_ERR_IO, "%s: read error (file changed while reading?)", path);
        goto out;
    }
    if (h.fortran_order && h.rank >= 2) {
        st = take_data(&h, raw, out);
    } else {
        out->dtype = h.dtype;
        out->rank = h.rank;
        memcpy(out->shape, h.shape, sizeof out->shape);
        out->count = h.count;
        out->nbytes = h.nbytes;
        out->data = raw;
        raw = NULL;
    }
out:
    free(raw);
    free(head);
    fclose(f);
    return st;
}

static clrelu_status check_write_args(clrelu_dtype dtype, const size_t *shape, int rank, const void *data,
                                      size_t *nbytes)
{
    if (dtype != CLRELU_F16 && dtype != CLRELU_F32 && dtype != CLRELU_F64)
        return clrelu_set_error(CLRELU_ERR_UNSUPPORTED, ".npy has no %s type (use float16, float32 or float64)",
                                (unsigned)dtype < CLRELU_DTYPE_COUNT ? clrelu_dtype_name(dtype) : "such");
    if (rank < 0 || rank > CLRELU_NPY_MAX_RANK || (rank > 0 && !shape))
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "npy: rank %d is out of range 0..%d", rank, CLRELU_NPY_MAX_RANK);
    size_t count = 1;
    for (int d = 0; d < rank; d++) {
        if (shape[d] && count > SIZE_MAX / shape[d])
            return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "npy: shape overflows size_t");
        count *= shape[d];
    }
    size_t item = clrelu_dtype_size(dtype);
    if (count > SIZE_MAX / item)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "npy: array size overflows size_t");
    if (count && !data)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "npy: data is NULL");
    *nbytes = count * item;
    return CLRELU_OK;
}

clrelu_status clrelu_npy_encode(clrelu_dtype dtype, const size_t *shape, int rank, const void *data, void **out,
                         size_t *out_len)
{
    if (!out || !out_len)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "clrelu_npy_encode: NULL argument");
    *out = NULL;
    *out_len = 0;
    size_t nbytes;
    clrelu_status st = check_write_args(dtype, shape, rank, data, &nbytes);
    if (st != CLRELU_OK)
        return st;
    unsigned char head[CLRELU_NPY_HEADER_MAX];
    size_t hlen = clrelu_npy_format_header(dtype, shape, rank, head, sizeof head);
    if (!hlen || nbytes > SIZE_MAX - hlen)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "clrelu_npy_encode: header or size too large");
    unsigned char *buf = malloc(hlen + nbytes);
    if (!buf)
        return clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "clrelu_npy_encode: out of memory for %zu bytes", hlen + nbytes);
    memcpy(buf, head, hlen);
    if (nbytes)
        memcpy(buf + hlen, data, nbytes);
    *out = buf;
    *out_len = hlen + nbytes;
    return CLRELU_OK;
}

static bool write_full(int fd, const void *buf, size_t n)
{
    const unsigned char *p = buf;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Create a temporary file next to path (O_EXCL, so concurrent writers never share one). */
static int open_temp(const char *path, char *tmp, size_t cap)
{
    static atomic_uint counter;
    for (int attempt = 0; attempt < 100; attempt++) {
        unsigned n = atomic_fetch_add(&counter, 1);
        if ((size_t)snprintf(tmp, cap, "%s.tmp.%ld.%u", path, (long)getpid(), n) >= cap) {
            errno = ENAMETOOLONG;
            return -1;
        }
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

clrelu_status clrelu_npy_write(const char *path, clrelu_dtype dtype, const size_t *shape, int rank, const void *data)
{
    if (!path)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "clrelu_npy_write: path is NULL");
    size_t nbytes;
    clrelu_status st = check_write_args(dtype, shape, rank, data, &nbytes);
    if (st != CLRELU_OK)
        return with_path(st, path);
    unsigned char head[CLRELU_NPY_HEADER_MAX];
    size_t hlen = clrelu_npy_format_header(dtype, shape, rank, head, sizeof head);
    if (!hlen)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "%s: .npy header too large", path);

    char tmp[4096];
    int fd = open_temp(path, tmp, sizeof tmp);
    if (fd < 0)
        return clrelu_set_error(CLRELU_ERR_IO, "%s: cannot create a temporary file: %s", path, strerror(errno));
    bool ok = write_full(fd, head, hlen) && write_full(fd, data, nbytes);
    int err = errno;
    if (close(fd) != 0 && ok) {
        ok = false;
        err = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = false;
        err = errno;
    }
    if (!ok) {
        unlink(tmp);
        return clrelu_set_error(CLRELU_ERR_IO, "%s: cannot write: %s", path, strerror(err));
    }
    return CLRELU_OK;
}
