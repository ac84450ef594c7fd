// An injectable time source for plugins (auth caches, breakers, rate limits, mutes), so tests drive
// expiry, windows and cool-downs without sleeping. Two readings: monotonic for intervals, wall time
// for timestamps. Header-only SDK.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace herald::sdk {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time for TTLs, windows and timeouts (never jumps with NTP).
  virtual std::chrono::steady_clock::time_point steady() const = 0;
  // Wall time in milliseconds since the Unix epoch, for JWT exp/nbf/iat (NumericDate).
  virtual int64_t unix_ms() const = 0;
  int64_t unix_seconds() const { return unix_ms() / 1000; }
};

// The real clocks. One shared instance: system_clock().
class SystemClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point steady() const override { return std::chrono::steady_clock::now(); }
  int64_t unix_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

inline Clock& system_clock() {
  static SystemClock clock;
  return clock;
}

// A clock that moves only when told to; both readings advance together. Thread-safe, for tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t unix_ms = 1'700'000'000'000) : unix_ms_(unix_ms) {}
  std::chrono::steady_clock::time_point steady() const override {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(steady_ms_.load()));
  }
  int64_t unix_ms() const override { return unix_ms_.load(); }
  void advance(std::chrono::milliseconds d) {
    steady_ms_ += d.count();
    unix_ms_ += d.count();
  }
  // Moves only the wall clock (an NTP step); intervals are unaffected.
  void set_unix_ms(int64_t ms) { unix_ms_ = ms; }

 private:
  std::atomic<int64_t> steady_ms_{1'000'000};
  std::atomic<int64_t> unix_ms_;
};

}  // namespace herald::sdk
