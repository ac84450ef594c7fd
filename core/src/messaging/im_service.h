// ImService: the "herald.im.v1" service table (herald/im_service.h) and the state behind it: the
// writer, delivery to sinks, presence, rooms, and the deliveries waiting for im.route.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>

#include <herald/binary/codec.h>
#include <herald/sdk.hpp>

#include "herald/im_service.h"
#include "messaging/delivery.h"
#include "messaging/im_config.h"
#include "messaging/msg_id_generator.h"
#include "messaging/presence.h"
#include "messaging/replication_record.h"
#include "messaging/request_handlers.h"
#include "messaging/store_participants.h"
#include "messaging/writer.h"

namespace herald::messaging {

// A copy of a herald_im_session (the C struct is borrowed for one call only).
struct Session {
  std::string user, device, protocol, listener, peer;
  uint32_t loop = UINT32_MAX;
  bool admin = false;  // core's admin routes speaking as the server (Caller::admin); never set from C
  static Session from(const herald_im_session* s);
};

// The answer channel of one request; exactly one of frame()/error()/empty() is called.
struct Reply {
  herald_im_reply_fn fn;
  void* arg;
  void frame(const std::vector<uint8_t>& bytes) const {
    fn(arg, herald_str{reinterpret_cast<const char*>(bytes.data()), bytes.size()});
  }
  void body(binary::FrameBody b) const { frame(Operations::encode(std::move(b))); }
  void error(herald_reason reason, std::string_view text, uint32_t retry_after_ms = 0) const {
    body(binary::ErrorFrame{static_cast<uint16_t>(reason), std::string(text), retry_after_ms});
  }
  void empty() const { fn(arg, herald_str{"", 0}); }
};

class ImService {
 public:
  // Opens <data_dir>/<storage.file> and starts the writer. Throws on a storage failure.
  ImService(sdk::Host host, ImConfig config);
  ~ImService();
  ImService(const ImService&) = delete;
  ImService& operator=(const ImService&) = delete;

  const herald_im_service_v1* table() const { return &table_; }
  const herald_im_store_service_v1* store_table() const { return participants_->table(); }
  void stop();  // joins the writer; later requests are answered SERVER_SHUTTING_DOWN

  void request(const Session& session, std::string_view frame, Reply reply);
  // Blocking form for the admin API's worker threads (never a loop thread): the response frame, or an
  // ERROR frame (TIMEOUT when none came within `timeout`).
  binary::FrameBody call(const Session& session, binary::FrameBody request, std::chrono::milliseconds timeout);
  // Rooms as the admin API sees them: member count and members, and closing a room.
  size_t room_member_count(const std::string& room) const { return delivery_.room_member_count(room); }
  std::vector<std::pair<std::string, std::string>> room_members(const std::string& room, size_t limit) const {
    return delivery_.room_members(room, limit);
  }
  size_t close_room(const std::string& room) { return delivery_.close_room(room); }
  // Admin worker threads: runs fn on the writer (reads see every committed write) and waits for it.
  // False when the writer did not run it within `timeout` or refused it.
  bool with_store(std::function<void(MessageStore&)> fn, std::chrono::milliseconds timeout);
  void session_opened(const Session& session);
  void session_closed(const Session& session);
  uint64_t user_version(std::string_view user) const;
  void attach_sink(const herald_im_sink_v1* sink) { delivery_.attach(sink); }
  void detach_sink(const herald_im_sink_v1* sink) { delivery_.detach(sink); }
  std::vector<std::string> devices_online(std::string_view user) const { return presence_.devices_online(user); }

  // im.store (loop thread): a SEND envelope is stored by the writer, then resumed.
  sdk::Verdict store(sdk::StageCall& call);
  // im.route (loop thread): dispatches the deliveries of a stored SEND.
  sdk::Verdict route(sdk::StageCall& call);

  const ImConfig& config() const { return config_; }

  // Cluster mode (im_service_replication.cc, docs/cluster.md): the herald_im_service_v1 functions.
  uint64_t attach_log(const herald_im_log_v1* log);
  void apply(uint64_t position, std::string_view record);
  uint64_t applied_position() const { return applied_position_.load(); }

 private:
  // Who waits for a replicated request on its origin node: a client answer, or a deferred im.store.
  struct Pending {
    Reply reply{};
    std::shared_ptr<sdk::Completion> completion;
    herald_envelope* envelope = nullptr;
  };
  // Cluster mode: tells the log bridge's presence map a device's session count on this node.
  void report_sessions(const Session& s, int local_sessions);
  bool replicated() const { return config_.replicated; }  // a log attaches only then
  static bool changes_state(const binary::FrameBody& body);
  // A frame passed inside the process (fronts, admin API, cluster log): the codec's ceiling, not a
  // wire limit (the fronts enforced theirs).
  static binary::DecodeResult decode(std::span<const uint8_t> bytes);
  // Appends `record` (origin, request id and ts filled in here); `pending` is answered when this node
  // applies it, or with the failure when the append fails.
  void replicate(ReplicationRecord record, Pending pending);
  Pending take_pending(const ReplicationRecord& record);
  // The writer job of a decoded request (local, or replayed from the log at `replay_ts` when non-zero;
  // `from_peer`: appended by another node).
  void run(const Caller& caller, binary::FrameBody& body, Reply reply, uint64_t replay_ts, bool from_peer);
  // On the writer after a stored SEND commits: the deferred im.store gets its headers and resumes.
  void complete_send(const std::shared_ptr<SendOutcome>& out, const std::shared_ptr<sdk::Completion>& completion,
                     herald_envelope* raw);

  void send(const Session& session, binary::SendFrame frame, Reply reply);
  static void send_done(void* arg, herald_envelope* env, uint32_t verdict, uint16_t reason, herald_str text);
  uint64_t park(Deliveries d);
  void dispatch_parked(std::string_view id);
  // Runs fn on the writer; its response (or refusal) goes to `reply`. `savepoint`: see WriterJob.
  void job(Reply reply, std::function<void(MessageStore&, Txn&, Reply&)> fn, uint64_t replay_ts = 0,
           bool from_peer = false, bool savepoint = true);

  sdk::Host host_;
  ImConfig config_;
  Presence presence_;
  Delivery delivery_;
  std::unique_ptr<MsgIdGenerator> ids_;
  std::unique_ptr<Operations> ops_;
  std::unique_ptr<Writer> writer_;
  // After writer_: destroyed first, so participants' statements are finalized before the store closes.
  std::unique_ptr<StoreParticipants> participants_;

  mutable std::shared_mutex versions_mutex_;
  UserVersions versions_;  // user -> newest timeline version

  std::mutex parked_mutex_;
  uint64_t next_parked_ = 1;
  std::map<uint64_t, Deliveries> parked_;  // stored SENDs waiting for im.route (header ":im_delivery")

  // Cluster mode.
  std::atomic<const herald_im_log_v1*> log_{nullptr};
  std::string instance_;  // "<node_id>/<random>": tells this process's records from a restarted one's
  std::mutex pending_mutex_;
  uint64_t next_request_ = 1;
  std::map<uint64_t, Pending> pending_;
  std::atomic<uint64_t> applied_position_{0};  // committed log position + 1
  std::mutex apply_mutex_;
  std::condition_variable apply_cv_;
  uint64_t queued_position_ = 0;  // position + 1 of the last record handed to the writer

  herald_im_service_v1 table_{};
};

}  // namespace herald::messaging
