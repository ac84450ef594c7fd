// Striped metric series: per-thread accumulation and the fold into prometheus-cpp's series.
#include "metrics/striped_series.h"

#include <algorithm>

namespace herald {

size_t metric_stripe() {
  static std::atomic<size_t> next{0};
  thread_local const size_t stripe = std::min(next.fetch_add(1, std::memory_order_relaxed), kOwnedStripes);
  return stripe;
}

double StripedSum::total() const {
  double sum = 0;
  for (const auto& c : cells_) sum += c.value.load(std::memory_order_relaxed);
  return sum;
}

void FastCounter::fold() {
  double now = pending_.total();
  if (now > folded_) series_.Increment(now - folded_);
  folded_ = now;
}

void FastGauge::set(double v) {
  std::lock_guard lock(mutex_);
  folded_ = pending_.total();  // what was added before is superseded
  series_.Set(v);
}

void FastGauge::fold() {
  std::lock_guard lock(mutex_);
  double now = pending_.total();
  if (now != folded_) series_.Increment(now - folded_);
  folded_ = now;
}

FastHistogram::FastHistogram(prometheus::Histogram& series, prometheus::Histogram::BucketBoundaries bounds)
    : series_(series), bounds_(std::move(bounds)), folded_(bounds_.size() + 1, 0.0) {
  size_t lines = (bounds_.size() + 2 + 7) / 8;  // the buckets and the sum
  for (auto& s : stripes_) s = std::make_unique<Line[]>(lines);
}

void FastHistogram::observe(double v) {
  // The first bucket whose upper bound is >= v, as prometheus-cpp's Observe counts it.
  size_t bucket = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
  size_t stripe = metric_stripe();
  stripe_add(slot(stripe, bucket), stripe, 1);
  stripe_add(slot(stripe, bounds_.size() + 1), stripe, v);
}

void FastHistogram::fold() {
  const size_t buckets = bounds_.size() + 1;
  std::vector<double> now(buckets, 0.0);
  double sum = 0;
  for (size_t s = 0; s < kMetricStripes; ++s) {
    for (size_t i = 0; i < buckets; ++i) now[i] += slot(s, i).load(std::memory_order_relaxed);
    sum += slot(s, buckets).load(std::memory_order_relaxed);
  }
  std::vector<double> increments(buckets);
  bool any = false;
  for (size_t i = 0; i < buckets; ++i) {
    increments[i] = now[i] - folded_[i];
    any = any || increments[i] != 0;
  }
  if (any || sum != folded_sum_) series_.ObserveMultiple(increments, sum - folded_sum_);
  folded_ = std::move(now);
  folded_sum_ = sum;
}

}  // namespace herald
