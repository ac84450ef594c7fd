// Process-wide logger: leveled lines on stderr, safe from any thread. Secrets never go through here
// (callers redact them before logging).
#pragma once

#include <atomic>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "herald/plugin_abi.h"

namespace herald::log {

enum class Level : int { kTrace = 0, kDebug = 1, kInfo = 2, kWarn = 3, kError = 4 };

std::optional<Level> parse_level(std::string_view text);
const char* level_name(Level level);

void set_level(Level level);
Level level();
bool enabled(Level level);
// Writes one line: "<UTC time> <LEVEL> [<component>] <message>".
void write(Level level, std::string_view component, std::string_view message);

// Builds a message with << and writes it when the statement ends, only if the level is enabled.
class Line {
 public:
  Line(Level level, std::string_view component) : level_(level), component_(component), on_(enabled(level)) {}
  ~Line() {
    if (on_) write(level_, component_, out_.str());
  }
  template <class T>
  Line& operator<<(const T& v) {
    if (on_) out_ << v;
    return *this;
  }

 private:
  Level level_;
  std::string_view component_;
  bool on_;
  std::ostringstream out_;
};

}  // namespace herald::log

#define HLOG_DEBUG(component) ::herald::log::Line(::herald::log::Level::kDebug, component)
#define HLOG_INFO(component) ::herald::log::Line(::herald::log::Level::kInfo, component)
#define HLOG_WARN(component) ::herald::log::Line(::herald::log::Level::kWarn, component)
#define HLOG_ERROR(component) ::herald::log::Line(::herald::log::Level::kError, component)
