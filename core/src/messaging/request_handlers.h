// Operations: what each IM request does to the store. Writer thread only (called from WriterJobs),
// so the counters and caches here need no locking. Each method either returns its response and
// leaves deliveries for after the commit in `txn`, or throws ImError to refuse.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <herald/binary/frames.h>
#include <herald/sdk.hpp>

#include "messaging/conversation_id.h"
#include "messaging/delivery.h"
#include "messaging/im_config.h"
#include "messaging/msg_id_generator.h"
#include "messaging/presence.h"
#include "messaging/store_participants.h"
#include "messaging/writer.h"

namespace herald::messaging {

// Who asks: the authenticated user and device of a session.
struct Caller {
  std::string user;
  std::string device;
  // The admin API speaking as the server: membership, role and mute checks do not apply. Set only by
  // core's own admin routes, never from a client's session.
  bool admin = false;
};

// A SEND as the im.store stage sees it (from the envelope's headers and payload).
struct SendInput {
  Caller caller;
  std::string conv;
  std::string cmid;
  binary::MessageKind kind = binary::MessageKind::kText;
  std::string custom_type;
  std::vector<uint8_t> body;
};

struct SendOutcome {
  binary::SendAckFrame ack;
  Deliveries deliveries;  // empty for a duplicate
};

struct OperationMetrics {
  sdk::Metric stored_c2c, stored_group, stored_room;  // herald_messages_stored_total{conv_kind}
  sdk::Metric duplicates;                              // herald_messages_duplicate_total
};

class Operations {
 public:
  Operations(const ImConfig& config, Delivery& delivery, Presence& presence, MsgIdGenerator& ids,
             OperationMetrics metrics, StoreParticipants& participants)
      : config_(config), delivery_(delivery), presence_(presence), ids_(ids), metrics_(metrics),
        participants_(participants) {}

  SendOutcome send(MessageStore& store, Txn& txn, const SendInput& in);
  binary::SyncPageFrame sync(MessageStore& store, const Caller& caller, const binary::SyncRequestFrame& req);
  void push_ack(MessageStore& store, const Caller& caller, const binary::PushAckFrame& req);
  binary::HistoryPageFrame history(MessageStore& store, const Caller& caller, const binary::HistoryRequestFrame& req);
  binary::ResultFrame read(MessageStore& store, Txn& txn, const Caller& caller, const binary::ReadFrame& req);
  binary::ResultFrame recall(MessageStore& store, Txn& txn, const Caller& caller, const binary::RecallFrame& req);
  binary::ResultFrame remove(MessageStore& store, Txn& txn, const Caller& caller, const binary::DeleteFrame& req);
  binary::ResultFrame group_op(MessageStore& store, Txn& txn, const Caller& caller, const binary::GroupOpFrame& req);
  // UNREAD_RESULT (or a storage participant's answer): applies mark_all_read first.
  std::vector<uint8_t> unread(MessageStore& store, Txn& txn, const Caller& caller, const binary::UnreadRequestFrame& req);
  binary::ResultFrame push_token(MessageStore& store, const Caller& caller, const binary::PushTokenFrame& req);

  // Retention for the timelines written since the last call, a bounded batch each time (inside the
  // batch transaction, before its commit).
  void prune(MessageStore& store);

  // The operation's clock: the wall clock, or while replaying a cluster log record the origin's clock
  // from the record, so every node stores the same ts and msg_id (docs/cluster.md).
  uint64_t now_ms() const { return replay_ts_ms_ ? replay_ts_ms_ : wall_ms(); }
  static uint64_t wall_ms();
  // Cluster replay (writer thread): from begin to end, now_ms() is `ts_ms` and room membership counts as
  // checked (rooms are per node, in memory; the origin checked before appending). A record from another
  // node gets no push targets: offline push is the origin's decision, so no node notifies twice.
  void begin_replay(uint64_t ts_ms, bool from_peer) {
    replay_ts_ms_ = ts_ms;
    replay_from_peer_ = from_peer;
  }
  void end_replay() {
    replay_ts_ms_ = 0;
    replay_from_peer_ = false;
  }
  // begin_replay .. end_replay for a scope, also when the operation throws.
  class Replay {
   public:
    Replay(Operations& ops, uint64_t ts_ms, bool from_peer) : ops_(ops) { ops_.begin_replay(ts_ms, from_peer); }
    ~Replay() { ops_.end_replay(); }
    Replay(const Replay&) = delete;
    Replay& operator=(const Replay&) = delete;

