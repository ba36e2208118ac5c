/* Two-file link test: the implementation here, declarations only in link_b.c.
   Catches a public function without TNDEF or an internal one without static. */
#define TERNARY_IMPLEMENTATION
#include "ternary.h"
#include <stdio.h>
int tn_link_b(void);
int main(void) {
    int b = tn_link_b();
    printf("link: %s, simd %s\n", b == 0 ? "ok" : "FAILED", tn_simd_name());
    return b;
}
