// IM over MQTT (docs/protocol.md Part II): the JSON payloads of the `$im/` topics as Herald binary
// frames and back. Pure functions, no I/O: the gateway's `$im/` adapter and the CLI client use them.
//
// Requests: parse_request() turns a PUBLISH on `$im/send/...`, `$im/sync`, ... into the binary request
// frame the IM core takes. Responses and deliveries: inbox_entries() turns a response or PUSH frame
// into the JSON objects published on `$im/inbox/<user>`, one per entry.
//
// JSON conventions (section 16): msg_id as a decimal string (u64 exceeds JSON's safe integers; a
// number is accepted on input), times in ms (`ts`, `created`, `mute_until`), kinds/roles/providers as
// names. Media bodies are objects with the MediaBody field names; `thumbnail` is base64, `sha256` hex.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "herald/binary/frames.h"

namespace herald::im_json {

inline constexpr std::size_t kMaxReqIdLength = 64;

// What identifies a request in its response entries (echoed as `req_id`, `cmid`; `topic` in errors
// when neither is known). `conv` fills the `ack` entry (SEND_ACK carries no conversation); `op` is the
// topic without "$im/" (e.g. "room/join"), which decides the shape of some results.
struct ReplyContext {
  std::string req_id;
  std::string cmid;
  std::string conv;
  std::string topic;  // the full topic, "$im/..."
  std::string op;     // "send/c2c", "sync", "room/join", "group/list_members", ...
};

struct ParseResult {
  std::optional<binary::FrameBody> request;  // set on success
  ReplyContext context;                      // filled as far as the payload could be read
  std::uint16_t code = 0;                    // on failure: a reason code (reason_codes.h)
  std::string reason;                        // on failure: text for the client
  bool ok() const { return request.has_value(); }
};

// `topic`: "$im/send/c2c/bob" or the same without the "$im/" prefix. `user`: the sender's user id
// (c2c conversation ids are built from it). Unknown topics → TOPIC_NAME_INVALID; payloads that are
// not a JSON object or have fields of the wrong JSON type → PAYLOAD_FORMAT_INVALID; missing or
// invalid values → INVALID_REQUEST; bad ids → INVALID_ID; `type: system` → INVALID_REQUEST.
ParseResult parse_request(std::string_view topic, std::string_view payload, std::string_view user);

// Whether `topic` (with or without "$im/") is the inbox of someone: "$im/inbox/<user>".
bool is_inbox_topic(std::string_view topic);
std::string inbox_topic(std::string_view user);

// A response (SEND_ACK, SYNC_PAGE, HISTORY_PAGE, RESULT, UNREAD_RESULT, ERROR) or a PUSH as inbox
// JSON texts, in order: SEND_ACK → "ack"; PUSH → one "msg"/"signal" per entry; SYNC_PAGE → its entries
// then "sync_end"; HISTORY_PAGE → "history"; RESULT / UNREAD_RESULT → "result"; ERROR → "error".
// Messages inside "history" and "result" carry no "kind".
// Other frame types give nothing.
std::vector<std::string> inbox_entries(const binary::FrameBody& frame, const ReplyContext& context = {});

// One timeline entry (kind "msg" or "signal") as inbox JSON.
std::string entry_json(const binary::TimelineEntry& entry);
// The same for an entry pushed live: with `badge`, the recipient's total unread (PUSH.badge; absent when 0).
std::string entry_json(const binary::TimelineEntry& entry, std::uint32_t badge);
// An "error" entry: code, reason (the registry text when `reason` is empty), cmid / req_id, and the
// topic when neither is set or the code is TOPIC_NAME_INVALID / PAYLOAD_FORMAT_INVALID.
std::string error_entry(std::uint16_t code, std::string_view reason, const ReplyContext& context,
                        std::uint32_t retry_after_ms = 0);
// The registry text of a reason code ("" when unknown).
std::string_view reason_text(std::uint16_t code);
// The MQTT 5 reason byte a reason code maps to (0x80 when unknown).
std::uint8_t reason_mqtt5(std::uint16_t code);

// Names used in JSON (nullptr/nullopt when unknown).
const char* message_kind_name(binary::MessageKind kind);
std::optional<binary::MessageKind> message_kind_from_name(std::string_view name);

// base64 (RFC 4648, with padding) for byte fields.
std::string base64_encode(const binary::Bytes& bytes);
std::optional<binary::Bytes> base64_decode(std::string_view text);

}  // namespace herald::im_json
