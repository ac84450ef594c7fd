// The "herald.auth.v1" service table (herald/auth_service.h) over any Authenticator: how plugins with
// their own front (the media HTTP API) verify the same bearer tokens as the gateway's listeners.
#pragma once

#include <memory>

#include "herald/auth_service.h"
#include "herald/gateway/auth/authenticator.h"

namespace herald::gateway::auth {

class AuthServiceTable {
 public:
  // `listener` is the name credentials carry (HTTP callback body, verdict cache key), e.g. "service".
  AuthServiceTable(std::shared_ptr<Authenticator> authenticator, std::string listener);
  AuthServiceTable(const AuthServiceTable&) = delete;
  AuthServiceTable& operator=(const AuthServiceTable&) = delete;

  // Stays valid as long as this object (register it in init; the plugin outlives every caller).
  const herald_auth_service_v1* table() const { return &table_; }

 private:
  static void verify(void* self, herald_str token, herald_str peer_ip, herald_auth_done_fn done, void* arg);

  std::shared_ptr<Authenticator> authenticator_;
  std::string listener_;
  herald_auth_service_v1 table_{};
};

}  // namespace herald::gateway::auth
