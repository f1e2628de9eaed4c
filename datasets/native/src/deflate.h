// zlib-wrapped DEFLATE (RFC 1950/1951, what TIFF compression 8 stores) through libdeflate, loaded
// at run time. Why: GDAL's COG driver (Debian) compresses with libdeflate, measured 1.2x (smooth
// fields) to 3.3x (random floats) faster than zlib at level 6 on our predicted tiles. dlopen
// rather than linking: Debian's libdeflate0 comes with GDAL but its headers (libdeflate-dev) do
// not, and a missing library must only mean "use node:zlib", never a failed install or load.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace gridcast_codecs {

/** Loads libdeflate once; true when usable. `status()` says from where, or why not. */
bool deflateAvailable();
const std::string& deflateStatus();

/** Upper bound of the compressed size of `len` bytes. */
size_t zlibBound(int level, size_t len);

/**
 * Compresses `src` into `dst` (at least zlibBound bytes) at `level` (1..12); returns the
 * compressed size, 0 on failure. Thread-safe: each thread keeps its own compressor per level.
 */
size_t zlibCompress(int level, const uint8_t* src, size_t len, uint8_t* dst, size_t cap);

}  // namespace gridcast_codecs
