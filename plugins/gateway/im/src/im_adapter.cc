// ImAdapter: the gateway's MQTT `$im/` topics, binary requests and deliveries over "herald.im.v1".
#include "herald/gateway/im/im_adapter.h"

#include <algorithm>
#include <chrono>

#include "herald/binary/codec.h"
#include "herald/gateway/binary/connection_handle.h"
#include "herald/gateway/session/binary_session_link.h"
#include "herald/gateway/session/mqtt_session_link.h"
#include "herald/im_json/im_json.h"

namespace herald::gateway::im {

namespace hb = herald::binary;
namespace m = herald::mqtt;
using sdk::to_str;
using sdk::view;

namespace {

// A message's age at its delivery ack; signals carry no send time and are not measured.
void observe_delivery(const sdk::Metric& metric, const hb::TimelineEntry& entry) {
  const auto* msg = std::get_if<hb::MessageEntry>(&entry);
  if (!msg || msg->ts_ms == 0) return;
  auto now_ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch()).count());
  metric.observe(now_ms > msg->ts_ms ? static_cast<double>(now_ms - msg->ts_ms) / 1000.0 : 0.0);
}

constexpr const char* kNotEnabled = "IM core not enabled";

std::optional<hb::Frame> decode_reply(std::string_view bytes) {
  if (bytes.empty()) return std::nullopt;
  hb::DecodeLimits limits;
  limits.max_frame_size = hb::kMaxFrameSizeCeiling;
  limits.max_repeated = 1u << 20;
  limits.allow_compressed = true;
  auto r = hb::decode_frame(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), limits);
  if (r.status != hb::DecodeStatus::kOk) return std::nullopt;
  return std::move(r.frame);
}

hb::Version version_of(const hb::TimelineEntry& e) {
  return std::visit([](const auto& x) { return x.version; }, e);
}

m::Bytes to_bytes(const std::string& s) { return m::Bytes(s.begin(), s.end()); }

// The C view of an ImSession (borrows its strings).
herald_im_session c_session(const ImSession& s) {
  herald_im_session out{};
  out.struct_size = sizeof(out);
  out.user = to_str(s.user);
  out.device = to_str(s.device);
  out.protocol = to_str(s.protocol);
  out.listener = to_str(s.listener);
  out.peer = to_str(s.peer);
  out.loop = s.loop;
  return out;
}

// Rooms are keyed by room id; the core may name them by conversation id ("room:<id>") too.
std::string room_key(std::string_view room) {
  if (room.starts_with("room:")) room.remove_prefix(5);
  return std::string(room);
}

// The reply trampoline: `arg` is a heap std::function, freed after its one call.
void reply_trampoline(void* arg, herald_str frame) {
  std::unique_ptr<std::function<void(std::string_view)>> fn(static_cast<std::function<void(std::string_view)>*>(arg));
  (*fn)(view(frame));
}

}  // namespace

// One binary connection's delivery state (its loop only).
struct ImAdapter::BinaryConn {
  std::shared_ptr<binary::BinaryConnectionHandle> handle;
  bool batch = false;                            // the client negotiated batch_ack
  std::map<hb::Version, hb::TimelineEntry> unacked;  // by version, oldest first
  uint32_t badge = 0;
  sdk::Timer timer;
  uint64_t interval_ms = 0;
};

