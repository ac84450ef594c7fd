// Session lifecycle across loops: find-or-create on CONNECT, takeover of a live connection, handing
// ownership to the new connection's loop, going offline (will, expiry timer) and ending.
#include "herald/mqtt/topic.h"
#include "mqtt_handler.h"

namespace herald::gateway::mqtt {

void BrokerCore::attach(const std::shared_ptr<MqttConnection>& conn, AttachRequest req) {
  const uint32_t here = conn->loop();
  CellPtr cell;
  bool created = false;
  {
    std::lock_guard lock(registry_mutex_);
    auto& slot = sessions_[req.client_id];
    if (!slot) {
      slot = std::make_shared<SessionCell>(req.client_id, here);
      created = true;
    }
    cell = slot;
  }
  if (created) {
    // Published with owner = here under the registry lock: any handover another loop posts for this
    // id lands on this loop after this task, so adopting inline is safe.
    adopt(cell, conn, std::move(req), false);
    return;
  }
  std::weak_ptr<MqttConnection> weak = conn;
  const uint32_t owner = cell->owner.load();
  if (owner == here) {
    handover(cell, weak, std::move(req), here);
  } else {
    post_loop(owner, [self = shared_from_this(), cell, weak, req = std::move(req), here]() mutable {
      self->handover(cell, weak, std::move(req), here);
    });
  }
}

void BrokerCore::handover(const CellPtr& cell, std::weak_ptr<MqttConnection> conn, AttachRequest req, uint32_t to_loop) {
  const uint32_t here = host_.current_loop();
  Session& s = cell->s;
  if (cell->owner.load() != here || s.adopting) {
    // Ownership moved (or is moving to this loop and its adopt() has not run yet): follow it.
    const uint32_t owner = cell->owner.load();
    post_loop(owner, [self = shared_from_this(), cell, conn, req = std::move(req), to_loop]() mutable {
      self->handover(cell, conn, std::move(req), to_loop);
    });
    return;
  }
  if (s.ended) {
    // The session ended between the registry lookup and now: start over with a fresh lookup.
    post_loop(to_loop, [self = shared_from_this(), conn, req = std::move(req)]() mutable {
      if (auto c = conn.lock(); c && !c->closed()) self->attach(c, std::move(req));
    });
    return;
  }
  // A session is only ever resumed by the user who owns it: a client id reused by another user gets
  // a fresh session, so nothing queued or subscribed for the first user reaches the second.
  const bool resume = !req.clean_start && persistent(s) && s.user == req.user;
  if (s.conn) {
    MqttConnection* old = s.conn;
    s.conn = nullptr;
    set_presence(cell, Presence::kOffline);
    old->taken_over(resume);
  }
  s.expiry_timer.cancel();
  // A new connection within the will delay cancels the delayed will (MQTT 5 3.1.3.2.2), unless the
  // session does not continue, in which case the will is due now.
  if (s.delayed_will) {
    if (!resume) publish_will(s.delayed_will, s.will_user, cell->client_id);
    s.delayed_will.reset();
    s.will_timer.cancel();
  }
  if (!resume) {
    // Clean start (or a session that was to end with its connection): discard the old state but
    // keep the cell, so concurrent lookups stay consistent.
    for (auto& [filter, rec] : s.subs) {
      auto shared = m::parse_shared_subscription(filter);
      trie_.unsubscribe(shared ? shared->filter : std::string_view(filter), shared ? shared->group : std::string_view(),
                        cell.get());
    }
    s.subs.clear();
    for (auto& out : s.inflight.entries()) finish_out(cell, out, DeliveryOutcome::kDropped);
    for (auto& out : s.queue) finish_out(cell, out, DeliveryOutcome::kDropped);
    metrics_.inflight.add(-static_cast<double>(s.inflight.size()));
    metrics_.queued.add(-static_cast<double>(s.queue.size()));
    s.inflight.clear();
    s.queue.clear();
    s.inbound_qos2.clear();
    metrics_.subscriptions.set(static_cast<double>(trie_.size()));
    if (s.persisted) store_.enqueue(SessionStore::DeleteSession{cell->client_id});
    s.persisted = false;
    s.next_mid = 1;
  }
  if (to_loop == here) {
    adopt(cell, conn, std::move(req), resume);
    return;
  }
  s.adopting = true;
  cell->owner.store(to_loop);
  post_loop(to_loop, [self = shared_from_this(), cell, conn, req = std::move(req), resume]() mutable {
    self->adopt(cell, conn, std::move(req), resume);
  });
}

void BrokerCore::adopt(const CellPtr& cell, std::weak_ptr<MqttConnection> weak, AttachRequest req, bool present) {
  Session& s = cell->s;
  s.adopting = false;
  s.user = req.user;
  s.version = req.version;
  s.expiry_interval = req.expiry_interval;
  auto conn = weak.lock();
  if (!conn || conn->closed()) {
    // The connection died while its session was being prepared: the session goes (or stays) offline.
    set_presence(cell, Presence::kOffline);
    s.disconnected_at_ms = wall_ms();
    if (!persistent(s)) {
      end_session(cell);
    } else {
      persist_session(cell, s.disconnected_at_ms);
      arm_expiry(cell);
    }
    return;
  }
  s.conn = conn.get();
  set_presence(cell, Presence::kOnline);
  if (!s.user.empty()) {
    // The IM inbox: subscribed implicitly, QoS 1, not removable.
    m::SubscribeOptions o;
    o.max_qos = m::QoS::kAtLeastOnce;
    add_subscription(cell, "$im/inbox/" + s.user, o, 0, true);
  }
  if (persistent(s)) {
    persist_session(cell, 0);
  } else if (s.persisted) {
    store_.enqueue(SessionStore::DeleteSession{cell->client_id});
    s.persisted = false;
  }
  conn->attached(cell, present);
  if (s.conn != conn.get()) return;  // the client already left again
  resend_inflight(cell);
  pump(cell);
}

void BrokerCore::detach(const CellPtr& cell, MqttConnection* conn, MessagePtr will, uint32_t will_delay,
                        std::optional<uint32_t> new_expiry) {
  Session& s = cell->s;
  if (s.conn != conn) return;  // already taken over
  s.conn = nullptr;
  set_presence(cell, Presence::kOffline);
  if (new_expiry) s.expiry_interval = *new_expiry;
  s.disconnected_at_ms = wall_ms();
  if (will) {
    if (will_delay > 0 && persistent(s)) schedule_will(cell, std::move(will), s.user, will_delay);
    else publish_will(will, s.user, cell->client_id);
  }
  if (!persistent(s)) {
    end_session(cell);
    return;
  }
  persist_session(cell, s.disconnected_at_ms);
  arm_expiry(cell);
}

void BrokerCore::disconnect_client(std::string_view client_id, herald_reason reason, std::string text,
                                   uint64_t connection_id) {
  CellPtr cell;
  {
    std::lock_guard lock(registry_mutex_);
    auto it = sessions_.find(std::string(client_id));
    if (it == sessions_.end()) return;
    cell = it->second;
  }
  post_loop(cell->owner.load(), [self = shared_from_this(), cell, reason, text = std::move(text), connection_id]() mutable {
    self->kick_cell(cell, reason, std::move(text), connection_id, 0);
  });
}

void BrokerCore::kick_cell(const CellPtr& cell, herald_reason reason, std::string text, uint64_t connection_id,
                           int hops) {
  const uint32_t here = host_.current_loop();
  if (cell->owner.load() != here || cell->s.adopting) {
    // The session is moving to another loop: follow it (bounded: a session cannot move forever).
    if (hops >= 8) return;
    post_loop(cell->owner.load(), [self = shared_from_this(), cell, reason, text = std::move(text), connection_id,
                                   hops]() mutable { self->kick_cell(cell, reason, std::move(text), connection_id, hops + 1); });
    return;
  }
  MqttConnection* conn = cell->s.conn;
  if (!conn || (connection_id != 0 && conn->connection_id() != connection_id)) return;
  auto rc = static_cast<m::ReasonCode>(mqtt5_byte(reason));
  if (rc == m::ReasonCode::kSuccess || !m::reason_code_allowed(m::PacketType::kDisconnect, rc))
    rc = m::ReasonCode::kAdministrativeAction;
  conn->disconnect(rc, text, DisconnectLabel::kKicked);
}

void BrokerCore::set_presence(const CellPtr& cell, Presence p) {
  Presence& cur = cell->s.presence;
  if (cur == p) return;
  if (cur == Presence::kOnline) {
    online_count -= 1;
    metrics_.sessions_online.add(-1);
  } else if (cur == Presence::kOffline) {
    offline_count -= 1;
    metrics_.sessions_offline.add(-1);
  }
  if (p == Presence::kOnline) {
    online_count += 1;
    metrics_.sessions_online.add(1);
  } else if (p == Presence::kOffline) {
    offline_count += 1;
    metrics_.sessions_offline.add(1);
  }
  cur = p;
  cell->online.store(p == Presence::kOnline, std::memory_order_relaxed);
}

void BrokerCore::arm_expiry(const CellPtr& cell) {
  Session& s = cell->s;
  if (s.expiry_interval == 0xFFFFFFFFu || s.conn) return;
  const uint64_t due = s.disconnected_at_ms + uint64_t{s.expiry_interval} * 1000;
  const uint64_t now = wall_ms();
  const uint64_t delay = due > now ? due - now : 0;
  std::weak_ptr<SessionCell> weak = cell;
  s.expiry_timer = host_.start_timer(cell->owner.load(), delay, 0, [self = shared_from_this(), weak] {
    if (auto c = weak.lock(); c && !c->s.conn && !c->s.ended) self->end_session(c);
  });
}

void BrokerCore::end_session(const CellPtr& cell) {
  Session& s = cell->s;
  if (s.ended) return;
  s.ended = true;
  s.expiry_timer.cancel();
  // "sent at session end if that comes first" (MQTT 5 3.1.2.5).
  if (s.delayed_will) {
    publish_will(s.delayed_will, s.will_user, cell->client_id);
    s.delayed_will.reset();
  }
  s.will_timer.cancel();
  for (auto& [filter, rec] : s.subs) {
    auto shared = m::parse_shared_subscription(filter);
    trie_.unsubscribe(shared ? shared->filter : std::string_view(filter), shared ? shared->group : std::string_view(),
                      cell.get());
  }
  s.subs.clear();
  metrics_.subscriptions.set(static_cast<double>(trie_.size()));
  for (auto& out : s.inflight.entries()) finish_out(cell, out, DeliveryOutcome::kDropped);
  for (auto& out : s.queue) finish_out(cell, out, DeliveryOutcome::kDropped);
  metrics_.inflight.add(-static_cast<double>(s.inflight.size()));
  metrics_.queued.add(-static_cast<double>(s.queue.size()));
  s.inflight.clear();
  s.queue.clear();
  if (s.persisted) store_.enqueue(SessionStore::DeleteSession{cell->client_id});
  s.persisted = false;
  set_presence(cell, Presence::kNone);
  std::lock_guard lock(registry_mutex_);
  auto it = sessions_.find(cell->client_id);
  if (it != sessions_.end() && it->second == cell) sessions_.erase(it);
}

}  // namespace herald::gateway::mqtt
