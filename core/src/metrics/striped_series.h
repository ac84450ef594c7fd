// Hot-path metric series: updates land in per-thread stripes instead of one shared atomic, and are
// folded into their Prometheus series right before every collection (MetricsRegistry::fold()).
//
// Why: prometheus-cpp's Counter and Gauge are one atomic double each (a compare-and-swap loop), and
// its Histogram takes a mutex per Observe. Two event loops updating the same series per message
// bounced its cache line between cores: ~4 % of Herald's CPU in MQTT IM p2p. A stripe is written by
// the threads that map to it only (one, up to kStripes threads), so the line stays in its core.
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

inline constexpr size_t kMetricStripes = 8;

// This thread's stripe: threads are numbered as they first update a striped series.
size_t metric_stripe();

// A sum kept in kMetricStripes cache lines; take() returns it and starts again from zero.
class StripedSum {
 public:
  void add(double v) { cells_[metric_stripe()].value.fetch_add(v, std::memory_order_relaxed); }
  double take();

 private:
  struct alignas(64) Cell {
    std::atomic<double> value{0};
  };
  std::array<Cell, kMetricStripes> cells_;
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
  std::mutex mutex_;  // orders set() and fold(), never taken by add()
};

class FastHistogram final : public StripedSeries {
 public:
  FastHistogram(prometheus::Histogram& series, prometheus::Histogram::BucketBoundaries bounds);
  void observe(double v);
  void fold() override;

 private:
  struct alignas(64) Stripe {
    std::unique_ptr<std::atomic<uint64_t>[]> buckets;  // bounds.size() + 1 (the last is +Inf)
    std::atomic<double> sum{0};
  };
  prometheus::Histogram& series_;
  prometheus::Histogram::BucketBoundaries bounds_;
  std::array<Stripe, kMetricStripes> stripes_;
};

}  // namespace herald