ImAdapter::ImAdapter(sdk::Host host, ImConfig config, session::SessionRegistry& registry, mqtt::Broker& broker)
    : host_(host), config_(config), registry_(registry), broker_(broker), loops_(host.loop_count()) {
  sink_.struct_size = sizeof(sink_);
  sink_.arg = this;
  sink_.deliver = &ImAdapter::sink_deliver;
  sink_.deliver_room = &ImAdapter::sink_deliver_room;
  sink_.room_left = &ImAdapter::sink_room_left;
  const char* rq = "IM requests handed to the messaging core";
  requests_mqtt_ = host_.counter("herald_gateway_im_requests_total", rq, {{"protocol", "mqtt"}});
  requests_binary_ = host_.counter("herald_gateway_im_requests_total", rq, {{"protocol", "binary"}});
  refused_ = host_.counter("herald_gateway_im_refused_total",
                           "$im/ publishes refused before reaching the core (bad topic, JSON, QoS 0, IM disabled)");
  const char* pe = "timeline entries delivered to connected devices";
  push_entries_mqtt_ = host_.counter("herald_gateway_im_push_entries_total", pe, {{"protocol", "mqtt"}});
  push_entries_binary_ = host_.counter("herald_gateway_im_push_entries_total", pe, {{"protocol", "binary"}});
  retransmits_ = host_.counter("herald_gateway_im_retransmits_total", "unacked PUSH entries sent again to binary devices");
  const char* dl = "Time from a message's commit to the device's delivery ack (PUBACK or PUSH_ACK).";
  const std::vector<double> dl_buckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  delivery_latency_mqtt_ = host_.histogram("herald_delivery_latency_seconds", dl, dl_buckets, {{"protocol", "mqtt"}});
  delivery_latency_binary_ =
      host_.histogram("herald_delivery_latency_seconds", dl, dl_buckets, {{"protocol", "binary"}});
  unacked_dropped_ = host_.counter("herald_gateway_im_unacked_dropped_total",
                                   "unacked PUSH entries forgotten because a connection's queue was full");
  room_deliveries_ = host_.counter("herald_gateway_im_room_deliveries_total", "deliver_room calls (one per loop and room message)");
  room_fanout_ = host_.counter("herald_gateway_im_room_fanout_total", "room messages sent to local room members");
}

ImAdapter::~ImAdapter() { detach(); }

void ImAdapter::attach(const herald_im_service_v1* service) {
  detach();
  if (service == nullptr) return;
  attached_service_ = service;
  service_.store(service, std::memory_order_release);
  if (service->attach_sink) service->attach_sink(service->self, &sink_);
}

void ImAdapter::detach() {
  service_.store(nullptr, std::memory_order_release);
  if (attached_service_ != nullptr && attached_service_->detach_sink)
    attached_service_->detach_sink(attached_service_->self, &sink_);
  attached_service_ = nullptr;
}

void ImAdapter::run_on(uint32_t loop, std::function<void()> fn) const {
  if (host_.current_loop() == loop) {
    fn();
  } else {
    host_.post(loop, std::move(fn));
  }
}

bool ImAdapter::call(const ImSession& session, const hb::FrameBody& body, ReplyFn on_reply) {
  const herald_im_service_v1* svc = service();
  if (svc == nullptr || svc->request == nullptr) return false;
  std::vector<uint8_t> bytes;
  hb::EncodeOptions o;
  o.max_frame_size = hb::kMaxFrameSizeCeiling;
  if (hb::encode_frame(hb::Frame{0, false, body}, bytes, o) != hb::EncodeStatus::kOk) return false;
  auto* fn = new std::function<void(std::string_view)>(
      [on_reply = std::move(on_reply)](std::string_view frame) { on_reply(decode_reply(frame)); });
  herald_im_session s = c_session(session);
  svc->request(svc->self, &s, to_str(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size())),
               &reply_trampoline, fn);
  return true;
}

void ImAdapter::session_event(const ImSession& session, bool opened) {
  const herald_im_service_v1* svc = service();
  if (svc == nullptr) return;
  herald_im_session s = c_session(session);
  auto fn = opened ? svc->session_opened : svc->session_closed;
  if (fn) fn(svc->self, &s);
}

void ImAdapter::publish_inbox(const std::string& client_id, const std::string& user,
                              const std::vector<std::string>& entries) {
  if (user.empty()) return;
  const std::string topic = im_json::inbox_topic(user);
  // In memory only: a session that loses them (restart) syncs again (docs/messaging.md).
  for (const auto& e : entries) broker_.deliver(client_id, topic, to_bytes(e), {}, {}, mqtt::SessionStorage::kMemory);
}

