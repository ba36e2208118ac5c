/* TERNARY_STATIC: two private copies of the implementation in one program
   (this file and static_one.c) must link without clashing. */
#define TERNARY_STATIC
#define TERNARY_IMPLEMENTATION
#include "ternary.h"
int tn_static_two(void) { return tn_fp32_to_fp16(1.0f) == 0x3c00 ? 0 : 1; }
