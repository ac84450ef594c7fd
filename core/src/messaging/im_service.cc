#include "messaging/im_service.h"

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <filesystem>
#include <functional>

#include <herald/binary/codec.h>

namespace herald::messaging {

using sdk::to_str;
using sdk::view;

namespace {
// ":type" header values, indexed by binary::MessageKind.
constexpr std::string_view kKindNames[] = {"", "text", "image", "audio", "video", "file", "system", "custom"};

std::optional<binary::MessageKind> kind_from_name(std::string_view name) {
  for (size_t i = 1; i < std::size(kKindNames); ++i)
    if (kKindNames[i] == name) return static_cast<binary::MessageKind>(i);
  return std::nullopt;
}

ImService* self_of(void* self) { return static_cast<ImService*>(self); }

// The C table's trampolines: no exception crosses the ABI.
template <class Fn>
void guarded(Fn&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    if (sdk::detail::g_api) sdk::detail::g_api->log(sdk::detail::g_ctx, HERALD_LOG_ERROR, to_str(e.what()));
  } catch (...) {
  }
}

std::string resolve_path(std::string_view data_dir, const std::string& file) {
  std::filesystem::path p(file);
  if (p.is_absolute() || data_dir.empty()) return file;
  std::filesystem::create_directories(std::filesystem::path(data_dir));
  return (std::filesystem::path(data_dir) / p).string();
}
}  // namespace

Session Session::from(const herald_im_session* s) {
  Session out;
  out.user = std::string(view(s->user));
  out.device = std::string(view(s->device));
  out.protocol = std::string(view(s->protocol));
  out.listener = std::string(view(s->listener));
  out.peer = std::string(view(s->peer));
  out.loop = s->loop;
  return out;
}

ImService::ImService(sdk::Host host, ImConfig config)
    : host_(host), config_(std::move(config)),
      delivery_(host.loop_count(),
                DeliveryMetrics{host.counter("herald_deliveries_total", "PUSH frames handed to sinks, per user."),
                                host.counter("herald_room_fanouts_total", "Room fan-out calls (one per loop and sink).")},
                presence_) {
  delivery_.set_ack_timeout(config_.push.ack_timeout, config_.push.max_pending);
  auto store = std::make_unique<MessageStore>(resolve_path(host_.data_dir(), config_.storage.file),
                                              config_.storage.synchronous);
  // Loaded before the writer starts, so user_version() never touches SQLite on a caller's thread.
  versions_ = {};
  for (auto& [user, v] : store->all_user_versions()) versions_.emplace(user, v);
  ids_ = std::make_unique<MsgIdGenerator>(host_.node_id(), store->max_msg_id());
  auto stored = [&](const char* kind) {
    return host_.counter("herald_messages_stored_total", "Messages committed, by conversation kind.",
                         {{"conv_kind", kind}});
  };
  participants_ = std::make_unique<StoreParticipants>();
  ops_ = std::make_unique<Operations>(
      config_, delivery_, presence_, *ids_,
      OperationMetrics{stored("c2c"), stored("group"), stored("room"),
                       host_.counter("herald_messages_duplicate_total", "SENDs answered from an earlier commit.")},
      *participants_);
  WriterMetrics wm{
      host_.histogram("herald_storage_commit_seconds", "Time of one group commit (BEGIN..COMMIT).",
                      {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1}),
      host_.histogram("herald_storage_batch_size", "Requests per group commit.", {1, 2, 4, 8, 16, 32, 64, 128, 256})};
  writer_ = std::make_unique<Writer>(
      std::move(store), wm,
      [this](const UserVersions& v) {
        std::unique_lock lock(versions_mutex_);
        for (auto& [user, version] : v) versions_[user] = version;
      },
      [this](MessageStore& s) { ops_->prune(s); }, participants_.get());
  participants_->bind(writer_.get());

  table_.struct_size = sizeof(table_);
  table_.self = this;
  table_.request = [](void* self, const herald_im_session* session, herald_str frame, herald_im_reply_fn reply,
                      void* arg) {
    bool answered = false;
    guarded([&] {
      self_of(self)->request(Session::from(session), view(frame), Reply{reply, arg});
      answered = true;
    });
    if (!answered) Reply{reply, arg}.error(HERALD_REASON_UNSPECIFIED_ERROR, "internal error");
  };
  table_.session_opened = [](void* self, const herald_im_session* s) {
    guarded([&] { self_of(self)->session_opened(Session::from(s)); });
  };
  table_.session_closed = [](void* self, const herald_im_session* s) {
    guarded([&] { self_of(self)->session_closed(Session::from(s)); });
  };
  table_.user_version = [](void* self, herald_str user) -> uint64_t {
    uint64_t v = 0;
    guarded([&] { v = self_of(self)->user_version(view(user)); });
    return v;
  };
  table_.attach_sink = [](void* self, const herald_im_sink_v1* sink) {
    guarded([&] { self_of(self)->attach_sink(sink); });
  };
  table_.detach_sink = [](void* self, const herald_im_sink_v1* sink) {
    guarded([&] { self_of(self)->detach_sink(sink); });
  };
  table_.attach_log = [](void* self, const herald_im_log_v1* log) -> uint64_t {
    uint64_t from = 0;
    guarded([&] { from = self_of(self)->attach_log(log); });
    return from;
  };
  table_.apply = [](void* self, uint64_t position, herald_str record) {
    guarded([&] { self_of(self)->apply(position, view(record)); });
  };
  table_.applied_position = [](void* self) -> uint64_t { return self_of(self)->applied_position(); };
}

