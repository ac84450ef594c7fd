// Bearer tokens of the media HTTP API, verified by whoever offers herald.auth.v1 (the gateway: the same
// JWTs its listeners accept). Blocking wrapper for HTTP worker threads.
#pragma once

#include <chrono>
#include <string>

#include "herald/auth_service.h"

namespace herald::media {

struct Identity {
  std::string user, device;
};

class TokenVerifier {
 public:
  explicit TokenVerifier(std::chrono::milliseconds timeout) : timeout_(timeout) {}
  void bind(const herald_auth_service_v1* service) { service_ = service; }  // start()
  bool bound() const { return service_ != nullptr; }
  // Throws MediaError: BAD_CREDENTIALS / TOKEN_EXPIRED / ... from the verifier, DEPENDENCY_UNAVAILABLE
  // when there is no verifier or it did not answer in time.
  Identity verify(const std::string& token, const std::string& peer_ip) const;

 private:
  std::chrono::milliseconds timeout_;
  const herald_auth_service_v1* service_ = nullptr;
};

}  // namespace herald::media
