// Where the session registry reports presence changes: a device online/offline, and a user's first
// device online / last device offline. HostPresenceSink submits them as envelopes to a pipeline.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "herald/gateway/session/device_session.h"
#include "herald/sdk.hpp"

namespace herald::gateway::session {

struct PresenceEvent {
  enum class Scope : uint8_t { kDevice, kUser };
  Scope scope = Scope::kDevice;
  bool online = true;
  std::string user;
  std::string device;    // the device that caused it (for kUser too)
  std::string platform;
  Protocol protocol = Protocol::kBinary;
  // Increases with every event the registry emits. Events of one user are submitted in order from one
  // thread each, but two loops may race; consumers order by seq.
  uint64_t seq = 0;
};

class PresenceSink {
 public:
  virtual ~PresenceSink() = default;
  // Any thread; never blocks.
  virtual void publish(const PresenceEvent& event) = 0;
};

// Builds an envelope per event (headers :user, :device, :protocol, :event = online|offline,
// :platform, scope = user|device, presence_seq) and submits it to `pipeline` on the loop
// hash(user) % loops through the host C API. Best effort: a rejected envelope is dropped. Must outlive
// the loops' queued tasks (the plugin owns it until stop()).
class HostPresenceSink final : public PresenceSink {
 public:
  HostPresenceSink(sdk::Host host, std::string pipeline) : host_(host), pipeline_(std::move(pipeline)) {}
  void publish(const PresenceEvent& event) override;

 private:
  sdk::Host host_;
  std::string pipeline_;
  std::atomic<bool> warned_{false};
};

}  // namespace herald::gateway::session
