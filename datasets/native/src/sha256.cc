// SHA-256 buffering, padding and dispatch; the block functions are in sha256_portable.cc and
// sha256_shani.cc (the latter built with -msha -msse4.1 in its own static library, so the rest of
// the addon stays baseline x86-64 and CPUID decides at run time).
#include "sha256.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <vector>

#if defined(GRIDCAST_X86)
#include <cpuid.h>
#endif

namespace gridcast_codecs {
namespace {

const uint32_t kInit[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

bool cpuHasShaNi() {
#if defined(GRIDCAST_X86)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
  const bool ssse3 = (c >> 9) & 1, sse41 = (c >> 19) & 1;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  return ssse3 && sse41 && ((b >> 29) & 1);
#else
  return false;
#endif
}

struct Impl {
  BlockFn fn;
  MultiFn multi;
  const char* name;
};

/** The calibrated lane count of the active implementation; 0 = not measured yet. */
std::atomic<int> calibratedLanes{0};

Impl select(const std::string& name) {
#if defined(GRIDCAST_X86)
  if ((name == "auto" || name == "sha-ni") && cpuHasShaNi()) return {blocksShaNi, blocksShaNiMulti, "sha-ni"};
#endif
  if (name == "auto" || name == "portable") return {blocksPortable, blocksPortableMulti, "portable"};
  return {nullptr, nullptr, nullptr};
}

Impl& active() {
  static Impl impl = [] {
    const char* env = std::getenv("GRIDCAST_SHA256_IMPL");
    Impl i = select(env != nullptr && *env != '\0' ? env : "auto");
    return i.fn != nullptr ? i : select("auto");
  }();
  return impl;
}

void storeBe32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24);
  p[1] = uint8_t(v >> 16);
  p[2] = uint8_t(v >> 8);
  p[3] = uint8_t(v);
}

}  // namespace

const char* sha256ImplName() { return active().name; }

bool setSha256Impl(const std::string& name) {
  Impl i = select(name);
  if (i.fn == nullptr) return false;
  active() = i;
  calibratedLanes = 0;  // the best width depends on the implementation
  return true;
}

namespace {

/**
 * Times the multi-buffer block function at each width on 128 KiB split into kMaxLanes messages
 * (the same bytes whatever the width), interleaved, best of five: the widths differ by up to 2x,
 * far more than the noise of a shared machine, and a wrong pick only costs speed (the digests are
 * the same at every width).
 */
int measureLanes() {
  constexpr size_t kBytes = 32 * 1024;  // per message
  std::vector<uint8_t> data(kMaxLanes * kBytes, 0x5a);
  std::vector<uint8_t> out(32 * kMaxLanes);
  const uint8_t* ptrs[kMaxLanes];
  size_t lens[kMaxLanes];
  for (int k = 0; k < kMaxLanes; k++) {
    ptrs[k] = data.data() + k * kBytes;
    lens[k] = kBytes;
  }
  double best[kMaxLanes + 1];
  for (int l = 1; l <= kMaxLanes; l++) best[l] = 1e30;
  for (int rep = 0; rep < 5; rep++) {
    for (int l = 1; l <= kMaxLanes; l++) {
      auto t0 = std::chrono::steady_clock::now();
      Sha256::hashMany(ptrs, lens, kMaxLanes, out.data(), l);
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (s < best[l]) best[l] = s;
    }
  }
  int pick = 1;
  for (int l = 2; l <= kMaxLanes; l++)
    if (best[l] < best[pick] * 0.97) pick = l;  // a wider interleave only when clearly faster
  return pick;
}

}  // namespace

int sha256Lanes() {
  int l = calibratedLanes.load(std::memory_order_relaxed);
  if (l > 0) return l;
  const char* env = std::getenv("GRIDCAST_SHA256_LANES");
  int forced = env != nullptr ? std::atoi(env) : 0;
  l = forced >= 1 && forced <= kMaxLanes ? forced : measureLanes();
  calibratedLanes.store(l, std::memory_order_relaxed);
  return l;
}

void Sha256::reset() {
  std::memcpy(h_, kInit, sizeof h_);
  fill_ = 0;
  total_ = 0;
}

void Sha256::update(const uint8_t* data, size_t len) {
  BlockFn fn = active().fn;
  uint32_t* s[1] = {h_};
  total_ += len;
  if (fill_ > 0) {
    size_t take = 64 - fill_ < len ? 64 - fill_ : len;
    std::memcpy(buf_ + fill_, data, take);
    fill_ += take;
    data += take;
    len -= take;
    if (fill_ < 64) return;
    fn(s, 1, buf_, 1);
    fill_ = 0;
  }
  if (len >= 64) {
    fn(s, 1, data, len / 64);
    data += len & ~size_t(63);
    len &= 63;
  }
  if (len > 0) {
    std::memcpy(buf_, data, len);
    fill_ = len;
  }
}

