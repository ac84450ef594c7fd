// Conversation: a validated conversation id with its kind and participants spelt out.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <herald/binary/identifiers.h>

namespace herald::messaging {

using binary::ConversationKind;

struct Conversation {
  std::string id;         // "c2c:a:b", "group:g", "room:r"
  ConversationKind kind;  // c2c, group or room
  std::string first;      // c2c: smaller user; group/room: the group or room id
  std::string second;     // c2c: larger user; otherwise empty

  static std::optional<Conversation> parse(std::string_view id);
  bool is_c2c_member(std::string_view user) const { return kind == ConversationKind::kC2c && (user == first || user == second); }
  // c2c only: the participant that is not `me`.
  const std::string& peer_of(std::string_view me) const { return me == first ? second : first; }
  static const char* kind_label(ConversationKind kind);  // "c2c" | "group" | "room"
};

}  // namespace herald::messaging
