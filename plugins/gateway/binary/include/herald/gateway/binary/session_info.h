// Who is on the other end of one binary connection once CONNECT was accepted: what the IM core and
// the session registry key their state by.
#pragma once

#include <cstdint>
#include <string>

#include "herald/binary/frames.h"

namespace herald::gateway::binary {

struct SessionInfo {
  std::string user;    // authenticated user id (equals CONNECT.user)
  std::string device;  // CONNECT.device
  herald::binary::Platform platform = herald::binary::Platform::kUnspecified;
  std::string app_version;
  uint64_t connection_id = 0;  // ConnectionInfo::id: unique per process
  uint32_t loop = 0;           // the loop that owns the connection
  std::string listener;
  std::string peer;
  std::string session_id;      // CONNECT_ACK.session_id
  uint32_t version = 0;        // negotiated protocol version
  uint32_t features = 0;       // negotiated feature bits (herald::binary::feature)
  int64_t token_expires_at = 0;  // Unix seconds; 0 = no known end
};

// "ios", "android", "web", "desktop", "other", or "" when the client did not say.
const char* platform_name(herald::binary::Platform platform);

}  // namespace herald::gateway::binary
