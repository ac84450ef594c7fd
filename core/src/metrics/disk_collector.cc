// DiskCollector: herald_data_dir_{free,size}_bytes from statvfs on the data directory.
#include "metrics/disk_collector.h"

#include <sys/statvfs.h>

namespace herald {

std::vector<prometheus::MetricFamily> DiskCollector::Collect() const {
  struct statvfs st{};
  if (::statvfs(data_dir_.c_str(), &st) != 0) return {};
  auto family = [&](const char* name, const char* help, double value) {
    prometheus::MetricFamily f;
    f.name = name;
    f.help = help;
    f.type = prometheus::MetricType::Gauge;
    prometheus::ClientMetric m;
    m.gauge.value = value;
    f.metric.push_back(m);
    return f;
  };
  const double block = static_cast<double>(st.f_frsize);
  return {family("herald_data_dir_free_bytes", "Bytes available to herald on the data directory's filesystem.",
                 static_cast<double>(st.f_bavail) * block),
          family("herald_data_dir_size_bytes", "Size of the data directory's filesystem in bytes.",
                 static_cast<double>(st.f_blocks) * block)};
}

}  // namespace herald