void Sha256::updatePair(Sha256& a, Sha256& b, const uint8_t* data, size_t len) {
  // Both at the same offset within a block: share the schedule from here on. Otherwise (a blob
  // whose earlier chunks were not 64-byte multiples) each is updated on its own, in slices small
  // enough to stay in L2 between the two passes.
  if (a.fill_ != b.fill_) {
    const size_t slice = 128 * 1024;
    for (size_t off = 0; off < len; off += slice) {
      size_t n = len - off < slice ? len - off : slice;
      a.update(data + off, n);
      b.update(data + off, n);
    }
    return;
  }
  size_t head = a.fill_ > 0 ? (64 - a.fill_ < len ? 64 - a.fill_ : len) : 0;
  if (head > 0) {
    a.update(data, head);
    b.update(data, head);
    data += head;
    len -= head;
  }
  if (len >= 64) {
    uint32_t* s[2] = {a.h_, b.h_};
    size_t blocks = len / 64;
    active().fn(s, 2, data, blocks);
    a.total_ += blocks * 64;
    b.total_ += blocks * 64;
    data += blocks * 64;
    len -= blocks * 64;
  }
  if (len > 0) {
    a.update(data, len);
    b.update(data, len);
  }
}

void Sha256::hashMany(const uint8_t* const* data, const size_t* lens, size_t n, uint8_t* out, int lanes,
                      uint8_t* const* dests) {
  MultiFn fn = active().multi;
  if (lanes == 0) lanes = sha256Lanes();
  if (lanes < 1) lanes = 1;
  if (lanes > kMaxLanes) lanes = kMaxLanes;
  struct Lane {
    size_t index;
    const uint8_t* p;
    uint8_t* d;  // where the bytes are copied to, or null
    size_t blocks;
    Sha256 h;
  };
  Lane lane[kMaxLanes];
  // A message's whole blocks are done: count them, add its tail (< 64 bytes) and pad.
  auto finish = [&](Lane& l) {
    size_t whole = lens[l.index] & ~size_t(63);
    l.h.total_ = whole;
    l.h.update(data[l.index] + whole, lens[l.index] - whole);
    if (l.d != nullptr && lens[l.index] > whole) std::memcpy(l.d, data[l.index] + whole, lens[l.index] - whole);
    l.h.final(out + 32 * l.index);
  };
  int busy = 0;
  size_t next = 0;
  for (;;) {
    while (busy < lanes && next < n) {
      Lane& l = lane[busy];
      l.index = next;
      l.p = data[next];
      l.d = dests != nullptr ? dests[next] : nullptr;
      l.blocks = lens[next] / 64;
      l.h.reset();
      next++;
      if (l.blocks == 0) finish(l);
      else busy++;
    }
    if (busy == 0) break;
    size_t step = lane[0].blocks;
    uint32_t* states[kMaxLanes];
    const uint8_t* ps[kMaxLanes];
    uint8_t* ds[kMaxLanes];
    for (int k = 0; k < busy; k++) {
      if (lane[k].blocks < step) step = lane[k].blocks;
      states[k] = lane[k].h.h_;
      ps[k] = lane[k].p;
      ds[k] = lane[k].d;
    }
    fn(states, ps, dests != nullptr ? ds : nullptr, busy, step);
    for (int k = 0; k < busy;) {
      lane[k].p += 64 * step;
      if (lane[k].d != nullptr) lane[k].d += 64 * step;
      lane[k].blocks -= step;
      if (lane[k].blocks == 0) {
        finish(lane[k]);
        lane[k] = lane[--busy];  // the last busy lane (not yet advanced) moves into this slot
        continue;
      }
      k++;
    }
  }
}

void Sha256::final(uint8_t out[32]) {
  const uint64_t bits = total_ * 8;
  uint8_t pad[72] = {0x80};
  size_t padLen = (fill_ < 56 ? 56 : 120) - fill_;
  for (int i = 0; i < 8; i++) pad[padLen + i] = uint8_t(bits >> (56 - 8 * i));
  update(pad, padLen + 8);
  for (int i = 0; i < 8; i++) storeBe32(out + 4 * i, h_[i]);
}

std::string Sha256::finalHex() {
  static const char* digits = "0123456789abcdef";
  uint8_t d[32];
  final(d);
  std::string hex(64, '0');
  for (int i = 0; i < 32; i++) {
    hex[2 * i] = digits[d[i] >> 4];
    hex[2 * i + 1] = digits[d[i] & 15];
  }
  return hex;
}

std::string sha256Hex(const uint8_t* data, size_t len) {
  Sha256 h;
  h.update(data, len);
  return h.finalHex();
}

}  // namespace gridcast_codecs
