// Bounds-checked big/little-endian reads over a byte span, for the audio header parsers: every
// read says whether it fit, so a parser of a stranger's file never reads past what it was given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace vozduxan {

/// A read-only view of bytes with checked, fixed-width reads at an offset.
class ByteView {
 public:
  ByteView() = default;
  ByteView(const unsigned char* data, std::size_t size) : data_(data), size_(data ? size : 0) {}

  const unsigned char* data() const { return data_; }
  std::size_t size() const { return size_; }
  /// Whether [at, at + len) lies inside the view (no overflow for any inputs).
  bool has(std::size_t at, std::size_t len) const { return at <= size_ && len <= size_ - at; }
  bool matches(std::size_t at, const char* magic, std::size_t len) const {
    return has(at, len) && std::memcmp(data_ + at, magic, len) == 0;
  }
  /// An unsigned big-endian integer of `width` (1..8) bytes; false when it does not fit.
  bool be(std::size_t at, int width, std::uint64_t& out) const {
    if (width < 1 || width > 8 || !has(at, static_cast<std::size_t>(width))) return false;
    out = 0;
    for (int i = 0; i < width; ++i) out = out << 8 | data_[at + i];
    return true;
  }
  bool le(std::size_t at, int width, std::uint64_t& out) const {
    if (width < 1 || width > 8 || !has(at, static_cast<std::size_t>(width))) return false;
    out = 0;
    for (int i = width - 1; i >= 0; --i) out = out << 8 | data_[at + i];
    return true;
  }
  /// Unchecked forms for callers that checked has() first: 0 when out of bounds, never UB.
  std::uint64_t be(std::size_t at, int width) const {
    std::uint64_t v = 0;
    return be(at, width, v) ? v : 0;
  }
  std::uint64_t le(std::size_t at, int width) const {
    std::uint64_t v = 0;
    return le(at, width, v) ? v : 0;
  }
  unsigned char operator[](std::size_t at) const { return at < size_ ? data_[at] : 0; }

 private:
  const unsigned char* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace vozduxan
