// BrokerCore set-up and tear-down: metrics, storage open/restore/flush, shutdown of every loop's
// connections, statistics.
#include "broker_core.h"

#include <chrono>
#include <condition_variable>
#include <functional>

#include "herald/mqtt/topic.h"
#include "mqtt_handler.h"

namespace herald::gateway::mqtt {

uint32_t current_loop(const sdk::Host& host) { return host.current_loop(); }

uint8_t options_byte(const m::SubscribeOptions& o) {
  return static_cast<uint8_t>(static_cast<unsigned>(o.max_qos) | (o.no_local ? 0x04u : 0u) |
                              (o.retain_as_published ? 0x08u : 0u) |
                              (static_cast<unsigned>(o.retain_handling) << 4));
}

m::SubscribeOptions options_from_byte(uint8_t b) {
  m::SubscribeOptions o;
  o.max_qos = static_cast<m::QoS>(std::min(b & 3, 2));
  o.no_local = b & 0x04;
  o.retain_as_published = b & 0x08;
  o.retain_handling = static_cast<m::RetainHandling>(std::min((b >> 4) & 3, 2));
  return o;
}

BrokerCore::BrokerCore(sdk::Host host, BrokerConfig config) : host_(host), config_(std::move(config)) {
  loop_count_ = std::max<uint32_t>(1, host_.loop_count());
  connections_.resize(loop_count_);
  metrics_.register_all(host_);
  store_.on_error = [host = host_](const std::string& e) { host.error(e); };
}

bool BrokerCore::post_loop(uint32_t loop, std::function<void()> fn) {
  posts.fetch_add(1, std::memory_order_relaxed);
  return host_.post(loop, std::move(fn));
}

std::optional<std::string> BrokerCore::start() {
  if (started_) return std::nullopt;
  if (!config_.storage_path.empty()) {
    if (auto e = store_.open(config_.storage_path, config_.storage_sync_full, config_.commit_interval_ms)) return e;
    StoreSnapshot snap;
    if (auto e = store_.load(snap)) {
      store_.stop();
      return e;
    }
    restore(snap);
    store_.start();
  }
  started_ = true;
  return std::nullopt;
}

void BrokerCore::restore(StoreSnapshot& snap) {
  const uint64_t now = wall_ms();
  std::unordered_map<std::string, CellPtr> cells;
  for (auto& st : snap.sessions) {
    // A session that was online when herald stopped counts as disconnected now.
    const uint64_t since = st.disconnected_at_ms ? st.disconnected_at_ms : now;
    if (st.expiry_interval != 0xFFFFFFFFu && now >= since + uint64_t{st.expiry_interval} * 1000) {
      store_.enqueue(SessionStore::DeleteSession{st.client_id});
      continue;
    }
    auto cell = std::make_shared<SessionCell>(st.client_id,
                                              static_cast<uint32_t>(std::hash<std::string>{}(st.client_id) % loop_count_));
    Session& s = cell->s;
    s.user = st.user;
    s.version = static_cast<m::ProtocolVersion>(st.version);
    s.expiry_interval = std::min(st.expiry_interval, config_.session_expiry_max);
    s.persisted = true;
    s.disconnected_at_ms = since;
    cells[st.client_id] = cell;
  }
  for (auto& sub : snap.subs) {
    auto it = cells.find(sub.client_id);
    if (it == cells.end()) continue;
    const auto opts = options_from_byte(sub.options);
    auto shared = m::parse_shared_subscription(sub.filter);
    trie_.subscribe(shared ? shared->filter : std::string_view(sub.filter), shared ? shared->group : std::string_view(),
                    SubEntry{it->second, opts, sub.sub_id});
    it->second->s.subs[sub.filter] = SubRecord{opts, sub.sub_id, false};
  }
  size_t queued = 0, inflight = 0;
  for (auto& sm : snap.msgs) {
    auto it = cells.find(sm.client_id);
    if (it == cells.end()) {
      store_.enqueue(SessionStore::DeleteMsg{sm.client_id, sm.mid});
      continue;
    }
    Session& s = it->second->s;
    OutMsg out;
    out.msg = sm.msg;
    out.qos = static_cast<m::QoS>(std::min<uint8_t>(sm.qos, 2));
    out.retain = sm.retain;
    out.sub_ids = std::move(sm.sub_ids);
    out.mid = sm.mid;
    out.packet_id = sm.packet_id;
    out.state = static_cast<OutMsg::State>(std::min<uint8_t>(sm.state, 2));
    s.next_mid = std::max(s.next_mid, sm.mid + 1);
    if (out.state == OutMsg::State::kQueued || out.packet_id == 0) {
      out.state = OutMsg::State::kQueued;
      s.queue.push_back(std::move(out));
      ++queued;
    } else {
      out.sent_once = true;  // it went out before the restart: the resend carries DUP
      s.inflight.note_used(out.packet_id);
      if (!s.inflight.find(out.packet_id)) {
        s.inflight.add(std::move(out));
        ++inflight;
      }
    }
  }
  for (auto& [id, cell] : cells) {
    if (!cell->s.user.empty()) {
      const std::string inbox = "$im/inbox/" + cell->s.user;
      m::SubscribeOptions o;
      o.max_qos = m::QoS::kAtLeastOnce;
      trie_.subscribe(inbox, {}, SubEntry{cell, o, 0});
      cell->s.subs[inbox] = SubRecord{o, 0, true};
    }
  }
  for (auto& msg : snap.retained) {
    if (!expired(*msg, now)) retained_.set(msg);
    else store_.enqueue(SessionStore::DeleteRetained{msg->topic});
  }
  {
    std::lock_guard lock(registry_mutex_);
    for (auto& [id, cell] : cells) sessions_[id] = cell;
  }
  for (auto& [id, cell] : cells) set_presence(cell, Presence::kOffline);
  metrics_.subscriptions.set(static_cast<double>(trie_.size()));
  metrics_.retained.set(static_cast<double>(retained_.size()));
  metrics_.queued.add(static_cast<double>(queued));
  metrics_.inflight.add(static_cast<double>(inflight));
  // Expiry timers belong to each session's owner loop.
  for (auto& [id, cell] : cells) {
    post_loop(cell->owner.load(), [self = shared_from_this(), cell] {
      if (cell->owner.load() == current_loop(self->host_) && !cell->s.conn && !cell->s.ended) self->arm_expiry(cell);
    });
  }
  host_.info("mqtt: restored " + std::to_string(cells.size()) + " sessions, " + std::to_string(queued + inflight) +
             " queued messages, " + std::to_string(retained_.size()) + " retained messages");
}

std::vector<CellPtr> BrokerCore::cells_snapshot() {
  std::lock_guard lock(registry_mutex_);
  std::vector<CellPtr> out;
  out.reserve(sessions_.size());
  for (auto& [id, cell] : sessions_) out.push_back(cell);
  return out;
}

void BrokerCore::on_every_loop(const std::function<void(uint32_t)>& fn, uint32_t timeout_ms) {
  struct Wait {
    std::mutex mu;
    std::condition_variable cv;
    uint32_t left = 0;
  };
  auto wait = std::make_shared<Wait>();
  wait->left = loop_count_;
  for (uint32_t l = 0; l < loop_count_; ++l) {
    auto task = [fn, wait, l] {
      fn(l);
      std::lock_guard lock(wait->mu);
      if (--wait->left == 0) wait->cv.notify_all();
    };
    if (host_.current_loop() == l) {
      task();
    } else if (!host_.post(l, task)) {
      std::lock_guard lock(wait->mu);
      if (--wait->left == 0) wait->cv.notify_all();
    }
  }
  std::unique_lock lock(wait->mu);
  wait->cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return wait->left == 0; });
}