ImService::~ImService() { stop(); }

void ImService::stop() {
  if (writer_) writer_->stop();
}

uint64_t ImService::user_version(std::string_view user) const {
  std::shared_lock lock(versions_mutex_);
  auto it = versions_.find(user);
  return it == versions_.end() ? 0 : it->second;
}

void ImService::session_opened(const Session& s) { report_sessions(s, presence_.opened(s.user, s.device)); }

void ImService::session_closed(const Session& s) {
  report_sessions(s, presence_.closed(s.user, s.device));
  delivery_.leave_all_rooms(s.user, s.device);  // a connection drop leaves every room
}

void ImService::job(Reply reply, std::function<void(MessageStore&, Txn&, Reply&)> fn, uint64_t replay_ts,
                    bool from_peer, bool savepoint) {
  writer_->submit(WriterJob{[this, reply, fn = std::move(fn), replay_ts, from_peer](MessageStore& store,
                                                                                     Txn& txn) mutable {
                              if (!replay_ts) return fn(store, txn, reply);
                              Operations::Replay replay(*ops_, replay_ts, from_peer);
                              fn(store, txn, reply);
                            },
                            [reply](herald_reason reason, const std::string& text) { reply.error(reason, text); },
                            savepoint});
}

void ImService::request(const Session& session, std::string_view frame, Reply reply) {
  auto decoded = decode(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(frame.data()), frame.size()));
  if (decoded.status != binary::DecodeStatus::kOk) {
    if (decoded.status == binary::DecodeStatus::kNeedMore)
      return reply.error(HERALD_REASON_MALFORMED, "truncated frame");
    return reply.error(static_cast<herald_reason>(binary::decode_error_reason(decoded.error)),
                       binary::decode_error_name(decoded.error));
  }
  if (!binary::is_valid_user_id(session.user)) return reply.error(HERALD_REASON_INVALID_ID, "invalid session user");
  if (!session.device.empty() && !binary::is_valid_device_id(session.device))
    return reply.error(HERALD_REASON_INVALID_ID, "invalid session device");
  Caller caller{session.user, session.device, session.admin};
  auto& body = decoded.frame.body;
  Operations& ops = *ops_;

  if (auto* f = std::get_if<binary::SendFrame>(&body)) return send(session, std::move(*f), reply);
  if (auto* f = std::get_if<binary::RoomOpFrame>(&body)) {
    // Rooms are in-memory only: answered here, no storage involved.
    if (!binary::is_valid_room_id(f->room.value)) return reply.error(HERALD_REASON_INVALID_ID, "invalid room id");
    binary::ResultFrame r;
    r.conv.value = "room:" + f->room.value;
    if (f->op == binary::RoomOp::kJoin) {
      delivery_.join_room(f->room.value, session.user, session.device);
      r.messages = delivery_.room_history(f->room.value, std::min(f->history_limit, config_.rooms.history));
    } else if (f->op == binary::RoomOp::kLeave) {
      delivery_.leave_room(f->room.value, session.user, session.device);
    } else {
      return reply.error(HERALD_REASON_UNSUPPORTED_FEATURE, "unknown room op");
    }
    return reply.body(std::move(r));
  }
  if (auto* f = std::get_if<binary::PushAckFrame>(&body)) {
    delivery_.acked(session.user, session.device, f->up_to_version, f->versions);  // push.ack_timeout
    return job(
        reply,
        [&ops, caller, f = *f](MessageStore& s, Txn& txn, Reply& r) {
          ops.push_ack(s, caller, f);
          txn.on_commit.push_back([r] { r.empty(); });
        },
        0, false, /*savepoint=*/false);
  }
  if (replicated() && changes_state(body)) {
    ReplicationRecord record;
    record.kind = ReplicationRecord::Kind::kRequest;
    record.user = session.user;
    record.device = session.device;
    record.protocol = session.protocol;
    record.admin = session.admin;
    record.frame.assign(frame.begin(), frame.end());
    return replicate(std::move(record), Pending{reply, nullptr, nullptr});
  }
  run(caller, body, reply, 0, false);
}

