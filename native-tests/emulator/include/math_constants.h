// Emulator stand-in for CUDA's <math_constants.h> (the constants sagan4j's kernels use).
#pragma once
#include <math.h>
#define CUDART_INF_F HUGE_VALF
#define CUDART_NAN_F NAN
#define CUDART_INF HUGE_VAL
#define CUDART_NAN ((double)NAN)
