// The two inbox entries every MQTT IM message produces (`msg` and `ack`), written straight into a
// string. Why not nlohmann like the rest of im_json: building an ordered_json object (a heap string
// per key and value) and dumping it was ~6 % of Herald's CPU per MQTT IM message. The output is byte
// for byte what the nlohmann path writes (tests/entry_writer_test.cc compares them); anything this
// writer does not cover (media and custom bodies, strings that are not valid UTF-8) returns nullopt
// and takes the nlohmann path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "herald/binary/frames.h"
#include "herald/im_json/im_json.h"

namespace herald::im_json::detail {

// A JSON object written key by key, in call order, with nlohmann's dump(-1) formatting.
class ObjectWriter {
 public:
  ObjectWriter() { out_.reserve(256); out_ += '{'; }
  // `key` is one of our own field names (plain ASCII, written as is); `value` must be valid UTF-8.
  void string(std::string_view key, std::string_view value);
  void number(std::string_view key, std::uint64_t value);
  void number_as_string(std::string_view key, std::uint64_t value);  // "123": ids beyond JSON's 2^53
  void boolean(std::string_view key, bool value);
  std::string finish() && {
    out_ += '}';
    return std::move(out_);
  }

 private:
  void key(std::string_view k);
  std::string out_;
};

// The `msg` entry of a timeline message (with "badge" when non-zero), or nullopt for the slow path.
std::optional<std::string> fast_message_entry(const binary::MessageEntry& m, std::uint32_t badge);
// The `ack` entry of a SEND_ACK (conv from the request context), or nullopt for the slow path.
std::optional<std::string> fast_ack_entry(const binary::SendAckFrame& f, const ReplyContext& ctx);

// The nlohmann renderings the fast ones must equal (for the tests).
std::string reference_entry_json(const binary::TimelineEntry& entry, std::uint32_t badge);
std::string reference_ack_json(const binary::SendAckFrame& f, const ReplyContext& ctx);

}  // namespace herald::im_json::detail
