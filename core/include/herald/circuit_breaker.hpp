// A circuit breaker (closed / open / half-open) for calls from a plugin to an external dependency
// (auth callback, moderation, push, media storage): after too many failed or slow calls in a sliding
// window it fails fast for a while, then lets a few probes decide. Thread-safe; header-only SDK.
//
//   sdk::CircuitBreaker breaker("moderation", config, sdk::system_clock(),
//                               sdk::CircuitBreakerMetrics::create(host, "moderation"));
//   auto permit = breaker.acquire();
//   if (!permit) return reject(HERALD_REASON_DEPENDENCY_UNAVAILABLE, ...);   // fail fast
//   ... call ...; breaker.record(permit, ok ? Outcome::kSuccess : Outcome::kFailure);
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "herald/clock.hpp"
#include "herald/config_section.hpp"
#include "herald/sdk.hpp"

namespace herald::sdk {

struct CircuitBreakerConfig {
  enum class Window { kCount, kTime };
  Window window_type = Window::kCount;           // count: the last `window` calls; time: the last `window_time`
  uint32_t window = 20;                          // count window size
  std::chrono::milliseconds window_time{10'000};  // time window span (kept in 10 buckets)
  double failure_rate = 0.5;                     // open when failed/calls >= this (0 < x <= 1)
  std::chrono::milliseconds slow_call{1000};     // a call taking at least this long is slow
  double slow_rate = 0.5;                        // open when slow/calls >= this (0 < x <= 1)
  uint32_t min_calls = 10;                       // no verdict on fewer calls in the window (count: capped at `window`)
  std::chrono::milliseconds open_for{10'000};    // fail fast this long before probing
  uint32_t probes = 3;                           // calls let through in half-open; all must succeed to close
};

// Reads a `breaker:` map (keys as in CircuitBreakerConfig; docs in each using plugin's README).
inline void parse_circuit_breaker(const ConfigSection& r, CircuitBreakerConfig& b) {
  if (!r.present()) return;
  r.allow_keys({"window_type", "window", "window_time", "failure_rate", "slow_call", "slow_rate", "min_calls",
                "open_for", "probes"});
  r.choice("window_type", b.window_type,
           {{"count", CircuitBreakerConfig::Window::kCount}, {"time", CircuitBreakerConfig::Window::kTime}});
  r.integer("window", b.window, 1, 10'000);
  r.duration("window_time", b.window_time, false);
  r.fraction("failure_rate", b.failure_rate);
  r.duration("slow_call", b.slow_call, false);
  r.fraction("slow_rate", b.slow_rate);
  r.integer("min_calls", b.min_calls, 1, 10'000);
  r.duration("open_for", b.open_for, false);
  r.integer("probes", b.probes, 1, 1000);
  if (b.window_type == CircuitBreakerConfig::Window::kCount && b.min_calls > b.window)
    r.error("min_calls", "must not exceed window");
}

enum class CircuitState : int { kClosed = 0, kOpen = 1, kHalfOpen = 2 };

inline const char* to_string(CircuitState s) {
  switch (s) {
    case CircuitState::kClosed:
      return "closed";
    case CircuitState::kOpen:
      return "open";
    case CircuitState::kHalfOpen:
      return "half_open";
  }
  return "unknown";
}

// herald_circuit_state{target} (0 closed, 1 open, 2 half-open) and
// herald_circuit_transitions_total{target,to}. Default-constructed: no-ops (tests, no host).
struct CircuitBreakerMetrics {
  Metric state;
  std::array<Metric, 3> transitions;  // indexed by CircuitState
  // Control thread only (metric registration).
  static CircuitBreakerMetrics create(const Host& host, std::string_view target) {
    CircuitBreakerMetrics m;
    m.state = host.gauge("herald_circuit_state", "Circuit breaker state: 0 closed, 1 open, 2 half-open.",
                         {{"target", target}});
    for (auto s : {CircuitState::kClosed, CircuitState::kOpen, CircuitState::kHalfOpen})
      m.transitions[static_cast<size_t>(s)] =
          host.counter("herald_circuit_transitions_total", "Circuit breaker state changes, by new state.",
                       {{"target", target}, {"to", to_string(s)}});
    return m;
  }
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

  // Called under no lock after each transition (logging, exporting). Set before use.
  using Listener = std::function<void(CircuitState from, CircuitState to)>;

  CircuitBreaker(std::string target, CircuitBreakerConfig config, Clock& clock = system_clock(),
                 CircuitBreakerMetrics metrics = {})
      : target_(std::move(target)), config_(config), clock_(clock), metrics_(std::move(metrics)) {
    if (config_.window_type == CircuitBreakerConfig::Window::kCount)
      ring_.assign(std::max<uint32_t>(1, config_.window), 0);
    else
      buckets_.assign(kTimeBuckets, Bucket{});
    metrics_.state.set(0);
  }

  // Asks to make a call. Not granted: fail fast (the caller answers DEPENDENCY_UNAVAILABLE).
  Permit acquire() {
    std::vector<Pending> fired;
    Permit p;
    {
      std::lock_guard lock(mu_);
      maybe_half_open_locked(fired);
      switch (state_) {
        case CircuitState::kClosed:
          p.granted = true;
          break;
        case CircuitState::kOpen:
          break;
        case CircuitState::kHalfOpen:
          if (probes_out_ < std::max<uint32_t>(1, config_.probes)) {
            ++probes_out_;
            p.granted = true;
          }
          break;
      }
      p.generation = generation_;
      p.started = clock_.steady();
    }
    notify(fired);
    return p;
  }

  // Reports how the call went; its duration is measured from acquire() on the injected clock.
  void record(const Permit& permit, Outcome outcome) {
    if (!permit.granted) return;
    std::vector<Pending> fired;
    {
      std::lock_guard lock(mu_);
      if (permit.generation != generation_) return;  // started under another state: says nothing now
      const auto now = clock_.steady();
      const bool slow = now - permit.started >= config_.slow_call;
      const bool failed = outcome == Outcome::kFailure;
      if (state_ == CircuitState::kHalfOpen) {
        if (outcome == Outcome::kIgnored) {
          --probes_out_;  // give the slot back: this call proved nothing either way
        } else if (failed || slow) {
          transition_locked(CircuitState::kOpen, fired);
        } else if (++probes_ok_ >= std::max<uint32_t>(1, config_.probes)) {
          transition_locked(CircuitState::kClosed, fired);
        }
      } else if (state_ == CircuitState::kClosed && outcome != Outcome::kIgnored) {
        add_locked(failed, slow, now);
        evaluate_window_locked(now, fired);
      }
    }
    notify(fired);
  }

  CircuitState state() {  // evaluates a due open -> half-open move
    std::vector<Pending> fired;
    CircuitState s;
    {
      std::lock_guard lock(mu_);
      maybe_half_open_locked(fired);
      s = state_;
    }
    notify(fired);
    return s;
  }
  const std::string& target() const { return target_; }
  const CircuitBreakerConfig& config() const { return config_; }
  void on_transition(Listener listener) { listener_ = std::move(listener); }
  uint64_t transitions() const {
    std::lock_guard lock(mu_);
    return transitions_;
  }

 private:
  static constexpr size_t kTimeBuckets = 10;
  struct Pending {
    CircuitState from, to;
  };
  struct Bucket {
    int64_t epoch = -1;  // which bucket_ms-long slice of time it counts
    uint32_t calls = 0, failed = 0, slow = 0;
  };
  struct Totals {
    uint32_t calls = 0, failed = 0, slow = 0;
  };

  int64_t bucket_ms() const {
    return std::max<int64_t>(1, config_.window_time.count() / static_cast<int64_t>(kTimeBuckets));
  }
  static int64_t ms_of(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  }

  void add_locked(bool failed, bool slow, std::chrono::steady_clock::time_point now) {
    if (!ring_.empty()) {
      uint8_t& slot = ring_[ring_next_];
      if (ring_count_ == ring_.size()) {  // the oldest outcome leaves the window
        failed_ -= slot & 1u;
        slow_ -= (slot >> 1) & 1u;
      } else {
        ++ring_count_;
      }
      slot = static_cast<uint8_t>((failed ? 1u : 0u) | (slow ? 2u : 0u));
      failed_ += failed ? 1 : 0;
      slow_ += slow ? 1 : 0;
      ring_next_ = (ring_next_ + 1) % ring_.size();
      return;
    }
    const int64_t epoch = ms_of(now) / bucket_ms();
    Bucket& b = buckets_[static_cast<size_t>(epoch) % kTimeBuckets];
    if (b.epoch != epoch) b = Bucket{epoch, 0, 0, 0};
    ++b.calls;
    b.failed += failed ? 1 : 0;
    b.slow += slow ? 1 : 0;
  }

  Totals totals_locked(std::chrono::steady_clock::time_point now) const {
    if (!ring_.empty()) return Totals{static_cast<uint32_t>(ring_count_), failed_, slow_};
    const int64_t epoch = ms_of(now) / bucket_ms();
    Totals t;
    for (const Bucket& b : buckets_) {
      if (b.epoch < 0 || b.epoch <= epoch - static_cast<int64_t>(kTimeBuckets)) continue;  // aged out
      t.calls += b.calls;
      t.failed += b.failed;
      t.slow += b.slow;
    }
    return t;
  }

  void reset_window_locked() {
    std::fill(ring_.begin(), ring_.end(), 0);
    ring_next_ = ring_count_ = 0;
    failed_ = slow_ = 0;
    std::fill(buckets_.begin(), buckets_.end(), Bucket{});
  }

  void transition_locked(CircuitState to, std::vector<Pending>& fired) {
    if (to == state_) return;
    fired.push_back({state_, to});
    state_ = to;
    ++generation_;  // permits from the previous state no longer count
    ++transitions_;
    probes_out_ = probes_ok_ = 0;
    if (to == CircuitState::kOpen) opened_at_ = clock_.steady();
    // A fresh window once probes succeeded: the failures that opened the breaker are history.
    if (to == CircuitState::kClosed) reset_window_locked();
    metrics_.state.set(static_cast<double>(static_cast<int>(to)));
    metrics_.transitions[static_cast<size_t>(to)].add();
  }

  void maybe_half_open_locked(std::vector<Pending>& fired) {
    if (state_ == CircuitState::kOpen && clock_.steady() - opened_at_ >= config_.open_for)
      transition_locked(CircuitState::kHalfOpen, fired);
  }

  void evaluate_window_locked(std::chrono::steady_clock::time_point now, std::vector<Pending>& fired) {
    uint32_t min_calls = std::max<uint32_t>(1, config_.min_calls);
    if (!ring_.empty()) min_calls = std::min(min_calls, static_cast<uint32_t>(ring_.size()));
    const Totals t = totals_locked(now);
    if (t.calls < min_calls) return;
    const double n = static_cast<double>(t.calls);
    if (t.failed / n >= config_.failure_rate || t.slow / n >= config_.slow_rate)
      transition_locked(CircuitState::kOpen, fired);
  }

  void notify(const std::vector<Pending>& fired) const {
    if (!listener_) return;
    for (const auto& p : fired) listener_(p.from, p.to);
  }

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
  // Count window: a ring of the last `window` outcomes (bit 0 failed, bit 1 slow).
  std::vector<uint8_t> ring_;
  size_t ring_next_ = 0, ring_count_ = 0;
  uint32_t failed_ = 0, slow_ = 0;
  // Time window: kTimeBuckets slices of window_time / kTimeBuckets each.
  std::vector<Bucket> buckets_;
  // Half-open bookkeeping.
  uint32_t probes_out_ = 0, probes_ok_ = 0;
};

}  // namespace herald::sdk
