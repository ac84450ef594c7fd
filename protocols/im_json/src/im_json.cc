#include "herald/im_json/im_json.h"

#include <array>
#include <charconv>
#include <nlohmann/json.hpp>
#include <type_traits>
#include <utility>

#include "entry_writer.h"
#include "herald/binary/codec.h"
#include "herald/binary/media.h"
#include "herald/binary/utf8.h"
#include "herald/reason_codes.h"
#include "request_reader.h"

namespace herald::im_json {
namespace {

using binary::Bytes;
using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

constexpr std::string_view kPrefix = "$im/";

// A request the payload cannot express: carries the reason code and text out of the parsers.
struct Refusal {
  std::uint16_t code;
  std::string text;
};

[[noreturn]] void refuse(std::uint16_t code, std::string text) { throw Refusal{code, std::move(text)}; }
[[noreturn]] void bad_format(const std::string& what) { refuse(HERALD_REASON_PAYLOAD_FORMAT_INVALID, what); }
[[noreturn]] void bad_request(const std::string& what) { refuse(HERALD_REASON_INVALID_REQUEST, what); }

const json* field(const json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string get_string(const json& obj, const char* name, bool required = false) {
  const json* v = field(obj, name);
  if (v == nullptr) {
    if (required) bad_request(std::string("missing field: ") + name);
    return {};
  }
  if (!v->is_string()) bad_format(std::string("field must be a string: ") + name);
  return v->get<std::string>();
}

std::uint64_t get_u64(const json& obj, const char* name, bool required = false,
                      std::uint64_t max = UINT64_MAX) {
  const json* v = field(obj, name);
  if (v == nullptr) {
    if (required) bad_request(std::string("missing field: ") + name);
    return 0;
  }
  std::uint64_t out = 0;
  if (v->is_number_unsigned()) {
    out = v->get<std::uint64_t>();
  } else if (v->is_number_integer()) {
    bad_request(std::string("field must not be negative: ") + name);
  } else if (v->is_string()) {  // u64 ids travel as strings
    const std::string s = v->get<std::string>();
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) {
      bad_request(std::string("field is not a decimal integer: ") + name);
    }
  } else {
    bad_format(std::string("field must be an integer: ") + name);
  }
  if (out > max) bad_request(std::string("field out of range: ") + name);
  return out;
}

std::uint32_t get_u32(const json& obj, const char* name, bool required = false) {
  return static_cast<std::uint32_t>(get_u64(obj, name, required, UINT32_MAX));
}

bool get_bool(const json& obj, const char* name) {
  const json* v = field(obj, name);
  if (v == nullptr) return false;
  if (!v->is_boolean()) bad_format(std::string("field must be a boolean: ") + name);
  return v->get<bool>();
}

std::vector<std::string> get_strings(const json& obj, const char* name) {
  std::vector<std::string> out;
  const json* v = field(obj, name);
  if (v == nullptr) return out;
  if (!v->is_array()) bad_format(std::string("field must be an array: ") + name);
  for (const auto& item : *v) {
    if (!item.is_string()) bad_format(std::string("array items must be strings: ") + name);
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::vector<std::uint64_t> get_ids(const json& obj, const char* name) {
  std::vector<std::uint64_t> out;
  const json* v = field(obj, name);
  if (v == nullptr) bad_request(std::string("missing field: ") + name);
  if (!v->is_array()) bad_format(std::string("field must be an array: ") + name);
  for (const auto& item : *v) {
    json holder = json::object();
    holder["id"] = item;
    out.push_back(get_u64(holder, "id", true));
  }
  return out;
}

template <class Id>
Id checked_id(std::string value, const char* what) {
  if (!Id::valid(value)) refuse(HERALD_REASON_INVALID_ID, std::string("invalid ") + what);
  return Id{std::move(value)};
}

binary::ConversationId get_conv(const json& obj) {
  return checked_id<binary::ConversationId>(get_string(obj, "conv", true), "conversation id");
}

// ---- names --------------------------------------------------------------------------------------

constexpr std::array<const char*, 8> kKindNames = {nullptr, "text", "image", "audio", "video", "file", "system",
                                                   "custom"};
constexpr std::array<const char*, 4> kSignalNames = {nullptr, "recall", "delete", "read"};
constexpr std::array<const char*, 4> kRoleNames = {nullptr, "owner", "admin", "member"};
constexpr std::array<const char*, 8> kProviderNames = {nullptr, "apns", "fcm", "huawei", "xiaomi", "oppo", "vivo",
                                                       "honor"};
constexpr std::array<const char*, 10> kGroupOpNames = {nullptr,         "create",         "dismiss",
                                                       "add_members",   "remove_members", "set_role",
                                                       "mute_member",   "mute_all",       "list_members",
                                                       "info"};

template <std::size_t N>
std::optional<std::uint32_t> index_of(const std::array<const char*, N>& names, std::string_view name) {
  for (std::size_t i = 1; i < N; ++i) {
    if (name == names[i]) return static_cast<std::uint32_t>(i);
  }
  return std::nullopt;
}

template <std::size_t N>
const char* name_of(const std::array<const char*, N>& names, std::uint32_t value) {
  return value < N ? names[value] : nullptr;
}

// ---- hex ----------------------------------------------------------------------------------------

std::string hex_encode(const Bytes& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xF]);
  }
  return out;
}

std::optional<Bytes> hex_decode(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  Bytes out;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    int hi = nibble(text[i]);
    int lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
  }
  return out;
}

