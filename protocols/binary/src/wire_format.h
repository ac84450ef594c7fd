// Internal: the tagged-field wire format shared by the field reader, writer and validator.
// It is protobuf's wire format (varint, 64-bit, length-delimited, 32-bit), so a client may also use
// generated protobuf code against the schema in docs/protocol.md.
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "herald/binary/codec.h"

namespace herald::binary::wire {

enum class WireType : std::uint8_t { kVarint = 0, kFixed64 = 1, kLen = 2, kFixed32 = 5 };

inline constexpr std::uint32_t kMaxFieldNumber = (1u << 29) - 1;

enum class Presence : std::uint8_t { kOptional, kRequired };
inline constexpr Presence kRequired = Presence::kRequired;

// `describe` overloads take the struct const (writer) or mutable (reader) through one template.
template <class M, class T>
concept Is = std::same_as<std::remove_const_t<M>, T>;

template <class T> struct IsStrongId : std::false_type {};
template <class Tag> struct IsStrongId<StrongId<Tag>> : std::true_type {};
template <class T> struct IsVector : std::false_type {};
template <class T, class A> struct IsVector<std::vector<T, A>> : std::true_type {};
template <class T> struct IsOptional : std::false_type {};
template <class T> struct IsOptional<std::optional<T>> : std::true_type {};

// Scalars that travel as one varint each (and packed when repeated).
template <class T>
inline constexpr bool kIsVarintScalar = std::is_same_v<T, bool> || std::is_integral_v<T> || std::is_enum_v<T>;

// Proto3 semantics: the default value is "absent" and is not written.
template <class T>
bool is_default(const T& v) {
  if constexpr (kIsVarintScalar<T>) {
    return v == T{};
  } else if constexpr (IsStrongId<T>::value) {
    return v.value.empty();
  } else if constexpr (IsOptional<T>::value) {
    return !v.has_value();
  } else {
    return v.empty();  // std::string, Bytes, vectors
  }
}

// Collects the first error while decoding one frame.
struct DecodeContext {
  const DecodeLimits& limits;
  DecodeError error = DecodeError::kNone;

  bool ok() const { return error == DecodeError::kNone; }
  bool fail(DecodeError e) {
    if (error == DecodeError::kNone) error = e;
    return false;
  }
};

}  // namespace herald::binary::wire
