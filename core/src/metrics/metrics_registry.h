// MetricsRegistry: Herald's Prometheus registry. Families are created once by name (type-checked) and
// series handles are kept by callers for the hot path; the exposer serves /metrics over HTTP.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <variant>

#include "common/result.h"

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

  // Starts serving /metrics on "address:port" (port 0 picks one). Returns the bound "address:port".
  Result<std::string> serve(const std::string& listen);
  // Every series in Prometheus text format, as /metrics serves it (for the admin API's /v1/metrics).
  std::string text() const;
  // After serve(): also report the free space of `data_dir`'s filesystem on every scrape.
  void watch_disk(const std::string& data_dir);
  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

 private:
  using AnyFamily = std::variant<prometheus::Family<prometheus::Counter>*, prometheus::Family<prometheus::Gauge>*,
                                 prometheus::Family<prometheus::Histogram>*>;
  template <class T>
  Result<prometheus::Family<T>*> family(const std::string& name, const std::string& help);
  template <class T, class... Extra>
  Result<T*> series(const std::string& name, const std::string& help, const prometheus::Labels& labels,
                    const Extra&... extra);

  std::mutex mutex_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::map<std::string, AnyFamily> families_;
  std::shared_ptr<prometheus::Collectable> process_;
  std::shared_ptr<prometheus::Collectable> disk_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

// Standard buckets for durations in seconds (50us .. 10s).
const prometheus::Histogram::BucketBoundaries& latency_buckets();

}  // namespace herald