// ---- request bodies -----------------------------------------------------------------------------

Bytes to_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

Bytes media_from_json(const json& body) {
  if (!body.is_object()) bad_format("media body must be an object");
  binary::MediaBody media;
  media.media_id = get_string(body, "media_id", true);
  media.mime_type = get_string(body, "mime_type", true);
  media.size = get_u64(body, "size");
  media.width = get_u32(body, "width");
  media.height = get_u32(body, "height");
  media.duration_ms = get_u32(body, "duration_ms");
  if (auto thumb = get_string(body, "thumbnail"); !thumb.empty()) {
    auto bytes = base64_decode(thumb);
    if (!bytes) bad_request("thumbnail is not base64");
    if (bytes->size() > binary::kMaxInlineThumbnail) bad_request("thumbnail above 16 KiB");
    media.thumbnail = std::move(*bytes);
  }
  media.thumbnail_mime = get_string(body, "thumbnail_mime");
  media.file_name = get_string(body, "file_name");
  if (auto sha = get_string(body, "sha256"); !sha.empty()) {
    auto bytes = hex_decode(sha);
    if (!bytes || bytes->size() != 32) bad_request("sha256 must be 64 hex digits");
    media.sha256 = std::move(*bytes);
  }
  return binary::encode_media_body(media);
}

binary::SendFrame parse_send(const json& obj, std::string_view kind, std::string_view target, std::string_view user,
                             ReplyContext& ctx) {
  binary::SendFrame send;
  auto conv = detail::send_conversation(kind, target, user);
  if (!conv.conv) refuse(HERALD_REASON_INVALID_ID, conv.refusal);
  send.conv = std::move(*conv.conv);
  ctx.conv = send.conv.value;
  send.cmid = checked_id<binary::ClientMsgId>(get_string(obj, "cmid", true), "cmid");
  ctx.cmid = send.cmid.value;
  const std::string type = get_string(obj, "type", true);
  auto k = message_kind_from_name(type);
  if (!k || *k == binary::MessageKind::kSystem) bad_request("unknown or forbidden message type: " + type);
  send.kind = *k;
  const json* body = field(obj, "body");
  switch (send.kind) {
    case binary::MessageKind::kText:
      if (body == nullptr || !body->is_string()) bad_format("text body must be a string");
      send.body = to_bytes(body->get<std::string>());
      break;
    case binary::MessageKind::kCustom:
      send.custom_type = get_string(obj, "custom_type", true);
      if (body != nullptr) send.body = to_bytes(body->dump());
      break;
    default:
      if (body == nullptr) bad_request("media body missing");
      send.body = media_from_json(*body);
      break;
  }
  if (send.kind != binary::MessageKind::kCustom) send.custom_type = get_string(obj, "custom_type");
  return send;
}

