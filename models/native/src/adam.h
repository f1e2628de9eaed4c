// Fused Adam update over many variables in one call (see adam.cc). The arithmetic is TensorFlow.js's
// AdamOptimizer.applyGradients op by op in float32, so a training run matches tf.train.adam bit for
// bit; elements are independent, so the result does not depend on the thread count either.
#pragma once
#include <cstddef>
#include <vector>

namespace gridcast {

/** Hyper-parameters of one step, already rounded to float32 the way the TF.js ops round them. */
struct AdamHyper {
  float beta1;         // fround(beta1)
  float oneMinusBeta1; // fround(1 - beta1), computed in float64 first as TF.js does (`1 - this.beta1`)
  float beta2;
  float oneMinusBeta2;
  float biasCorr1;     // fround(1 - accBeta1): accBeta1 = beta1^(t+1) as float32 products
  float biasCorr2;     // fround(1 - accBeta2)
  float epsilon;       // fround(epsilon)
  float negLr;         // fround(-learningRate)
};

/** One variable: inputs (w, g, m, v) and outputs (may be the same arrays as w, m, v: in place). */
struct AdamSlot {
  const float* w;
  const float* g;
  const float* m;
  const float* v;
  float* wOut;
  float* mOut;
  float* vOut;
  size_t n;
};

/** Updates every slot; parallel over fixed chunks on the pool when there is enough work. */
void adamUpdate(const AdamHyper& h, const std::vector<AdamSlot>& slots);

}  // namespace gridcast
