/* replay_main.c: a standalone driver for the harnesses (no libFuzzer needed): runs every corpus
 * file, then a bounded number of deterministic random mutations of them. Used by the test suite. */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

typedef struct {
    unsigned char *data;
    size_t len;
} input;

typedef struct {
    input *items;
    size_t n, cap;
} corpus;

static int add_file(corpus *c, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    unsigned char *data = NULL;
    size_t len = 0, cap = 0;
    int rc = -1;
    for (;;) {
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 4096;
            unsigned char *g = realloc(data, ncap);
            if (!g)
                goto out;
            data = g;
            cap = ncap;
        }
        size_t k = fread(data + len, 1, cap - len, f);
        len += k;
        if (k == 0)
            break;
    }
    if (ferror(f))
        goto out;
    if (c->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 64;
        input *g = realloc(c->items, ncap * sizeof *g);
        if (!g)
            goto out;
        c->items = g;
        c->cap = ncap;
    }
    c->items[c->n++] = (input){data, len};
    data = NULL;
    rc = 0;
out:
    free(data);
    fclose(f);
    return rc;
}

/* A file, or every regular file directly inside a directory (sorted for a stable order). */
static int add_path(corpus *c, const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(sb.st_mode))
        return add_file(c, path);
    struct dirent **names;
    int n = scandir(path, &names, NULL, alphasort);
    if (n < 0)
        return -1;
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char full[4096];
        snprintf(full, sizeof full, "%s/%s", path, names[i]->d_name);
        if (names[i]->d_name[0] != '.' && stat(full, &sb) == 0 && S_ISREG(sb.st_mode) && add_file(c, full) != 0)
            rc = -1;
        free(names[i]);
    }
    free(names);
    return rc;
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static const char *const tokens[] = {"\n", "0", "-1", "1e308", "-0", "NaN", "[", "]", "{", "}", "\"", ",",
                                     ":", "null", "true", "4294967296", "18446744073709551616", "\\u0000",
                                     "\"data\"", "\"shape\"", "\"datatype\"", "\"FP32\"", "\"inputs\"",
                                     "binary_data_size", "(", ")", "'", "..", "x4", "all", "\xff\xff\xff\xff"};

/* Apply 1..4 random edits to buf[0..*len) (capacity cap). */
static void mutate(unsigned char *buf, size_t *len, size_t cap)
{
    int edits = 1 + (int)(rnd() % 4);
    for (int e = 0; e < edits; e++) {
        size_t n = *len;
        switch (rnd() % 7) {
        case 0: /* flip a bit */
            if (n)
                buf[rnd() % n] ^= (unsigned char)(1u << (rnd() % 8));
            break;
        case 1: /* set a byte */
            if (n)
                buf[rnd() % n] = (unsigned char)rnd();
            break;
        case 2: /* delete a run */
            if (n) {
                size_t at = rnd() % n, k = 1 + rnd() % (n - at < 16 ? n - at : 16);
                memmove(buf + at, buf + at + k, n - at - k);
                *len = n - k;
            }
            break;
        case 3: /* insert a token */
        case 4: {
            const char *t = tokens[rnd() % (sizeof tokens / sizeof tokens[0])];
            size_t k = strlen(t), at = n ? rnd() % (n + 1) : 0;
            if (n + k <= cap) {
                memmove(buf + at + k, buf + at, n - at);
                memcpy(buf + at, t, k);
                *len = n + k;
            }
            break;
        }
        case 5: /* duplicate a chunk */
            if (n) {
                size_t at = rnd() % n, k = 1 + rnd() % (n - at);
                if (n + k <= cap) {
                    memmove(buf + at + k, buf + at, n - at);
                    *len = n + k;
                }
            }
            break;
        default: /* truncate */
            if (n)
                *len = rnd() % n;
            break;
        }
    }
}

static void dump(const char *path, const unsigned char *data, size_t len)
{
    FILE *f = path ? fopen(path, "wb") : NULL;
    if (f) {
        fwrite(data, 1, len, f);
        fclose(f);
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    long mutations = 2000;
    double seconds = 10;
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    const char *dump_path = NULL;
    corpus c = {0};
    for (int i = 1; i < argc; i++) {
        if (!strncmp(argv[i], "-mutations=", 11))
            mutations = strtol(argv[i] + 11, NULL, 10);
        else if (!strncmp(argv[i], "-seconds=", 9))
            seconds = strtod(argv[i] + 9, NULL);
        else if (!strncmp(argv[i], "-seed=", 6))
            seed = strtoull(argv[i] + 6, NULL, 0) | 1;
        else if (!strncmp(argv[i], "-dump=", 6))
            dump_path = argv[i] + 6;
        else if (add_path(&c, argv[i]) != 0)
            return 2;
    }
    if (c.n == 0) {
        fprintf(stderr, "usage: %s [-mutations=N] [-seconds=S] [-seed=K] [-dump=FILE] CORPUS_DIR|FILE...\n", argv[0]);
        return 2;
    }
    rng_state = seed;
    size_t maxlen = 0;
    for (size_t i = 0; i < c.n; i++) {
        dump(dump_path, c.items[i].data, c.items[i].len);
        /* A private copy, so that reads past the end are caught by the sanitizers. */
        unsigned char *copy = malloc(c.items[i].len ? c.items[i].len : 1);
        if (!copy)
            return 2;
        memcpy(copy, c.items[i].data, c.items[i].len);
        LLVMFuzzerTestOneInput(copy, c.items[i].len);
        free(copy);
        if (c.items[i].len > maxlen)
            maxlen = c.items[i].len;
    }
    size_t cap = maxlen * 2 + 256;
    unsigned char *buf = malloc(cap);
    if (!buf)
        return 2;
    double t0 = now_s();
    long done = 0;
    for (; done < mutations && now_s() - t0 < seconds; done++) {
        const input *in = &c.items[rnd() % c.n];
        size_t len = in->len;
        memcpy(buf, in->data, len);
        mutate(buf, &len, cap);
        unsigned char *exact = malloc(len ? len : 1);
        if (!exact)
            return 2;
        memcpy(exact, buf, len);
        dump(dump_path, exact, len);
        LLVMFuzzerTestOneInput(exact, len);
        free(exact);
    }
    printf("replay: %zu corpus inputs, %ld mutated inputs (seed 0x%llx) in %.1f s, no crash\n", c.n, done,
           (unsigned long long)seed, now_s() - t0);
    free(buf);
    for (size_t i = 0; i < c.n; i++)
        free(c.items[i].data);
    free(c.items);
    return 0;
}
