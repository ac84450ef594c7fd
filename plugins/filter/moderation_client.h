// The optional external moderation hook: each message text is POSTed to an HTTP service by a small
// pool of worker threads (never a loop thread), behind the SDK circuit breaker. The stage defers the
// envelope and resumes it from the answer; when the service fails, is too slow, or the breaker is
// open, the configured policy decides (fail open: deliver; fail closed: refuse).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "filter_config.h"
#include "herald/circuit_breaker.hpp"
#include "herald/sdk.hpp"

namespace herald::filter {

enum class ModerationVerdict { kAllow, kReject, kUnavailable };
struct ModerationAnswer {
  ModerationVerdict verdict;
  std::string reason;  // the service's reason for a reject, or why it is unavailable
};

// herald_filter_moderation_total{result}: allow, reject, error, circuit_open, busy.
struct ModerationMetrics {
  sdk::Metric allow, reject, error, circuit_open, busy;
  static ModerationMetrics create(const sdk::Host& host);  // control thread
};

class ModerationClient {
 public:
  using Done = std::function<void(ModerationAnswer)>;
  ModerationClient(ModerationConfig config, sdk::CircuitBreakerMetrics breaker_metrics, ModerationMetrics metrics);
  ~ModerationClient();  // stop()s
  ModerationClient(const ModerationClient&) = delete;
  ModerationClient& operator=(const ModerationClient&) = delete;

  void start();
  // Answers every queued request kUnavailable, then joins the workers.
  void stop();

  // Any thread. Answers inline (kUnavailable) when the breaker is open or the queue is full;
  // otherwise later, on a worker thread. `body` is the JSON to POST.
  void check(std::string body, Done done);

  const ModerationConfig& config() const { return config_; }
  sdk::CircuitBreaker& breaker() { return breaker_; }

 private:
  struct Request {
    std::string body;
    Done done;
    sdk::CircuitBreaker::Permit permit;
  };
  void run();
  ModerationAnswer call(const std::string& body, bool& service_failed);

  const ModerationConfig config_;
  sdk::CircuitBreaker breaker_;
  ModerationMetrics metrics_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Request> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace herald::filter
