// TokenVerifier: waits (bounded) for the auth service's callback, which may come from another thread.
#include "token_verifier.h"

#include <condition_variable>
#include <memory>
#include <mutex>

#include "herald/str.hpp"
#include "media_error.h"

namespace herald::media {
namespace {

struct Pending {
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;
  uint16_t reason = 0;
  std::string user, device, text;
};

void on_verdict(void* arg, const herald_auth_verdict* v) {
  auto* holder = static_cast<std::shared_ptr<Pending>*>(arg);
  std::shared_ptr<Pending> p = std::move(*holder);
  delete holder;
  std::lock_guard lock(p->mutex);
  p->reason = v->reason;
  p->user = std::string(sdk::view(v->user));
  p->device = std::string(sdk::view(v->device));
  p->text = std::string(sdk::view(v->text));
  p->done = true;
  p->cv.notify_all();
}

}  // namespace

Identity TokenVerifier::verify(const std::string& token, const std::string& peer_ip) const {
  if (service_ == nullptr)
    throw MediaError(HERALD_REASON_DEPENDENCY_UNAVAILABLE, "no token verifier (herald.auth.v1): is the gateway loaded?");
  auto pending = std::make_shared<Pending>();
  service_->verify(service_->self, sdk::to_str(token), sdk::to_str(peer_ip), &on_verdict,
                   new std::shared_ptr<Pending>(pending));
  std::unique_lock lock(pending->mutex);
  if (!pending->cv.wait_for(lock, timeout_, [&] { return pending->done; }))
    throw MediaError(HERALD_REASON_DEPENDENCY_UNAVAILABLE, "token verification timed out");
  if (pending->reason != HERALD_REASON_OK || pending->user.empty())
    throw MediaError(pending->reason == HERALD_REASON_OK ? HERALD_REASON_BAD_CREDENTIALS
                                                         : static_cast<herald_reason>(pending->reason),
                     pending->text.empty() ? "token refused" : pending->text);
  return Identity{pending->user, pending->device};
}

}  // namespace herald::media
