// SHA-256 block function with the x86 SHA extensions (sha256rnds2/msg1/msg2), after Intel's
// "Intel SHA Extensions" white paper (Gulley et al., 2013). Built with -msha -msse4.1 in its own
// static library; only called when CPUID reports SHA. With two states (a chunk's digest and the
// blob's running digest over the same bytes) the message schedule is shared and the two round
// chains interleave: sha256rnds2 has a multi-cycle latency, so the second chain is nearly free.
// The same latency is why independent messages (the chunks of a blob) are hashed 2-4 at a time by
// `blocksShaNiMulti`: each lane has its own schedule and round chain, and the rounds interleave.
#include <immintrin.h>

#include "sha256.h"

namespace gridcast_codecs {
namespace {

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
      __m128i msg = _mm_add_epi32(m[g & 3], _mm_load_si128(reinterpret_cast<const __m128i*>(kSha256K + 4 * g)));
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

/**
 * N independent messages ("lanes"), `count` blocks of each, rounds interleaved lane by lane. The
 * SHA instructions only take xmm0-15, so with 3-4 lanes part of the state lives in L1; the
 * interleaving still pays (measured in bench:transport's hasher line).
 */
template <int N, bool COPY>
void lanes(uint32_t* const* states, const uint8_t* const* datas, uint8_t* const* dests, size_t count) {
  const __m128i MASK = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i s0[N], s1[N];
  const uint8_t* p[N];
  uint8_t* d[N];
  for (int k = 0; k < N; k++) {
    __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(states[k]));
    __m128i u = _mm_loadu_si128(reinterpret_cast<const __m128i*>(states[k] + 4));
    t = _mm_shuffle_epi32(t, 0xB1);
    u = _mm_shuffle_epi32(u, 0x1B);
    s0[k] = _mm_alignr_epi8(t, u, 8);
    s1[k] = _mm_blend_epi16(u, t, 0xF0);
    p[k] = datas[k];
    d[k] = COPY ? dests[k] : nullptr;
  }
  for (; count > 0; count--) {
    __m128i save0[N], save1[N], m[N][4];
    for (int k = 0; k < N; k++) {
      save0[k] = s0[k];
      save1[k] = s1[k];
      for (int i = 0; i < 4; i++) {
        __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p[k] + 16 * i));
        if (COPY && d[k] != nullptr) _mm_storeu_si128(reinterpret_cast<__m128i*>(d[k] + 16 * i), raw);
        m[k][i] = _mm_shuffle_epi8(raw, MASK);
      }
      p[k] += 64;
      if (COPY && d[k] != nullptr) d[k] += 64;
    }
#pragma GCC unroll 16
    for (int g = 0; g < 16; g++) {
      const __m128i kk = _mm_load_si128(reinterpret_cast<const __m128i*>(kSha256K + 4 * g));
      __m128i msg[N];
      for (int k = 0; k < N; k++) {
        msg[k] = _mm_add_epi32(m[k][g & 3], kk);
        s1[k] = _mm_sha256rnds2_epu32(s1[k], s0[k], msg[k]);
      }
      for (int k = 0; k < N; k++) {
        if (g >= 3 && g <= 14) {
          __m128i t = _mm_alignr_epi8(m[k][g & 3], m[k][(g - 1) & 3], 4);
          m[k][(g + 1) & 3] = _mm_sha256msg2_epu32(_mm_add_epi32(m[k][(g + 1) & 3], t), m[k][g & 3]);
        }
        msg[k] = _mm_shuffle_epi32(msg[k], 0x0E);
      }
      for (int k = 0; k < N; k++) s0[k] = _mm_sha256rnds2_epu32(s0[k], s1[k], msg[k]);
      for (int k = 0; k < N; k++)
        if (g >= 1 && g <= 12) m[k][(g - 1) & 3] = _mm_sha256msg1_epu32(m[k][(g - 1) & 3], m[k][g & 3]);
    }
    for (int k = 0; k < N; k++) {
      s0[k] = _mm_add_epi32(s0[k], save0[k]);
      s1[k] = _mm_add_epi32(s1[k], save1[k]);
    }
  }
  for (int k = 0; k < N; k++) {
    __m128i t = _mm_shuffle_epi32(s0[k], 0x1B);
    __m128i u = _mm_shuffle_epi32(s1[k], 0xB1);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(states[k]), _mm_blend_epi16(t, u, 0xF0));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(states[k] + 4), _mm_alignr_epi8(u, t, 8));
  }
}

template <bool COPY>
void multi(uint32_t* const* states, const uint8_t* const* datas, uint8_t* const* dests, int n, size_t count) {
  switch (n) {
    case 1: lanes<1, COPY>(states, datas, dests, count); break;
    case 2: lanes<2, COPY>(states, datas, dests, count); break;
    case 3: lanes<3, COPY>(states, datas, dests, count); break;
    case 4: lanes<4, COPY>(states, datas, dests, count); break;
    default:
      for (int k = 0; k < n; k += 4) multi<COPY>(states + k, datas + k, COPY ? dests + k : nullptr, n - k < 4 ? n - k : 4, count);
  }
}

}  // namespace

void blocksShaNiMulti(uint32_t* const* states, const uint8_t* const* datas, uint8_t* const* dests, int n, size_t count) {
  if (dests == nullptr) {
    if (n == 1) blocks<1>(states, datas[0], count);
    else multi<false>(states, datas, nullptr, n, count);
  } else {
    multi<true>(states, datas, dests, n, count);
  }
}

void blocksShaNi(uint32_t* const* states, int n, const uint8_t* data, size_t count) {
  if (n == 2) blocks<2>(states, data, count);
  else
    for (int k = 0; k < n; k++) blocks<1>(states + k, data, count);
}

}  // namespace gridcast_codecs
