// The Herald binary frames as C++ values: one struct per frame type (docs/protocol.md, "Frames").
// Integer fields left at 0, empty strings and empty lists are "absent" and cost nothing on the wire.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "herald/binary/identifiers.h"

namespace herald::binary {

using Bytes = std::vector<std::uint8_t>;

inline constexpr std::uint32_t kProtocolVersion1 = 1;

// Feature bits exchanged in CONNECT / CONNECT_ACK; the server answers with the intersection.
namespace feature {
inline constexpr std::uint32_t kCompression = 1u << 0;  // zlib-compressed PUSH / SYNC_PAGE / HISTORY_PAGE / RESULT
inline constexpr std::uint32_t kBatchAck = 1u << 1;     // PUSH with many entries, PUSH_ACK lists and cumulative acks
inline constexpr std::uint32_t kServerPing = 1u << 2;   // the server may PING an idle client, which must PONG
inline constexpr std::uint32_t kKnown = kCompression | kBatchAck | kServerPing;
}  // namespace feature

// The one-byte frame type in every header. Values are grouped by area; never reused.
enum class FrameType : std::uint8_t {
  kConnect = 0x01,
  kConnectAck = 0x02,
  kPing = 0x03,
  kPong = 0x04,
  kDisconnect = 0x05,
  kKick = 0x06,
  kError = 0x07,
  kSend = 0x10,
  kSendAck = 0x11,
  kPush = 0x12,
  kPushAck = 0x13,
  kSyncRequest = 0x14,
  kSyncPage = 0x15,
  kHistoryRequest = 0x16,
  kHistoryPage = 0x17,
  kRead = 0x20,
  kRecall = 0x21,
  kDelete = 0x22,
  kGroupOp = 0x30,
  kRoomOp = 0x31,
  kResult = 0x32,
  kUnreadRequest = 0x40,
  kUnreadResult = 0x41,
  kPushToken = 0x42,
};

// Enumerations travel as varints. A decoder keeps values it does not know (a newer peer may send
// them); the consumer answers UNSUPPORTED_FEATURE / INVALID_REQUEST where it must act on one.
enum class Platform : std::uint32_t { kUnspecified = 0, kIos = 1, kAndroid = 2, kWeb = 3, kDesktop = 4, kOther = 5 };
enum class MessageKind : std::uint32_t {
  kUnspecified = 0,
  kText = 1,    // body: UTF-8 text
  kImage = 2,   // body: MediaBody (media.h)
  kAudio = 3,   // body: MediaBody
  kVideo = 4,   // body: MediaBody
  kFile = 5,    // body: MediaBody
  kSystem = 6,  // body: UTF-8 text produced by the server (group events, room notices)
  kCustom = 7,  // body: opaque bytes; custom_type names the application's type
};
enum class SignalKind : std::uint32_t { kUnspecified = 0, kRecall = 1, kDelete = 2, kRead = 3 };
enum class PushProvider : std::uint32_t {
  kUnspecified = 0, kApns = 1, kFcm = 2, kHuawei = 3, kXiaomi = 4, kOppo = 5, kVivo = 6, kHonor = 7,
};
enum class GroupOp : std::uint32_t {
  kUnspecified = 0, kCreate = 1, kDismiss = 2, kAddMembers = 3, kRemoveMembers = 4, kSetRole = 5,
  kMuteMember = 6, kMuteAll = 7, kListMembers = 8, kInfo = 9,
};
enum class GroupRole : std::uint32_t { kUnspecified = 0, kOwner = 1, kAdmin = 2, kMember = 3 };
enum class RoomOp : std::uint32_t { kUnspecified = 0, kJoin = 1, kLeave = 2 };
// UNREAD_REQUEST: query (default), mark the listed (or all) conversations read, mute / unmute them.
enum class UnreadOp : std::uint32_t { kQuery = 0, kMarkAllRead = 1, kMute = 2, kUnmute = 3 };

// ---- shared sub-messages --------------------------------------------------------------------------

// A message as it appears in a PUSH, SYNC_PAGE, HISTORY_PAGE or room RESULT.
struct MessageEntry {
  ConversationId conv;
  MsgId msg_id = 0;
  Seq seq = 0;
  UserId from;
  DeviceId device;
  ClientMsgId cmid;
  MessageKind kind = MessageKind::kUnspecified;
  std::string custom_type;
  Bytes body;
  std::uint64_t ts_ms = 0;
  Version version = 0;       // 0 for read-diffusion conversations (large groups, rooms)
  Version prev_version = 0;  // the previous entry of the same user timeline
  bool priority = false;     // room system message on the priority lane
  bool recalled = false;     // history only: the message was recalled; body is empty
  friend bool operator==(const MessageEntry&, const MessageEntry&) = default;
};

// A recall, delete-for-me or read marker in a user's timeline.
struct SignalEntry {
  SignalKind kind = SignalKind::kUnspecified;
  ConversationId conv;
  std::vector<MsgId> msg_ids;  // recall: one; delete: one or more
  Seq seq = 0;                 // read: everything up to and including seq is read
  UserId by;
  DeviceId device;
  std::uint64_t ts_ms = 0;
  Version version = 0;
  Version prev_version = 0;
  friend bool operator==(const SignalEntry&, const SignalEntry&) = default;
};

// Timeline entries keep their interleaved order on the wire (field 1 = message, field 2 = signal).
using TimelineEntry = std::variant<MessageEntry, SignalEntry>;

// A (conversation, seq) pair: an ack cursor, or a hint of where a conversation's timeline ends.
struct ConvSeq {
  ConversationId conv;
  Seq seq = 0;
  friend bool operator==(const ConvSeq&, const ConvSeq&) = default;
};

struct GroupInfo {
  GroupId group;
  std::string name;
  UserId owner;
  std::uint32_t member_count = 0;
  std::uint64_t mute_all_until_ms = 0;  // 0: not muted
  std::uint64_t created_ms = 0;
  Seq last_seq = 0;
  friend bool operator==(const GroupInfo&, const GroupInfo&) = default;
};

struct GroupMember {
  UserId user;
  GroupRole role = GroupRole::kUnspecified;
  std::uint64_t mute_until_ms = 0;
  Seq join_seq = 0;  // the member sees messages after this seq only
  friend bool operator==(const GroupMember&, const GroupMember&) = default;
};

struct UnreadEntry {
  ConversationId conv;
  std::uint32_t count = 0;
  Seq last_seq = 0;
  Seq read_seq = 0;
  bool muted = false;  // excluded from the total (unread plugin's mute)
  friend bool operator==(const UnreadEntry&, const UnreadEntry&) = default;
};

// ---- frames ---------------------------------------------------------------------------------------

struct ConnectFrame {
  std::vector<std::uint32_t> versions;  // every protocol version the client speaks
  std::uint32_t features = 0;
  std::string token;  // JWT
  UserId user;
  DeviceId device;
  Platform platform = Platform::kUnspecified;
  std::string app_version;
  std::uint32_t max_frame_size = 0;  // the largest frame the client accepts; 0 = the default 64 KiB
  friend bool operator==(const ConnectFrame&, const ConnectFrame&) = default;
};

struct ConnectAckFrame {
  std::uint32_t version = 0;
  std::uint32_t features = 0;
  std::uint32_t heartbeat_s = 0;     // suggested PING interval
  std::uint32_t idle_timeout_s = 0;  // the server closes a connection silent this long
  std::uint32_t max_frame_size = 0;  // the largest frame the server accepts
  std::string session_id;
  std::uint64_t server_time_ms = 0;
  Version user_version = 0;  // the newest version of the user's timeline: sync if ahead of local
  friend bool operator==(const ConnectAckFrame&, const ConnectAckFrame&) = default;
};

struct PingFrame {
  friend bool operator==(const PingFrame&, const PingFrame&) = default;
};

struct PongFrame {
  std::uint32_t heartbeat_s = 0;
  std::uint64_t server_time_ms = 0;
  friend bool operator==(const PongFrame&, const PongFrame&) = default;
};

struct DisconnectFrame {  // client says goodbye
  std::uint16_t code = 0;
  std::string text;
  friend bool operator==(const DisconnectFrame&, const DisconnectFrame&) = default;
};

struct KickFrame {  // server closes the session
  std::uint16_t code = 0;
  std::string text;
  std::string redirect;  // "host:port" to reconnect to, e.g. when draining
  friend bool operator==(const KickFrame&, const KickFrame&) = default;
};

struct ErrorFrame {  // the failed request's id is in the frame header
  std::uint16_t code = 0;
  std::string text;
  std::uint32_t retry_after_ms = 0;
  friend bool operator==(const ErrorFrame&, const ErrorFrame&) = default;
};

struct SendFrame {
  ConversationId conv;
  ClientMsgId cmid;
  MessageKind kind = MessageKind::kUnspecified;
  std::string custom_type;
  Bytes body;
  friend bool operator==(const SendFrame&, const SendFrame&) = default;
};

struct SendAckFrame {
  ClientMsgId cmid;
  MsgId msg_id = 0;
  Seq conv_seq = 0;
  std::uint64_t ts_ms = 0;
  Version version = 0;       // the sending device's version-only entry
  Version prev_version = 0;
  bool duplicate = false;    // a resend of a cmid already stored: the original ack
  friend bool operator==(const SendAckFrame&, const SendAckFrame&) = default;
};

struct PushFrame {
  std::vector<TimelineEntry> entries;
  std::uint32_t badge = 0;  // total unread after these entries
  friend bool operator==(const PushFrame&, const PushFrame&) = default;
};

struct PushAckFrame {
  Version up_to_version = 0;            // cumulative: every entry with version <= this
  std::vector<Version> versions;        // batched: these versions
  std::vector<ConvSeq> conv_acks;       // read-diffusion conversations: everything up to seq
  friend bool operator==(const PushAckFrame&, const PushAckFrame&) = default;
};

struct SyncRequestFrame {
  Version since = 0;  // also acks every entry up to `since`
  std::uint32_t limit = 0;
  friend bool operator==(const SyncRequestFrame&, const SyncRequestFrame&) = default;
};

struct SyncPageFrame {
  std::vector<TimelineEntry> entries;
  Version next_version = 0;  // pass as `since` for the next page
  bool more = false;
  bool chain_broken = false;  // retention dropped entries or the chain has a hole: page history instead
  std::vector<ConvSeq> recent_convs;  // with chain_broken: conversations to page, newest seq each
  friend bool operator==(const SyncPageFrame&, const SyncPageFrame&) = default;
};

struct HistoryRequestFrame {
  ConversationId conv;
  Seq before_seq = 0;  // 0: from the newest
  Seq after_seq = 0;   // non-zero: page forward from here instead (read-diffusion catch-up)
  std::uint32_t limit = 0;
  friend bool operator==(const HistoryRequestFrame&, const HistoryRequestFrame&) = default;
};

struct HistoryPageFrame {
  ConversationId conv;
  std::vector<MessageEntry> messages;  // ascending seq
  bool more = false;
  friend bool operator==(const HistoryPageFrame&, const HistoryPageFrame&) = default;
};

struct ReadFrame {
  ConversationId conv;
  Seq seq = 0;
  friend bool operator==(const ReadFrame&, const ReadFrame&) = default;
};

struct RecallFrame {
  ConversationId conv;
  MsgId msg_id = 0;
  friend bool operator==(const RecallFrame&, const RecallFrame&) = default;
};

struct DeleteFrame {  // delete for me (this user's devices only)
  ConversationId conv;
  std::vector<MsgId> msg_ids;
  friend bool operator==(const DeleteFrame&, const DeleteFrame&) = default;
};

struct GroupOpFrame {
  GroupOp op = GroupOp::kUnspecified;
  GroupId group;                 // create: empty lets the server choose
  std::string name;              // create
  std::vector<UserId> members;   // create / add / remove / set_role / mute_member targets
  GroupRole role = GroupRole::kUnspecified;  // set_role
  std::uint64_t mute_until_ms = 0;           // mute_member / mute_all; 0 unmutes
  std::uint32_t offset = 0;                  // list_members paging
  std::uint32_t limit = 0;
  friend bool operator==(const GroupOpFrame&, const GroupOpFrame&) = default;
};

struct RoomOpFrame {
  RoomOp op = RoomOp::kUnspecified;
  RoomId room;
  std::uint32_t history_limit = 0;  // join: recent messages wanted
  friend bool operator==(const RoomOpFrame&, const RoomOpFrame&) = default;
};

struct ResultFrame {  // generic success response; which fields are set depends on the request
  std::optional<GroupInfo> group;
  std::vector<GroupMember> members;
  std::uint32_t next_offset = 0;  // list_members: 0 = no more
  std::vector<MessageEntry> messages;  // room join: recent history
  Version version = 0;  // read / recall / delete: the signal's version in the caller's timeline
  ConversationId conv;  // create / join: the conversation id
  friend bool operator==(const ResultFrame&, const ResultFrame&) = default;
};

struct UnreadRequestFrame {
  std::vector<ConversationId> convs;  // empty: all conversations with unread messages
  UnreadOp op = UnreadOp::kQuery;     // applied to `convs` (mark_all_read: empty = every conversation)
  friend bool operator==(const UnreadRequestFrame&, const UnreadRequestFrame&) = default;
};

struct UnreadResultFrame {
  std::vector<UnreadEntry> convs;
  std::uint32_t total = 0;
  friend bool operator==(const UnreadResultFrame&, const UnreadResultFrame&) = default;
};

struct PushTokenFrame {
  PushProvider provider = PushProvider::kUnspecified;
  std::string app_id;  // bundle id / package name / vendor app id
  std::string token;
  bool sandbox = false;  // APNs development environment
  bool remove = false;   // unregister this device's token
  friend bool operator==(const PushTokenFrame&, const PushTokenFrame&) = default;
};

using FrameBody =
    std::variant<ConnectFrame, ConnectAckFrame, PingFrame, PongFrame, DisconnectFrame, KickFrame, ErrorFrame,
                 SendFrame, SendAckFrame, PushFrame, PushAckFrame, SyncRequestFrame, SyncPageFrame,
                 HistoryRequestFrame, HistoryPageFrame, ReadFrame, RecallFrame, DeleteFrame, GroupOpFrame,
                 RoomOpFrame, ResultFrame, UnreadRequestFrame, UnreadResultFrame, PushTokenFrame>;

// One frame: header fields plus the typed body (whose alternative determines the frame type).
struct Frame {
  std::uint32_t request_id = 0;  // client-chosen, echoed by the response; 0 = unsolicited
  bool priority = false;         // header flag: deliver ahead of ordinary traffic
  FrameBody body;
  friend bool operator==(const Frame&, const Frame&) = default;
};

FrameType frame_type(const FrameBody& body);
const char* frame_type_name(FrameType type);
bool is_known_frame_type(std::uint8_t type);
// Frames whose body may be zlib-compressed (server-to-client bulk data).
bool may_be_compressed(FrameType type);

}  // namespace herald::binary
