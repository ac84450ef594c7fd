// Adapts JwtVerifier to the Authenticator interface.
#include "herald/gateway/auth/jwt_authenticator.h"

namespace herald::gateway::auth {

AuthResult JwtAuthenticator::check(const Credentials& c) const {
  // MQTT clients put the token in the password; some can only set a username.
  const std::string& token = c.password.empty() ? c.username : c.password;
  JwtVerifyResult v = verifier_.verify(token, clock_.unix_seconds(), c.client_id);
  if (!v.ok) return AuthResult::deny(v.reason, std::move(v.error), v.signature_valid);
  std::string device = v.claims.dev.empty() ? c.client_id : v.claims.dev;
  return AuthResult::allow(std::move(v.claims.sub), std::move(device), v.claims.exp);
}

void JwtAuthenticator::authenticate(const Credentials& credentials, AuthCallback done) {
  done(check(credentials));
}

}  // namespace herald::gateway::auth
