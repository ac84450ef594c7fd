// Internal: reads tagged fields from a message body into the structs described in schema.h.
#pragma once

#include <limits>
#include <span>
#include <utility>

#include "herald/binary/utf8.h"
#include "herald/binary/varint.h"
#include "schema.h"
#include "wire_format.h"

namespace herald::binary::wire {

// A bounds-checked cursor over one message body. Every read either succeeds or records an error in
// the context and returns false; it never reads outside `in`.
class FieldReader {
 public:
  FieldReader(std::span<const std::uint8_t> in, DecodeContext& ctx) : in_(in), ctx_(ctx) {}

  bool at_end() const { return pos_ >= in_.size(); }
  bool read_tag(std::uint32_t& field, WireType& type);
  bool read_varint(std::uint64_t& value);
  bool read_len(std::span<const std::uint8_t>& bytes);
  bool skip(WireType type);  // an unknown field: forward compatibility
  DecodeContext& ctx() { return ctx_; }

 private:
  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0;
  DecodeContext& ctx_;
};

template <class T>
bool decode_message(std::span<const std::uint8_t> in, T& out, DecodeContext& ctx);

// Visitor run over a struct's `describe` for one incoming tag: the member whose field number matches
// consumes the value; if none does, the caller skips it.
class FieldMatcher {
 public:
  FieldMatcher(FieldReader& r, std::uint32_t field, WireType type) : r_(r), field_(field), type_(type) {}
  bool matched() const { return matched_; }

  template <class T>
  void field(std::uint32_t n, T& v, Presence = Presence::kOptional) {
    if (n != field_) return;
    matched_ = true;
    read_into(v);
  }

  void entries(std::uint32_t message_field, std::uint32_t signal_field, std::vector<TimelineEntry>& v) {
    if (field_ != message_field && field_ != signal_field) return;
    matched_ = true;
    if (!room_for_one(v.size())) return;
    if (field_ == message_field) {
      MessageEntry e;
      if (read_message(e)) v.emplace_back(std::move(e));
    } else {
      SignalEntry e;
      if (read_message(e)) v.emplace_back(std::move(e));
    }
  }

 private:
  bool expect(WireType t) { return type_ == t || r_.ctx().fail(DecodeError::kWireTypeMismatch); }

  bool room_for_one(std::size_t size) {
    return size < r_.ctx().limits.max_repeated || r_.ctx().fail(DecodeError::kTooManyElements);
  }

  template <class T>
  bool read_scalar(std::uint64_t raw, T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      v = raw != 0;
    } else {
      using U = typename std::conditional_t<std::is_enum_v<T>, std::underlying_type<T>, std::type_identity<T>>::type;
      if constexpr (std::is_signed_v<U>) {
        const std::int64_t s = zigzag_decode(raw);
        if (s < std::numeric_limits<U>::min() || s > std::numeric_limits<U>::max())
          return r_.ctx().fail(DecodeError::kValueOutOfRange);
        v = static_cast<T>(s);
      } else {
        if (raw > std::numeric_limits<U>::max()) return r_.ctx().fail(DecodeError::kValueOutOfRange);
        v = static_cast<T>(raw);
      }
    }
    return true;
  }

  template <class T>
  bool read_message(T& v) {
    std::span<const std::uint8_t> bytes;
    if (!expect(WireType::kLen) || !r_.read_len(bytes)) return false;
    return decode_message(bytes, v, r_.ctx());
  }

  template <class T>
  void read_into(T& v) {
    if constexpr (kIsVarintScalar<T>) {
      std::uint64_t raw = 0;
      if (expect(WireType::kVarint) && r_.read_varint(raw)) read_scalar(raw, v);
    } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, Bytes> || IsStrongId<T>::value) {
      std::span<const std::uint8_t> bytes;
      if (!expect(WireType::kLen) || !r_.read_len(bytes)) return;
      if constexpr (std::is_same_v<T, Bytes>) {
        v.assign(bytes.begin(), bytes.end());
      } else {
        if (!is_valid_utf8(bytes)) {
          r_.ctx().fail(DecodeError::kInvalidUtf8);
          return;
        }
        std::string s(bytes.begin(), bytes.end());
        if constexpr (IsStrongId<T>::value) {
          // An empty id is "absent" (proto3); required-ness is checked after the whole frame.
          if (!s.empty() && !T::valid(s)) {
            r_.ctx().fail(DecodeError::kInvalidId);
            return;
          }
          v.value = std::move(s);
        } else {
          v = std::move(s);
        }
      }
    } else if constexpr (IsOptional<T>::value) {
      typename T::value_type m{};
      if (read_message(m)) v = std::move(m);
    } else if constexpr (IsVector<T>::value) {
      using E = typename T::value_type;
      if constexpr (kIsVarintScalar<E>) {
        if (type_ == WireType::kLen) {  // packed: what we write, and protobuf's default
          std::span<const std::uint8_t> bytes;
          if (!r_.read_len(bytes)) return;
          FieldReader packed(bytes, r_.ctx());
          while (!packed.at_end()) {
            std::uint64_t raw = 0;
            E e{};
            if (!room_for_one(v.size()) || !packed.read_varint(raw) || !read_scalar(raw, e)) return;
            v.push_back(e);
          }
          return;
        }
      }
      if (!room_for_one(v.size())) return;
      E e{};
      FieldMatcher one(r_, field_, type_);
      one.read_into(e);
      if (r_.ctx().ok()) v.push_back(std::move(e));
    } else {
      read_message(v);  // a nested struct with its own describe()
    }
  }

  FieldReader& r_;
  std::uint32_t field_;
  WireType type_;
  bool matched_ = false;
};

template <class T>
bool decode_message(std::span<const std::uint8_t> in, T& out, DecodeContext& ctx) {
  FieldReader r(in, ctx);
  while (!r.at_end()) {
    std::uint32_t field = 0;
    WireType type{};
    if (!r.read_tag(field, type)) return false;
    FieldMatcher m(r, field, type);
    describe(m, out);
    if (!ctx.ok()) return false;
    if (!m.matched() && !r.skip(type)) return false;
  }
  return true;
}

}  // namespace herald::binary::wire
