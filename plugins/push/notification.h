// One notification for one device, as the providers format it, and what a provider's answer means.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace herald::push {

struct Notification {
  std::string user, device;  // who (for token removal)
  uint32_t provider = 0;     // binary PushProvider of the token
  std::string app_id, token;
  bool sandbox = false;
  bool silent = false;       // background sync (recall/read/delete): no alert, low priority
  std::string title, body;
  uint32_t badge = 0;
  std::string conv, msg_id;  // custom data
  std::string collapse_id;   // "" = no collapse
  uint32_t collapsed = 1;    // messages this notification stands for (burst collapse)
};

// One HTTP request a provider wants sent.
struct HttpCall {
  std::string url;
  std::vector<std::string> headers;  // "name: value"
  std::string body;
  bool http2 = false;                // APNs: HTTP/2 only
};

struct HttpAnswer {
  long status = 0;        // 0: no answer (connect failure, timeout)
  bool timed_out = false;
  std::string body;
  std::string retry_after;  // Retry-After header, if any
  std::string error;        // transport error text
};

// What an answer means for the notification.
struct Outcome {
  enum Kind { kSent, kInvalidToken, kRetry, kFailed } kind = kFailed;
  std::chrono::milliseconds retry_after{0};  // kRetry: server's Retry-After (0 = use backoff)
  bool reauth = false;                       // kRetry: the auth token was refused; fetch a new one
  std::string reason;                        // metrics/log label: ok, invalid_token, throttled, ...
};

}  // namespace herald::push
