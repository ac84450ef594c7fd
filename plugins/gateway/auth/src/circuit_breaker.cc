// Circuit breaker state machine over a count-based sliding window (see circuit_breaker.h).
#include "herald/gateway/auth/circuit_breaker.h"

#include <algorithm>

namespace herald::gateway::auth {

const char* to_string(CircuitState s) {
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

CircuitBreakerMetrics CircuitBreakerMetrics::create(const sdk::Host& host, std::string_view target) {
  CircuitBreakerMetrics m;
  m.state = host.gauge("herald_circuit_state", "Circuit breaker state: 0 closed, 1 open, 2 half-open.",
                       {{"target", target}});
  for (auto s : {CircuitState::kClosed, CircuitState::kOpen, CircuitState::kHalfOpen})
    m.transitions[static_cast<size_t>(s)] =
        host.counter("herald_circuit_transitions_total", "Circuit breaker state changes, by new state.",
                     {{"target", target}, {"to", to_string(s)}});
  return m;
}

CircuitBreaker::CircuitBreaker(std::string target, CircuitBreakerConfig config, Clock& clock,
                               CircuitBreakerMetrics metrics)
    : target_(std::move(target)), config_(config), clock_(clock), metrics_(std::move(metrics)) {
  ring_.assign(std::max<uint32_t>(1, config_.window), 0);
  metrics_.state.set(0);
}

void CircuitBreaker::transition_locked(CircuitState to, std::vector<Pending>& fired) {
  if (to == state_) return;
  fired.push_back({state_, to});
  state_ = to;
  ++generation_;  // permits from the previous state no longer count
  ++transitions_;
  probes_out_ = probes_ok_ = 0;
  if (to == CircuitState::kOpen) opened_at_ = clock_.steady();
  if (to == CircuitState::kClosed) {
    // A fresh window: the failures that opened the breaker are history once probes succeeded.
    std::fill(ring_.begin(), ring_.end(), 0);
    ring_next_ = ring_count_ = 0;
    failed_ = slow_ = 0;
  }
  metrics_.state.set(static_cast<double>(static_cast<int>(to)));
  metrics_.transitions[static_cast<size_t>(to)].add();
}

void CircuitBreaker::maybe_half_open_locked(std::vector<Pending>& fired) {
  if (state_ == CircuitState::kOpen && clock_.steady() - opened_at_ >= config_.open_for)
    transition_locked(CircuitState::kHalfOpen, fired);
}

void CircuitBreaker::evaluate_window_locked(std::vector<Pending>& fired) {
  const uint32_t min_calls =
      std::max<uint32_t>(1, std::min(config_.min_calls, static_cast<uint32_t>(ring_.size())));
  if (ring_count_ < min_calls) return;
  const double n = static_cast<double>(ring_count_);
  if (failed_ / n >= config_.failure_rate || slow_ / n >= config_.slow_rate)
    transition_locked(CircuitState::kOpen, fired);
}

void CircuitBreaker::notify(const std::vector<Pending>& fired) const {
  if (!listener_) return;
  for (const auto& p : fired) listener_(p.from, p.to);
}

CircuitBreaker::Permit CircuitBreaker::acquire() {
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

void CircuitBreaker::record(const Permit& permit, Outcome outcome) {
  if (!permit.granted) return;
  std::vector<Pending> fired;
  {
    std::lock_guard lock(mu_);
    if (permit.generation != generation_) return;  // started under another state: says nothing now
    const bool slow = clock_.steady() - permit.started >= config_.slow_call;
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
      evaluate_window_locked(fired);
    }
  }
  notify(fired);
}

CircuitState CircuitBreaker::state() {
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

uint64_t CircuitBreaker::transitions() const {
  std::lock_guard lock(mu_);
  return transitions_;
}

}  // namespace herald::gateway::auth
