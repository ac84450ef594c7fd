// Delivery to the sinks, room membership and history, ack timeouts for push bridges (delivery.h).
#include "messaging/delivery.h"

#include <algorithm>

#include <herald/binary/codec.h>

namespace herald::messaging {

using sdk::to_str;

void Delivery::attach(const herald_im_sink_v1* sink) {
  std::lock_guard lock(sinks_mutex_);
  sinks_.push_back(sink);
  if (takes_offline(sink)) offline_sinks_.fetch_add(1);
}

void Delivery::detach(const herald_im_sink_v1* sink) {
  {
    std::lock_guard lock(sinks_mutex_);
    auto it = std::find(sinks_.begin(), sinks_.end(), sink);
    if (it == sinks_.end()) return;
    sinks_.erase(it);
    if (takes_offline(sink)) offline_sinks_.fetch_sub(1);
  }
  // A dispatch that copied the list before the removal may still be calling the sink: wait it out.
  std::lock_guard wait(dispatch_mutex_);
}

void Delivery::dispatch(const Deliveries& d) {
  if (d.empty()) return;
  std::vector<std::vector<AckWait>> overtaken;  // per user delivery, notified before it
  if (ack_timeout_.count() > 0) {
    overtaken.resize(d.users.size());
    for (size_t i = 0; i < d.users.size(); ++i) {
      const auto& u = d.users[i];
      if (u.push_targets.empty()) continue;
      if (!u.offline_only) arm_ack_waits(u);
      overtaken[i] = take_overtaken_waits(u);
    }
  }
  std::lock_guard serial(dispatch_mutex_);
  std::vector<const herald_im_sink_v1*> sinks;
  {
    std::lock_guard lock(sinks_mutex_);
    sinks = sinks_;
  }
  for (const auto* sink : sinks) {
    for (size_t i = 0; i < d.users.size(); ++i) {
      const auto& u = d.users[i];
      if (!overtaken.empty() && takes_offline(sink))
        for (const auto& w : overtaken[i]) notify_unacked(sink, w);
      if (!u.offline_only) {
        sink->deliver(sink->arg, to_str(u.user), to_str(u.except_device),
                      herald_str{reinterpret_cast<const char*>(u.frame.data()), u.frame.size()});
        metrics_.deliveries.add();
      }
      if (!u.push_targets.empty() && takes_offline(sink)) deliver_offline(sink, u);
    }
    if (!d.room.empty()) {
      // Fan-out once per loop, not once per member: each loop's sink walks its own connections.
      for (uint32_t loop = 0; loop < loop_count_; ++loop) {
        sink->deliver_room(sink->arg, loop, to_str(d.room),
                           herald_str{reinterpret_cast<const char*>(d.room_frame.data()), d.room_frame.size()});
        metrics_.room_fanouts.add();
      }
    }
  }
}

void Delivery::deliver_offline(const herald_im_sink_v1* sink, const UserDelivery& u) const {
  // Presence now, after the commit: a device that connected meanwhile got the PUSH (or syncs it).
  auto online = presence_.devices_online(u.user);
  std::vector<herald_im_push_target> targets;
  for (const auto& t : u.push_targets) {
    if (t.device == u.except_device || std::find(online.begin(), online.end(), t.device) != online.end()) continue;
    if (presence_.online_elsewhere(u.user, t.device)) continue;  // cluster mode: connected to another node
    targets.push_back({sizeof(herald_im_push_target), to_str(t.device), t.provider, to_str(t.app_id), to_str(t.token),
                       t.sandbox ? 1u : 0u});
  }
  if (targets.empty()) return;
  sink->deliver_offline(sink->arg, to_str(u.user),
                        herald_str{reinterpret_cast<const char*>(u.frame.data()), u.frame.size()}, targets.data(),
                        static_cast<uint32_t>(targets.size()));
}

Delivery::~Delivery() {
  {
    std::lock_guard lock(ack_mutex_);
    ack_stopping_ = true;
  }
  ack_cv_.notify_all();
  if (ack_thread_.joinable()) ack_thread_.join();
}

void Delivery::set_ack_timeout(std::chrono::milliseconds timeout, size_t max_pending) {
  ack_timeout_ = timeout;
  ack_max_pending_ = max_pending;
  if (timeout.count() > 0 && !ack_thread_.joinable()) ack_thread_ = std::thread([this] { run_ack_timer(); });
}

void Delivery::arm_ack_waits(const UserDelivery& u) {
  auto online = presence_.devices_online(u.user);
  auto waits_for = [&](const PushTarget& t) {
    return t.device != u.except_device && std::find(online.begin(), online.end(), t.device) != online.end();
  };
  if (std::none_of(u.push_targets.begin(), u.push_targets.end(), waits_for)) return;  // the usual case
  // The entry's version: what the device's PUSH_ACK names (read diffusion has none: nothing to wait for).
  auto decoded = binary::decode_frame(std::span<const uint8_t>(u.frame.data(), u.frame.size()),
                                      {binary::kMaxFrameSizeCeiling, 1024, false});
  const auto* push = decoded.status == binary::DecodeStatus::kOk ? std::get_if<binary::PushFrame>(&decoded.frame.body)
                                                                 : nullptr;
  if (!push) return;
  uint64_t version = 0;
  for (const auto& e : push->entries) version = std::max(version, std::visit([](const auto& x) { return x.version; }, e));
  if (version == 0) return;
  std::shared_ptr<const std::vector<uint8_t>> frame;
  auto due = std::chrono::steady_clock::now() + ack_timeout_;
  std::lock_guard lock(ack_mutex_);
  for (const auto& t : u.push_targets) {
    if (!waits_for(t)) continue;
    if (ack_waits_.size() >= ack_max_pending_) break;  // bounded: those devices rely on retransmission and sync
    if (!frame) frame = std::make_shared<const std::vector<uint8_t>>(u.frame);
    ack_waits_.push_back(AckWait{due, u.user, t, version, frame, false});
    ack_by_device_[{u.user, t.device}].push_back(&ack_waits_.back());
  }
  ack_devices_.store(ack_by_device_.size());
  ack_cv_.notify_all();
}

void Delivery::acked(const std::string& user, const std::string& device, uint64_t up_to,
                     const std::vector<uint64_t>& versions) {
  if (ack_devices_.load() == 0) return;  // no wait anywhere (or the timeout is off)
  std::lock_guard lock(ack_mutex_);
  auto it = ack_by_device_.find({user, device});
  if (it == ack_by_device_.end()) return;
  auto& waits = it->second;
  std::erase_if(waits, [&](AckWait* w) {
    bool done = w->version <= up_to || std::find(versions.begin(), versions.end(), w->version) != versions.end();
    if (done) w->done = true;
    return done;
  });
  if (waits.empty()) ack_by_device_.erase(it);
  ack_devices_.store(ack_by_device_.size());
}

std::vector<Delivery::AckWait> Delivery::take_overtaken_waits(const UserDelivery& u) {
  std::vector<AckWait> out;
  if (ack_devices_.load() == 0) return out;
  auto online = presence_.devices_online(u.user);
  std::lock_guard lock(ack_mutex_);
  for (const auto& t : u.push_targets) {
    if (t.device == u.except_device || std::find(online.begin(), online.end(), t.device) != online.end()) continue;
    auto it = ack_by_device_.find({u.user, t.device});
    if (it == ack_by_device_.end()) continue;
    for (AckWait* w : it->second) {
      w->done = true;
      out.push_back(*w);
    }
    ack_by_device_.erase(it);
  }
  ack_devices_.store(ack_by_device_.size());
  return out;
}

void Delivery::notify_unacked(const herald_im_sink_v1* sink, const AckWait& w) const {
  herald_im_push_target t{sizeof(herald_im_push_target), to_str(w.target.device), w.target.provider,
                          to_str(w.target.app_id), to_str(w.target.token), w.target.sandbox ? 1u : 0u};
  sink->deliver_offline(sink->arg, to_str(w.user),
                        herald_str{reinterpret_cast<const char*>(w.frame->data()), w.frame->size()}, &t, 1);
}

void Delivery::run_ack_timer() {
  for (;;) {
    {
      std::unique_lock lock(ack_mutex_);
      for (;;) {
        if (ack_stopping_) return;
        if (ack_waits_.empty()) {
          ack_cv_.wait(lock);
        } else if (auto due = ack_waits_.front().due; std::chrono::steady_clock::now() < due) {
          ack_cv_.wait_until(lock, due);
        } else {
          break;
        }
      }
    }
    // Serialised with dispatch() before the due waits are taken: a dispatch either took a wait first
    // (take_overtaken_waits) or sends its newer notification after these.
    std::lock_guard serial(dispatch_mutex_);
    std::vector<AckWait> expired;
    {
      std::lock_guard lock(ack_mutex_);
      auto now = std::chrono::steady_clock::now();
      while (!ack_waits_.empty() && ack_waits_.front().due <= now) {
        AckWait& w = ack_waits_.front();
        if (!w.done) {
          auto it = ack_by_device_.find({w.user, w.target.device});
          if (it != ack_by_device_.end()) {
            std::erase(it->second, &w);
            if (it->second.empty()) ack_by_device_.erase(it);
          }
          expired.push_back(std::move(w));
        }
        ack_waits_.pop_front();
      }
      ack_devices_.store(ack_by_device_.size());
    }
    if (expired.empty()) continue;
    std::vector<const herald_im_sink_v1*> sinks;
    {
      std::lock_guard lock(sinks_mutex_);
      sinks = sinks_;
    }
    for (const auto* sink : sinks)
      if (takes_offline(sink))
        for (const auto& w : expired) notify_unacked(sink, w);
  }
}

void Delivery::join_room(const std::string& room, const std::string& user, const std::string& device) {
  std::lock_guard lock(rooms_mutex_);
  rooms_[room][user].insert(device);
  device_rooms_[{user, device}].insert(room);
}

void Delivery::leave_room(const std::string& room, const std::string& user, const std::string& device) {
  std::lock_guard lock(rooms_mutex_);
  auto r = rooms_.find(room);
  if (r != rooms_.end()) {
    auto u = r->second.find(user);
    if (u != r->second.end()) {
      u->second.erase(device);
      if (u->second.empty()) r->second.erase(u);
    }
    if (r->second.empty()) rooms_.erase(r);
  }
  auto dr = device_rooms_.find({user, device});
  if (dr != device_rooms_.end()) {
    dr->second.erase(room);
    if (dr->second.empty()) device_rooms_.erase(dr);
  }
}

void Delivery::leave_all_rooms(const std::string& user, const std::string& device) {
  std::set<std::string> rooms;
  {
    std::lock_guard lock(rooms_mutex_);
    auto dr = device_rooms_.find({user, device});
    if (dr == device_rooms_.end()) return;
    rooms = dr->second;
  }
  for (const auto& room : rooms) leave_room(room, user, device);
}

bool Delivery::in_room(const std::string& room, const std::string& user) const {
  std::lock_guard lock(rooms_mutex_);
  auto r = rooms_.find(room);
  return r != rooms_.end() && r->second.count(user) != 0;
}

void Delivery::remember_room_message(const std::string& room, const binary::MessageEntry& entry, size_t capacity) {
  if (capacity == 0) return;
  std::lock_guard lock(rooms_mutex_);
  auto& ring = room_history_[room];
  ring.push_back(entry);
  while (ring.size() > capacity) ring.pop_front();
}

std::vector<binary::MessageEntry> Delivery::room_history(const std::string& room, size_t limit) const {
  std::lock_guard lock(rooms_mutex_);
  auto it = room_history_.find(room);
  if (it == room_history_.end()) return {};
  const auto& ring = it->second;
  size_t n = std::min(limit, ring.size());
  return std::vector<binary::MessageEntry>(ring.end() - static_cast<std::ptrdiff_t>(n), ring.end());
}

size_t Delivery::room_member_count(const std::string& room) const {
  std::lock_guard lock(rooms_mutex_);
  auto r = rooms_.find(room);
  return r == rooms_.end() ? 0 : r->second.size();
}

std::vector<std::pair<std::string, std::string>> Delivery::room_members(const std::string& room, size_t limit) const {
  std::lock_guard lock(rooms_mutex_);
  std::vector<std::pair<std::string, std::string>> out;
  auto r = rooms_.find(room);
  if (r == rooms_.end()) return out;
  for (const auto& [user, devices] : r->second)
    for (const auto& device : devices) {
      if (out.size() >= limit) return out;
      out.emplace_back(user, device);
    }
  return out;
}

size_t Delivery::close_room(const std::string& room) {
  std::vector<std::pair<std::string, std::string>> removed;
  {
    std::lock_guard lock(rooms_mutex_);
    auto r = rooms_.find(room);
    if (r != rooms_.end()) {
      for (const auto& [user, devices] : r->second)
        for (const auto& device : devices) {
          removed.emplace_back(user, device);
          auto dr = device_rooms_.find({user, device});
          if (dr == device_rooms_.end()) continue;
          dr->second.erase(room);
          if (dr->second.empty()) device_rooms_.erase(dr);
        }
      rooms_.erase(r);
    }
    room_history_.erase(room);
  }
  std::lock_guard serial(dispatch_mutex_);  // sinks are never entered concurrently
  std::vector<const herald_im_sink_v1*> sinks;
  {
    std::lock_guard lock(sinks_mutex_);
    sinks = sinks_;
  }
  for (const auto* sink : sinks) {
    if (!HERALD_STRUCT_HAS(sink, herald_im_sink_v1, room_left) || !sink->room_left) continue;
    for (const auto& [user, device] : removed) sink->room_left(sink->arg, to_str(room), to_str(user), to_str(device));
  }
  return removed.size();
}

}  // namespace herald::messaging
