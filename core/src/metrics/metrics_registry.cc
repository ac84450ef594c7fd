// MetricsRegistry over prometheus-cpp; the process collector is registered with the exposer.
#include "metrics/metrics_registry.h"

#include <prometheus/text_serializer.h>

#include "metrics/disk_collector.h"
#include "metrics/process_collector.h"

namespace herald {

namespace {
// The registry as the exposer sees it: the Fast* series are folded in before each collection.
class FoldingCollectable final : public prometheus::Collectable {
 public:
  FoldingCollectable(MetricsRegistry& owner, std::shared_ptr<prometheus::Registry> registry)
      : owner_(owner), registry_(std::move(registry)) {}
  std::vector<prometheus::MetricFamily> Collect() const override {
    owner_.fold();
    return registry_->Collect();
  }

 private:
  MetricsRegistry& owner_;
  std::shared_ptr<prometheus::Registry> registry_;
};
}  // namespace

MetricsRegistry::MetricsRegistry()
    : registry_(std::make_shared<prometheus::Registry>()),
      collectable_(std::make_shared<FoldingCollectable>(*this, registry_)) {}
MetricsRegistry::~MetricsRegistry() = default;

template <class T>
Result<prometheus::Family<T>*> MetricsRegistry::family(const std::string& name, const std::string& help) {
  std::lock_guard lock(mutex_);
  auto it = families_.find(name);
  if (it != families_.end()) {
    if (auto* f = std::get_if<prometheus::Family<T>*>(&it->second)) return *f;
    return make_error(HERALD_REASON_ALREADY_EXISTS, "metric " + name + " is already registered with another type");
  }
  try {
    prometheus::Family<T>* f = nullptr;
    if constexpr (std::is_same_v<T, prometheus::Counter>)
      f = &prometheus::BuildCounter().Name(name).Help(help).Register(*registry_);
    else if constexpr (std::is_same_v<T, prometheus::Gauge>)
      f = &prometheus::BuildGauge().Name(name).Help(help).Register(*registry_);
    else
      f = &prometheus::BuildHistogram().Name(name).Help(help).Register(*registry_);
    families_.emplace(name, f);
    return f;
  } catch (const std::exception& e) {
    return make_error(HERALD_REASON_INVALID_REQUEST, "metric " + name + ": " + e.what());
  }
}

template <class T, class... Extra>
Result<T*> MetricsRegistry::series(const std::string& name, const std::string& help, const prometheus::Labels& labels,
                                   const Extra&... extra) {
  auto f = family<T>(name, help);
  if (!f) return f.error();
  try {
    return &f.value()->Add(labels, extra...);
  } catch (const std::exception& e) {
    return make_error(HERALD_REASON_INVALID_REQUEST, "metric " + name + ": " + e.what());
  }
}

Result<prometheus::Counter*> MetricsRegistry::counter(const std::string& name, const std::string& help,
                                                      const prometheus::Labels& labels) {
  return series<prometheus::Counter>(name, help, labels);
}

Result<prometheus::Gauge*> MetricsRegistry::gauge(const std::string& name, const std::string& help,
                                                  const prometheus::Labels& labels) {
  return series<prometheus::Gauge>(name, help, labels);
}

Result<prometheus::Histogram*> MetricsRegistry::histogram(const std::string& name, const std::string& help,
                                                          const prometheus::Labels& labels,
                                                          const prometheus::Histogram::BucketBoundaries& buckets) {
  return series<prometheus::Histogram>(name, help, labels, buckets);
}

template <class Fast, class Series>
Fast* MetricsRegistry::fast(Series* series, const std::function<std::unique_ptr<Fast>()>& make) {
  std::lock_guard lock(fast_mutex_);
  auto& slot = fast_[series];
  if (!slot) slot = make();
  return static_cast<Fast*>(slot.get());
}

Result<FastCounter*> MetricsRegistry::fast_counter(const std::string& name, const std::string& help,
                                                   const prometheus::Labels& labels) {
  auto s = counter(name, help, labels);
  if (!s) return s.error();
  return fast<FastCounter>(s.value(), [&] { return std::make_unique<FastCounter>(*s.value()); });
}

Result<FastGauge*> MetricsRegistry::fast_gauge(const std::string& name, const std::string& help,
                                               const prometheus::Labels& labels) {
  auto s = gauge(name, help, labels);
  if (!s) return s.error();
  return fast<FastGauge>(s.value(), [&] { return std::make_unique<FastGauge>(*s.value()); });
}

Result<FastHistogram*> MetricsRegistry::fast_histogram(const std::string& name, const std::string& help,
                                                       const prometheus::Labels& labels,
                                                       const prometheus::Histogram::BucketBoundaries& buckets) {
  auto s = histogram(name, help, labels, buckets);
  if (!s) return s.error();
  return fast<FastHistogram>(s.value(), [&] { return std::make_unique<FastHistogram>(*s.value(), buckets); });
}

void MetricsRegistry::fold() {
  std::lock_guard lock(fast_mutex_);
  for (auto& [series, fast] : fast_) fast->fold();
}

Result<std::string> MetricsRegistry::serve(const std::string& listen) {
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(listen);
    exposer_->RegisterCollectable(collectable_);
    process_ = std::make_shared<ProcessCollector>();  // the exposer holds only a weak_ptr
    exposer_->RegisterCollectable(process_);
    auto ports = exposer_->GetListeningPorts();
    std::string host = listen.substr(0, listen.rfind(':'));
    return host + ":" + std::to_string(ports.empty() ? 0 : ports.front());
  } catch (const std::exception& e) {
    return make_error(HERALD_REASON_SERVER_UNAVAILABLE, "cannot serve metrics on " + listen + ": " + e.what());
  }
}

std::string MetricsRegistry::text() const {
  auto families = collectable_->Collect();
  for (const auto& c : {process_, disk_})
    if (c)
      for (auto& f : c->Collect()) families.push_back(std::move(f));
  return prometheus::TextSerializer().Serialize(families);
}

void MetricsRegistry::watch_disk(const std::string& data_dir) {
  if (!exposer_) return;
  disk_ = std::make_shared<DiskCollector>(data_dir);  // the exposer holds only a weak_ptr
  exposer_->RegisterCollectable(disk_);
}

const prometheus::Histogram::BucketBoundaries& latency_buckets() {
  static const prometheus::Histogram::BucketBoundaries buckets{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                               0.005,   0.01,   0.025,   0.05,   0.1,   0.25,
                                                               0.5,     1,      2.5,     5,      10};
  return buckets;
}

}  // namespace herald
