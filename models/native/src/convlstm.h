// Shared declarations of the fused ConvLSTM kernels: problem dimensions, the state a forward pass
// keeps for the backward pass, and the per-ISA function table. Each ISA variant (portable, AVX2,
// AVX-512) is the same source (kernels.inc) compiled in its own translation unit with its own
// flags, so the portable variant never contains instructions the CPU may lack.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

namespace gridcast {

/** One ConvLSTM layer over a whole sequence; tensors in the TensorFlow.js layouts (see layer-impl.ts). */
struct Dims {
  int B, T, Cin, H, W, hid, kh, kw;
  bool hasBias;
};

/** 64-byte aligned, uninitialised float storage (large buffers: zeroing them would cost a pass). */
struct Buffer {
  float* p = nullptr;
  size_t n = 0;
  Buffer() = default;
  explicit Buffer(size_t count);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  Buffer(Buffer&& o) noexcept : p(o.p), n(o.n) { o.p = nullptr; o.n = 0; }
  Buffer& operator=(Buffer&& o) noexcept;
  void zero();
};

/** Frees every cached released block; returns the bytes freed. */
size_t trimBufferCache();

struct Kernels;

/** Whether 3x3 convolutions take Winograd F(2x2, 3x3) (winograd.inc) instead of the direct implicit
 *  GEMM. On unless GRIDCAST_NATIVE_WINOGRAD=0; `setWinograd()` of the addon switches it. */
bool winogradEnabled();
void setWinogradEnabled(bool on);

/**
 * What the forward pass keeps for BPTT, in the kernel's internal layouts (channels last; gate
 * columns interleaved per block of V hidden channels: [i(V) f(V) o(V) g(V)] per block).
 *  Z:  (T+1) x B x Hp x Wp x C   zero-padded [x_t, h_{t-1}] (Z[T] holds h_{T-1} only)
 *  (without `kept`, only 2 alternating slots of Z and Cs and 1 of G: inference)
 *  G:  T x B x H x W x 4*hidP    gate activations (overwritten by pre-activation gradients in BPTT)
 *  Cs: (T+1) x B x H x W x hidP  cell states, Cs[0] = c0
 */
struct Saved {
  const Kernels* k = nullptr;
  Dims d{};
  int C = 0, ph = 0, pw = 0, Hp = 0, Wp = 0, hidP = 0;
  bool kept = false;  // false: inference ring buffers only, no BPTT possible
  Buffer Z, G, Cs;
  size_t bytes() const { return (Z.n + G.n + Cs.n) * sizeof(float); }
};

struct Kernels {
  const char* name;
  int V;  // float lanes per vector
  /** Forward over all T steps. Outputs NCHW; fills `s` (geometry, and the state BPTT needs when `keep`). */
  void (*forward)(const Dims& d, const float* x, const float* w, const float* bias, const float* h0,
                  const float* c0, float* out, float* hT, float* cT, bool keep, Saved& s);
  /** BPTT from the saved state; gradients in the TensorFlow.js layouts. `db` may be null. */
  void (*backward)(Saved& s, const float* w, const float* dOut, const float* dhT, const float* dcT,
                   float* dx, float* dw, float* db, float* dh0, float* dc0);
  /** Measured fp32 FMA throughput with every pool thread busy, GFLOP/s. */
  double (*fmaPeak)(double seconds);
};

const Kernels* kernelsPortable();
#if defined(GRIDCAST_X86)
const Kernels* kernelsAvx2();
const Kernels* kernelsAvx512();
#endif

}  // namespace gridcast