   private:
    Operations& ops_;
  };
  static std::vector<uint8_t> encode(binary::FrameBody body, bool priority = false);

 private:
  struct Member {
    std::string user;
    binary::GroupRole role = binary::GroupRole::kMember;
    uint64_t mute_until = 0;
    uint64_t join_seq = 0;
  };
  Conversation parse_conv(std::string_view conv) const;
  std::vector<Member> members(MessageStore& store, const std::string& group);
  std::optional<Member> member(MessageStore& store, const std::string& group, const std::string& user);
  // The group or NOT_FOUND.
  binary::GroupInfo group_info(MessageStore& store, const std::string& group);
  // Throws NOT_MEMBER unless `user` takes part in `conv`; returns the seq they see messages after.
  uint64_t require_participant(MessageStore& store, const Conversation& conv, const std::string& user);
  std::vector<std::string> participants(MessageStore& store, const Conversation& conv, bool* write_diffusion);

  std::pair<uint64_t, uint64_t> append_timeline(MessageStore& store, Txn& txn, const std::string& user, uint64_t ts,
                                                uint64_t msg_id, const binary::SignalEntry* signal);
  binary::MessageEntry load_message(MessageStore& store, uint64_t msg_id, bool* found);
  // A server-generated kind=system message in a group (membership changes).
  void system_message(MessageStore& store, Txn& txn, const std::string& group, const std::string& actor,
                      const std::string& text);
  // Stores a signal in each of `users`' timelines and pushes it; returns the version in `caller`'s.
  uint64_t signal(MessageStore& store, Txn& txn, const Caller& caller, binary::SignalEntry sig,
                  const std::vector<std::string>& users, bool write_diffusion);
  void schedule(Txn& txn, Deliveries d);
  // Tells the storage participants about a stored message (same transaction).
  void report_message(MessageStore& store, const binary::MessageEntry& e, const std::vector<std::string>& users, bool write_diffusion);
  // PUSH.badge for `user` (0 when offline and no push target: the push reaches no device).
  uint32_t badge(MessageStore& store, const std::string& user, bool has_push_targets = false);
  // The PUSH of `entry` for `user` (all devices but `except`), with the user's push targets while a
  // sink takes offline pushes.
  UserDelivery user_delivery(MessageStore& store, const std::string& user, std::string except,
                             binary::TimelineEntry entry);
  // A read-diffusion message for an offline member with push tokens: a delivery only the push
  // bridge hears of (nullopt without tokens). One indexed token lookup.
  std::optional<UserDelivery> offline_delivery(MessageStore& store, const std::string& user,
                                               binary::TimelineEntry entry);
  std::vector<PushTarget> push_targets(MessageStore& store, const std::string& user);
  binary::UnreadResultFrame count_unread(MessageStore& store, const Caller& caller, const binary::UnreadRequestFrame& req);

  const ImConfig& config_;
  Delivery& delivery_;
  Presence& presence_;
  MsgIdGenerator& ids_;
  OperationMetrics metrics_;
  StoreParticipants& participants_;
  std::set<std::string> touched_users_;  // timelines grown since the last prune
  std::string sweep_cursor_;              // the last user the age sweep visited
  uint64_t replay_ts_ms_ = 0;             // non-zero while a cluster log record is applied
  bool replay_from_peer_ = false;         // ... that another node appended
};

}  // namespace herald::messaging