// ---- MQTT -----------------------------------------------------------------------------------------

void ImAdapter::on_publish(mqtt::ReservedPublish p, std::function<void(herald_reason, std::string)> done) {
  if (p.user.empty()) {
    refused_.add();
    done(HERALD_REASON_NOT_AUTHORIZED, "IM topics need an authenticated user");
    return;
  }
  const std::string_view payload(reinterpret_cast<const char*>(p.payload.data()), p.payload.size());
  im_json::ParseResult parsed = im_json::parse_request(p.topic, payload, p.user);
  auto refuse = [&](uint16_t code, const std::string& text) {
    refused_.add();
    publish_inbox(p.client_id, p.user, {im_json::error_entry(code, text, parsed.context)});
    done(static_cast<herald_reason>(code), std::string(im_json::reason_text(code)));
  };
  if (!parsed.ok()) return refuse(parsed.code, parsed.reason);
  if (p.qos == m::QoS::kAtMostOnce) return refuse(HERALD_REASON_QOS_NOT_SUPPORTED, "IM requests need QoS 1");
  if (service() == nullptr) return refuse(HERALD_REASON_UNSUPPORTED_FEATURE, kNotEnabled);

  ImSession s{p.user, p.client_id, "mqtt", p.listener, p.peer, p.loop};
  std::optional<hb::RoomOpFrame> room_op;
  if (const auto* r = std::get_if<hb::RoomOpFrame>(&*parsed.request)) room_op = *r;
  requests_mqtt_.add();
  std::weak_ptr<ImAdapter> weak = weak_from_this();
  const uint32_t loop = p.loop;
  auto on_reply = [weak, client_id = p.client_id, user = p.user, ctx = parsed.context, done, room_op,
                   loop](std::optional<hb::Frame> reply) {
    auto self = weak.lock();
    if (!self || !self->attached()) {
      done(HERALD_REASON_SERVER_UNAVAILABLE, "IM core detached");
      return;
    }
    if (!reply) {
      self->publish_inbox(client_id, user, {im_json::error_entry(HERALD_REASON_UNSPECIFIED_ERROR, "", ctx)});
      done(HERALD_REASON_UNSPECIFIED_ERROR, "no answer from the IM core");
      return;
    }
    self->publish_inbox(client_id, user, im_json::inbox_entries(reply->body, ctx));
    if (const auto* err = std::get_if<hb::ErrorFrame>(&reply->body)) {
      done(static_cast<herald_reason>(err->code), std::string(im_json::reason_text(err->code)));
      return;
    }
    if (room_op && std::holds_alternative<hb::ResultFrame>(reply->body)) {
      if (room_op->op == hb::RoomOp::kJoin) {
        Member member;
        member.protocol = session::Protocol::kMqtt;
        member.user = user;
        member.device = client_id;
        if (auto d = self->registry_.find(user, client_id)) member.connection_id = d->connection_id;
        self->run_on(loop, [self, loop, room = room_op->room.value, member = std::move(member)]() mutable {
          self->join_room(loop, room, std::move(member));
        });
      } else {
        self->run_on(loop, [self, loop, room = room_op->room.value, client_id] { self->leave_room(loop, room, client_id); });
      }
    }
    done(HERALD_REASON_OK, {});
  };
  if (!call(s, *parsed.request, std::move(on_reply))) refuse(HERALD_REASON_UNSUPPORTED_FEATURE, kNotEnabled);
}

void ImAdapter::on_session_online(const mqtt::SessionEvent& event) {
  if (next_) next_->on_session_online(event);
  if (event.user.empty()) return;
  session_event(ImSession{event.user, event.client_id, "mqtt", event.listener, event.peer, event.loop}, true);
}

