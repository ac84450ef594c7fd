// Striped metric series: per-thread accumulation and the fold into prometheus-cpp's series.
#include "metrics/striped_series.h"

#include <algorithm>

namespace herald {

size_t metric_stripe() {
  static std::atomic<size_t> next{0};
  thread_local const size_t stripe = next.fetch_add(1, std::memory_order_relaxed) % kMetricStripes;
  return stripe;
}

double StripedSum::take() {
  double sum = 0;
  for (auto& c : cells_) {
    // Only nonzero cells are written: a scrape does not pull idle lines away from their cores.
    if (c.value.load(std::memory_order_relaxed) != 0) sum += c.value.exchange(0, std::memory_order_relaxed);
  }
  return sum;
}

void FastCounter::fold() {
  double d = pending_.take();
  if (d > 0) series_.Increment(d);
}

void FastGauge::set(double v) {
  std::lock_guard lock(mutex_);
  pending_.take();
  series_.Set(v);
}

void FastGauge::fold() {
  std::lock_guard lock(mutex_);
  double d = pending_.take();
  if (d != 0) series_.Increment(d);
}

FastHistogram::FastHistogram(prometheus::Histogram& series, prometheus::Histogram::BucketBoundaries bounds)
    : series_(series), bounds_(std::move(bounds)) {
  for (auto& s : stripes_) {
    s.buckets = std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1);
    for (size_t i = 0; i <= bounds_.size(); ++i) s.buckets[i].store(0, std::memory_order_relaxed);
  }
}

void FastHistogram::observe(double v) {
  // The first bucket whose upper bound is >= v, as prometheus-cpp's Observe counts it.
  size_t bucket = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
  Stripe& s = stripes_[metric_stripe()];
  s.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  s.sum.fetch_add(v, std::memory_order_relaxed);
}

void FastHistogram::fold() {
  std::vector<double> increments(bounds_.size() + 1, 0.0);
  double sum = 0;
  bool any = false;
  for (auto& s : stripes_) {
    for (size_t i = 0; i <= bounds_.size(); ++i) {
      if (s.buckets[i].load(std::memory_order_relaxed) == 0) continue;
      increments[i] += static_cast<double>(s.buckets[i].exchange(0, std::memory_order_relaxed));
      any = true;
    }
    if (s.sum.load(std::memory_order_relaxed) != 0) {
      sum += s.sum.exchange(0, std::memory_order_relaxed);
      any = true;
    }
  }
  if (any) series_.ObserveMultiple(increments, sum);
}

}  // namespace herald
