// /proc parsing for ProcessSample: VmRSS from status, fields 14-15 of stat (after the comm field,
// which may contain spaces, so counting starts after its closing parenthesis).
#include "server_probe.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace herald::bench {

std::optional<ProcessSample> sample_process(int pid) {
  if (pid <= 0) return std::nullopt;
  ProcessSample s;
  std::string base = "/proc/" + std::to_string(pid);
  std::ifstream status(base + "/status");
  if (!status) return std::nullopt;
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) {
      s.rss_kb = std::stoull(line.substr(6));
      break;
    }
  }
  std::ifstream stat(base + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  // After the comm field: state is field 3; utime and stime are fields 14 and 15.
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  s.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  return s;
}

}  // namespace herald::bench
