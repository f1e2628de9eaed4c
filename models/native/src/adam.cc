// Fused Adam (see adam.h). Compiled with -ffp-contract=off (binding.gyp, its own static library):
// TensorFlow.js rounds every op to float32, so a fused multiply-add (one rounding instead of two)
// would make the weights differ from tf.train.adam in the last bit and drift over a run.
//
// TF.js (tfjs-core/src/optimizers/adam_optimizer.ts), per variable, each op a float32 tensor op:
//   m'   = m*beta1 + g*(1-beta1)
//   v'   = v*beta2 + (g*g)*(1-beta2)
//   w'   = ((m'/(1-accBeta1)) / (sqrt(v'/(1-accBeta2)) + eps)) * (-lr) + w
// (epsilon is added to the square root of the bias-corrected second moment, and the bias correction
// divides, it is not folded into the learning rate). The loop below keeps exactly that order of
// float32 operations; plain SSE/AVX division and square root are correctly rounded like wasm's and
// like the cpu backend's float64-then-float32 results, so the bits agree.
#include "adam.h"

#include <algorithm>
#include <cmath>

#include "pool.h"

namespace gridcast {
namespace {

// Elements per work item: a fixed size (not derived from the thread count), large enough that a
// pool hand-off (~µs) is small next to it, small enough that two threads split a 40k-element
// kernel gradient.
constexpr size_t kChunk = 1 << 14;
// Below this many elements in total the caller does all the work: waking the pool costs more.
constexpr size_t kParallelMin = 1 << 16;

void update(const AdamHyper& h, const AdamSlot& s, size_t lo, size_t hi) {
  const float b1 = h.beta1, c1 = h.oneMinusBeta1, b2 = h.beta2, c2 = h.oneMinusBeta2;
  const float s1 = h.biasCorr1, s2 = h.biasCorr2, eps = h.epsilon, nlr = h.negLr;
  const float* w = s.w;
  const float* g = s.g;
  const float* m = s.m;
  const float* v = s.v;
  float* wo = s.wOut;
  float* mo = s.mOut;
  float* vo = s.vOut;
  // Outputs may be the inputs (in place): element i is read before it is written and no element
  // depends on another, so there is no loop-carried dependence even then (addon.cc rejects any
  // other overlap). `ivdep` says so to the vectoriser, which would otherwise add a run-time
  // overlap check that fails for in-place calls and falls back to scalar code.
#pragma GCC ivdep
  for (size_t i = lo; i < hi; ++i) {
    const float gi = g[i];
    const float mn = m[i] * b1 + gi * c1;
    const float vn = v[i] * b2 + (gi * gi) * c2;
    const float mh = mn / s1;
    const float vh = vn / s2;
    const float step = (mh / (std::sqrt(vh) + eps)) * nlr;
    const float wn = step + w[i];
    mo[i] = mn;
    vo[i] = vn;
    wo[i] = wn;
  }
}

}  // namespace

void adamUpdate(const AdamHyper& h, const std::vector<AdamSlot>& slots) {
  struct Item {
    size_t slot, lo, hi;
  };
  std::vector<Item> items;
  size_t total = 0;
  for (size_t k = 0; k < slots.size(); ++k) {
    total += slots[k].n;
    for (size_t lo = 0; lo < slots[k].n; lo += kChunk) items.push_back({k, lo, std::min(slots[k].n, lo + kChunk)});
  }
  auto run = [&](int i) {
    const Item& it = items[static_cast<size_t>(i)];
    update(h, slots[it.slot], it.lo, it.hi);
  };
  if (total < kParallelMin || poolThreads() <= 1 || items.size() < 2) {
    for (size_t i = 0; i < items.size(); ++i) run(static_cast<int>(i));
  } else {
    parallelFor(static_cast<int>(items.size()), run);
  }
}

}  // namespace gridcast
