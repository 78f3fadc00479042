/* fuzz_activate.c: libFuzzer harness for the native API's POST /v1/activate JSON request. */
#include "fuzz.h"
#include "fuzz_server.h"

#include "router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_call(h_activate, "", data, size, -1);
    return 0;
}
