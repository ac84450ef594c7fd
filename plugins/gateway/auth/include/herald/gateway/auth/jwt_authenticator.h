// The JWT method as an Authenticator: verifies the token in the password field (or in the username
// when the password is empty) and answers inline; HMAC needs no I/O.
#pragma once

#include "herald/gateway/auth/authenticator.h"
#include "herald/gateway/auth/clock.h"
#include "herald/gateway/auth/jwt_verifier.h"

namespace herald::gateway::auth {

class JwtAuthenticator final : public Authenticator {
 public:
  explicit JwtAuthenticator(JwtConfig config, Clock& clock = system_clock())
      : verifier_(std::move(config)), clock_(clock) {}
  void authenticate(const Credentials& credentials, AuthCallback done) override;
  std::string_view name() const override { return "jwt"; }
  // Synchronous form of authenticate().
  AuthResult check(const Credentials& credentials) const;

 private:
  JwtVerifier verifier_;
  Clock& clock_;
};

}  // namespace herald::gateway::auth
