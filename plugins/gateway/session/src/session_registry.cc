// SessionRegistry: striped maps of user -> devices, takeover and multi-device policy, presence events
// and the online gauges (see session_registry.h).
#include "herald/gateway/session/session_registry.h"

#include <chrono>
#include <functional>

namespace herald::gateway::session {
namespace {

struct Kick {
  std::shared_ptr<SessionControl> control;
  std::string text;
};

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

const char* protocol_name(Protocol protocol) { return protocol == Protocol::kMqtt ? "mqtt" : "binary"; }

SessionRegistry::SessionRegistry(const sdk::Host* host, SessionConfig config, std::shared_ptr<PresenceSink> presence)
    : config_(std::move(config)), presence_(std::move(presence)) {
  if (host) {
    users_gauge_ = host->gauge("herald_gateway_online_users", "Users with at least one device online");
    devices_gauge_[0] = host->gauge("herald_gateway_online_devices", "Devices online, by protocol",
                                    {{"protocol", "binary"}});
    devices_gauge_[1] = host->gauge("herald_gateway_online_devices", "Devices online, by protocol",
                                    {{"protocol", "mqtt"}});
  }
}

SessionRegistry::Stripe& SessionRegistry::stripe(std::string_view user) const {
  return stripes_[std::hash<std::string_view>{}(user) % kStripes];
}

void SessionRegistry::count_device(Protocol p, int delta) {
  const auto i = static_cast<size_t>(p);
  devices_[i].fetch_add(static_cast<uint64_t>(static_cast<int64_t>(delta)), std::memory_order_relaxed);
  devices_gauge_[i].add(delta);  // add, not set: concurrent updates stay exact
}

void SessionRegistry::emit(PresenceEvent::Scope scope, bool online, const DeviceSession& s) {
  if (!presence_) return;
  PresenceEvent e;
  e.scope = scope;
  e.online = online;
  e.user = s.user;
  e.device = s.device;
  e.platform = s.platform;
  e.protocol = s.protocol;
  e.seq = seq_.fetch_add(1, std::memory_order_relaxed) + 1;
  presence_->publish(e);
}

AddOutcome SessionRegistry::add(DeviceSession s) {
  if (s.connected_at_ms == 0) s.connected_at_ms = wall_ms();
  AddOutcome out;
  std::vector<Kick> kicks;
  bool replaced_same_device = false;
  {
    Stripe& st = stripe(s.user);
    std::lock_guard lock(st.mu);
    auto& devs = st.users[s.user];
    out.user_came_online = devs.empty();
    for (auto it = devs.begin(); it != devs.end();) {
      const bool same = it->device == s.device;
      const bool victim =
          !same && (config_.multi_device == MultiDevicePolicy::kOne ||
                    (config_.multi_device == MultiDevicePolicy::kOnePerPlatform && it->platform == s.platform));
      if (!same && !victim) {
        ++it;
        continue;
      }
      replaced_same_device = replaced_same_device || same;
      kicks.push_back({it->control, same ? "session taken over" : "signed in on another device"});
      count_device(it->protocol, -1);
      out.displaced.push_back(std::move(*it));
      it = devs.erase(it);
    }
    devs.push_back(s);
    count_device(s.protocol, +1);
    if (out.user_came_online) {
      users_.fetch_add(1, std::memory_order_relaxed);
      users_gauge_.add(1);
    }
    // Presence is emitted under the stripe lock so one user's events carry increasing seqs in the order
    // they happened; sinks only enqueue (HostPresenceSink posts), so the lock is held briefly.
    for (const auto& d : out.displaced)
      if (d.device != s.device) emit(PresenceEvent::Scope::kDevice, false, d);
    if (!replaced_same_device) emit(PresenceEvent::Scope::kDevice, true, s);
    if (out.user_came_online) emit(PresenceEvent::Scope::kUser, true, s);
  }
  // Kick outside the lock: a control may call back into the registry (an inline close).
  for (auto& k : kicks)
    if (k.control) k.control->kick(HERALD_REASON_SESSION_TAKEN_OVER, std::move(k.text));
  return out;
}

bool SessionRegistry::remove(std::string_view user, std::string_view device, uint64_t connection_id) {
  Stripe& st = stripe(user);
  std::lock_guard lock(st.mu);
  auto uit = st.users.find(std::string(user));
  if (uit == st.users.end()) return false;
  auto& devs = uit->second;
  for (auto it = devs.begin(); it != devs.end(); ++it) {
    if (it->device != device || it->connection_id != connection_id) continue;
    DeviceSession gone = std::move(*it);
    devs.erase(it);
    count_device(gone.protocol, -1);
    emit(PresenceEvent::Scope::kDevice, false, gone);
    if (devs.empty()) {
      st.users.erase(uit);
      users_.fetch_sub(1, std::memory_order_relaxed);
      users_gauge_.add(-1);
      emit(PresenceEvent::Scope::kUser, false, gone);
    }
    return true;
  }
  return false;
}

std::vector<DeviceSession> SessionRegistry::devices(std::string_view user) const {
  Stripe& st = stripe(user);
  std::lock_guard lock(st.mu);
  auto it = st.users.find(std::string(user));
  return it == st.users.end() ? std::vector<DeviceSession>{} : it->second;
}

std::optional<DeviceSession> SessionRegistry::find(std::string_view user, std::string_view device) const {
  Stripe& st = stripe(user);
  std::lock_guard lock(st.mu);
  auto it = st.users.find(std::string(user));
  if (it == st.users.end()) return std::nullopt;
  for (const auto& d : it->second)
    if (d.device == device) return d;
  return std::nullopt;
}

bool SessionRegistry::online(std::string_view user) const {
  Stripe& st = stripe(user);
  std::lock_guard lock(st.mu);
  return st.users.count(std::string(user)) != 0;
}

uint64_t SessionRegistry::online_devices() const {
  return devices_[0].load(std::memory_order_relaxed) + devices_[1].load(std::memory_order_relaxed);
}

uint64_t SessionRegistry::online_devices(Protocol protocol) const {
  return devices_[static_cast<size_t>(protocol)].load(std::memory_order_relaxed);
}

size_t SessionRegistry::kick_user(std::string_view user, herald_reason reason, std::string text) {
  // The entries stay until each connection reports its end (remove()), so presence stays truthful.
  auto devs = devices(user);
  for (auto& d : devs)
    if (d.control) d.control->kick(reason, text);
  return devs.size();
}

}  // namespace herald::gateway::session
