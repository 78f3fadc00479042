/* test_npy.c: .npy round trips for every dtype and shape, version 2.0/3.0 headers, Fortran order, and malformed input. */
#include "check.h"
#include "clrelu_npy.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[256];

/* Build a file image: magic, version, length field, the dict padded with spaces + '\n', data. */
static size_t make_npy(unsigned char *buf, size_t cap, int major, const char *dict, const void *data, size_t nbytes)
{
    size_t field = major == 1 ? 2 : 4;
    size_t dlen = strlen(dict);
    size_t total_head = (8 + field + dlen + 1 + 63) / 64 * 64;
    size_t hlen = total_head - 8 - field;
    if (total_head + nbytes > cap)
        return 0;
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (unsigned char)major;
    buf[7] = 0;
    for (size_t i = 0; i < field; i++)
        buf[8 + i] = (unsigned char)(hlen >> (8 * i));
    memcpy(buf + 8 + field, dict, dlen);
    memset(buf + 8 + field + dlen, ' ', hlen - dlen - 1);
    buf[total_head - 1] = '\n';
    if (nbytes)
        memcpy(buf + total_head, data, nbytes);
    return total_head + nbytes;
}

static void round_trip_should_preserve_dtype_shape_and_bytes(void)
{
    static const size_t shapes[][4] = {{0}, {5}, {2, 3}, {2, 3, 4}, {0}, {3, 0, 2}, {1, 1, 1, 7}};
    static const int ranks[] = {0, 1, 2, 3, 1, 3, 4};
    clrelu_dtype dtypes[] = {CLRELU_F16, CLRELU_F32, CLRELU_F64};
    char path[512];
    snprintf(path, sizeof path, "%s/rt.npy", tmpdir);
    for (size_t t = 0; t < 3; t++) {
        for (size_t s = 0; s < sizeof ranks / sizeof ranks[0]; s++) {
            size_t count = 1;
            for (int d = 0; d < ranks[s]; d++)
                count *= shapes[s][d];
            size_t nbytes = count * clrelu_dtype_size(dtypes[t]);
            unsigned char *data = malloc(nbytes + 1);
            for (size_t i = 0; i < nbytes; i++)
                data[i] = (unsigned char)(i * 37 + 11);
            CHECK_OK(clrelu_npy_write(path, dtypes[t], shapes[s], ranks[s], data));
            clrelu_npy_array a;
            CHECK_OK(clrelu_npy_read(path, &a));
            CHECK(a.dtype == dtypes[t], "dtype %d read back as %d", (int)dtypes[t], (int)a.dtype);
            CHECK(a.rank == ranks[s], "rank %d read back as %d", ranks[s], a.rank);
            CHECK(a.count == count && a.nbytes == nbytes, "count %zu read back as %zu", count, a.count);
            CHECK(memcmp(a.shape, shapes[s], sizeof(size_t) * (size_t)ranks[s]) == 0, "shape differs");
            CHECK(nbytes == 0 || memcmp(a.data, data, nbytes) == 0, "data differs (dtype %d, case %zu)",
                  (int)dtypes[t], s);
            clrelu_npy_free(&a);

            /* in memory too, and the header is 64-byte aligned version 1.0 */
            void *enc;
            size_t len;
            CHECK_OK(clrelu_npy_encode(dtypes[t], shapes[s], ranks[s], data, &enc, &len));
            clrelu_npy_header h;
            CHECK_OK(clrelu_npy_parse_header(enc, len, &h));
            CHECK(h.major == 1 && h.minor == 0, "writer version %d.%d", h.major, h.minor);
            CHECK(h.data_offset % 64 == 0, "data offset %zu not 64-byte aligned", h.data_offset);
            CHECK(((unsigned char *)enc)[h.data_offset - 1] == '\n', "header does not end in a newline");
            CHECK_OK(clrelu_npy_parse(enc, len, &a));
            CHECK(a.count == count && (nbytes == 0 || memcmp(a.data, data, nbytes) == 0), "clrelu_npy_parse data differs");
            clrelu_npy_free(&a);
            free(enc);
            free(data);
        }
    }
    unlink(path);
}

