// Reads /proc/self/stat, /proc/self/fd and the limits for the process_* metrics.
#include "metrics/process_collector.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace herald {
namespace {

prometheus::MetricFamily gauge_family(const std::string& name, const std::string& help, double value,
                                      prometheus::MetricType type = prometheus::MetricType::Gauge) {
  prometheus::MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter) m.counter.value = value;
  else m.gauge.value = value;
  f.metric.push_back(m);
  return f;
}

double boot_time_seconds() {
  std::ifstream in("/proc/stat");
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime") {
      in >> value;
      return value;
    }
  }
  return 0;
}

}  // namespace

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  std::vector<prometheus::MetricFamily> out;
  std::ifstream stat("/proc/self/stat");
  std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // Fields after the parenthesised command name (which may contain spaces).
  auto close = content.rfind(')');
  if (close == std::string::npos) return out;
  std::istringstream fields(content.substr(close + 2));
  std::vector<std::string> f;
  std::string tok;
  while (fields >> tok) f.push_back(tok);
  // f[0] is field 3 (state); utime=14, stime=15, num_threads=20, starttime=22, vsize=23, rss=24.
  if (f.size() < 22) return out;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  double cpu = (std::stod(f[14 - 3]) + std::stod(f[15 - 3])) / ticks;
  out.push_back(gauge_family("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", cpu,
                             prometheus::MetricType::Counter));
  out.push_back(gauge_family("process_threads", "Number of OS threads in the process.", std::stod(f[20 - 3])));
  out.push_back(gauge_family("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
                             boot_time_seconds() + std::stod(f[22 - 3]) / ticks));
  out.push_back(gauge_family("process_virtual_memory_bytes", "Virtual memory size in bytes.", std::stod(f[23 - 3])));
  out.push_back(gauge_family("process_resident_memory_bytes", "Resident memory size in bytes.",
                             std::stod(f[24 - 3]) * page));
  std::error_code ec;
  double fds = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++fds;
  out.push_back(gauge_family("process_open_fds", "Number of open file descriptors.", fds));
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0)
    out.push_back(gauge_family("process_max_fds", "Maximum number of open file descriptors.",
                               static_cast<double>(lim.rlim_cur)));
  return out;
}

}  // namespace herald
