// One live device connection as the session registry records it, across protocols, and the control
// each protocol supplies to kick it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "herald/reason_codes.h"

namespace herald::gateway::session {

enum class Protocol : uint8_t { kBinary, kMqtt };
const char* protocol_name(Protocol protocol);  // "binary" / "mqtt"

// How the registry ends a connection (takeover, multi-device policy, admin). Any thread, non-blocking.
// Protocol-specific controls (BinarySessionControl, MqttSessionControl) also give the IM core what it
// needs to deliver to the device.
class SessionControl {
 public:
  virtual ~SessionControl() = default;
  virtual void kick(herald_reason reason, std::string text) = 0;
};

struct DeviceSession {
  std::string user;
  std::string device;    // binary device id / MQTT client id
  std::string platform;  // "ios", "android", "web", "desktop", "other", "mqtt" (or the MQTT convention's)
  Protocol protocol = Protocol::kBinary;
  uint64_t connection_id = 0;  // ConnectionInfo::id: unique per process
  uint32_t loop = 0;           // the loop that owns the connection
  std::shared_ptr<SessionControl> control;
  int64_t connected_at_ms = 0;  // wall clock
};

}  // namespace herald::gateway::session
