// The two limiting algorithms, as plain values driven by an explicit time (tests inject it):
// a token bucket (rate + burst) and a sliding window counted in fixed N-ms buckets (seed 002
// lesson 12). try_take() answers allowed, or how long until the next call could pass.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

namespace herald::ratelimit {

using Time = std::chrono::steady_clock::time_point;
using std::chrono::milliseconds;

struct Decision {
  bool allowed = true;
  milliseconds retry_after{0};  // when refused: the earliest a retry could pass
};

class TokenBucket {
 public:
  TokenBucket(double rate_per_s, double burst, Time now) : tokens_(burst), last_(now), rate_(rate_per_s), burst_(burst) {}
  Decision try_take(Time now) {
    refill(now);
    if (tokens_ >= 1.0) {
      tokens_ -= 1.0;
      return {};
    }
    const double wait_s = (1.0 - tokens_) / rate_;
    return {false, milliseconds(static_cast<int64_t>(wait_s * 1000.0) + 1)};
  }
  // Idle long enough to be full again: forgetting it changes nothing.
  bool full_at(Time now) const { return tokens_ + seconds(now - last_) * rate_ >= burst_; }

 private:
  static double seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }
  void refill(Time now) {
    if (now > last_) {
      tokens_ = std::min(burst_, tokens_ + seconds(now - last_) * rate_);
      last_ = now;
    }
  }
  double tokens_;
  Time last_;
  double rate_, burst_;
};

class SlidingWindow {
 public:
  // `limit` calls per `window`, counted in buckets of `bucket` (window a multiple of bucket).
  SlidingWindow(uint32_t limit, milliseconds window, milliseconds bucket)
      : limit_(limit), bucket_ms_(std::max<int64_t>(1, bucket.count())),
        counts_(static_cast<size_t>(std::max<int64_t>(1, window.count() / std::max<int64_t>(1, bucket.count())))),
        epochs_(counts_.size(), -1) {}
  Decision try_take(Time now) {
    const int64_t epoch = ms(now) / bucket_ms_;
    const int64_t n = static_cast<int64_t>(counts_.size());
    uint64_t total = 0;
    int64_t oldest = epoch;
    for (size_t i = 0; i < counts_.size(); ++i) {
      if (epochs_[i] <= epoch - n) continue;  // aged out (or never used)
      total += counts_[i];
      if (counts_[i] && epochs_[i] < oldest) oldest = epochs_[i];
    }
    if (total >= limit_) {
      // The oldest counted bucket leaves the window at the start of epoch oldest + n.
      return {false, milliseconds(std::max<int64_t>(1, (oldest + n) * bucket_ms_ - ms(now)))};
    }
    const size_t slot = static_cast<size_t>(epoch % n);
    if (epochs_[slot] != epoch) {
      epochs_[slot] = epoch;
      counts_[slot] = 0;
    }
    ++counts_[slot];
    last_epoch_ = epoch;
    return {};
  }
  bool empty_at(Time now) const { return ms(now) / bucket_ms_ - last_epoch_ >= static_cast<int64_t>(counts_.size()); }

 private:
  static int64_t ms(Time t) { return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count(); }
  uint32_t limit_;
  int64_t bucket_ms_;
  std::vector<uint32_t> counts_;
  std::vector<int64_t> epochs_;
  int64_t last_epoch_ = 0;
};

}  // namespace herald::ratelimit
