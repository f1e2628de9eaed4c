// Fused masked MSE / MAE (see masked_loss.h). Portable C++ written so the compiler vectorises it:
// per chunk eight float64 accumulators in a fixed lane order, so the result depends only on the data.
#include "masked_loss.h"

#include <cmath>
#include <vector>

#include "pool.h"

namespace gridcast {
namespace {

// Elements per work item. Fixed (not derived from the thread count) so the reduction order is too.
constexpr size_t kChunk = 1 << 15;
constexpr int kLanes = 8;

template <bool Mae>
void chunkSum(const float* p, const float* t, size_t n, double* sum, int64_t* count) {
  double acc[kLanes] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t cnt[kLanes] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int j = 0; j < kLanes; ++j) {
      const float tv = t[i + j];
      const bool valid = tv == tv;
      const float d = valid ? p[i + j] - tv : 0.0f;
      const double dd = static_cast<double>(d);
      acc[j] += Mae ? std::fabs(dd) : dd * dd;
      cnt[j] += valid ? 1 : 0;
    }
  }
  for (int j = 0; i < n; ++i, ++j) {
    const float tv = t[i];
    const bool valid = tv == tv;
    const float d = valid ? p[i] - tv : 0.0f;
    const double dd = static_cast<double>(d);
    acc[j] += Mae ? std::fabs(dd) : dd * dd;
    cnt[j] += valid ? 1 : 0;
  }
  double s = 0;
  int64_t c = 0;
  for (int j = 0; j < kLanes; ++j) {
    s += acc[j];
    c += cnt[j];
  }
  *sum = s;
  *count = c;
}

template <bool Mae>
void chunkGrad(const float* p, const float* t, size_t n, float scale2, float* g) {
  for (size_t i = 0; i < n; ++i) {
    const float tv = t[i];
    const bool valid = tv == tv;
    const float d = valid ? p[i] - tv : 0.0f;
    float v;
    if (Mae) v = d > 0 ? scale2 : (d < 0 ? -scale2 : 0.0f);
    else v = d * scale2;
    g[i] = valid ? v : 0.0f;
  }
}

size_t chunks(size_t n) { return (n + kChunk - 1) / kChunk; }

}  // namespace

void maskedLossForward(const float* p, const float* t, size_t n, bool mae, double* sum, int64_t* count) {
  const size_t k = chunks(n);
  std::vector<double> sums(k > 0 ? k : 1, 0.0);
  std::vector<int64_t> counts(k > 0 ? k : 1, 0);
  auto item = [&](int c) {
    const size_t lo = static_cast<size_t>(c) * kChunk;
    const size_t len = n - lo < kChunk ? n - lo : kChunk;
    if (mae) chunkSum<true>(p + lo, t + lo, len, &sums[c], &counts[c]);
    else chunkSum<false>(p + lo, t + lo, len, &sums[c], &counts[c]);
  };
  if (k <= 2 || poolThreads() <= 1) {
    for (size_t c = 0; c < k; ++c) item(static_cast<int>(c));
  } else {
    parallelFor(static_cast<int>(k), item);
  }
  double s = 0;
  int64_t cnt = 0;
  for (size_t c = 0; c < k; ++c) {
    s += sums[c];
    cnt += counts[c];
  }
  *sum = s;
  *count = cnt;
}

void maskedLossBackward(const float* p, const float* t, size_t n, bool mae, double scale, float* g) {
  // MSE: d * (2 * scale) in float32, as the composite gradient (2 * d * dy / count) rounds per op.
  const float s = static_cast<float>(mae ? scale : 2.0 * scale);
  const size_t k = chunks(n);
  auto item = [&](int c) {
    const size_t lo = static_cast<size_t>(c) * kChunk;
    const size_t len = n - lo < kChunk ? n - lo : kChunk;
    if (mae) chunkGrad<true>(p + lo, t + lo, len, s, g + lo);
    else chunkGrad<false>(p + lo, t + lo, len, s, g + lo);
  };
  if (k <= 2 || poolThreads() <= 1) {
    for (size_t c = 0; c < k; ++c) item(static_cast<int>(c));
  } else {
    parallelFor(static_cast<int>(k), item);
  }
}

}  // namespace gridcast
