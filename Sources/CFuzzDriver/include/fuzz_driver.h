#ifndef FUZZ_DRIVER_H
#define FUZZ_DRIVER_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver, present when linked with -sanitize=fuzzer. SwiftPM names an
/// executable's entry point itself, so the fuzz target's entry calls the driver explicitly.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
