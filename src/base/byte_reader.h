// ByteReader: bounds-checked little/big-endian reads over a byte span.
//
// Used by every wire-format decoder (binlog events, pgoutput). A read past the end sets a
// sticky failure flag and returns zeros instead of touching memory beyond the span, so a
// decoder can read a whole structure and check ok() once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace sluice::base {

class ByteReader {
 public:
  ByteReader() = default;
  explicit ByteReader(std::span<const uint8_t> data) : data_(data) {}
  ByteReader(const uint8_t* p, size_t n) : data_(p, n) {}

  bool ok() const { return ok_; }
  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }
  const uint8_t* current() const { return data_.data() + pos_; }
  bool empty() const { return remaining() == 0; }

  // Returns false (and marks failure) unless n bytes remain.
  bool Need(size_t n) {
    if (!ok_ || remaining() < n) {
      ok_ = false;
      return false;
    }
    return true;
  }
  void Skip(size_t n) {
    if (Need(n)) pos_ += n;
  }

  uint64_t ReadLE(size_t n) {  // n in [1,8]
    if (!Need(n)) return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(data_[pos_ + i]) << (8 * i);
    pos_ += n;
    return v;
  }
  uint64_t ReadBE(size_t n) {  // n in [1,8]
    if (!Need(n)) return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | data_[pos_ + i];
    pos_ += n;
    return v;
  }
  uint8_t U8() { return static_cast<uint8_t>(ReadLE(1)); }
  uint16_t U16() { return static_cast<uint16_t>(ReadLE(2)); }
  uint32_t U24() { return static_cast<uint32_t>(ReadLE(3)); }
  uint32_t U32() { return static_cast<uint32_t>(ReadLE(4)); }
  uint64_t U48() { return ReadLE(6); }
  uint64_t U64() { return ReadLE(8); }

  // MySQL length-encoded integer. 0xFB (NULL marker) is reported as failure.
  uint64_t LenEnc() {
    uint8_t first = U8();
    if (first < 0xFB) return first;
    if (first == 0xFC) return ReadLE(2);
    if (first == 0xFD) return ReadLE(3);
    if (first == 0xFE) return ReadLE(8);
    ok_ = false;
    return 0;
  }

  std::span<const uint8_t> Bytes(size_t n) {
    if (!Need(n)) return {};
    auto s = data_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  std::string_view String(size_t n) {
    auto b = Bytes(n);
    return {reinterpret_cast<const char*>(b.data()), b.size()};
  }
  std::span<const uint8_t> Rest() { return Bytes(remaining()); }

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace sluice::base
