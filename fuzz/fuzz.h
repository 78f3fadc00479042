/* fuzz.h: what every harness provides (libFuzzer's entry point) and the shared fixtures. */
#ifndef CLRELU_FUZZ_H
#define CLRELU_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer calls this once per input; the replay driver (replay_main.c) calls it the same way.
 * A harness returns 0 and signals a bug only by crashing (sanitizers) or calling abort(). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct clrelu_context;
/* One host-only context for the whole process (created on first use, never destroyed: fuzzing
 * processes end by exit). NULL if it cannot be created. */
struct clrelu_context *fuzz_host_context(void);

/* Split the next '\n'-terminated field off [*p, end) into a NUL-terminated copy in out (cap
 * bytes, truncated). Returns 0 at the end of the input. */
int fuzz_next_field(const uint8_t **p, const uint8_t *end, char *out, size_t cap);

#endif
