// Reads a server process's resident memory and CPU time from /proc (Linux).
#pragma once

#include <cstdint>
#include <optional>

namespace herald::bench {

struct ProcessSample {
  std::uint64_t rss_kb = 0;     // /proc/<pid>/status VmRSS
  double cpu_seconds = 0;       // /proc/<pid>/stat utime + stime
};

// nullopt when pid is 0 or the process is gone.
std::optional<ProcessSample> sample_process(int pid);

}  // namespace herald::bench
