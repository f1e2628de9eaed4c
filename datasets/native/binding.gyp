# The codec addon (libdeflate DEFLATE + SHA-256). The SHA-NI block function is a static library
# with its own -msha -msse4.1 flags; the addon itself stays baseline x86-64 and picks it by CPUID
# at run time. libdeflate is dlopen'ed (-ldl), so neither its headers nor its presence are needed
# to build.
{
  "target_defaults": {
    "cflags!": ["-fno-exceptions", "-O0", "-O2"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
    "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-fPIC"],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
    "conditions": [["target_arch=='x64'", {"defines": ["GRIDCAST_X86"]}]]
  },
  "targets": [
    {
      "target_name": "gridcast_codecs",
      "sources": ["src/addon.cc", "src/deflate.cc", "src/sha256.cc", "src/sha256_portable.cc"],
      "conditions": [["target_arch=='x64'", {"dependencies": ["gridcast_codecs_shani"]}]],
      "libraries": ["-ldl"]
    },
    {
      "target_name": "gridcast_codecs_shani",
      "type": "static_library",
      "sources": ["src/sha256_shani.cc"],
      "cflags_cc": ["-msha", "-msse4.1", "-mssse3"]
    }
  ]
}
