#include "ternary.h"
#include "ternary.h" /* twice: the include guard must hold */
int tn_link_b(void) {
    float x[32], y[32];
    uint8_t q[34];
    int i;
    for (i = 0; i < 32; i++) x[i] = (float)i - 16.0f;
    if (tn_quantize_row(TN_TYPE_Q8_0, x, q, 32) != TN_OK) return 1;
    if (tn_dequantize_row(TN_TYPE_Q8_0, q, y, 32) != TN_OK) return 1;
    for (i = 0; i < 32; i++) if (y[i] < x[i] - 0.1f || y[i] > x[i] + 0.1f) return 1;
    return 0;
}