binary::GroupOpFrame parse_group(const json& obj, std::string_view op_name) {
  binary::GroupOpFrame op;
  auto op_value = index_of(kGroupOpNames, op_name);
  if (!op_value) refuse(HERALD_REASON_TOPIC_NAME_INVALID, "unknown group operation");
  op.op = static_cast<binary::GroupOp>(*op_value);
  if (auto group = get_string(obj, "group", op.op != binary::GroupOp::kCreate); !group.empty()) {
    op.group = checked_id<binary::GroupId>(std::move(group), "group id");
  }
  op.name = get_string(obj, "name");
  for (auto& member : get_strings(obj, "members")) {
    op.members.push_back(checked_id<binary::UserId>(std::move(member), "member user id"));
  }
  if (auto role = get_string(obj, "role"); !role.empty()) {
    auto value = index_of(kRoleNames, role);
    if (!value) bad_request("unknown role: " + role);
    op.role = static_cast<binary::GroupRole>(*value);
  } else if (op.op == binary::GroupOp::kSetRole) {
    bad_request("missing field: role");
  }
  op.mute_until_ms = get_u64(obj, "mute_until");
  op.offset = get_u32(obj, "offset");
  op.limit = get_u32(obj, "limit");
  return op;
}

binary::FrameBody parse_body(std::string_view op, const json& obj, std::string_view user, ReplyContext& ctx) {
  auto [head, rest] = detail::split_level(op);
  if (head == "send") {
    auto [kind, target] = detail::split_level(rest);
    if ((kind != "c2c" && kind != "group" && kind != "room") || target.empty() ||
        target.find('/') != std::string_view::npos) {
      refuse(HERALD_REASON_TOPIC_NAME_INVALID, "unknown $im/ topic");
    }
    ctx.op = "send/" + std::string(kind);
    return parse_send(obj, kind, target, user, ctx);
  }
  if (head == "group" || head == "room") {
    if (rest.empty() || rest.find('/') != std::string_view::npos) {
      refuse(HERALD_REASON_TOPIC_NAME_INVALID, "unknown $im/ topic");
    }
    if (head == "group") return parse_group(obj, rest);
    binary::RoomOpFrame room;
    if (rest == "join") {
      room.op = binary::RoomOp::kJoin;
    } else if (rest == "leave") {
      room.op = binary::RoomOp::kLeave;
    } else {
      refuse(HERALD_REASON_TOPIC_NAME_INVALID, "unknown room operation");
    }
    room.room = checked_id<binary::RoomId>(get_string(obj, "room", true), "room id");
    room.history_limit = get_u32(obj, "history");
    ctx.conv = "room:" + room.room.value;
    return room;
  }
  if (!rest.empty()) refuse(HERALD_REASON_TOPIC_NAME_INVALID, "unknown $im/ topic");
  if (op == "sync") {
    binary::SyncRequestFrame sync;
    sync.since = get_u64(obj, "since");
    sync.limit = get_u32(obj, "limit");
    return sync;
  }
  if (op == "read") {
    binary::ReadFrame read;
    read.conv = get_conv(obj);
    read.seq = get_u64(obj, "seq", true);
    return read;
  }
  if (op == "recall") {
    binary::RecallFrame recall;
    recall.conv = get_conv(obj);
    recall.msg_id = get_u64(obj, "msg_id", true);
    return recall;
  }
  if (op == "delete") {
    binary::DeleteFrame del;
    del.conv = get_conv(obj);
    del.msg_ids = get_ids(obj, "msg_ids");
    if (del.msg_ids.empty()) bad_request("msg_ids is empty");
    return del;
  }
  if (op == "history") {
    binary::HistoryRequestFrame history;
    history.conv = get_conv(obj);
    history.before_seq = get_u64(obj, "before");
    history.after_seq = get_u64(obj, "after");
    history.limit = get_u32(obj, "limit");
    return history;
  }
  if (op == "unread") {
    binary::UnreadRequestFrame unread;
    for (auto& conv : get_strings(obj, "convs")) {
      unread.convs.push_back(checked_id<binary::ConversationId>(std::move(conv), "conversation id"));
    }
    const std::string unread_op = get_string(obj, "op");
    if (unread_op == "mark_all_read") unread.op = binary::UnreadOp::kMarkAllRead;
    else if (unread_op == "mute") unread.op = binary::UnreadOp::kMute;
    else if (unread_op == "unmute") unread.op = binary::UnreadOp::kUnmute;
    else if (!unread_op.empty() && unread_op != "query") bad_request("unknown unread op: " + unread_op);
    if ((unread.op == binary::UnreadOp::kMute || unread.op == binary::UnreadOp::kUnmute) && unread.convs.empty())
      bad_request("mute and unmute need convs");
    return unread;
  }
  if (op == "push_token") {
    binary::PushTokenFrame token;
    const std::string provider = get_string(obj, "provider", true);
    auto value = index_of(kProviderNames, provider);
    if (!value) bad_request("unknown push provider: " + provider);
    token.provider = static_cast<binary::PushProvider>(*value);
    token.app_id = get_string(obj, "app_id", true);
    token.token = get_string(obj, "token", true);
    token.sandbox = get_bool(obj, "sandbox");
    token.remove = get_bool(obj, "remove");
    return token;
  }
  refuse(HERALD_REASON_TOPIC_NAME_INVALID, "unknown $im/ topic");
}

