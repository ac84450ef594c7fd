// ProcessCollector: the standard process_* metrics (CPU, memory, fds, threads, start time) read from
// /proc/self at scrape time; prometheus-cpp has no such collector of its own.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

namespace herald {

class ProcessCollector : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace herald