binary::DecodeResult ImService::decode(std::span<const uint8_t> bytes) {
  binary::DecodeLimits limits;
  limits.max_frame_size = binary::kMaxFrameSizeCeiling;
  return binary::decode_frame(bytes, limits);
}

bool ImService::changes_state(const binary::FrameBody& body) {
  if (auto* f = std::get_if<binary::UnreadRequestFrame>(&body)) return f->op != binary::UnreadOp::kQuery;
  return std::holds_alternative<binary::ReadFrame>(body) || std::holds_alternative<binary::RecallFrame>(body) ||
         std::holds_alternative<binary::DeleteFrame>(body) || std::holds_alternative<binary::GroupOpFrame>(body) ||
         std::holds_alternative<binary::PushTokenFrame>(body);
}

void ImService::run(const Caller& caller, binary::FrameBody& body, Reply reply, uint64_t replay_ts, bool from_peer) {
  Operations& ops = *ops_;
  // Every other request: run by the writer, answered after the commit.
  auto respond = [](Txn& txn, Reply& r, binary::FrameBody out) {
    auto bytes = std::make_shared<std::vector<uint8_t>>(Operations::encode(std::move(out)));
    txn.on_commit.push_back([r, bytes] { r.frame(*bytes); });
  };
  if (auto* f = std::get_if<binary::SyncRequestFrame>(&body)) {
    delivery_.acked(caller.user, caller.device, f->since, {});  // a sync acks up to `since`
    return job(reply, [&ops, caller, f = *f, respond](MessageStore& s, Txn& t, Reply& r) { respond(t, r, ops.sync(s, caller, f)); }, replay_ts, from_peer);
  }
  if (auto* f = std::get_if<binary::HistoryRequestFrame>(&body))
    return job(reply, [&ops, caller, f = *f, respond](MessageStore& s, Txn& t, Reply& r) { respond(t, r, ops.history(s, caller, f)); }, replay_ts, from_peer);
  if (auto* f = std::get_if<binary::ReadFrame>(&body))
    return job(reply, [&ops, caller, f = *f, respond](MessageStore& s, Txn& t, Reply& r) { respond(t, r, ops.read(s, t, caller, f)); }, replay_ts, from_peer);
  if (auto* f = std::get_if<binary::RecallFrame>(&body))
    return job(reply, [&ops, caller, f = *f, respond](MessageStore& s, Txn& t, Reply& r) { respond(t, r, ops.recall(s, t, caller, f)); }, replay_ts, from_peer);
  if (auto* f = std::get_if<binary::DeleteFrame>(&body))
    return job(reply, [&ops, caller, f = *f, respond](MessageStore& s, Txn& t, Reply& r) { respond(t, r, ops.remove(s, t, caller, f)); }, replay_ts, from_peer);
  if (auto* f = std::get_if<binary::GroupOpFrame>(&body))
    return job(reply, [&ops, caller, f = *f, respond](MessageStore& s, Txn& t, Reply& r) { respond(t, r, ops.group_op(s, t, caller, f)); }, replay_ts, from_peer);
  if (auto* f = std::get_if<binary::UnreadRequestFrame>(&body))
    return job(reply, [&ops, caller, f = *f](MessageStore& s, Txn& t, Reply& r) {
      auto bytes = std::make_shared<std::vector<uint8_t>>(ops.unread(s, t, caller, f));
      t.on_commit.push_back([r, bytes] { r.frame(*bytes); });
    }, replay_ts, from_peer);
  if (auto* f = std::get_if<binary::PushTokenFrame>(&body))
    return job(reply, [&ops, caller, f = *f, respond](MessageStore& s, Txn& t, Reply& r) { respond(t, r, ops.push_token(s, caller, f)); }, replay_ts, from_peer);
  reply.error(HERALD_REASON_PROTOCOL_ERROR,
              std::string("not a request the messaging core serves: ") +
                  binary::frame_type_name(binary::frame_type(body)));
}