static void writer_should_format_shapes_like_numpy(void)
{
    unsigned char buf[CLRELU_NPY_HEADER_MAX + 1];
    size_t one[] = {3}, two[] = {2, 3};
    size_t n = clrelu_npy_format_header(CLRELU_F32, one, 1, buf, sizeof buf);
    buf[n] = 0;
    CHECK(strstr((char *)buf + 10, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }") != NULL, "1-d header: %s",
          buf + 10);
    n = clrelu_npy_format_header(CLRELU_F64, two, 2, buf, sizeof buf);
    buf[n] = 0;
    CHECK(strstr((char *)buf + 10, "'shape': (2, 3), }") != NULL, "2-d header: %s", buf + 10);
    n = clrelu_npy_format_header(CLRELU_F16, NULL, 0, buf, sizeof buf);
    buf[n] = 0;
    CHECK(strstr((char *)buf + 10, "'descr': '<f2'") && strstr((char *)buf + 10, "'shape': ()"), "0-d header: %s",
          buf + 10);
}

static void version_2_and_3_headers_should_parse(void)
{
    unsigned char buf[512];
    float v[3] = {1.5f, -2.0f, 0.25f};
    for (int major = 2; major <= 3; major++) {
        size_t len = make_npy(buf, sizeof buf, major, "{\"shape\": (3,), \"descr\": \"<f4\", \"fortran_order\": False}",
                              v, sizeof v);
        clrelu_npy_array a;
        CHECK_OK(clrelu_npy_parse(buf, len, &a));
        CHECK(a.count == 3 && a.dtype == CLRELU_F32 && a.rank == 1, "version %d parse", major);
        CHECK(a.data && memcmp(a.data, v, sizeof v) == 0, "version %d data", major);
        clrelu_npy_free(&a);
    }
    /* Python 2 long suffix and no trailing comma */
    size_t len = make_npy(buf, sizeof buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1L, 3L)}", v, sizeof v);
    clrelu_npy_array a;
    CHECK_OK(clrelu_npy_parse(buf, len, &a));
    CHECK(a.rank == 2 && a.shape[0] == 1 && a.shape[1] == 3, "long-suffix shape");
    clrelu_npy_free(&a);
}

static void fortran_order_should_be_transposed_to_c_order(void)
{
    /* A 2x3 array [[0,1,2],[3,4,5]] stored in Fortran order is 0,3,1,4,2,5. */
    double f[6] = {0, 3, 1, 4, 2, 5};
    unsigned char buf[512];
    size_t len = make_npy(buf, sizeof buf, 1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", f, sizeof f);
    clrelu_npy_array a;
    CHECK_OK(clrelu_npy_parse(buf, len, &a));
    for (int i = 0; i < 6 && a.data; i++)
        CHECK(((double *)a.data)[i] == i, "fortran element %d is %g", i, ((double *)a.data)[i]);
    clrelu_npy_free(&a);

    /* 2x3x2, element (i,j,k) = 100i+10j+k; Fortran offset i + 2j + 6k */
    double g[12], want[12];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < 2; k++) {
                g[i + 2 * j + 6 * k] = 100 * i + 10 * j + k;
                want[i * 6 + j * 2 + k] = 100 * i + 10 * j + k;
            }
    char path[512];
    snprintf(path, sizeof path, "%s/fortran.npy", tmpdir);
    len = make_npy(buf, sizeof buf, 1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3, 2), }", g, sizeof g);
    FILE *fp = fopen(path, "wb");
    fwrite(buf, 1, len, fp);
    fclose(fp);
    CHECK_OK(clrelu_npy_read(path, &a));
    CHECK(a.data && memcmp(a.data, want, sizeof want) == 0, "3-d Fortran array not transposed by clrelu_npy_read");
    clrelu_npy_free(&a);
    unlink(path);
}

/* Every malformed header gives an error, never a crash, and leaves the array empty. */
static void expect_bad(const unsigned char *bytes, size_t len, clrelu_status want, const char *what, const char *needle)
{
    clrelu_npy_array a;
    memset(&a, 0xab, sizeof a);
    clrelu_status st = clrelu_npy_parse(bytes, len, &a);
    CHECK(st == want, "%s: got %s (%s), want %s", what, clrelu_status_name(st), clrelu_last_error(),
          clrelu_status_name(want));
    CHECK(a.data == NULL && a.count == 0, "%s: array not reset on error", what);
    CHECK(!needle || strstr(clrelu_last_error(), needle), "%s: message '%s' lacks '%s'", what, clrelu_last_error(),
          needle);
}