void ImAdapter::on_session_offline(const mqtt::SessionEvent& event, mqtt::SessionEndCause cause) {
  if (next_) next_->on_session_offline(event, cause);
  if (event.user.empty()) return;
  leave_all_rooms(event.loop, event.client_id, event.connection_id);
  session_event(ImSession{event.user, event.client_id, "mqtt", event.listener, event.peer, event.loop}, false);
}

// ---- binary ---------------------------------------------------------------------------------------

uint64_t ImAdapter::user_version(const binary::SessionInfo& session) {
  const herald_im_service_v1* svc = service();
  if (svc == nullptr || svc->user_version == nullptr) return 0;
  return svc->user_version(svc->self, to_str(session.user));
}

void ImAdapter::on_session_open(const std::shared_ptr<binary::BinaryConnectionHandle>& connection) {
  const auto& info = connection->session();
  if (info.loop < loops_.size()) {
    auto conn = std::make_shared<BinaryConn>();
    conn->handle = connection;
    conn->batch = (info.features & hb::feature::kBatchAck) != 0;
    conn->interval_ms = static_cast<uint64_t>(config_.retransmit_interval.count());
    loops_[info.loop].conns[info.connection_id] = std::move(conn);
  }
  session_event(ImSession{info.user, info.device, "binary", info.listener, info.peer, info.loop}, true);
}

void ImAdapter::on_session_closed(const binary::SessionInfo& info, binary::SessionEnd) {
  if (info.loop < loops_.size()) {
    auto& conns = loops_[info.loop].conns;
    if (auto it = conns.find(info.connection_id); it != conns.end()) {
      it->second->timer.cancel();
      conns.erase(it);
    }
    leave_all_rooms(info.loop, info.device, info.connection_id);
  }
  session_event(ImSession{info.user, info.device, "binary", info.listener, info.peer, info.loop}, false);
}

void ImAdapter::on_request(const binary::SessionInfo& info, hb::Frame frame, binary::Responder responder) {
  const hb::FrameType type = hb::frame_type(frame.body);
  if (type == hb::FrameType::kDisconnect) return;
  ImSession s{info.user, info.device, "binary", info.listener, info.peer, info.loop};
  if (type == hb::FrameType::kPushAck) {
    const auto& ack = std::get<hb::PushAckFrame>(frame.body);
    if (info.loop < loops_.size()) {
      auto& conns = loops_[info.loop].conns;
      if (auto it = conns.find(info.connection_id); it != conns.end()) {
        BinaryConn& c = *it->second;
        auto acked = [&](auto entry) {
          observe_delivery(delivery_latency_binary_, entry->second);
          return c.unacked.erase(entry);
        };
        for (auto e = c.unacked.begin(); e != c.unacked.end() && e->first <= ack.up_to_version;) e = acked(e);
        for (auto v : ack.versions)
          if (auto e = c.unacked.find(v); e != c.unacked.end()) acked(e);
        if (c.unacked.empty()) {
          c.timer.cancel();
          c.interval_ms = static_cast<uint64_t>(config_.retransmit_interval.count());
        }
      }
    }
    requests_binary_.add();
    call(s, frame.body, [](std::optional<hb::Frame>) {});
    return;
  }
  if (service() == nullptr) {
    responder.error(HERALD_REASON_UNSUPPORTED_FEATURE, kNotEnabled);
    return;
  }
  std::optional<hb::RoomOpFrame> room_op;
  if (const auto* r = std::get_if<hb::RoomOpFrame>(&frame.body)) room_op = *r;
  requests_binary_.add();
  std::weak_ptr<ImAdapter> weak = weak_from_this();
  auto on_reply = [weak, responder, room_op, info](std::optional<hb::Frame> reply) {
    auto self = weak.lock();
    if (!reply) {
      responder.error(HERALD_REASON_UNSPECIFIED_ERROR, "no answer from the IM core");
      return;
    }
    if (self && room_op && std::holds_alternative<hb::ResultFrame>(reply->body)) {
      const uint32_t loop = info.loop;
      if (room_op->op == hb::RoomOp::kJoin) {
        Member member;
        member.protocol = session::Protocol::kBinary;
        member.user = info.user;
        member.device = info.device;
        member.connection_id = info.connection_id;
        member.handle = responder.connection();
        self->run_on(loop, [self, loop, room = room_op->room.value, member = std::move(member)]() mutable {
          self->join_room(loop, room, std::move(member));
        });
      } else {
        self->run_on(loop, [self, loop, room = room_op->room.value, device = info.device] {
          self->leave_room(loop, room, device);
        });
      }
    }
    responder.respond(std::move(reply->body), reply->priority);
  };
  if (!call(s, frame.body, std::move(on_reply))) responder.error(HERALD_REASON_UNSUPPORTED_FEATURE, kNotEnabled);
}

