// A circuit breaker (closed / open / half-open) for calls to an external dependency: after too many
// failed or slow calls in a sliding window it fails fast for a while, then lets a few probes decide.
// Reusable beyond auth (push, moderation, storage hooks); depends only on the SDK's Metric.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "herald/gateway/auth/clock.h"
#include "herald/sdk.hpp"

namespace herald::gateway::auth {

struct CircuitBreakerConfig {
  uint32_t window = 20;                        // the last N calls form the sliding window
  double failure_rate = 0.5;                   // open when failed/calls >= this (0 < x <= 1)
  std::chrono::milliseconds slow_call{1000};   // a call taking at least this long is slow
  double slow_rate = 0.5;                      // open when slow/calls >= this (0 < x <= 1)
  uint32_t min_calls = 10;                     // no verdict on fewer calls in the window (capped at `window`)
  std::chrono::milliseconds open_for{10'000};  // fail fast this long before probing
  uint32_t probes = 3;                         // calls let through in half-open; all must succeed to close
};

enum class CircuitState : int { kClosed = 0, kOpen = 1, kHalfOpen = 2 };
const char* to_string(CircuitState s);

// herald_circuit_state{target} (0 closed, 1 open, 2 half-open) and
// herald_circuit_transitions_total{target,to}. Default-constructed: no-ops (tests, no host).
struct CircuitBreakerMetrics {
  sdk::Metric state;
  std::array<sdk::Metric, 3> transitions;  // indexed by CircuitState
  // Control thread only (metric registration).
  static CircuitBreakerMetrics create(const sdk::Host& host, std::string_view target);
};

class CircuitBreaker {
 public:
  // A ticket for one call. Hand it back through record(); results of calls started before the breaker
  // last changed state are ignored, so a straggler from the closed era cannot close a half-open breaker.
  struct Permit {
    bool granted = false;
    uint64_t generation = 0;
    std::chrono::steady_clock::time_point started{};
    explicit operator bool() const { return granted; }
  };
  enum class Outcome { kSuccess, kFailure, kIgnored };  // kIgnored: frees a half-open slot, counts nothing

  using Listener = std::function<void(CircuitState from, CircuitState to)>;

  CircuitBreaker(std::string target, CircuitBreakerConfig config, Clock& clock = system_clock(),
                 CircuitBreakerMetrics metrics = {});

  // Asks to make a call. Not granted: fail fast (the caller answers DEPENDENCY_UNAVAILABLE).
  Permit acquire();
  // Reports how the call went; its duration is measured from acquire() on the injected clock.
  void record(const Permit& permit, Outcome outcome);

  CircuitState state();  // evaluates a due open -> half-open move
  const std::string& target() const { return target_; }
  const CircuitBreakerConfig& config() const { return config_; }
  // Called under no lock after each transition (for logging). Set before use; not thread-safe to change.
  void on_transition(Listener listener) { listener_ = std::move(listener); }
  uint64_t transitions() const;

 private:
  struct Pending {
    CircuitState from, to;
  };
  void transition_locked(CircuitState to, std::vector<Pending>& fired);
  void maybe_half_open_locked(std::vector<Pending>& fired);
  void evaluate_window_locked(std::vector<Pending>& fired);
  void notify(const std::vector<Pending>& fired) const;

  const std::string target_;
  const CircuitBreakerConfig config_;
  Clock& clock_;
  CircuitBreakerMetrics metrics_;
  Listener listener_;

  mutable std::mutex mu_;
  CircuitState state_ = CircuitState::kClosed;
  uint64_t generation_ = 1;
  uint64_t transitions_ = 0;
  std::chrono::steady_clock::time_point opened_at_{};
  // Sliding window: a ring of the last `window` outcomes (bit 0 failed, bit 1 slow).
  std::vector<uint8_t> ring_;
  size_t ring_next_ = 0, ring_count_ = 0;
  uint32_t failed_ = 0, slow_ = 0;
  // Half-open bookkeeping.
  uint32_t probes_out_ = 0, probes_ok_ = 0;
};

}  // namespace herald::gateway::auth
