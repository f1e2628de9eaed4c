#include "deflate.h"

#include <dlfcn.h>

#include <mutex>

namespace gridcast_codecs {
namespace {

// The four prototypes we need from libdeflate.h (stable ABI since libdeflate 1.0).
struct libdeflate_compressor;
using AllocFn = libdeflate_compressor* (*)(int level);
using CompressFn = size_t (*)(libdeflate_compressor*, const void* in, size_t in_nbytes, void* out, size_t out_nbytes_avail);
using BoundFn = size_t (*)(libdeflate_compressor*, size_t in_nbytes);
using FreeFn = void (*)(libdeflate_compressor*);

struct Lib {
  AllocFn alloc = nullptr;
  CompressFn compress = nullptr;
  BoundFn bound = nullptr;
  FreeFn free = nullptr;
  std::string status;
};

const Lib& lib() {
  static Lib l;
  static std::once_flag once;
  std::call_once(once, [] {
    // Never unloaded (compressors cached per thread outlive any one call).
    void* h = nullptr;
    const char* names[] = {"libdeflate.so.0", "libdeflate.so"};
    std::string err;
    for (const char* name : names) {
      h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
      if (h != nullptr) {
        l.status = std::string("libdeflate (") + name + ")";
        break;
      }
      const char* e = dlerror();
      if (err.empty() && e != nullptr) err = e;
    }
    if (h == nullptr) {
      l.status = "cannot load libdeflate: " + err;
      return;
    }
    l.alloc = reinterpret_cast<AllocFn>(dlsym(h, "libdeflate_alloc_compressor"));
    l.compress = reinterpret_cast<CompressFn>(dlsym(h, "libdeflate_zlib_compress"));
    l.bound = reinterpret_cast<BoundFn>(dlsym(h, "libdeflate_zlib_compress_bound"));
    l.free = reinterpret_cast<FreeFn>(dlsym(h, "libdeflate_free_compressor"));
    if (!l.alloc || !l.compress || !l.bound || !l.free) {
      l.alloc = nullptr;
      l.status = "libdeflate lacks the zlib compressor functions";
    }
  });
  return l;
}

/** One compressor per level per thread: libdeflate compressors are not thread-safe, and
 *  allocating one (a few hundred KB of tables) per tile would cost more than it should. */
struct ThreadCompressors {
  libdeflate_compressor* c[13] = {};
  ~ThreadCompressors() {
    for (auto* p : c)
      if (p != nullptr) lib().free(p);
  }
  libdeflate_compressor* get(int level) {
    if (level < 1 || level > 12 || lib().alloc == nullptr) return nullptr;
    if (c[level] == nullptr) c[level] = lib().alloc(level);
    return c[level];
  }
};

thread_local ThreadCompressors compressors;

}  // namespace

bool deflateAvailable() { return lib().alloc != nullptr; }
const std::string& deflateStatus() { return lib().status; }

size_t zlibBound(int level, size_t len) {
  libdeflate_compressor* c = compressors.get(level);
  return c == nullptr ? 0 : lib().bound(c, len);
}

size_t zlibCompress(int level, const uint8_t* src, size_t len, uint8_t* dst, size_t cap) {
  libdeflate_compressor* c = compressors.get(level);
  return c == nullptr ? 0 : lib().compress(c, src, len, dst, cap);
}

}  // namespace gridcast_codecs
