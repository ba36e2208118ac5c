#define TERNARY_STATIC
#define TERNARY_IMPLEMENTATION
#include "ternary.h"
#include <stdio.h>
int tn_static_two(void);
int main(void) {
    int bad = tn_static_two() | (tn_fp32_to_fp16(2.0f) != 0x4000);
    printf("static: %s\n", bad ? "FAILED" : "ok");
    return bad;
}