// ---- response entries ---------------------------------------------------------------------------

ojson body_json(const binary::MessageEntry& m) {
  const std::string_view text(reinterpret_cast<const char*>(m.body.data()), m.body.size());
  switch (m.kind) {
    case binary::MessageKind::kImage:
    case binary::MessageKind::kAudio:
    case binary::MessageKind::kVideo:
    case binary::MessageKind::kFile: {
      binary::MediaBody media;
      if (!m.body.empty() && binary::decode_media_body(m.body, media) == binary::DecodeError::kNone) {
        ojson out = ojson::object();
        out["media_id"] = media.media_id;
        out["mime_type"] = media.mime_type;
        if (media.size != 0) out["size"] = media.size;
        if (media.width != 0) out["width"] = media.width;
        if (media.height != 0) out["height"] = media.height;
        if (media.duration_ms != 0) out["duration_ms"] = media.duration_ms;
        if (!media.thumbnail.empty()) out["thumbnail"] = base64_encode(media.thumbnail);
        if (!media.thumbnail_mime.empty()) out["thumbnail_mime"] = media.thumbnail_mime;
        if (!media.file_name.empty()) out["file_name"] = media.file_name;
        if (!media.sha256.empty()) out["sha256"] = hex_encode(media.sha256);
        return out;
      }
      break;  // recalled (empty) or undecodable: fall through to the opaque rendering
    }
    case binary::MessageKind::kCustom: {
      ojson parsed = ojson::parse(text, nullptr, false);
      if (!parsed.is_discarded()) return parsed;
      break;
    }
    default:
      break;
  }
  if (binary::is_valid_utf8(text)) return std::string(text);
  return base64_encode(m.body);  // opaque bytes of an unknown kind
}

ojson message_json(const binary::MessageEntry& m, bool with_kind) {
  ojson out = ojson::object();
  if (with_kind) out["kind"] = "msg";
  out["conv"] = m.conv.value;
  out["msg_id"] = std::to_string(m.msg_id);
  out["seq"] = m.seq;
  if (m.version != 0) {
    out["version"] = m.version;
    out["prev_version"] = m.prev_version;
  }
  if (!m.from.empty()) out["from"] = m.from.value;
  if (!m.device.empty()) out["device"] = m.device.value;
  if (!m.cmid.empty()) out["cmid"] = m.cmid.value;
  const char* kind = message_kind_name(m.kind);
  out["type"] = kind != nullptr ? std::string(kind) : std::to_string(static_cast<std::uint32_t>(m.kind));
  if (!m.custom_type.empty()) out["custom_type"] = m.custom_type;
  out["body"] = body_json(m);
  out["ts"] = m.ts_ms;
  if (m.priority) out["priority"] = true;
  if (m.recalled) out["recalled"] = true;
  return out;
}

