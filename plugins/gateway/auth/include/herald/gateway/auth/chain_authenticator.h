// Tries authentication methods in configured order (e.g. JWT, then the HTTP callback) until one
// allows or one recognises the credentials as its own and refuses them (AuthResult::conclusive).
#pragma once

#include <memory>
#include <vector>

#include "herald/gateway/auth/authenticator.h"

namespace herald::gateway::auth {

class ChainAuthenticator final : public Authenticator {
 public:
  explicit ChainAuthenticator(std::vector<std::shared_ptr<Authenticator>> methods)
      : methods_(std::move(methods)) {}
  // When every method refuses, the answer is the first outage (SERVER_UNAVAILABLE, DEPENDENCY_UNAVAILABLE,
  // SERVER_BUSY: the client should retry, not re-enter a password), else the last method's refusal.
  void authenticate(const Credentials& credentials, AuthCallback done) override;
  std::string_view name() const override { return "chain"; }
  size_t size() const { return methods_.size(); }

 private:
  struct Attempt;
  static void step(const std::shared_ptr<Attempt>& attempt);
  std::vector<std::shared_ptr<Authenticator>> methods_;
};

bool is_outage(herald_reason reason);

}  // namespace herald::gateway::auth
