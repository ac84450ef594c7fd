// Internal: writes the structs described in schema.h as tagged fields (defaults omitted).
#pragma once

#include <vector>

#include "herald/binary/varint.h"
#include "schema.h"
#include "wire_format.h"

namespace herald::binary::wire {

template <class T>
void encode_message(const T& m, std::vector<std::uint8_t>& out);

// Writes fields in the order describe() lists them: ascending field numbers, so encoding is canonical.
class FieldWriter {
 public:
  explicit FieldWriter(std::vector<std::uint8_t>& out) : out_(out) {}

  template <class T>
  void field(std::uint32_t n, const T& v, Presence = Presence::kOptional) {
    if constexpr (IsOptional<T>::value) {
      // A present sub-message is written even when all its fields are defaults.
      if (v.has_value()) write_message(n, *v);
    } else if constexpr (IsVector<T>::value && !std::is_same_v<T, Bytes>) {  // Bytes is one field
      using E = typename T::value_type;
      if (v.empty()) return;
      if constexpr (kIsVarintScalar<E>) {
        std::size_t len = 0;
        for (const E& e : v) len += varint_size(raw(e));
        tag(n, WireType::kLen);
        put_varint(out_, len);
        for (const E& e : v) put_varint(out_, raw(e));
      } else {
        for (const E& e : v) write_one(n, e);
      }
    } else {
      if (!is_default(v)) write_one(n, v);
    }
  }

  void entries(std::uint32_t message_field, std::uint32_t signal_field, const std::vector<TimelineEntry>& v) {
    for (const TimelineEntry& e : v) {
      if (const auto* m = std::get_if<MessageEntry>(&e)) {
        write_message(message_field, *m);
      } else {
        write_message(signal_field, std::get<SignalEntry>(e));
      }
    }
  }

 private:
  void tag(std::uint32_t n, WireType t) { put_varint(out_, (static_cast<std::uint64_t>(n) << 3) | static_cast<std::uint8_t>(t)); }

  template <class T>
  static std::uint64_t raw(const T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      return v ? 1 : 0;
    } else if constexpr (std::is_enum_v<T>) {
      return static_cast<std::uint64_t>(v);
    } else if constexpr (std::is_signed_v<T>) {
      return zigzag_encode(v);
    } else {
      return v;
    }
  }

  void bytes(std::uint32_t n, const void* data, std::size_t size) {
    tag(n, WireType::kLen);
    put_varint(out_, size);
    const auto* p = static_cast<const std::uint8_t*>(data);
    out_.insert(out_.end(), p, p + size);
  }

  template <class T>
  void write_message(std::uint32_t n, const T& m) {
    std::vector<std::uint8_t> sub;
    encode_message(m, sub);
    bytes(n, sub.data(), sub.size());
  }

  template <class T>
  void write_one(std::uint32_t n, const T& v) {
    if constexpr (kIsVarintScalar<T>) {
      tag(n, WireType::kVarint);
      put_varint(out_, raw(v));
    } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, Bytes>) {
      bytes(n, v.data(), v.size());
    } else if constexpr (IsStrongId<T>::value) {
      bytes(n, v.value.data(), v.value.size());
    } else {
      write_message(n, v);
    }
  }

  std::vector<std::uint8_t>& out_;
};

template <class T>
void encode_message(const T& m, std::vector<std::uint8_t>& out) {
  FieldWriter w(out);
  describe(w, m);
}

}  // namespace herald::binary::wire