ojson signal_json(const binary::SignalEntry& s) {
  ojson out = ojson::object();
  out["kind"] = "signal";
  const char* name = name_of(kSignalNames, static_cast<std::uint32_t>(s.kind));
  out["signal"] = name != nullptr ? std::string(name) : std::to_string(static_cast<std::uint32_t>(s.kind));
  out["conv"] = s.conv.value;
  if (!s.msg_ids.empty()) {
    ojson ids = ojson::array();
    for (auto id : s.msg_ids) ids.push_back(std::to_string(id));
    out["msg_ids"] = std::move(ids);
  }
  if (s.kind == binary::SignalKind::kRead || s.seq != 0) out["seq"] = s.seq;
  if (!s.by.empty()) out["by"] = s.by.value;
  if (!s.device.empty()) out["device"] = s.device.value;
  out["ts"] = s.ts_ms;
  if (s.version != 0) {
    out["version"] = s.version;
    out["prev_version"] = s.prev_version;
  }
  return out;
}

ojson timeline_json(const binary::TimelineEntry& entry) {
  if (const auto* m = std::get_if<binary::MessageEntry>(&entry)) return message_json(*m, true);
  return signal_json(std::get<binary::SignalEntry>(entry));
}

ojson group_json(const binary::GroupInfo& g) {
  ojson out = ojson::object();
  out["group"] = g.group.value;
  if (!g.name.empty()) out["name"] = g.name;
  if (!g.owner.empty()) out["owner"] = g.owner.value;
  out["member_count"] = g.member_count;
  if (g.mute_all_until_ms != 0) out["mute_all_until"] = g.mute_all_until_ms;
  out["created"] = g.created_ms;
  out["last_seq"] = g.last_seq;
  return out;
}

ojson member_json(const binary::GroupMember& m) {
  ojson out = ojson::object();
  out["user"] = m.user.value;
  const char* role = name_of(kRoleNames, static_cast<std::uint32_t>(m.role));
  if (role != nullptr) out["role"] = role;
  if (m.mute_until_ms != 0) out["mute_until"] = m.mute_until_ms;
  out["join_seq"] = m.join_seq;
  return out;
}

void identify(ojson& out, const ReplyContext& ctx) {
  if (!ctx.req_id.empty()) out["req_id"] = ctx.req_id;
}

std::string dump(const ojson& j) { return j.dump(-1, ' ', false, ojson::error_handler_t::replace); }

}  // namespace

// ---- public -------------------------------------------------------------------------------------

const char* message_kind_name(binary::MessageKind kind) {
  return name_of(kKindNames, static_cast<std::uint32_t>(kind));
}

std::optional<binary::MessageKind> message_kind_from_name(std::string_view name) {
  auto v = index_of(kKindNames, name);
  if (!v) return std::nullopt;
  return static_cast<binary::MessageKind>(*v);
}

std::string_view reason_text(std::uint16_t code) {
  switch (code) {
#define HERALD_IM_JSON_TEXT_(name, value, mqtt5, text) \
  case value:                                          \
    return text;
    HERALD_REASON_CODES(HERALD_IM_JSON_TEXT_)
#undef HERALD_IM_JSON_TEXT_
    default:
      return {};
  }
}

std::uint8_t reason_mqtt5(std::uint16_t code) {
  switch (code) {
#define HERALD_IM_JSON_MQTT_(name, value, mqtt5, text) \
  case value:                                          \
    return mqtt5;
    HERALD_REASON_CODES(HERALD_IM_JSON_MQTT_)
#undef HERALD_IM_JSON_MQTT_
    default:
      return 0x80;
  }
}

bool is_inbox_topic(std::string_view topic) {
  if (topic.starts_with(kPrefix)) topic.remove_prefix(kPrefix.size());
  return topic.starts_with("inbox/") && topic.size() > 6 && topic.find('/', 6) == std::string_view::npos;
}

std::string inbox_topic(std::string_view user) { return std::string(kPrefix) + "inbox/" + std::string(user); }

ParseResult parse_request(std::string_view topic, std::string_view payload, std::string_view user) {
  std::string_view op = topic;
  if (op.starts_with(kPrefix)) op.remove_prefix(kPrefix.size());
  if (op.starts_with("send/"))
    if (auto fast = detail::fast_send_request(op, payload, user)) return std::move(*fast);
  return detail::reference_parse_request(topic, payload, user);
}

