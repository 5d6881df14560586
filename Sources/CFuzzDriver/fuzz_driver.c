// Declarations only (include/fuzz_driver.h); the driver comes from libFuzzer when fuzzing.
#include "fuzz_driver.h"
