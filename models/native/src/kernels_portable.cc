// The portable variant of the fused ConvLSTM kernels (flags for this file are set in binding.gyp).
#define GC_NS k_portable
#define GC_V 4
#define GC_NAME "portable"
#include "kernels.inc"

namespace gridcast {
const Kernels* kernelsPortable() { return &k_portable::table; }
}  // namespace gridcast
