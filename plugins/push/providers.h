// The push providers' wire formats: how a notification becomes an HTTP request (with the provider's
// auth) and what the provider's answer means (sent, dead token, transient, failed).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "notification.h"
#include "push_config.h"

namespace herald::push {

class Provider {
 public:
  virtual ~Provider() = default;
  // Worker thread. The request for `n`; nullopt with *error when no auth token could be had (the
  // blocking OAuth fetch, cached until shortly before it expires, is made here).
  virtual std::optional<HttpCall> request(const Notification& n, std::string* error) = 0;
  virtual Outcome classify(const HttpAnswer& answer) = 0;
  // False for vendors that carry notification-bar messages only (OPPO, vivo): silent pushes
  // (recall/read/delete signals) are not sent through them.
  virtual bool takes_silent() const { return true; }
};

// Reads key files; throws std::runtime_error naming the file when one is unusable.
std::unique_ptr<Provider> make_provider(const ProviderConfig& config);

// Retry-After as delta-seconds (HTTP-dates count as absent: the backoff applies).
std::chrono::milliseconds parse_retry_after(const std::string& value);

}  // namespace herald::push
