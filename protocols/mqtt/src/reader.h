// Bounds-checked reading of the MQTT data types (section 1.5) from one packet's body. Each read
// returns false on failure and keeps the error, so decoders read as `if (!r.u16(x)) return r.error();`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "herald/mqtt/errors.h"
#include "herald/mqtt/properties.h"
#include "herald/mqtt/utf8.h"
#include "varint.h"

namespace herald::mqtt {

class Reader {
 public:
  Reader(std::span<const std::uint8_t> bytes, bool reject_discouraged)
      : bytes_(bytes), reject_discouraged_(reject_discouraged) {}

  bool empty() const { return pos_ == bytes_.size(); }
  std::size_t remaining() const { return bytes_.size() - pos_; }
  DecodeError error() const { return error_; }

  bool fail(DecodeError error) {
    error_ = error;
    return false;
  }

  bool u8(std::uint8_t& out) {
    if (remaining() < 1) return fail(DecodeError::kTruncated);
    out = bytes_[pos_++];
    return true;
  }
  bool u16(std::uint16_t& out) {
    if (remaining() < 2) return fail(DecodeError::kTruncated);
    out = static_cast<std::uint16_t>(bytes_[pos_] << 8 | bytes_[pos_ + 1]);
    pos_ += 2;
    return true;
  }
  bool u32(std::uint32_t& out) {
    if (remaining() < 4) return fail(DecodeError::kTruncated);
    out = std::uint32_t{bytes_[pos_]} << 24 | std::uint32_t{bytes_[pos_ + 1]} << 16 |
          std::uint32_t{bytes_[pos_ + 2]} << 8 | std::uint32_t{bytes_[pos_ + 3]};
    pos_ += 4;
    return true;
  }
  bool varint(std::uint32_t& out) {
    const VarintRead v = read_varint(bytes_.subspan(pos_));
    if (v.status == VarintStatus::kNeedMore) return fail(DecodeError::kTruncated);
    if (v.status == VarintStatus::kMalformed) return fail(DecodeError::kMalformedVarint);
    out = v.value;
    pos_ += v.length;
    return true;
  }
  // The next `n` bytes, which must be there.
  bool bytes(std::size_t n, std::span<const std::uint8_t>& out) {
    if (remaining() < n) return fail(DecodeError::kTruncated);
    out = bytes_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  // A two-byte length and that many bytes, not checked as UTF-8 (the CONNECT protocol name).
  bool raw_string(std::string_view& out) {
    std::uint16_t n = 0;
    std::span<const std::uint8_t> b;
    if (!u16(n) || !bytes(n, b)) return false;
    out = std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
    return true;
  }
  // A UTF-8 Encoded String, validated [MQTT-1.5.4-1..2].
  bool utf8(std::string& out) {
    std::string_view s;
    if (!raw_string(s)) return false;
    if (const DecodeError e = validate_utf8(s, reject_discouraged_); e != DecodeError::kNone) return fail(e);
    out.assign(s);
    return true;
  }
  // Binary Data: a two-byte length and that many bytes.
  bool binary(Bytes& out) {
    std::uint16_t n = 0;
    std::span<const std::uint8_t> b;
    if (!u16(n) || !bytes(n, b)) return false;
    out.assign(b.begin(), b.end());
    return true;
  }
  // Everything left (a PUBLISH or will payload).
  void rest(Bytes& out) {
    out.assign(bytes_.begin() + static_cast<std::ptrdiff_t>(pos_), bytes_.end());
    pos_ = bytes_.size();
  }
  // Splits off the next `n` bytes (n <= remaining()) as their own reader, e.g. a property block.
  Reader take(std::size_t n) {
    Reader sub(bytes_.subspan(pos_, n), reject_discouraged_);
    pos_ += n;
    return sub;
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
  DecodeError error_ = DecodeError::kNone;
  bool reject_discouraged_;
};

}  // namespace herald::mqtt
