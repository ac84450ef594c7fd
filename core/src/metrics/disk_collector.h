// DiskCollector: free and total bytes of the filesystem holding the data directory, read at scrape
// time (statvfs), so an alert fires before a full disk refuses commits.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <string>

namespace herald {

class DiskCollector : public prometheus::Collectable {
 public:
  explicit DiskCollector(std::string data_dir) : data_dir_(std::move(data_dir)) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::string data_dir_;
};

}  // namespace herald
