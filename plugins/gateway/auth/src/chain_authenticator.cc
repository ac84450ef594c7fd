// Ordered fallback over authentication methods (see chain_authenticator.h).
#include "herald/gateway/auth/chain_authenticator.h"

#include <optional>

namespace herald::gateway::auth {

bool is_outage(herald_reason reason) {
  return reason == HERALD_REASON_SERVER_UNAVAILABLE || reason == HERALD_REASON_DEPENDENCY_UNAVAILABLE ||
         reason == HERALD_REASON_SERVER_BUSY || reason == HERALD_REASON_TIMEOUT;
}

struct ChainAuthenticator::Attempt {
  std::vector<std::shared_ptr<Authenticator>> methods;  // shared: the chain may be replaced meanwhile
  Credentials credentials;
  AuthCallback done;
  size_t next = 0;
  std::optional<AuthResult> outage, last;
};

void ChainAuthenticator::step(const std::shared_ptr<Attempt>& a) {
  if (a->next >= a->methods.size()) {
    AuthResult r =
        a->outage ? std::move(*a->outage)
        : a->last ? std::move(*a->last)
                  : AuthResult::deny(HERALD_REASON_NOT_AUTHORIZED, "no authentication method configured");
    a->done(std::move(r));
    return;
  }
  Authenticator& method = *a->methods[a->next++];
  // Each method may answer inline or from its own thread; the next step runs wherever it answered.
  method.authenticate(a->credentials, [a](AuthResult r) {
    if (r.ok || r.conclusive) {
      a->done(std::move(r));
      return;
    }
    if (is_outage(r.reason)) {
      if (!a->outage) a->outage = std::move(r);
    } else {
      a->last = std::move(r);
    }
    step(a);
  });
}

void ChainAuthenticator::authenticate(const Credentials& credentials, AuthCallback done) {
  auto a = std::make_shared<Attempt>();
  a->methods = methods_;
  a->credentials = credentials;
  a->done = std::move(done);
  step(a);
}

}  // namespace herald::gateway::auth
