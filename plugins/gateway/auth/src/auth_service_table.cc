// AuthServiceTable: the C trampoline from herald.auth.v1 to the gateway's Authenticator.
#include "herald/gateway/auth/auth_service_table.h"

#include "herald/str.hpp"

namespace herald::gateway::auth {

AuthServiceTable::AuthServiceTable(std::shared_ptr<Authenticator> authenticator, std::string listener)
    : authenticator_(std::move(authenticator)), listener_(std::move(listener)) {
  table_.struct_size = sizeof(table_);
  table_.self = this;
  table_.verify = &AuthServiceTable::verify;
}

void AuthServiceTable::verify(void* self, herald_str token, herald_str peer_ip, herald_auth_done_fn done, void* arg) {
  auto answer = [done, arg](const AuthResult& r) {
    herald_auth_verdict v{};
    v.struct_size = sizeof(v);
    v.reason = static_cast<uint16_t>(r.ok ? HERALD_REASON_OK : r.reason);
    v.user = sdk::to_str(r.ok ? std::string_view(r.user_id) : std::string_view());
    v.device = sdk::to_str(r.ok ? std::string_view(r.device_id) : std::string_view());
    v.expires_at = r.expires_at;
    v.text = sdk::to_str(r.text);
    done(arg, &v);
  };
  try {
    auto* me = static_cast<AuthServiceTable*>(self);
    Credentials c;
    c.password = std::string(sdk::view(token));
    c.peer_ip = std::string(sdk::view(peer_ip));
    c.listener = me->listener_;
    if (c.password.empty()) {
      answer(AuthResult::deny(HERALD_REASON_BAD_CREDENTIALS, "no token"));
      return;
    }
    me->authenticator_->authenticate(c, answer);
  } catch (const std::exception& e) {
    // Only reached before authenticate() took the callback (it never throws after calling done).
    answer(AuthResult::deny(HERALD_REASON_UNSPECIFIED_ERROR, e.what()));
  }
}

}  // namespace herald::gateway::auth
