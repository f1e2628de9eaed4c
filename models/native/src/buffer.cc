// Aligned float buffers with a small cache of released blocks: training repeats the same shapes
// every step, and reusing a block avoids page-faulting hundreds of fresh megabytes per step.
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

#include "convlstm.h"

namespace gridcast {
namespace {

constexpr size_t kCacheLimitBytes = size_t(1536) << 20;

struct Cache {
  std::mutex m;
  std::multimap<size_t, float*> blocks;  // float count -> block
  size_t bytes = 0;
};

Cache& cache() {
  static Cache* c = new Cache();  // never destroyed: buffers may be released during exit
  return *c;
}

float* acquire(size_t n) {
  {
    Cache& c = cache();
    std::lock_guard<std::mutex> lk(c.m);
    auto it = c.blocks.find(n);
    if (it != c.blocks.end()) {
      float* p = it->second;
      c.blocks.erase(it);
      c.bytes -= n * sizeof(float);
      return p;
    }
  }
  size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, bytes == 0 ? 64 : bytes);
  if (p == nullptr) throw std::bad_alloc();
  return static_cast<float*>(p);
}

void release(float* p, size_t n) {
  Cache& c = cache();
  std::lock_guard<std::mutex> lk(c.m);
  const size_t b = n * sizeof(float);
  // Evict the largest blocks first until the new one fits.
  while (c.bytes + b > kCacheLimitBytes && !c.blocks.empty()) {
    auto last = std::prev(c.blocks.end());
    c.bytes -= last->first * sizeof(float);
    std::free(last->second);
    c.blocks.erase(last);
  }
  if (b <= kCacheLimitBytes) {
    c.blocks.emplace(n, p);
    c.bytes += b;
  } else {
    std::free(p);
  }
}

}  // namespace

Buffer::Buffer(size_t count) : p(acquire(count)), n(count) {}

Buffer::~Buffer() {
  if (p != nullptr) release(p, n);
}

Buffer& Buffer::operator=(Buffer&& o) noexcept {
  if (this != &o) {
    if (p != nullptr) release(p, n);
    p = o.p;
    n = o.n;
    o.p = nullptr;
    o.n = 0;
  }
  return *this;
}

size_t trimBufferCache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lk(c.m);
  const size_t freed = c.bytes;
  for (auto& kv : c.blocks) std::free(kv.second);
  c.blocks.clear();
  c.bytes = 0;
  return freed;
}

void Buffer::zero() { std::memset(p, 0, n * sizeof(float)); }

}  // namespace gridcast
