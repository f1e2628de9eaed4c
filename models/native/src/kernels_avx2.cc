// The avx2 variant of the fused ConvLSTM kernels (flags for this file are set in binding.gyp).
#define GC_NS k_avx2
#define GC_V 8
#define GC_NAME "avx2"
#include "kernels.inc"

namespace gridcast {
const Kernels* kernelsAvx2() { return &k_avx2::table; }
}  // namespace gridcast
