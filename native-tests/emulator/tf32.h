/* tf32.h — TF32 as tensor cores see an FP32 input, shared by the cuBLAS and cuDNN stand-ins. */
#ifndef SAGAN4J_EMU_TF32_H
#define SAGAN4J_EMU_TF32_H

#include <stdint.h>
#include <string.h>

/* v rounded to 10 mantissa bits (to nearest, ties to even); inf and NaN pass unchanged. */
static inline float tf32_round(float v) {
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    if ((bits & 0x7f800000u) != 0x7f800000u) {
        bits += 0xfffu + ((bits >> 13) & 1u);
        bits &= ~0x1fffu;
    }
    memcpy(&v, &bits, sizeof v);
    return v;
}

#endif
