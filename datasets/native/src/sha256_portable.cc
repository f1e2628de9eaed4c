// Portable SHA-256 block function (FIPS 180-4 §6.2.2), for CPUs without the SHA extensions.
#include "sha256.h"

#include <cstring>

namespace gridcast_codecs {
namespace {

inline uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

void block(uint32_t* h, const uint8_t* p) {
  uint32_t w[64];
  for (int i = 0; i < 16; i++) w[i] = uint32_t(p[4 * i]) << 24 | uint32_t(p[4 * i + 1]) << 16 | uint32_t(p[4 * i + 2]) << 8 | p[4 * i + 3];
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (int i = 0; i < 64; i++) {
    uint32_t t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + kSha256K[i] + w[i];
    uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    hh = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
  h[5] += f;
  h[6] += g;
  h[7] += hh;
}

}  // namespace

void blocksPortable(uint32_t* const* states, int n, const uint8_t* data, size_t blocks) {
  for (size_t i = 0; i < blocks; i++, data += 64)
    for (int s = 0; s < n; s++) block(states[s], data);
}

void blocksPortableMulti(uint32_t* const* states, const uint8_t* const* datas, uint8_t* const* dests, int n, size_t blocks) {
  for (int s = 0; s < n; s++) {
    for (size_t i = 0; i < blocks; i++) block(states[s], datas[s] + 64 * i);
    if (dests != nullptr && dests[s] != nullptr) std::memcpy(dests[s], datas[s], 64 * blocks);
  }
}

}  // namespace gridcast_codecs