// ---- deliveries -----------------------------------------------------------------------------------

void ImAdapter::deliver(std::string_view user, std::string_view except_device, std::string_view push_frame) {
  auto devices = registry_.devices(user);
  auto receives = [&](const session::DeviceSession& d) {
    return except_device.empty() || d.device != except_device;
  };
  // Nobody to deliver to (typically the sender's own copy, with no other device connected): the
  // frame is not even decoded.
  if (std::none_of(devices.begin(), devices.end(), receives)) return;
  auto frame = decode_reply(push_frame);
  if (!frame || !std::holds_alternative<hb::PushFrame>(frame->body)) return;
  const auto& push = std::get<hb::PushFrame>(frame->body);
  std::weak_ptr<ImAdapter> weak = weak_from_this();
  for (const auto& d : devices) {
    if (!receives(d)) continue;
    if (d.protocol == session::Protocol::kMqtt) {
      auto control = std::static_pointer_cast<session::MqttSessionControl>(d.control);
      if (!control) continue;
      const std::string topic = im_json::inbox_topic(d.user);
      for (const auto& entry : push.entries) {
        push_entries_mqtt_.add();
        std::function<void(mqtt::DeliveryOutcome)> on_result;
        // The PUBACK is the delivery ack: timeline entries by version, read-diffusion ones by (conv, seq).
        hb::PushAckFrame ack;
        if (auto v = version_of(entry); v != 0) {
          ack.versions = {v};
        } else if (const auto* msg = std::get_if<hb::MessageEntry>(&entry); msg && msg->seq != 0 &&
                                                                            !msg->conv.value.starts_with("room:")) {
          ack.conv_acks = {hb::ConvSeq{msg->conv, msg->seq}};
        }
        if (!ack.versions.empty() || !ack.conv_acks.empty()) {
          ImSession s{d.user, d.device, "mqtt", "", "", d.loop};
          on_result = [weak, s, ack, entry](mqtt::DeliveryOutcome outcome) {
            if (outcome != mqtt::DeliveryOutcome::kAcked) return;
            if (auto self = weak.lock()) {
              observe_delivery(self->delivery_latency_mqtt_, entry);
              self->call(s, ack, [](std::optional<hb::Frame>) {});
            }
          };
        }
        // Not in the MQTT session store: the timeline is the durable copy, a resumed session that lost
        // the delivery (restart) gets it from $im/sync (docs/messaging.md, "Delivery to devices").
        broker_.deliver(control->client_id(), topic, to_bytes(im_json::entry_json(entry, push.badge)), {},
                        std::move(on_result), mqtt::SessionStorage::kMemory);
      }
    } else {
      auto control = std::static_pointer_cast<session::BinarySessionControl>(d.control);
      if (!control || !control->handle()) continue;
      const auto& info = control->handle()->session();
      run_on(info.loop, [weak, loop = info.loop, id = info.connection_id, handle = control->handle(), push] {
        auto self = weak.lock();
        if (!self) return;
        if (loop < self->loops_.size() && self->loops_[loop].conns.count(id)) {
          self->push_binary(loop, id, push);
        } else {
          handle->send(hb::Frame{0, false, push});  // not tracked (opened before the adapter knew it)
        }
      });
    }
  }
}

