// MetricsRegistry: Herald's Prometheus registry. Families are created once by name (type-checked) and
// series handles are kept by callers for the hot path; the exposer serves /metrics over HTTP. Series
// updated per message are the Fast* ones (striped_series.h), folded in before every collection.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <variant>

#include "common/result.h"
#include "metrics/striped_series.h"

namespace herald {

class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();

  // Thread-safe. A name registered before with another type is an error.
  Result<prometheus::Counter*> counter(const std::string& name, const std::string& help,
                                       const prometheus::Labels& labels);
  Result<prometheus::Gauge*> gauge(const std::string& name, const std::string& help,
                                   const prometheus::Labels& labels);
  Result<prometheus::Histogram*> histogram(const std::string& name, const std::string& help,
                                           const prometheus::Labels& labels,
                                           const prometheus::Histogram::BucketBoundaries& buckets);

  // The same series as above, updated without shared cache lines (for per-message updates). One
  // object per series: asking twice gives the same one.
  Result<FastCounter*> fast_counter(const std::string& name, const std::string& help, const prometheus::Labels& labels);
  Result<FastGauge*> fast_gauge(const std::string& name, const std::string& help, const prometheus::Labels& labels);
  Result<FastHistogram*> fast_histogram(const std::string& name, const std::string& help,
                                        const prometheus::Labels& labels,
                                        const prometheus::Histogram::BucketBoundaries& buckets);
  // Adds what the Fast* series accumulated to their Prometheus series (collections do it first).
  void fold();

  // Starts serving /metrics on "address:port" (port 0 picks one). Returns the bound "address:port".
  Result<std::string> serve(const std::string& listen);
  // Every series in Prometheus text format, as /metrics serves it (for the admin API's /v1/metrics).
  std::string text() const;
  // After serve(): also report the free space of `data_dir`'s filesystem on every scrape.
  void watch_disk(const std::string& data_dir);
  // What the exposer collects: the registry, with the Fast* series folded in first.
  std::shared_ptr<prometheus::Collectable> registry() const { return collectable_; }

 private:
  using AnyFamily = std::variant<prometheus::Family<prometheus::Counter>*, prometheus::Family<prometheus::Gauge>*,
                                 prometheus::Family<prometheus::Histogram>*>;
  template <class T>
  Result<prometheus::Family<T>*> family(const std::string& name, const std::string& help);
  template <class T, class... Extra>
  Result<T*> series(const std::string& name, const std::string& help, const prometheus::Labels& labels,
                    const Extra&... extra);

  template <class Fast, class Series>
  Fast* fast(Series* series, const std::function<std::unique_ptr<Fast>()>& make);

  std::mutex mutex_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<prometheus::Collectable> collectable_;
  std::mutex fast_mutex_;  // the Fast* series and their folds
  std::map<const void*, std::unique_ptr<StripedSeries>> fast_;  // by the Prometheus series they feed
  std::map<std::string, AnyFamily> families_;
  std::shared_ptr<prometheus::Collectable> process_;
  std::shared_ptr<prometheus::Collectable> disk_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

// Standard buckets for durations in seconds (50us .. 10s).
const prometheus::Histogram::BucketBoundaries& latency_buckets();

}  // namespace herald