static void expect_bad_dict(const char *dict, size_t nbytes, clrelu_status want, const char *needle)
{
    unsigned char buf[1024];
    unsigned char zeros[64] = {0};
    size_t len = make_npy(buf, sizeof buf, 1, dict, zeros, nbytes);
    expect_bad(buf, len, want, dict, needle);
}

static void malformed_input_should_be_rejected(void)
{
    const clrelu_status INV = CLRELU_ERR_INVALID_ARG, UNS = CLRELU_ERR_UNSUPPORTED;
    unsigned char buf[1024];
    float v[2] = {1, 2};
    size_t good = make_npy(buf, sizeof buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", v, sizeof v);

    /* every truncation of a good file fails (header or data) */
    for (size_t n = 0; n < good; n++) {
        clrelu_npy_array a;
        clrelu_status st = clrelu_npy_parse(buf, n, &a);
        CHECK(st != CLRELU_OK, "truncated to %zu bytes accepted", n);
    }
    expect_bad(buf, 5, INV, "short magic", "magic");
    expect_bad(buf, 9, INV, "no length field", "truncated");
    expect_bad(buf, 40, INV, "truncated header", "truncated");
    expect_bad(buf, good - 1, INV, "truncated data", "truncated");
    unsigned char longer[1024];
    memcpy(longer, buf, good);
    longer[good] = 0;
    expect_bad(longer, good + 1, INV, "extra data", "needs 8 bytes");

    unsigned char bad[1024];
    memcpy(bad, buf, good);
    bad[1] = 'X';
    expect_bad(bad, good, INV, "bad magic", "magic");
    memcpy(bad, buf, good);
    bad[6] = 4;
    expect_bad(bad, good, UNS, "version 4.0", "version");
    memcpy(bad, buf, good);
    bad[8] = 0xff;
    bad[9] = 0xff;
    expect_bad(bad, good, INV, "header length past the end", "truncated");

    expect_bad_dict("", 8, INV, "dictionary");
    expect_bad_dict("[1, 2]", 8, INV, "dictionary");
    expect_bad_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)", 8, INV, NULL);
    expect_bad_dict("{'descr': '<f4', 'fortran_order': False}", 8, INV, "missing key 'shape'");
    expect_bad_dict("{'descr': '<f4', 'shape': (2,)}", 8, INV, "fortran_order");
    expect_bad_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", 8, INV, "unexpected key");
    expect_bad_dict("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", 8, INV, "duplicate");
    expect_bad_dict("{'descr': '<f4', 'fortran_order': maybe, 'shape': (2,)}", 8, INV, "True or False");
    expect_bad_dict("{'descr': '<f4", 8, INV, "'descr'");
    expect_bad_dict("{'descr': '<f4' 'fortran_order': False, 'shape': (2,)}", 8, INV, NULL);
    expect_bad_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} junk", 8, INV, "after the dictionary");
    expect_bad_dict("{'descr': '<f4', 'fortran_order': False, 'shape': [2]}", 8, INV, "tuple");
    expect_bad_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 'a')}", 8, INV, "integers");
    expect_bad_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (2 3)}", 8, INV, "shape");
    expect_bad_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (,)}", 8, INV, "integers");
    expect_bad_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}", 8, INV, "negative");
    expect_bad_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,)}", 8, INV,
                    "too large");
    expect_bad_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296)}", 8, INV,
                    "overflows");
    expect_bad_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904,)}", 8, INV, "overflows");
    expect_bad_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)}", 8, INV, "truncated");
    expect_bad_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", 8, INV, "needs 4 bytes");
    expect_bad_dict("{'descr': '<f4', 'fortran_order': False, 'shape': ()}", 8, INV, "needs 4 bytes");
    expect_bad_dict("{'descr': '<i4', 'fortran_order': False, 'shape': (2,)}", 8, UNS, "'<i4'");
    expect_bad_dict("{'descr': '|u1', 'fortran_order': False, 'shape': (8,)}", 8, UNS, "unsupported dtype");
    expect_bad_dict("{'descr': '>f4', 'fortran_order': False, 'shape': (2,)}", 8, UNS, "big-endian");
    expect_bad_dict("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,)}", 8, UNS, "structured");
    expect_bad_dict("{'descr': 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'fortran_order': False, 'shape': (2,)}",
                    8, INV, "too long");
    expect_bad_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,"
                    "1,1,1,1,1,1,1,1,1)}",
                    8, INV, "dimensions");
    /* a NUL inside the header */
    unsigned char nul[256];
    size_t n = make_npy(nul, sizeof nul, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", v, sizeof v);
    nul[20] = 0;
    expect_bad(nul, n, INV, "NUL in header", NULL);
}

