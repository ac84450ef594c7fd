// The session registry: user -> devices -> live connection, across protocols (binary sessions and MQTT
// sessions), thread-safe across loops. The IM core asks it, for every delivery, which devices of a
// user are online, on which loop, with which handle; the gateway tells it about connects and
// disconnects, and it enforces takeover and the multi-device policy by kicking.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "herald/gateway/session/device_session.h"
#include "herald/gateway/session/presence_sink.h"
#include "herald/gateway/session/session_config.h"
#include "herald/sdk.hpp"

namespace herald::gateway::session {

struct AddOutcome {
  std::vector<DeviceSession> displaced;  // kicked: the same device's old connection, or the policy's victims
  bool user_came_online = false;         // this was the user's first device
};

class SessionRegistry {
 public:
  // `host`: registers herald_gateway_online_* (control thread); nullptr: no metrics. `presence`:
  // nullptr: no presence events.
  SessionRegistry(const sdk::Host* host, SessionConfig config, std::shared_ptr<PresenceSink> presence = nullptr);
  SessionRegistry(const SessionRegistry&) = delete;
  SessionRegistry& operator=(const SessionRegistry&) = delete;

  // Any thread. Records the connection, replacing the device's previous one (kicked with
  // SESSION_TAKEN_OVER) and applying the multi-device policy (victims kicked with SESSION_TAKEN_OVER).
  // Kicks and presence events happen after the registry's lock is released.
  AddOutcome add(DeviceSession session);
  // Any thread. Removes the device if `connection_id` is still its connection (a replaced or kicked
  // connection's late goodbye is ignored). Returns whether something was removed.
  bool remove(std::string_view user, std::string_view device, uint64_t connection_id);

  // Any thread. Copies (cheap: strings and a shared_ptr each).
  std::vector<DeviceSession> devices(std::string_view user) const;
  std::optional<DeviceSession> find(std::string_view user, std::string_view device) const;
  bool online(std::string_view user) const;
  uint64_t online_users() const { return users_.load(std::memory_order_relaxed); }
  uint64_t online_devices() const;
  uint64_t online_devices(Protocol protocol) const;

  // Any thread: kicks every device of `user` (e.g. ADMINISTRATIVE_ACTION, BANNED). Returns how many.
  size_t kick_user(std::string_view user, herald_reason reason, std::string text);

  const SessionConfig& config() const { return config_; }

 private:
  static constexpr size_t kStripes = 64;  // lock striping: loops rarely contend on one user
  struct Stripe {
    mutable std::mutex mu;
    std::unordered_map<std::string, std::vector<DeviceSession>> users;
  };
  Stripe& stripe(std::string_view user) const;
  void count_device(Protocol p, int delta);
  void emit(PresenceEvent::Scope scope, bool online, const DeviceSession& s);

  SessionConfig config_;
  std::shared_ptr<PresenceSink> presence_;
  mutable std::array<Stripe, kStripes> stripes_;
  std::atomic<uint64_t> users_{0};
  std::array<std::atomic<uint64_t>, 2> devices_{};
  std::atomic<uint64_t> seq_{0};
  sdk::Metric users_gauge_;
  std::array<sdk::Metric, 2> devices_gauge_;
};

}  // namespace herald::gateway::session
