// Fused masked losses (MSE / MAE ignoring NaN targets): forward sum + count, and the gradient with
// respect to the prediction. Deterministic: the data is cut into fixed chunks (independent of the
// thread count), each chunk summed in a fixed order into float64, the chunk sums added in order.
#pragma once
#include <cstddef>
#include <cstdint>

namespace gridcast {

/** Sum over valid (non-NaN target) elements of (p-t)^2 (mae: |p-t|) in float64, and their count. */
void maskedLossForward(const float* p, const float* t, size_t n, bool mae, double* sum, int64_t* count);
/** g = mask * 2(p-t) * scale (mae: mask * sign(p-t) * scale); every element is written. */
void maskedLossBackward(const float* p, const float* t, size_t n, bool mae, double scale, float* g);

}  // namespace gridcast
