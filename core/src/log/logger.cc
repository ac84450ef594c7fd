// Leveled stderr logging with one write(2) per line so concurrent lines never interleave.
#include "log/logger.h"

#include <sys/time.h>
#include <unistd.h>

#include <ctime>

namespace herald::log {
namespace {
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
}

std::optional<Level> parse_level(std::string_view text) {
  if (text == "trace") return Level::kTrace;
  if (text == "debug") return Level::kDebug;
  if (text == "info") return Level::kInfo;
  if (text == "warn" || text == "warning") return Level::kWarn;
  if (text == "error") return Level::kError;
  return std::nullopt;
}

const char* level_name(Level level) {
  switch (level) {
    case Level::kTrace: return "TRACE";
    case Level::kDebug: return "DEBUG";
    case Level::kInfo: return "INFO";
    case Level::kWarn: return "WARN";
    case Level::kError: return "ERROR";
  }
  return "?";
}

void set_level(Level level) { g_level.store(static_cast<int>(level), std::memory_order_relaxed); }
Level level() { return static_cast<Level>(g_level.load(std::memory_order_relaxed)); }
bool enabled(Level l) { return static_cast<int>(l) >= g_level.load(std::memory_order_relaxed); }

void write(Level l, std::string_view component, std::string_view message) {
  if (!enabled(l)) return;
  timeval tv{};
  gettimeofday(&tv, nullptr);
  tm parts{};
  gmtime_r(&tv.tv_sec, &parts);
  char stamp[40];
  size_t n = strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &parts);
  snprintf(stamp + n, sizeof(stamp) - n, ".%03dZ", static_cast<int>(tv.tv_usec / 1000));
  std::string line;
  line.reserve(message.size() + component.size() + 48);
  line.append(stamp).append(" ").append(level_name(l)).append(" [").append(component).append("] ");
  line.append(message).append("\n");
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace herald::log
