// Dispatcher: one provider endpoint's bounded queue and its worker thread, which runs a libcurl
// multi loop (HTTP/2 streams multiplexed on one connection), retries transient failures with
// backoff (honouring Retry-After), reports dead tokens, and guards the endpoint with a circuit
// breaker. submit() never blocks: a full queue drops the notification (counted).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include <herald/circuit_breaker.hpp>
#include <herald/sdk.hpp>

#include "notification.h"
#include "providers.h"
#include "push_config.h"

namespace herald::push {

struct DispatcherMetrics {
  std::map<std::string, sdk::Metric> sent;  // herald_push_sent_total{provider,result} by result
  sdk::Metric queue_depth;                  // herald_push_queue_depth{provider}
  sdk::Metric latency;                      // herald_push_latency_seconds{provider}
  sdk::Metric tokens_removed;               // herald_push_tokens_removed_total{provider}
  sdk::Metric retries;                      // herald_push_retries_total{provider}
  sdk::Metric collapsed;                    // herald_push_collapsed_total{provider}
  static DispatcherMetrics create(const sdk::Host& host, const std::string& provider);
  void count(const std::string& result);
};

class Dispatcher {
 public:
  // Called (worker thread) for a token the provider reported dead.
  using TokenGone = std::function<void(const Notification&)>;
  // A line for the operator (worker thread): breaker changes, auth failures (at most one per 10 s).
  using Warn = std::function<void(const std::string&)>;

  Dispatcher(ProviderConfig config, std::unique_ptr<Provider> provider, DispatcherMetrics metrics,
             sdk::CircuitBreakerMetrics breaker_metrics, TokenGone token_gone, Warn warn);
  ~Dispatcher();  // stops and joins; queued notifications are dropped
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  const ProviderConfig& config() const { return config_; }
  bool takes_silent() const { return provider_->takes_silent(); }
  // Any thread, never blocks. False when the queue is full (dropped, counted).
  bool submit(Notification n);
  void stop();

 private:
  struct Job {
    Notification n;
    uint32_t attempt = 0;  // tries made
  };
  struct InFlight;
  void run();
  void start_job(Job job);
  void finished(InFlight& f, HttpAnswer answer);
  void retry_later(Job job, std::chrono::milliseconds server_delay);
  // collapse_window > 0: holds a new notification for the window; a later one for the same device
  // and conversation replaces it (newest text and badge). False: not held, send now.
  bool hold(Job& job);

  ProviderConfig config_;
  std::unique_ptr<Provider> provider_;
  DispatcherMetrics metrics_;
  sdk::CircuitBreaker breaker_;
  TokenGone token_gone_;
  Warn warn_;
  std::chrono::steady_clock::time_point last_auth_warning_{};
  std::mt19937 rng_{std::random_device{}()};

  std::mutex mutex_;  // guards queue_, stopping_
  std::deque<Job> queue_;
  size_t delayed_size_hint_ = 0;  // delayed_.size() as of the worker's last pass (queue bound)
  bool stopping_ = false;
  void* multi_ = nullptr;  // CURLM*, created and used by the worker thread; wakeup from submit()

  // Worker thread only.
  std::multimap<std::chrono::steady_clock::time_point, Job> delayed_;
  std::map<void*, std::unique_ptr<InFlight>> in_flight_;  // by CURL* handle
  using Delayed = std::multimap<std::chrono::steady_clock::time_point, Job>::iterator;
  std::map<std::string, Delayed> held_;  // token + conversation -> its held notification in delayed_
  std::thread thread_;
};

}  // namespace herald::push