namespace {
struct SendContext {
  ImService* service;
  Reply reply;
  std::string cmid;
  std::string pipeline;
};
}  // namespace

void ImService::send(const Session& session, binary::SendFrame f, Reply reply) {
  auto conv = Conversation::parse(f.conv.value);
  if (!conv) return reply.error(HERALD_REASON_INVALID_ID, "invalid conversation id");
  if (!binary::is_valid_client_msg_id(f.cmid.value)) return reply.error(HERALD_REASON_INVALID_REQUEST, "invalid cmid");
  if (conv->kind == ConversationKind::kC2c && !conv->is_c2c_member(session.user))
    return reply.error(HERALD_REASON_NOT_MEMBER, "not a participant of " + conv->id);
  if (f.body.size() > config_.max_body) return reply.error(HERALD_REASON_PAYLOAD_TOO_LARGE, "body too large");
  auto kind_index = static_cast<uint32_t>(f.kind);
  if (kind_index == 0 || kind_index >= std::size(kKindNames))
    return reply.error(HERALD_REASON_INVALID_REQUEST, "unknown message kind");
  // System messages are the server's voice (group events, room notices): clients may not forge them.
  if (f.kind == binary::MessageKind::kSystem && session.protocol != "admin")
    return reply.error(HERALD_REASON_NOT_AUTHORIZED, "only the server and the admin API send system messages");

  const herald_host_v1* api = host_.api();
  herald_envelope* env = api->envelope_create(host_.ctx());
  sdk::Envelope e(api, env);
  e.set(":im", "send");
  e.set(":user", session.user);
  e.set(":device", session.device);
  e.set(":conv", conv->id);
  e.set(":cmid", f.cmid.value);
  e.set(":type", kKindNames[kind_index]);
  if (!f.custom_type.empty()) e.set(":custom_type", f.custom_type);
  e.set(":protocol", session.protocol);
  e.set(":listener", session.listener);
  e.set(":peer", session.peer);
  if (session.admin) e.set(":im_admin", "1");
  e.set_payload(std::string_view(reinterpret_cast<const char*>(f.body.data()), f.body.size()));

  uint32_t loops = std::max<uint32_t>(1, host_.loop_count());
  uint32_t loop = session.loop < loops ? session.loop
                                       : static_cast<uint32_t>(std::hash<std::string>{}(conv->id) % loops);
  auto* ctx = new SendContext{this, reply, f.cmid.value, config_.pipeline};
  uint32_t rc = api->pipeline_submit(host_.ctx(), to_str(config_.pipeline), loop, env, &send_done, ctx);
  if (rc != 0) {
    delete ctx;
    reply.error(HERALD_REASON_IMPLEMENTATION_SPECIFIC,
                "cannot run pipeline \"" + config_.pipeline + "\" (reason " + std::to_string(rc) + ")");
  }
}