ParseResult detail::reference_parse_request(std::string_view topic, std::string_view payload,
                                            std::string_view user) {
  ParseResult result;
  std::string_view op = topic;
  if (op.starts_with(kPrefix)) op.remove_prefix(kPrefix.size());
  result.context.topic = std::string(kPrefix) + std::string(op);
  result.context.op = std::string(op);
  try {
    json obj = json::parse(payload, nullptr, false);
    if (obj.is_discarded() || !obj.is_object()) {
      // Still tell an unknown topic from a bad payload: the topic is checked first.
      json empty = json::object();
      ReplyContext scratch;
      try {
        (void)parse_body(op, empty, user, scratch);
      } catch (const Refusal& r) {
        if (r.code == HERALD_REASON_TOPIC_NAME_INVALID) throw;
      }
      bad_format(obj.is_discarded() ? "payload is not JSON" : "payload is not a JSON object");
    }
    // Identify the request first so even a refusal can be matched by the client.
    if (const json* req_id = field(obj, "req_id"); req_id != nullptr && req_id->is_string()) {
      result.context.req_id = req_id->get<std::string>();
      if (result.context.req_id.size() > kMaxReqIdLength) {
        result.context.req_id.clear();
        bad_request("req_id longer than 64 bytes");
      }
    } else if (req_id != nullptr) {
      bad_format("field must be a string: req_id");
    }
    if (const json* cmid = field(obj, "cmid"); cmid != nullptr && cmid->is_string()) {
      result.context.cmid = cmid->get<std::string>();
    }
    binary::FrameBody body = parse_body(op, obj, user, result.context);
    if (auto err = binary::validate_frame(body); err != binary::DecodeError::kNone) {
      refuse(binary::decode_error_reason(err), std::string("invalid request: ") + binary::decode_error_name(err));
    }
    result.request = std::move(body);
  } catch (const Refusal& r) {
    result.code = r.code;
    result.reason = r.text;
  } catch (const json::exception& e) {
    result.code = HERALD_REASON_PAYLOAD_FORMAT_INVALID;
    result.reason = e.what();
  }
  return result;
}

std::string detail::reference_entry_json(const binary::TimelineEntry& entry, std::uint32_t badge) {
  ojson j = timeline_json(entry);
  if (badge != 0) j["badge"] = badge;
  return dump(j);
}

std::string detail::reference_ack_json(const binary::SendAckFrame& f, const ReplyContext& ctx) {
  ojson j = ojson::object();
  j["kind"] = "ack";
  j["cmid"] = f.cmid.empty() ? ctx.cmid : f.cmid.value;
  j["msg_id"] = std::to_string(f.msg_id);
  j["seq"] = f.conv_seq;
  if (f.version != 0) {
    j["version"] = f.version;
    j["prev_version"] = f.prev_version;
  }
  if (!ctx.conv.empty()) j["conv"] = ctx.conv;
  j["ts"] = f.ts_ms;
  if (f.duplicate) j["duplicate"] = true;
  return dump(j);
}

std::string entry_json(const binary::TimelineEntry& entry) {
  return entry_json(entry, 0);
}

std::string entry_json(const binary::TimelineEntry& entry, std::uint32_t badge) {
  if (const auto* m = std::get_if<binary::MessageEntry>(&entry))
    if (auto fast = detail::fast_message_entry(*m, badge)) return std::move(*fast);
  return detail::reference_entry_json(entry, badge);
}

std::string error_entry(std::uint16_t code, std::string_view reason, const ReplyContext& context,
                        std::uint32_t retry_after_ms) {
  ojson out = ojson::object();
  out["kind"] = "error";
  if (!context.cmid.empty()) out["cmid"] = context.cmid;
  if (!context.req_id.empty()) out["req_id"] = context.req_id;
  // The topic identifies requests without ids, and names the culprit of a bad topic or payload.
  const bool topic_error = code == HERALD_REASON_TOPIC_NAME_INVALID || code == HERALD_REASON_PAYLOAD_FORMAT_INVALID;
  if (!context.topic.empty() && (topic_error || (context.cmid.empty() && context.req_id.empty())))
    out["topic"] = context.topic;
  out["code"] = code;
  out["reason"] = reason.empty() ? std::string(reason_text(code)) : std::string(reason);
  if (retry_after_ms != 0) out["retry_after_ms"] = retry_after_ms;
  return dump(out);
}

