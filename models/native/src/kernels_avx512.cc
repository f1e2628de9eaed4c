// The avx512 variant of the fused ConvLSTM kernels (flags for this file are set in binding.gyp).
#define GC_NS k_avx512
#define GC_V 16
#define GC_NAME "avx512"
#include "kernels.inc"

namespace gridcast {
const Kernels* kernelsAvx512() { return &k_avx512::table; }
}  // namespace gridcast