void ImService::send_done(void* arg, herald_envelope* env, uint32_t verdict, uint16_t reason, herald_str text) {
  std::unique_ptr<SendContext> ctx(static_cast<SendContext*>(arg));
  guarded([&] {
    sdk::Envelope e(ctx->service->host_.api(), env);
    auto delivery = e.get(":im_delivery");
    if (verdict != HERALD_VERDICT_CONTINUE) {
      // Stored but refused by a later stage: the message exists, deliveries are dropped.
      if (delivery) {
        std::lock_guard lock(ctx->service->parked_mutex_);
        ctx->service->parked_.erase(std::stoull(std::string(*delivery)));
      }
      // A stage that refuses for a while (rate limit, mute) says when to retry in this header.
      uint32_t retry_after_ms = 0;
      if (auto retry = e.get(":retry_after_ms")) {
        uint64_t v = 0;
        auto [p, ec] = std::from_chars(retry->data(), retry->data() + retry->size(), v);
        if (ec == std::errc() && p == retry->data() + retry->size()) retry_after_ms = static_cast<uint32_t>(std::min<uint64_t>(v, UINT32_MAX));
      }
      return ctx->reply.error(static_cast<herald_reason>(reason), view(text), retry_after_ms);
    }
    auto msg_id = e.get(":msg_id");
    if (!msg_id)
      return ctx->reply.error(HERALD_REASON_IMPLEMENTATION_SPECIFIC,
                              "pipeline \"" + ctx->pipeline + "\" has no im.store stage: message not stored");
    // No im.route in the pipeline: deliver now.
    if (delivery) ctx->service->dispatch_parked(*delivery);
    auto num = [&](const char* name) {
      auto v = e.get(name);
      return v ? std::stoull(std::string(*v)) : 0ull;
    };
    binary::SendAckFrame ack;
    ack.cmid.value = ctx->cmid;
    ack.msg_id = num(":msg_id");
    ack.conv_seq = num(":seq");
    ack.ts_ms = num(":ts");
    ack.version = num(":version");
    ack.prev_version = num(":prev_version");
    ack.duplicate = e.get(":duplicate").has_value();
    ctx->reply.body(std::move(ack));
  });
}

binary::FrameBody ImService::call(const Session& session, binary::FrameBody request,
                                  std::chrono::milliseconds timeout) {
  // The reply may come after we gave up waiting: the state outlives this call through the callback.
  struct Waiter {
    std::mutex mutex;
    std::condition_variable cv;
    bool done = false;
    std::vector<uint8_t> frame;
  };
  auto waiter = std::make_shared<Waiter>();
  auto* held = new std::shared_ptr<Waiter>(waiter);
  auto bytes = Operations::encode(std::move(request));
  this->request(session, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                Reply{[](void* arg, herald_str frame) {
                        std::unique_ptr<std::shared_ptr<Waiter>> w(static_cast<std::shared_ptr<Waiter>*>(arg));
                        std::lock_guard lock((*w)->mutex);
                        (*w)->frame.assign(frame.data, frame.data + frame.size);
                        (*w)->done = true;
                        (*w)->cv.notify_all();
                      },
                      held});
  std::unique_lock lock(waiter->mutex);
  if (!waiter->cv.wait_for(lock, timeout, [&] { return waiter->done; }))
    return binary::ErrorFrame{HERALD_REASON_TIMEOUT, "no answer from the messaging core in time", 0};
  if (waiter->frame.empty()) return binary::ResultFrame{};  // requests without a response
  auto decoded = decode(waiter->frame);
  if (decoded.status != binary::DecodeStatus::kOk)
    return binary::ErrorFrame{HERALD_REASON_UNSPECIFIED_ERROR, "undecodable response", 0};
  return std::move(decoded.frame.body);
}

bool ImService::with_store(std::function<void(MessageStore&)> fn, std::chrono::milliseconds timeout) {
  struct Waiter {
    std::mutex mutex;
    std::condition_variable cv;
    bool done = false, ok = false;
  };
  auto waiter = std::make_shared<Waiter>();
  auto finish = [waiter](bool ok) {
    std::lock_guard lock(waiter->mutex);
    waiter->done = true;
    waiter->ok = ok;
    waiter->cv.notify_all();
  };
  writer_->submit(WriterJob{[fn = std::move(fn), finish](MessageStore& store, Txn& txn) {
                              fn(store);
                              txn.on_commit.push_back([finish] { finish(true); });
                            },
                            [finish](herald_reason, const std::string&) { finish(false); }});
  std::unique_lock lock(waiter->mutex);
  return waiter->cv.wait_for(lock, timeout, [&] { return waiter->done; }) && waiter->ok;
}

uint64_t ImService::park(Deliveries d) {
  std::lock_guard lock(parked_mutex_);
  uint64_t id = next_parked_++;
  parked_.emplace(id, std::move(d));
  return id;
}

