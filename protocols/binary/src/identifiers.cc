// Identifier validators and conversation id helpers (see identifiers.h).
#include "herald/binary/identifiers.h"

namespace herald::binary {
namespace {

bool is_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '@' || c == '-';
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

}  // namespace

bool is_valid_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  for (char c : id) {
    if (!is_id_char(c)) return false;
  }
  return true;
}

bool is_valid_client_msg_id(std::string_view cmid) {
  if (cmid.empty() || cmid.size() > kMaxClientMsgIdLength) return false;
  for (char c : cmid) {
    if (c < 0x21 || c > 0x7E) return false;
  }
  return true;
}

std::optional<ParsedConversation> parse_conversation_id(std::string_view conv) {
  ParsedConversation p;
  if (starts_with(conv, "c2c:")) {
    // ':' is not an id character, so the split is unambiguous.
    const std::string_view rest = conv.substr(4);
    const auto colon = rest.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    p.kind = ConversationKind::kC2c;
    p.first = rest.substr(0, colon);
    p.second = rest.substr(colon + 1);
    if (!is_valid_user_id(p.first) || !is_valid_user_id(p.second) || !(p.first < p.second)) return std::nullopt;
    return p;
  }
  if (starts_with(conv, "group:")) {
    p.kind = ConversationKind::kGroup;
    p.first = conv.substr(6);
    if (!is_valid_group_id(p.first)) return std::nullopt;
    return p;
  }
  if (starts_with(conv, "room:")) {
    p.kind = ConversationKind::kRoom;
    p.first = conv.substr(5);
    if (!is_valid_room_id(p.first)) return std::nullopt;
    return p;
  }
  return std::nullopt;
}

bool is_valid_conversation_id(std::string_view conv) { return parse_conversation_id(conv).has_value(); }

std::optional<ConversationId> make_c2c_conversation(const UserId& a, const UserId& b) {
  if (!is_valid_user_id(a.value) || !is_valid_user_id(b.value) || a.value == b.value) return std::nullopt;
  const auto& lo = a.value < b.value ? a.value : b.value;
  const auto& hi = a.value < b.value ? b.value : a.value;
  return ConversationId{"c2c:" + lo + ":" + hi};
}

std::optional<ConversationId> make_group_conversation(const GroupId& group) {
  if (!is_valid_group_id(group.value)) return std::nullopt;
  return ConversationId{"group:" + group.value};
}

std::optional<ConversationId> make_room_conversation(const RoomId& room) {
  if (!is_valid_room_id(room.value)) return std::nullopt;
  return ConversationId{"room:" + room.value};
}

std::optional<UserId> c2c_peer(const ConversationId& conv, const UserId& me) {
  const auto p = parse_conversation_id(conv.value);
  if (!p || p->kind != ConversationKind::kC2c) return std::nullopt;
  if (p->first == me.value) return UserId{std::string(p->second)};
  if (p->second == me.value) return UserId{std::string(p->first)};
  return std::nullopt;
}

}  // namespace herald::binary
