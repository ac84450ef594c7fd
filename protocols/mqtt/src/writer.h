// Writing the MQTT data types. One class serves both encoder passes: without a buffer it only
// counts (and records the first field that cannot be encoded), with one it appends. Sharing the code
// keeps the size computation and the bytes from ever disagreeing. The caller reserves the exact
// size first, so appending never reallocates and the payload is copied once, without zero-filling.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "herald/mqtt/encoder.h"
#include "varint.h"

namespace herald::mqtt {

class Writer {
 public:
  Writer() = default;                                   // counting pass
  explicit Writer(std::vector<std::uint8_t>& out) : out_(&out) {}  // writing pass: appends to `out`

  bool counting() const { return out_ == nullptr; }
  std::size_t size() const { return size_; }
  EncodeError error() const { return error_; }

  // Records the first reason the packet cannot be encoded (counting pass only matters).
  void check(bool ok, EncodeError error) {
    if (!ok && error_ == EncodeError::kNone) error_ = error;
  }

  void u8(std::uint8_t v) {
    if (out_) out_->push_back(v);
    size_ += 1;
  }
  void u16(std::uint16_t v) {
    u8(static_cast<std::uint8_t>(v >> 8));
    u8(static_cast<std::uint8_t>(v));
  }
  void u32(std::uint32_t v) {
    u16(static_cast<std::uint16_t>(v >> 16));
    u16(static_cast<std::uint16_t>(v));
  }
  void varint(std::uint32_t v) {
    do {
      std::uint8_t b = v & 0x7F;
      v >>= 7;
      if (v) b |= 0x80;
      u8(b);
    } while (v);
  }
  // Counting pass only: account for bytes already sized elsewhere.
  void skip(std::size_t n) { size_ += n; }
  void raw(std::span<const std::uint8_t> b) {
    if (out_) out_->insert(out_->end(), b.begin(), b.end());
    size_ += b.size();
  }
  void raw(std::string_view s) {
    raw(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
  }
  // Two-byte length prefix, then the bytes (UTF-8 Encoded String or Binary Data).
  void prefixed(std::span<const std::uint8_t> b) {
    check(b.size() <= 0xFFFF, EncodeError::kFieldTooLong);
    u16(static_cast<std::uint16_t>(b.size()));
    raw(b);
  }
  void prefixed(std::string_view s) {
    prefixed(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
  }

 private:
  std::vector<std::uint8_t>* out_ = nullptr;
  std::size_t size_ = 0;
  EncodeError error_ = EncodeError::kNone;
};

}  // namespace herald::mqtt