std::vector<std::string> inbox_entries(const binary::FrameBody& frame, const ReplyContext& ctx) {
  std::vector<std::string> out;
  std::visit(
      [&](const auto& f) {
        using T = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<T, binary::SendAckFrame>) {
          auto fast = detail::fast_ack_entry(f, ctx);
          out.push_back(fast ? std::move(*fast) : detail::reference_ack_json(f, ctx));
        } else if constexpr (std::is_same_v<T, binary::PushFrame>) {
          for (const auto& entry : f.entries) out.push_back(entry_json(entry, f.badge));
        } else if constexpr (std::is_same_v<T, binary::SyncPageFrame>) {
          for (const auto& entry : f.entries) out.push_back(entry_json(entry));
          ojson j = ojson::object();
          j["kind"] = "sync_end";
          j["version"] = f.next_version;
          j["more"] = f.more;
          if (f.chain_broken) {
            j["chain_broken"] = true;
            ojson convs = ojson::array();
            for (const auto& cs : f.recent_convs) convs.push_back(ojson{{"conv", cs.conv.value}, {"seq", cs.seq}});
            j["recent_convs"] = std::move(convs);
          }
          out.push_back(dump(j));
        } else if constexpr (std::is_same_v<T, binary::HistoryPageFrame>) {
          ojson j = ojson::object();
          j["kind"] = "history";
          identify(j, ctx);
          j["conv"] = f.conv.value;
          j["more"] = f.more;
          ojson messages = ojson::array();
          for (const auto& m : f.messages) messages.push_back(message_json(m, false));
          j["messages"] = std::move(messages);
          out.push_back(dump(j));
        } else if constexpr (std::is_same_v<T, binary::ResultFrame>) {
          ojson j = ojson::object();
          j["kind"] = "result";
          identify(j, ctx);
          j["ok"] = true;
          if (!f.conv.empty()) j["conv"] = f.conv.value;
          if (f.group) j["group"] = group_json(*f.group);
          if (!f.members.empty() || ctx.op == "group/list_members") {
            j["next_offset"] = f.next_offset;
            ojson members = ojson::array();
            for (const auto& m : f.members) members.push_back(member_json(m));
            j["members"] = std::move(members);
          }
          if (f.version != 0) j["version"] = f.version;
          if (!f.messages.empty() || ctx.op == "room/join") {
            ojson messages = ojson::array();
            for (const auto& m : f.messages) messages.push_back(message_json(m, false));
            j["messages"] = std::move(messages);
          }
          out.push_back(dump(j));
        } else if constexpr (std::is_same_v<T, binary::UnreadResultFrame>) {
          ojson j = ojson::object();
          j["kind"] = "result";
          identify(j, ctx);
          j["ok"] = true;
          ojson convs = ojson::array();
          for (const auto& u : f.convs) {
            ojson entry{{"conv", u.conv.value}, {"count", u.count}, {"last_seq", u.last_seq}, {"read_seq", u.read_seq}};
            if (u.muted) entry["muted"] = true;
            convs.push_back(std::move(entry));
          }
          ojson unread = ojson::object();
          unread["total"] = f.total;
          unread["convs"] = std::move(convs);
          j["unread"] = std::move(unread);
          out.push_back(dump(j));
        } else if constexpr (std::is_same_v<T, binary::ErrorFrame>) {
          out.push_back(error_entry(f.code, f.text, ctx, f.retry_after_ms));
        }
      },
      frame);
  return out;
}

// ---- base64 -------------------------------------------------------------------------------------

std::string base64_encode(const binary::Bytes& bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    std::uint32_t n = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(kAlphabet[(n >> 6) & 63]);
    out.push_back(kAlphabet[n & 63]);
  }
  if (i < bytes.size()) {
    std::uint32_t n = std::uint32_t{bytes[i]} << 16;
    if (i + 1 < bytes.size()) n |= std::uint32_t{bytes[i + 1]} << 8;
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::optional<binary::Bytes> base64_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  binary::Bytes out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

}  // namespace herald::im_json