void ImAdapter::send_entries(BinaryConn& conn, const std::vector<hb::TimelineEntry>& entries, uint32_t badge) {
  if (entries.empty()) return;
  if (conn.batch) {
    hb::PushFrame p;
    p.entries = entries;
    p.badge = badge;
    conn.handle->send(hb::Frame{0, false, std::move(p)});
    return;
  }
  for (const auto& e : entries) {  // one entry per PUSH unless batch_ack was negotiated
    hb::PushFrame p;
    p.entries = {e};
    p.badge = badge;
    conn.handle->send(hb::Frame{0, false, std::move(p)});
  }
}

void ImAdapter::push_binary(uint32_t loop, uint64_t connection_id, const hb::PushFrame& push) {
  auto& conn = *loops_[loop].conns.at(connection_id);
  conn.badge = push.badge;
  push_entries_binary_.add(static_cast<double>(push.entries.size()));
  send_entries(conn, push.entries, push.badge);
  for (const auto& e : push.entries) {
    if (auto v = version_of(e); v != 0) conn.unacked[v] = e;
  }
  while (conn.unacked.size() > config_.max_unacked) {  // the client will see the gap and sync
    conn.unacked.erase(conn.unacked.begin());
    unacked_dropped_.add();
  }
  if (!conn.unacked.empty() && !conn.timer.active()) arm_retransmit(loop, connection_id, conn);
}

void ImAdapter::arm_retransmit(uint32_t loop, uint64_t connection_id, BinaryConn& conn) {
  std::weak_ptr<ImAdapter> weak = weak_from_this();
  conn.timer = host_.start_timer(loop, std::max<uint64_t>(1, conn.interval_ms), 0, [weak, loop, connection_id] {
    if (auto self = weak.lock()) self->on_retransmit(loop, connection_id);
  });
}

void ImAdapter::on_retransmit(uint32_t loop, uint64_t connection_id) {
  auto& conns = loops_[loop].conns;
  auto it = conns.find(connection_id);
  if (it == conns.end()) return;
  BinaryConn& conn = *it->second;
  if (conn.unacked.empty() || !conn.handle->alive()) return;
  std::vector<hb::TimelineEntry> entries;
  entries.reserve(conn.unacked.size());
  for (const auto& [v, e] : conn.unacked) entries.push_back(e);
  retransmits_.add(static_cast<double>(entries.size()));
  send_entries(conn, entries, conn.badge);
  conn.interval_ms = std::min<uint64_t>(conn.interval_ms * 2, static_cast<uint64_t>(config_.retransmit_max.count()));
  arm_retransmit(loop, connection_id, conn);
}

// ---- rooms ----------------------------------------------------------------------------------------

void ImAdapter::join_room(uint32_t loop, const std::string& room, Member member) {
  if (loop >= loops_.size()) return;
  const std::string device = member.device;
  loops_[loop].rooms[room][device] = std::move(member);
}

void ImAdapter::leave_room(uint32_t loop, const std::string& room, const std::string& device) {
  if (loop >= loops_.size()) return;
  auto& rooms = loops_[loop].rooms;
  auto it = rooms.find(room);
  if (it == rooms.end()) return;
  it->second.erase(device);
  if (it->second.empty()) rooms.erase(it);
}

void ImAdapter::leave_all_rooms(uint32_t loop, const std::string& device, uint64_t connection_id) {
  if (loop >= loops_.size()) return;
  auto& rooms = loops_[loop].rooms;
  for (auto it = rooms.begin(); it != rooms.end();) {
    auto m = it->second.find(device);
    if (m != it->second.end() && (m->second.connection_id == 0 || m->second.connection_id == connection_id))
      it->second.erase(m);
    it = it->second.empty() ? rooms.erase(it) : std::next(it);
  }
}

