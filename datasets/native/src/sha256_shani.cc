// SHA-256 block function with the x86 SHA extensions (sha256rnds2/msg1/msg2), after Intel's
// "Intel SHA Extensions" white paper (Gulley et al., 2013). Built with -msha -msse4.1 in its own
// static library; only called when CPUID reports SHA. With two states (a chunk's digest and the
// blob's running digest over the same bytes) the message schedule is shared and the two round
// chains interleave: sha256rnds2 has a multi-cycle latency, so the second chain is nearly free.
#include <immintrin.h>

#include "sha256.h"

namespace gridcast_codecs {
namespace {

alignas(16) const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

template <int N>
void blocks(uint32_t* const* states, const uint8_t* data, size_t count) {
  const __m128i MASK = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i s0[N], s1[N];  // ABEF and CDGH halves of each state
  for (int k = 0; k < N; k++) {
    __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(states[k]));
    __m128i u = _mm_loadu_si128(reinterpret_cast<const __m128i*>(states[k] + 4));
    t = _mm_shuffle_epi32(t, 0xB1);       // CDAB
    u = _mm_shuffle_epi32(u, 0x1B);       // EFGH
    s0[k] = _mm_alignr_epi8(t, u, 8);     // ABEF
    s1[k] = _mm_blend_epi16(u, t, 0xF0);  // CDGH
  }
  for (; count > 0; count--, data += 64) {
    __m128i save0[N], save1[N];
    for (int k = 0; k < N; k++) {
      save0[k] = s0[k];
      save1[k] = s1[k];
    }
    __m128i m[4];
    for (int i = 0; i < 4; i++) m[i] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(data + 16 * i)), MASK);
    // 16 groups of 4 rounds; group g consumes schedule words X_g (in m[g % 4]) and computes
    // X_{g+1} = msg2(msg1(X_{g-3}, X_{g-2}) + alignr(X_g, X_{g-1}), X_g) along the way.
#pragma GCC unroll 16
    for (int g = 0; g < 16; g++) {
      __m128i msg = _mm_add_epi32(m[g & 3], _mm_load_si128(reinterpret_cast<const __m128i*>(K + 4 * g)));
      for (int k = 0; k < N; k++) s1[k] = _mm_sha256rnds2_epu32(s1[k], s0[k], msg);
      if (g >= 3 && g <= 14) {
        __m128i t = _mm_alignr_epi8(m[g & 3], m[(g - 1) & 3], 4);
        m[(g + 1) & 3] = _mm_sha256msg2_epu32(_mm_add_epi32(m[(g + 1) & 3], t), m[g & 3]);
      }
      msg = _mm_shuffle_epi32(msg, 0x0E);
      for (int k = 0; k < N; k++) s0[k] = _mm_sha256rnds2_epu32(s0[k], s1[k], msg);
      if (g >= 1 && g <= 12) m[(g - 1) & 3] = _mm_sha256msg1_epu32(m[(g - 1) & 3], m[g & 3]);
    }
    for (int k = 0; k < N; k++) {
      s0[k] = _mm_add_epi32(s0[k], save0[k]);
      s1[k] = _mm_add_epi32(s1[k], save1[k]);
    }
  }
  for (int k = 0; k < N; k++) {
    __m128i t = _mm_shuffle_epi32(s0[k], 0x1B);       // FEBA
    __m128i u = _mm_shuffle_epi32(s1[k], 0xB1);       // DCHG
    __m128i abcd = _mm_blend_epi16(t, u, 0xF0);       // DCBA
    __m128i efgh = _mm_alignr_epi8(u, t, 8);          // HGFE
    _mm_storeu_si128(reinterpret_cast<__m128i*>(states[k]), abcd);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(states[k] + 4), efgh);
  }
}

}  // namespace

void blocksShaNi(uint32_t* const* states, int n, const uint8_t* data, size_t count) {
  if (n == 2) blocks<2>(states, data, count);
  else
    for (int k = 0; k < n; k++) blocks<1>(states + k, data, count);
}

}  // namespace gridcast_codecs
