// Cluster mode of the messaging core: state-changing requests go through a replication log and every
// node applies the log in order to its own store (docs/cluster.md). The origin node answers its client
// when it has applied the record itself, so an ack still means "committed here", and also "in the log,
// so every other node will commit the same".
#include <random>

#include <herald/binary/codec.h>

#include "messaging/im_service.h"

namespace herald::messaging {

namespace {
// Records queued on the writer but not committed yet; apply() blocks above this (back-pressure, so a
// node catching up on a long log does not queue it all in memory).
constexpr uint64_t kMaxQueuedRecords = 20000;

// The msg_id node bits every node of a cluster uses (ids derive from the records, not from the node).
constexpr std::string_view kClusterIdSpace = "herald-cluster";

std::string random_suffix() {
  std::random_device rd;
  uint64_t v = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  char buf[17];
  snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

struct AppendContext {
  ImService* service;
  uint64_t request;
};
}  // namespace

uint64_t ImService::attach_log(const herald_im_log_v1* log) {
  if (!log) {
    presence_.set_remote(nullptr);
    log_.store(nullptr);
    // Nothing will apply what is still waiting: answer it now, while the fronts' loops still run.
    std::map<uint64_t, Pending> waiting;
    {
      std::lock_guard lock(pending_mutex_);
      waiting.swap(pending_);
    }
    for (auto& [id, p] : waiting) {
      if (p.completion) p.completion->reject(HERALD_REASON_SERVER_SHUTTING_DOWN, "replication log detached");
      else p.reply.error(HERALD_REASON_SERVER_SHUTTING_DOWN, "replication log detached");
    }
    return applied_position_.load();
  }
  // A node that ran state changes locally has a store no other node has: it must not join.
  if (!config_.replicated) {
    host_.error("messaging: a replication log wants to attach, but im.replicated is false (set "
                "plugins[im].config.replicated: true on every node of the cluster)");
    return UINT64_MAX;
  }
  if (instance_.empty()) instance_ = std::string(host_.node_id()) + "/" + random_suffix();
  uint64_t from = 0;
  writer_->exclusive([&](MessageStore& store) {
    store.exec("CREATE TABLE IF NOT EXISTS cluster_log_position (id INTEGER PRIMARY KEY CHECK (id = 1), "
               "next_position INTEGER NOT NULL, msg_id_floor INTEGER NOT NULL)");
    auto& q = store.sql("SELECT next_position, msg_id_floor FROM cluster_log_position WHERE id = 1");
    uint64_t floor = store.max_msg_id();
    if (q.step()) {
      from = q.u64(0);
      floor = std::max(floor, q.u64(1));
    }
    q.reset();
    ids_->reset(kClusterIdSpace, floor);
  });
  {
    std::lock_guard lock(apply_mutex_);
    queued_position_ = from;
  }
  applied_position_.store(from);
  log_.store(log);
  presence_.set_remote(log);
  host_.info("messaging: cluster mode, replication log attached; applying from position " + std::to_string(from) +
             " as " + instance_);
  return from;
}

void ImService::report_sessions(const Session& s, int local_sessions) {
  const herald_im_log_v1* log = log_.load();
  if (!log || !HERALD_STRUCT_HAS(log, herald_im_log_v1, device_sessions) || !log->device_sessions) return;
  log->device_sessions(log->arg, sdk::to_str(s.user), sdk::to_str(s.device),
                       static_cast<uint32_t>(std::max(local_sessions, 0)));
}

void ImService::replicate(ReplicationRecord record, Pending pending) {
  const herald_im_log_v1* log = log_.load();
  auto refuse = [&](herald_reason reason, const std::string& text) {
    if (pending.completion) pending.completion->reject(reason, text);
    else pending.reply.error(reason, text);
  };
  if (!log) return refuse(HERALD_REASON_SERVER_UNAVAILABLE, "not attached to the cluster's replication log yet");
  uint64_t id;
  {
    std::lock_guard lock(pending_mutex_);
    id = next_request_++;
    pending_.emplace(id, std::move(pending));
  }
  record.origin = instance_;
  record.request = id;
  record.ts_ms = Operations::wall_ms();
  auto bytes = encode_record(record);
  log->append(log->arg, herald_str{reinterpret_cast<const char*>(bytes.data()), bytes.size()},
              [](void* arg, uint16_t reason, herald_str text) {
                std::unique_ptr<AppendContext> ctx(static_cast<AppendContext*>(arg));
                if (reason == 0) return;  // answered when applied
                Pending p;
                {
                  std::lock_guard lock(ctx->service->pending_mutex_);
                  auto it = ctx->service->pending_.find(ctx->request);
                  if (it == ctx->service->pending_.end()) return;  // applied already
                  p = std::move(it->second);
                  ctx->service->pending_.erase(it);
                }
                // The record may still be in the log (a timeout): the client's retry with the same
                // cmid is answered from the stored message, so nothing is stored twice.
                std::string why = "replication log: " + std::string(sdk::view(text));
                if (p.completion) p.completion->reject(HERALD_REASON_SERVER_UNAVAILABLE, why);
                else p.reply.error(HERALD_REASON_SERVER_UNAVAILABLE, why);
              },
              new AppendContext{this, id});
}

ImService::Pending ImService::take_pending(const ReplicationRecord& record) {
  if (record.origin != instance_) return {};
  std::lock_guard lock(pending_mutex_);
  auto it = pending_.find(record.request);
  if (it == pending_.end()) return {};
  Pending p = std::move(it->second);
  pending_.erase(it);
  return p;
}

void ImService::apply(uint64_t position, std::string_view bytes) {
  {
    std::unique_lock lock(apply_mutex_);
    if (position < queued_position_) return;  // re-read after a reconnect: applied (or queued) already
    apply_cv_.wait(lock, [&] { return queued_position_ < applied_position_.load() + kMaxQueuedRecords; });
    queued_position_ = position + 1;
  }
  auto record = decode_record(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  std::optional<binary::Frame> frame;
  if (record) {
    auto decoded = decode(record->frame);
    if (decoded.status == binary::DecodeStatus::kOk) frame = std::move(decoded.frame);
  }
  if (!frame) {
    // Every node skips the same bytes, so the replicas stay equal; the operator learns which position.
    host_.warn("messaging: cluster log record at position " + std::to_string(position) +
               " is not a Herald record of this version; skipped");
  } else {
    Pending mine = take_pending(*record);
    uint64_t ts = std::max<uint64_t>(record->ts_ms, 1);
    Caller caller{record->user, record->device, record->admin};
    if (record->kind == ReplicationRecord::Kind::kSend) {
      auto* f = std::get_if<binary::SendFrame>(&frame->body);
      SendInput in;
      in.caller = caller;
      if (f) {
        in.conv = std::move(f->conv.value);
        in.cmid = std::move(f->cmid.value);
        in.kind = f->kind;
        in.custom_type = std::move(f->custom_type);
        in.body = std::move(f->body);
      }
      bool valid = f != nullptr;
      auto completion = mine.completion;
      herald_envelope* raw = mine.envelope;
      writer_->submit(WriterJob{
          [this, in = std::move(in), valid, ts, completion, raw](MessageStore& store, Txn& txn) {
            if (!valid) throw ImError(HERALD_REASON_MALFORMED, "send record without a SEND frame");
            Operations::Replay replay(*ops_, ts, !completion);
            auto out = std::make_shared<SendOutcome>(ops_->send(store, txn, in));
            if (completion)
              txn.on_commit.push_back([this, out, completion, raw] { complete_send(out, completion, raw); });
            else if (!out->deliveries.empty())
              txn.on_commit.push_back([this, out] { delivery_.dispatch(out->deliveries); });
          },
          [completion](herald_reason reason, const std::string& text) {
            if (completion) completion->reject(reason, text);
          }});
    } else {
      // Another node's request: the same job, answered to nobody.
      bool from_peer = mine.reply.fn == nullptr;
      Reply reply = from_peer ? Reply{[](void*, herald_str) {}, nullptr} : mine.reply;
      run(caller, frame->body, reply, ts, from_peer);
    }
  }
  // The position commits in the same batch as the record's effects (a separate job, so a refused
  // request still advances it). A batch that fails to commit would leave this replica behind the
  // log for good: stop, and the restart resumes from the last committed position.
  writer_->submit(WriterJob{
      [this, position](MessageStore& store, Txn& txn) {
        store.sql("INSERT INTO cluster_log_position(id, next_position, msg_id_floor) VALUES(1, ?, ?) "
                  "ON CONFLICT(id) DO UPDATE SET next_position = excluded.next_position, "
                  "msg_id_floor = excluded.msg_id_floor")
            .bind(1, position + 1).bind(2, ids_->last()).run();
        txn.on_commit.push_back([this, position] {
          applied_position_.store(position + 1);
          std::lock_guard lock(apply_mutex_);
          apply_cv_.notify_all();
        });
      },
      [this, position](herald_reason, const std::string& text) {
        host_.error("messaging: cannot commit cluster log position " + std::to_string(position) + " (" + text +
                    "); stopping so the restart resumes from the last committed position");
        std::abort();
      }});
}

}  // namespace herald::messaging
