// Internal: the bounds-checked cursor under FieldMatcher (see field_reader.h).
#include "field_reader.h"


namespace herald::binary::wire {

bool FieldReader::read_varint(std::uint64_t& value) {
  const VarintRead v = ::herald::binary::read_varint(in_.subspan(pos_));
  if (v.status == VarintStatus::kOverlong) return ctx_.fail(DecodeError::kVarintOverlong);
  if (v.status == VarintStatus::kNeedMore) return ctx_.fail(DecodeError::kTruncated);
  pos_ += v.length;
  value = v.value;
  return true;
}

bool FieldReader::read_tag(std::uint32_t& field, WireType& type) {
  std::uint64_t tag = 0;
  if (!read_varint(tag)) return false;
  const std::uint64_t number = tag >> 3;
  const auto wt = static_cast<std::uint8_t>(tag & 7);
  if (number == 0 || number > kMaxFieldNumber) return ctx_.fail(DecodeError::kBadTag);
  // Groups (3, 4) are deprecated in protobuf and never used here; 6 and 7 do not exist.
  if (wt != 0 && wt != 1 && wt != 2 && wt != 5) return ctx_.fail(DecodeError::kBadTag);
  field = static_cast<std::uint32_t>(number);
  type = static_cast<WireType>(wt);
  return true;
}

bool FieldReader::read_len(std::span<const std::uint8_t>& bytes) {
  std::uint64_t len = 0;
  if (!read_varint(len)) return false;
  if (len > in_.size() - pos_) return ctx_.fail(DecodeError::kTruncated);
  bytes = in_.subspan(pos_, static_cast<std::size_t>(len));
  pos_ += static_cast<std::size_t>(len);
  return true;
}

bool FieldReader::skip(WireType type) {
  switch (type) {
    case WireType::kVarint: {
      std::uint64_t ignored = 0;
      return read_varint(ignored);
    }
    case WireType::kLen: {
      std::span<const std::uint8_t> ignored;
      return read_len(ignored);
    }
    case WireType::kFixed64:
    case WireType::kFixed32: {
      const std::size_t n = type == WireType::kFixed64 ? 8 : 4;
      if (in_.size() - pos_ < n) return ctx_.fail(DecodeError::kTruncated);
      pos_ += n;
      return true;
    }
  }
  return ctx_.fail(DecodeError::kBadTag);
}

}  // namespace herald::binary::wire
