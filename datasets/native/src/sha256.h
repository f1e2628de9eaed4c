// SHA-256 (FIPS 180-4) with two block functions: SHA-NI (x86 SHA extensions) and portable C++.
// Why our own and not the system libcrypto: node exports its bundled OpenSSL's symbols (about
// 870 EVP_* functions), so a dlopen'ed libcrypto.so.3 would have its internal calls interposed
// by node's copy — two OpenSSL instances mixing state. The SHA-NI block function is ~100 lines
// and hashes at the speed `openssl speed -evp sha256` measures here (~1.9 GB/s vs node's ~0.6).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace gridcast_codecs {

/** The 64 round constants of FIPS 180-4 §4.2.2, shared by both block functions. */
alignas(16) inline constexpr uint32_t kSha256K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

/**
 * Compresses whole 64-byte blocks of `data` into each of `n` states (1 or 2). With two states the
 * message schedule is computed once and the two round chains interleave, which is how a chunk's
 * digest and the whole blob's running digest cost about one pass over the bytes.
 */
using BlockFn = void (*)(uint32_t* const* states, int n, const uint8_t* data, size_t blocks);

/**
 * Compresses `blocks` whole 64-byte blocks of each of `n` independent messages (`datas[k]` into
 * `states[k]`): multi-buffer hashing. One message's rounds are a dependency chain, so SHA-NI
 * leaves most of its pipeline idle; 2-4 interleaved messages fill it.
 */
/**
 * With `dests` (non-null), each message's blocks are also copied to `dests[k]` as they are read:
 * a copy that rides along in the issue slots the latency-bound rounds leave free.
 */
using MultiFn = void (*)(uint32_t* const* states, const uint8_t* const* datas, uint8_t* const* dests, int n, size_t blocks);

void blocksPortable(uint32_t* const* states, int n, const uint8_t* data, size_t blocks);
void blocksPortableMulti(uint32_t* const* states, const uint8_t* const* datas, uint8_t* const* dests, int n, size_t blocks);
#if defined(GRIDCAST_X86)
void blocksShaNi(uint32_t* const* states, int n, const uint8_t* data, size_t blocks);
void blocksShaNiMulti(uint32_t* const* states, const uint8_t* const* datas, uint8_t* const* dests, int n, size_t blocks);
#endif

/** Most messages `sha256Many` hashes interleaved. */
inline constexpr int kMaxLanes = 4;

/**
 * How many messages `hashMany` interleaves when the caller does not say: the fastest of 1..kMaxLanes
 * on this CPU, timed once on first use (~2 ms) for the active implementation, or
 * GRIDCAST_SHA256_LANES. It differs by microarchitecture: on the Xeon of our earlier machines 4 lanes
 * hashed 2.1 GB/s against 1.1 for one; on a Zen 3 EPYC 2 lanes 2.0-2.8 GB/s, 3 lanes 1.5-2.6, 4
 * lanes 1.1-2.5 (unsteady: the states and schedules of four no longer fit the 16 registers SHA-NI
 * can address) and one 1.3-1.5 (256 KiB messages, repeated runs).
 */
int sha256Lanes();

/** The implementation in use: "sha-ni" or "portable". */
const char* sha256ImplName();
/** Selects "auto" | "sha-ni" | "portable"; returns false when not available on this CPU. */
bool setSha256Impl(const std::string& name);

/** One running SHA-256. */
class Sha256 {
 public:
  Sha256() { reset(); }
  void reset();
  void update(const uint8_t* data, size_t len);
  /** Writes the 32-byte digest; the state must be reset before further use. */
  void final(uint8_t out[32]);
  /** Hex of final(). */
  std::string finalHex();

  /**
   * Adds `data` to `a` and `b` at once (one read of the bytes; the shared message schedule when
   * both are at a block boundary, as they are for 64-byte-multiple chunks).
   */
  static void updatePair(Sha256& a, Sha256& b, const uint8_t* data, size_t len);

  /**
   * The SHA-256 of each of `n` messages into `out` (32 bytes each, in order), hashing up to `lanes`
   * (1..kMaxLanes; 0 = sha256Lanes()) of them interleaved; a lane that finishes takes the next message, so messages
   * of different lengths keep all lanes busy. With `dests`, message i is also copied to
   * `dests[i]` (same length; entries may be null) in the same pass.
   */
  static void hashMany(const uint8_t* const* data, const size_t* lens, size_t n, uint8_t* out, int lanes,
                       uint8_t* const* dests = nullptr);

 private:
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t fill_ = 0;
  uint64_t total_ = 0;
};

/** SHA-256 hex of `data`. */
std::string sha256Hex(const uint8_t* data, size_t len);

}  // namespace gridcast_codecs
