// Outbound delivery: routing a message to every matching session with one post per target loop,
// the session queue and in-flight window, acknowledgements, and the IM delivery API.
#include "mqtt_handler.h"

namespace herald::gateway::mqtt {

void BrokerCore::route(const MessagePtr& msg) {
  if (msg->retain && config_.retain_available) {
    retained_.set(msg);
    if (store_.is_open()) {
      if (msg->payload.empty()) store_.enqueue(SessionStore::DeleteRetained{msg->topic});
      else store_.enqueue(SessionStore::PutRetained{msg});
    }
    metrics_.retained.set(static_cast<double>(retained_.size()));
  }
  // Overlapping subscriptions of one session collapse into one delivery with the highest QoS and
  // every matching subscription identifier (MQTT 5 3.3.4).
  std::vector<Delivery> targets;
  std::unordered_map<const SessionCell*, size_t> index;
  trie_.match(msg->topic, [&](const SubEntry& e, bool shared) {
    if (!shared && e.options.no_local && e.cell->client_id == msg->origin_client) return;  // [MQTT-3.8.3-3]
    const m::QoS qos = std::min(msg->qos, e.options.max_qos);
    const bool retain = e.options.retain_as_published && msg->retain;  // live forwarding: RETAIN=0 unless asked
    auto [it, inserted] = index.try_emplace(e.cell.get(), targets.size());
    if (inserted) {
      targets.push_back(Delivery{e.cell, qos, retain, {}});
    } else {
      auto& t = targets[it->second];
      t.qos = std::max(t.qos, qos);
      t.retain = t.retain || retain;
    }
    if (e.sub_id && config_.subscription_identifiers) targets[it->second].sub_ids.push_back(e.sub_id);
  });
  if (targets.empty()) return;
  // Batch per loop: a fan-out to 10,000 sessions costs one post per loop, not one per subscriber.
  const uint32_t here = host_.current_loop();
  std::vector<std::vector<Delivery>> per_loop(loop_count_);
  for (auto& t : targets) {
    const uint32_t owner = t.cell->owner.load(std::memory_order_acquire);
    per_loop[owner < loop_count_ ? owner : 0].push_back(std::move(t));
  }
  for (uint32_t l = 0; l < loop_count_; ++l) {
    if (per_loop[l].empty() || l == here) continue;
    post_loop(l, [self = shared_from_this(), msg, batch = std::move(per_loop[l])]() mutable {
      for (auto& d : batch) self->deliver_local(d.cell, msg, d.qos, d.retain, std::move(d.sub_ids));
    });
  }
  if (here < loop_count_)
    for (auto& d : per_loop[here]) deliver_local(d.cell, msg, d.qos, d.retain, std::move(d.sub_ids));
}

void BrokerCore::deliver_local(const CellPtr& cell, const MessagePtr& msg, m::QoS qos, bool retain,
                               std::vector<uint32_t> sub_ids, std::function<void(DeliveryOutcome)> on_result) {
  const uint32_t owner = cell->owner.load(std::memory_order_acquire);
  if (owner != host_.current_loop()) {
    // The session moved loops since the route looked (a takeover): follow it.
    post_loop(owner, [self = shared_from_this(), cell, msg, qos, retain, sub_ids = std::move(sub_ids),
                      on_result = std::move(on_result)]() mutable {
      self->deliver_local(cell, msg, qos, retain, std::move(sub_ids), std::move(on_result));
    });
    return;
  }
  Session& s = cell->s;
  auto give_up = [&](DropLabel why) {
    metrics_.drop(why);
    if (on_result) on_result(DeliveryOutcome::kDropped);
  };
  if (s.ended) return give_up(DropLabel::kSessionEnded);
  if (expired(*msg, wall_ms())) return give_up(DropLabel::kExpired);
  OutMsg out;
  out.msg = msg;
  out.qos = qos;
  out.retain = retain;
  out.sub_ids = std::move(sub_ids);
  out.on_result = std::move(on_result);
  if (qos == m::QoS::kAtMostOnce) {
    if (s.conn) {
      if (!s.conn->send_publish(out)) metrics_.drop(DropLabel::kPacketTooLarge);
      return;
    }
    if (!config_.queue_qos0_offline || !persistent(s)) return give_up(DropLabel::kQos0Offline);
    enqueue(cell, std::move(out));
    return;
  }
  if (persistent(s) && store_.is_open() && !msg->memory_only) {
    out.mid = s.next_mid++;
    StoredMsg sm;
    sm.client_id = cell->client_id;
    sm.mid = out.mid;
    sm.msg = msg;
    sm.qos = static_cast<uint8_t>(qos);
    sm.retain = retain;
    sm.sub_ids = out.sub_ids;
    store_.enqueue(SessionStore::PutMsg{std::move(sm)});
  }
  enqueue(cell, std::move(out));
  pump(cell);
}

void BrokerCore::enqueue(const CellPtr& cell, OutMsg out) {
  Session& s = cell->s;
  if (s.queue.size() >= config_.max_queued) {
    // Full: drop the oldest QoS 0 message first, then apply the configured policy.
    auto q0 = std::find_if(s.queue.begin(), s.queue.end(), [](const OutMsg& o) { return o.qos == m::QoS::kAtMostOnce; });
    if (q0 != s.queue.end()) {
      s.queue.erase(q0);
      metrics_.queued.add(-1);
    } else if (config_.queue_overflow == BrokerConfig::Overflow::kDropOldest && !s.queue.empty()) {
      OutMsg old = std::move(s.queue.front());
      s.queue.pop_front();
      metrics_.queued.add(-1);
      finish_out(cell, old, DeliveryOutcome::kDropped);
    } else {
      metrics_.drop(DropLabel::kQueueFull);
      finish_out(cell, out, DeliveryOutcome::kDropped);
      return;
    }
    metrics_.drop(DropLabel::kQueueFull);
  }
  s.queue.push_back(std::move(out));
  metrics_.queued.add(1);
}

void BrokerCore::finish_out(const CellPtr& cell, OutMsg& out, DeliveryOutcome outcome) {
  if (out.mid && store_.is_open()) store_.enqueue(SessionStore::DeleteMsg{cell->client_id, out.mid});
  out.mid = 0;
  if (out.on_result) {
    auto cb = std::move(out.on_result);
    out.on_result = nullptr;
    cb(outcome);
  }
}

void BrokerCore::pump(const CellPtr& cell) {
  Session& s = cell->s;
  MqttConnection* conn = s.conn;
  if (!conn) return;
  const uint64_t now = wall_ms();
  while (!s.queue.empty() && s.inflight.size() < conn->window() && s.inflight.size() < 65535) {
    OutMsg out = std::move(s.queue.front());
    s.queue.pop_front();
    metrics_.queued.add(-1);
    if (expired(*out.msg, now)) {
      metrics_.drop(DropLabel::kExpired);
      finish_out(cell, out, DeliveryOutcome::kDropped);
      continue;
    }
    if (out.qos == m::QoS::kAtMostOnce) {
      if (!conn->send_publish(out)) metrics_.drop(DropLabel::kPacketTooLarge);
      continue;
    }
    out.packet_id = s.inflight.next_packet_id();
    out.state = OutMsg::State::kAwaitAck;
    if (!conn->send_publish(out)) {
      metrics_.drop(DropLabel::kPacketTooLarge);
      finish_out(cell, out, DeliveryOutcome::kDropped);
      continue;
    }
    out.sent_once = true;
    if (out.mid && store_.is_open())
      store_.enqueue(SessionStore::UpdateMsg{cell->client_id, out.mid, 1, out.packet_id});
    s.inflight.add(std::move(out));
    metrics_.inflight.add(1);
  }
}

void BrokerCore::resend_inflight(const CellPtr& cell) {
  Session& s = cell->s;
  MqttConnection* conn = s.conn;
  if (!conn) return;
  // [MQTT-4.4.0-1]: on a resumed session, resend unacknowledged PUBLISH (DUP=1) and PUBREL, in order.
  std::vector<uint16_t> too_large;
  for (auto& out : s.inflight.entries()) {
    if (out.state == OutMsg::State::kAwaitComp) {
      conn->send_pubrel(out.packet_id);
    } else {
      out.sent_once = true;
      if (!conn->send_publish(out)) too_large.push_back(out.packet_id);
    }
  }
  for (uint16_t id : too_large) {
    OutMsg out;
    if (s.inflight.take(id, out)) {
      metrics_.inflight.add(-1);
      metrics_.drop(DropLabel::kPacketTooLarge);
      finish_out(cell, out, DeliveryOutcome::kDropped);
    }
  }
}

void BrokerCore::on_puback(const CellPtr& cell, uint16_t packet_id) {
  OutMsg out;
  if (!cell->s.inflight.take(packet_id, out)) return;  // unknown or late: nothing to do
  metrics_.inflight.add(-1);
  finish_out(cell, out, DeliveryOutcome::kAcked);
  pump(cell);
}

void BrokerCore::on_pubrec(const CellPtr& cell, uint16_t packet_id, m::ReasonCode rc) {
  Session& s = cell->s;
  OutMsg* out = s.inflight.find(packet_id);
  if (!out) {
    if (s.conn) s.conn->send_pubrel(packet_id, m::ReasonCode::kPacketIdentifierNotFound);
    return;
  }
  if (static_cast<uint8_t>(rc) >= 0x80) {  // the client refused the message: the exchange ends here
    OutMsg done;
    s.inflight.take(packet_id, done);
    metrics_.inflight.add(-1);
    finish_out(cell, done, DeliveryOutcome::kDropped);
    pump(cell);
    return;
  }
  if (out->state != OutMsg::State::kAwaitComp) {
    out->state = OutMsg::State::kAwaitComp;
    if (out->mid && store_.is_open()) store_.enqueue(SessionStore::UpdateMsg{cell->client_id, out->mid, 2, packet_id});
  }
  if (s.conn) s.conn->send_pubrel(packet_id);
}

void BrokerCore::on_pubcomp(const CellPtr& cell, uint16_t packet_id) {
  OutMsg out;
  if (!cell->s.inflight.take(packet_id, out)) return;
  metrics_.inflight.add(-1);
  finish_out(cell, out, DeliveryOutcome::kAcked);
  pump(cell);
}

void BrokerCore::deliver_to_client(std::string_view client_id, MessagePtr msg,
                                   std::function<void(DeliveryOutcome)> on_result) {
  CellPtr cell;
  {
    std::lock_guard lock(registry_mutex_);
    auto it = sessions_.find(std::string(client_id));
    if (it != sessions_.end()) cell = it->second;
  }
  if (!cell) {
    if (on_result) on_result(DeliveryOutcome::kNoSession);
    return;
  }
  deliver_local(cell, msg, m::QoS::kAtLeastOnce, false, {}, std::move(on_result));
}

}  // namespace herald::gateway::mqtt
