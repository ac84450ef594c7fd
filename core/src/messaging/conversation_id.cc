#include "messaging/conversation_id.h"

namespace herald::messaging {

std::optional<Conversation> Conversation::parse(std::string_view id) {
  auto parsed = binary::parse_conversation_id(id);
  if (!parsed) return std::nullopt;
  return Conversation{std::string(id), parsed->kind, std::string(parsed->first), std::string(parsed->second)};
}

const char* Conversation::kind_label(ConversationKind kind) {
  switch (kind) {
    case ConversationKind::kC2c: return "c2c";
    case ConversationKind::kGroup: return "group";
    case ConversationKind::kRoom: return "room";
  }
  return "unknown";
}

}  // namespace herald::messaging