void ImService::dispatch_parked(std::string_view id) {
  Deliveries d;
  {
    std::lock_guard lock(parked_mutex_);
    auto it = parked_.find(std::stoull(std::string(id)));
    if (it == parked_.end()) return;  // already routed
    d = std::move(it->second);
    parked_.erase(it);
  }
  delivery_.dispatch(d);
}

sdk::Verdict ImService::store(sdk::StageCall& call) {
  auto env = call.envelope();
  auto im = env.get(":im");
  if (!im || *im != "send") return sdk::Verdict::kContinue;  // not a message for the IM core
  SendInput in;
  in.caller.user = std::string(env.get(":user").value_or(""));
  in.caller.device = std::string(env.get(":device").value_or(""));
  in.conv = std::string(env.get(":conv").value_or(""));
  in.cmid = std::string(env.get(":cmid").value_or(""));
  in.custom_type = std::string(env.get(":custom_type").value_or(""));
  in.caller.admin = env.get(":im_admin").has_value();  // set only by send() for an admin session
  auto kind = kind_from_name(env.get(":type").value_or("text"));
  if (!kind) return call.reject(HERALD_REASON_INVALID_REQUEST, "unknown :type");
  in.kind = *kind;
  auto payload = env.payload();
  in.body.assign(payload.begin(), payload.end());

  auto completion = std::make_shared<sdk::Completion>(call.defer());
  herald_envelope* raw = env.raw();
  if (replicated()) {
    // Rooms are per node and in memory: membership is checked here, where the sender is joined.
    auto conv = Conversation::parse(in.conv);
    if (conv && conv->kind == ConversationKind::kRoom && !in.caller.admin &&
        !delivery_.in_room(conv->first, in.caller.user)) {
      completion->reject(HERALD_REASON_NOT_MEMBER, "not in " + conv->id);
      return sdk::Verdict::kDefer;
    }
    binary::SendFrame f;
    f.conv.value = in.conv;
    f.cmid.value = in.cmid;
    f.kind = in.kind;
    f.custom_type = in.custom_type;
    f.body = std::move(in.body);
    ReplicationRecord record;
    record.kind = ReplicationRecord::Kind::kSend;
    record.user = in.caller.user;
    record.device = in.caller.device;
    record.protocol = std::string(env.get(":protocol").value_or(""));
    record.admin = in.caller.admin;
    record.frame = Operations::encode(std::move(f));
    replicate(std::move(record), Pending{Reply{}, completion, raw});
    return sdk::Verdict::kDefer;
  }
  writer_->submit(WriterJob{
      [this, in = std::move(in), completion, raw](MessageStore& store, Txn& txn) {
        auto out = std::make_shared<SendOutcome>(ops_->send(store, txn, in));
        txn.on_commit.push_back([this, out, completion, raw] { complete_send(out, completion, raw); });
      },
      [completion](herald_reason reason, const std::string& text) { completion->reject(reason, text); },
      /*savepoint=*/false});  // send() refuses before its first write (its checks come first)
  return sdk::Verdict::kDefer;
}

void ImService::complete_send(const std::shared_ptr<SendOutcome>& out,
                              const std::shared_ptr<sdk::Completion>& completion, herald_envelope* raw) {
  // The envelope is parked in this deferred stage until complete(): nobody else touches it.
  sdk::Envelope e(host_.api(), raw);
  e.set(":msg_id", std::to_string(out->ack.msg_id));
  e.set(":seq", std::to_string(out->ack.conv_seq));
  e.set(":ts", std::to_string(out->ack.ts_ms));
  e.set(":version", std::to_string(out->ack.version));
  e.set(":prev_version", std::to_string(out->ack.prev_version));
  if (out->ack.duplicate) e.set(":duplicate", "1");
  if (!out->deliveries.empty()) e.set(":im_delivery", std::to_string(park(std::move(out->deliveries))));
  completion->resume();
}

sdk::Verdict ImService::route(sdk::StageCall& call) {
  auto env = call.envelope();
  if (auto id = env.get(":im_delivery")) dispatch_parked(*id);
  return sdk::Verdict::kContinue;
}

std::vector<std::string> devices_online(const herald_im_service_v1* service, std::string_view user) {
  return static_cast<const ImService*>(service->self)->devices_online(user);
}

}  // namespace herald::messaging