void BrokerCore::disconnect_all(uint32_t timeout_ms) {
  shutting_down_ = true;
  auto self = shared_from_this();
  on_every_loop(
      [self](uint32_t loop) {
        auto conns = self->connections_[loop];  // disconnect() may unregister
        for (auto* c : conns) c->disconnect(m::ReasonCode::kServerShuttingDown, "server shutting down", DisconnectLabel::kShutdown);
      },
      timeout_ms);
}

void BrokerCore::stop() {
  if (!started_) return;
  shutting_down_ = true;
  // Session timers live on their owner loops: cancel them there, so nothing fires into a stopped
  // broker and no timer is touched from this thread.
  auto cells = std::make_shared<std::vector<CellPtr>>(cells_snapshot());
  on_every_loop(
      [cells](uint32_t loop) {
        for (auto& cell : *cells) {
          if (cell->owner.load() != loop) continue;
          cell->s.expiry_timer.cancel();
          cell->s.will_timer.cancel();
        }
      },
      5000);
  store_.flush();
  store_.stop();
  started_ = false;
}

void BrokerCore::register_connection(uint32_t loop, MqttConnection* conn) {
  if (loop < connections_.size()) connections_[loop].push_back(conn);
}

void BrokerCore::unregister_connection(uint32_t loop, MqttConnection* conn) {
  if (loop >= connections_.size()) return;
  auto& v = connections_[loop];
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (*it == conn) {
      *it = v.back();
      v.pop_back();
      return;
    }
  }
}

BrokerStats BrokerCore::stats() const {
  BrokerStats s;
  s.sessions_online = static_cast<uint64_t>(std::max<int64_t>(0, online_count.load()));
  s.sessions_offline = static_cast<uint64_t>(std::max<int64_t>(0, offline_count.load()));
  s.subscriptions = trie_.size();
  s.retained = retained_.size();
  s.posts = posts.load();
  return s;
}

void BrokerCore::persist_session(const CellPtr& cell, uint64_t disconnected_at_ms) {
  Session& s = cell->s;
  if (!store_.is_open() || !persistent(s)) return;
  StoredSession st;
  st.client_id = cell->client_id;
  st.user = s.user;
  st.version = static_cast<uint8_t>(s.version);
  st.expiry_interval = s.expiry_interval;
  st.disconnected_at_ms = disconnected_at_ms;
  store_.enqueue(SessionStore::PutSession{std::move(st)});
  s.persisted = true;
}

}  // namespace herald::gateway::mqtt