void ImAdapter::deliver_room(uint32_t loop, std::string_view room, std::string_view push_frame) {
  if (loop >= loops_.size()) return;
  room_deliveries_.add();
  std::weak_ptr<ImAdapter> weak = weak_from_this();
  host_.post(loop, [weak, loop, room = room_key(room), bytes = std::string(push_frame)] {
    auto self = weak.lock();
    if (!self) return;
    auto& rooms = self->loops_[loop].rooms;
    auto it = rooms.find(room);
    if (it == rooms.end()) return;
    auto frame = decode_reply(bytes);
    if (!frame || !std::holds_alternative<hb::PushFrame>(frame->body)) return;
    const auto& push = std::get<hb::PushFrame>(frame->body);
    bool priority = frame->priority;
    for (const auto& e : push.entries)
      if (const auto* msg = std::get_if<hb::MessageEntry>(&e)) priority = priority || msg->priority;
    std::vector<std::string> json;  // MQTT entries, rendered once for every member
    for (const auto& [device, member] : it->second) {
      self->room_fanout_.add();
      if (member.protocol == session::Protocol::kBinary) {
        if (member.handle) member.handle->send(hb::Frame{0, priority, push});
      } else {
        if (json.empty()) json = im_json::inbox_entries(push);
        self->publish_inbox(member.device, member.user, json);
      }
    }
  });
}

void ImAdapter::room_left(std::string_view room, std::string_view, std::string_view device) {
  std::weak_ptr<ImAdapter> weak = weak_from_this();
  for (uint32_t loop = 0; loop < loops_.size(); ++loop) {
    host_.post(loop, [weak, loop, room = room_key(room), device = std::string(device)] {
      if (auto self = weak.lock()) self->leave_room(loop, room, device);
    });
  }
}

size_t ImAdapter::unacked(uint32_t loop, uint64_t connection_id) const {
  const auto& conns = loops_.at(loop).conns;
  auto it = conns.find(connection_id);
  return it == conns.end() ? 0 : it->second->unacked.size();
}

size_t ImAdapter::room_members(uint32_t loop, std::string_view room) const {
  const auto& rooms = loops_.at(loop).rooms;
  auto it = rooms.find(room_key(room));
  return it == rooms.end() ? 0 : it->second.size();
}

// ---- the C sink -----------------------------------------------------------------------------------

// Nothing may unwind through the C ABI: failures are logged.
template <class Fn>
static void guarded(ImAdapter* self, const sdk::Host& host, const char* what, Fn fn) {
  try {
    fn(*self);
  } catch (const std::exception& e) {
    host.warn(std::string("gateway im: ") + what + " failed: " + e.what());
  }
}

void ImAdapter::sink_deliver(void* arg, herald_str user, herald_str except_device, herald_str push_frame) {
  auto* self = static_cast<ImAdapter*>(arg);
  guarded(self, self->host_, "deliver",
          [&](ImAdapter& a) { a.deliver(view(user), view(except_device), view(push_frame)); });
}

void ImAdapter::sink_deliver_room(void* arg, uint32_t loop, herald_str room, herald_str push_frame) {
  auto* self = static_cast<ImAdapter*>(arg);
  guarded(self, self->host_, "deliver_room", [&](ImAdapter& a) { a.deliver_room(loop, view(room), view(push_frame)); });
}

void ImAdapter::sink_room_left(void* arg, herald_str room, herald_str user, herald_str device) {
  auto* self = static_cast<ImAdapter*>(arg);
  guarded(self, self->host_, "room_left", [&](ImAdapter& a) { a.room_left(view(room), view(user), view(device)); });
}

}  // namespace herald::gateway::im
