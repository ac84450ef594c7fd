// Identifier types and their validators, shared by the gateway, core and client SDKs (pure functions).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace herald::binary {

// User, device, group and room ids: 1-128 bytes of [A-Za-z0-9_.@-].
inline constexpr std::size_t kMaxIdLength = 128;
// client_msg_id: 1-64 bytes of visible ASCII (0x21-0x7E), so UUIDs, ULIDs and counters all fit.
inline constexpr std::size_t kMaxClientMsgIdLength = 64;

bool is_valid_id(std::string_view id);
inline bool is_valid_user_id(std::string_view id) { return is_valid_id(id); }
inline bool is_valid_device_id(std::string_view id) { return is_valid_id(id); }
inline bool is_valid_group_id(std::string_view id) { return is_valid_id(id); }
inline bool is_valid_room_id(std::string_view id) { return is_valid_id(id); }
bool is_valid_client_msg_id(std::string_view cmid);
// `c2c:<a>:<b>` with a < b (bytewise), `group:<id>` or `room:<id>`.
bool is_valid_conversation_id(std::string_view conv);

// A string that says what it holds. Cheap: one std::string, compared by value. The Tag names the
// validator the decoder applies (an empty value means "absent" and is never validated).
template <class Tag>
struct StrongId {
  std::string value;
  bool empty() const { return value.empty(); }
  static bool valid(std::string_view s) { return Tag::valid(s); }
  friend bool operator==(const StrongId&, const StrongId&) = default;
  friend auto operator<=>(const StrongId&, const StrongId&) = default;
};

struct UserIdTag { static bool valid(std::string_view s) { return is_valid_user_id(s); } };
struct DeviceIdTag { static bool valid(std::string_view s) { return is_valid_device_id(s); } };
struct GroupIdTag { static bool valid(std::string_view s) { return is_valid_group_id(s); } };
struct RoomIdTag { static bool valid(std::string_view s) { return is_valid_room_id(s); } };
struct ConversationIdTag { static bool valid(std::string_view s) { return is_valid_conversation_id(s); } };
struct ClientMsgIdTag { static bool valid(std::string_view s) { return is_valid_client_msg_id(s); } };

using UserId = StrongId<UserIdTag>;
using DeviceId = StrongId<DeviceIdTag>;
using GroupId = StrongId<GroupIdTag>;
using RoomId = StrongId<RoomIdTag>;
using ConversationId = StrongId<ConversationIdTag>;
using ClientMsgId = StrongId<ClientMsgIdTag>;

// Numeric identifiers are plain integers; the names document which is which.
using MsgId = std::uint64_t;    // global, time-ordered (snowflake-style)
using Seq = std::uint64_t;      // per-conversation, contiguous from 1
using Version = std::uint64_t;  // per-user sync timeline position

enum class ConversationKind : std::uint8_t { kC2c, kGroup, kRoom };

struct ParsedConversation {
  ConversationKind kind = ConversationKind::kC2c;
  std::string_view first;   // c2c: the smaller user id; group/room: the group or room id
  std::string_view second;  // c2c: the larger user id; otherwise empty
};

// Views into `conv`; nullopt if it is not a valid conversation id.
std::optional<ParsedConversation> parse_conversation_id(std::string_view conv);
// Orders the pair so both sides compute the same id; nullopt if either id is invalid or they are equal.
std::optional<ConversationId> make_c2c_conversation(const UserId& a, const UserId& b);
std::optional<ConversationId> make_group_conversation(const GroupId& group);
std::optional<ConversationId> make_room_conversation(const RoomId& room);
// The other participant of a c2c conversation that `me` belongs to.
std::optional<UserId> c2c_peer(const ConversationId& conv, const UserId& me);

}  // namespace herald::binary
