// Hot-path metric series: updates land in per-thread stripes instead of one shared atomic, and are
// folded into their Prometheus series right before every collection (MetricsRegistry::fold()).
//
// Why: prometheus-cpp's Counter and Gauge are one atomic double each (a compare-and-swap loop), and
// its Histogram takes a mutex per Observe. Two event loops updating the same series several times
// per message paid a locked instruction each time and bounced the line between cores: ~4 % of
// Herald's CPU in MQTT IM p2p. The first kOwnedStripes threads that update metrics own a stripe
// each and update it with a plain load and store (one writer: no lock prefix); later threads share
// the last stripe with atomic adds. Stripes only grow; a fold adds the growth since the last fold.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace herald {

inline constexpr size_t kOwnedStripes = 16;
inline constexpr size_t kMetricStripes = kOwnedStripes + 1;  // the last one is shared

// This thread's stripe: threads are numbered as they first update a striped series.
size_t metric_stripe();

// Adds to a cumulative value of `stripe` (never reset: its owner writes it without a locked
// instruction; the shared stripe takes an atomic add).
inline void stripe_add(std::atomic<double>& value, size_t stripe, double v) {
  if (stripe < kOwnedStripes) value.store(value.load(std::memory_order_relaxed) + v, std::memory_order_relaxed);
  else value.fetch_add(v, std::memory_order_relaxed);
}

struct alignas(64) StripeCell {
  std::atomic<double> value{0};
  void add(size_t stripe, double v) { stripe_add(value, stripe, v); }
};

// A sum kept in kMetricStripes cache lines.
class StripedSum {
 public:
  void add(double v) {
    size_t s = metric_stripe();
    cells_[s].add(s, v);
  }
  double total() const;  // everything added so far

 private:
  std::array<StripeCell, kMetricStripes> cells_;
};

// The folding interface MetricsRegistry keeps a list of.
class StripedSeries {
 public:
  virtual ~StripedSeries() = default;
  virtual void fold() = 0;  // adds what accumulated since the last fold to the Prometheus series
};

class FastCounter final : public StripedSeries {
 public:
  explicit FastCounter(prometheus::Counter& series) : series_(series) {}
  void add(double v = 1.0) {
    if (v > 0) pending_.add(v);  // a counter never goes down (prometheus-cpp ignores it too)
  }
  void fold() override;

 private:
  prometheus::Counter& series_;
  StripedSum pending_;
  double folded_ = 0;  // pending_.total() at the last fold (MetricsRegistry serialises folds)
};

class FastGauge final : public StripedSeries {
 public:
  explicit FastGauge(prometheus::Gauge& series) : series_(series) {}
  void add(double v) { pending_.add(v); }
  // Rare (sizes of tables, flags): deltas added before it are superseded by the new value.
  void set(double v);
  void fold() override;

 private:
  prometheus::Gauge& series_;
  StripedSum pending_;
  double folded_ = 0;  // pending_.total() at the last fold or set()
  std::mutex mutex_;   // orders set() and fold(), never taken by add()
};

class FastHistogram final : public StripedSeries {
 public:
  FastHistogram(prometheus::Histogram& series, prometheus::Histogram::BucketBoundaries bounds);
  void observe(double v);
  void fold() override;

 private:
  // One stripe's cumulative bucket counts (bounds.size() + 1, the last is +Inf) and then the sum, in
  // whole cache lines of its own.
  struct alignas(64) Line {
    std::atomic<double> slot[8] = {};
  };
  std::atomic<double>& slot(size_t stripe, size_t i) { return stripes_[stripe][i / 8].slot[i % 8]; }
  prometheus::Histogram& series_;
  prometheus::Histogram::BucketBoundaries bounds_;
  std::array<std::unique_ptr<Line[]>, kMetricStripes> stripes_;
  std::vector<double> folded_;  // per bucket, summed over stripes, at the last fold
  double folded_sum_ = 0;
};

}  // namespace herald
