// The hot request, `$im/send/<c2c|group|room>/<target>` with a text body, read straight from the
// payload. Why not nlohmann like the rest of im_json: parsing into a DOM (a map node and a heap
// string per field) was ~9 % of the event loops' CPU per MQTT IM message. This reader accepts only a
// flat object of string values that the nlohmann path would accept too, and gives the same result
// (tests/request_reader_test.cc compares the two on generated payloads); anything else (another
// type, nesting, \u escapes, a refusal of any kind) returns nullopt and takes the nlohmann path,
// which therefore writes every error.
#pragma once

#include <optional>
#include <string_view>
#include <utility>

#include "herald/im_json/im_json.h"

namespace herald::im_json::detail {

// `op`: the topic without "$im/". nullopt: not handled here, use reference_parse_request.
std::optional<ParseResult> fast_send_request(std::string_view op, std::string_view payload,
                                             std::string_view user);
// The nlohmann path of parse_request (every request, every error).
ParseResult reference_parse_request(std::string_view topic, std::string_view payload, std::string_view user);

// Rules both paths follow. "send/c2c/bob" -> {"send", "c2c/bob"}: the first level of an `$im/` op
// and the rest.
std::pair<std::string_view, std::string_view> split_level(std::string_view op);
// The conversation `user` sends to on `$im/send/<kind>/<target>`, or the text of its INVALID_ID
// refusal.
struct SendConversation {
  std::optional<binary::ConversationId> conv;
  const char* refusal = nullptr;  // set when conv is not
};
SendConversation send_conversation(std::string_view kind, std::string_view target, std::string_view user);

}  // namespace herald::im_json::detail
