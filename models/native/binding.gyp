# The fused ConvLSTM addon. The SIMD variants are static libraries so each gets its own ISA flags
# (-mavx2 -mfma, -mavx512*) while the addon itself and the portable kernels stay baseline x86-64 (or
# whatever the target is), which is what lets run-time CPUID dispatch be safe. The fused Adam is a
# static library too, for its own flag: -ffp-contract=off (it must round every op to float32 like
# TensorFlow.js, so no fused multiply-adds; see src/adam.cc).
{
  "target_defaults": {
    "cflags!": ["-fno-exceptions", "-O0", "-O2"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
    "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-ffp-contract=fast", "-fPIC"],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
    "conditions": [["target_arch=='x64'", {"defines": ["GRIDCAST_X86"]}]]
  },
  "targets": [
    {
      "target_name": "gridcast_native",
      "sources": ["src/addon.cc", "src/pool.cc", "src/buffer.cc", "src/kernels_portable.cc", "src/masked_loss.cc"],
      "dependencies": ["gridcast_adam"],
      "conditions": [["target_arch=='x64'", {"dependencies": ["gridcast_avx2", "gridcast_avx512"]}]],
      "libraries": ["-lpthread"]
    },
    {
      "target_name": "gridcast_adam",
      "type": "static_library",
      "sources": ["src/adam.cc"],
      "cflags_cc": ["-ffp-contract=off", "-fno-math-errno"]
    },
    {
      "target_name": "gridcast_avx2",
      "type": "static_library",
      "sources": ["src/kernels_avx2.cc"],
      "cflags_cc": ["-mavx2", "-mfma"]
    },
    {
      "target_name": "gridcast_avx512",
      "type": "static_library",
      "sources": ["src/kernels_avx512.cc"],
      "cflags_cc": ["-mavx512f", "-mavx512dq", "-mavx512vl", "-mavx2", "-mfma", "-mprefer-vector-width=512"]
    }
  ]
}
