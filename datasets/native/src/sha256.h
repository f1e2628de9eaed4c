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

/**
 * Compresses whole 64-byte blocks of `data` into each of `n` states (1 or 2). With two states the
 * message schedule is computed once and the two round chains interleave, which is how a chunk's
 * digest and the whole blob's running digest cost about one pass over the bytes.
 */
using BlockFn = void (*)(uint32_t* const* states, int n, const uint8_t* data, size_t blocks);

void blocksPortable(uint32_t* const* states, int n, const uint8_t* data, size_t blocks);
#if defined(GRIDCAST_X86)
void blocksShaNi(uint32_t* const* states, int n, const uint8_t* data, size_t blocks);
#endif

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

 private:
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t fill_ = 0;
  uint64_t total_ = 0;
};

/** SHA-256 hex of `data`. */
std::string sha256Hex(const uint8_t* data, size_t len);

}  // namespace gridcast_codecs