/* Mutate bytes of a good file at random: whatever happens, no crash and a consistent result. */
static void random_corruption_should_never_crash(void)
{
    unsigned char good[256], buf[256];
    double v[4] = {1, 2, 3, 4};
    size_t len = make_npy(good, sizeof good, 1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }", v, sizeof v);
    unsigned seed = 12345;
    long ok = 0;
    for (int iter = 0; iter < 20000; iter++) {
        memcpy(buf, good, len);
        int flips = 1 + iter % 4;
        for (int k = 0; k < flips; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t pos = (seed >> 8) % len;
            seed = seed * 1103515245u + 12345u;
            buf[pos] = (unsigned char)(seed >> 16);
        }
        size_t n = (iter % 7 == 0) ? (seed >> 4) % (len + 1) : len;
        clrelu_npy_array a;
        if (clrelu_npy_parse(buf, n, &a) == CLRELU_OK) {
            ok++;
            if (a.nbytes != a.count * clrelu_dtype_size(a.dtype) || a.nbytes > n) {
                CHECK(0, "inconsistent array accepted at iteration %d", iter);
                break;
            }
            clrelu_npy_free(&a);
        }
    }
    CHECK(ok > 0 && ok < 20000, "corruption: %ld of 20000 accepted", ok);
}

static void read_should_report_file_errors(void)
{
    clrelu_npy_array a;
    char path[512];
    snprintf(path, sizeof path, "%s/missing.npy", tmpdir);
    CHECK(clrelu_npy_read(path, &a) == CLRELU_ERR_IO, "missing file");
    CHECK(strstr(clrelu_last_error(), "missing.npy") != NULL, "message names the file: %s", clrelu_last_error());
    CHECK(clrelu_npy_read(tmpdir, &a) == CLRELU_ERR_IO, "directory read as a file");

    snprintf(path, sizeof path, "%s/text.npy", tmpdir);
    FILE *f = fopen(path, "wb");
    fputs("hello, world\n", f);
    fclose(f);
    CHECK(clrelu_npy_read(path, &a) == CLRELU_ERR_INVALID_ARG && strstr(clrelu_last_error(), "not a .npy file"),
          "text file: %s", clrelu_last_error());
    f = fopen(path, "wb");
    fclose(f);
    CHECK(clrelu_npy_read(path, &a) == CLRELU_ERR_INVALID_ARG, "empty file");

    size_t shape[] = {2};
    float v[2] = {1, 2};
    CHECK(clrelu_npy_write(path, CLRELU_BF16, shape, 1, v) == CLRELU_ERR_UNSUPPORTED, "bfloat16 write refused");
    snprintf(path, sizeof path, "%s/no/such/dir/out.npy", tmpdir);
    CHECK(clrelu_npy_write(path, CLRELU_F32, shape, 1, v) == CLRELU_ERR_IO, "write into a missing directory");
    CHECK(clrelu_npy_write(tmpdir, CLRELU_F32, shape, 1, v) == CLRELU_ERR_IO, "write over a directory");
    snprintf(path, sizeof path, "%s/text.npy", tmpdir);
    unlink(path);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "%s/clrelu-test-npy-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    round_trip_should_preserve_dtype_shape_and_bytes();
    writer_should_format_shapes_like_numpy();
    version_2_and_3_headers_should_parse();
    fortran_order_should_be_transposed_to_c_order();
    malformed_input_should_be_rejected();
    random_corruption_should_never_crash();
    read_should_report_file_errors();
    rmdir(tmpdir);
    return check_summary("test_npy");
}
