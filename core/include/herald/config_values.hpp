// Parsers for the scalar config value forms Herald accepts (durations, sizes, rates), shared by the
// host's config checker and the plugin SDK so both read "10s" or "64KiB" the same way. Header-only.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace herald::config_values {

namespace detail {
inline std::optional<std::pair<double, std::string_view>> split_number(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) ++i;
  if (i == 0) return std::nullopt;
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + i, value);
  if (ec != std::errc() || ptr != text.data() + i || value < 0) return std::nullopt;
  std::string_view unit = text.substr(i);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  return std::make_pair(value, unit);
}
}  // namespace detail

// "250ms", "10s", "5m", "1h", "2d" (a bare number means seconds). Returns milliseconds.
inline std::optional<uint64_t> parse_duration_ms(std::string_view text) {
  auto parts = detail::split_number(text);
  if (!parts) return std::nullopt;
  auto [value, unit] = *parts;
  double scale = 0;
  if (unit == "ms") scale = 1;
  else if (unit == "s" || unit.empty()) scale = 1000;
  else if (unit == "m") scale = 60'000;
  else if (unit == "h") scale = 3'600'000;
  else if (unit == "d") scale = 86'400'000;
  else return std::nullopt;
  return static_cast<uint64_t>(value * scale);
}

// "512", "512B", "64KiB", "4MiB", "1GiB", also "64KB"/"4MB"/"1GB" (decimal). Returns bytes.
inline std::optional<uint64_t> parse_size_bytes(std::string_view text) {
  auto parts = detail::split_number(text);
  if (!parts) return std::nullopt;
  auto [value, unit] = *parts;
  double scale = 0;
  if (unit.empty() || unit == "B") scale = 1;
  else if (unit == "KiB") scale = 1024.0;
  else if (unit == "MiB") scale = 1024.0 * 1024;
  else if (unit == "GiB") scale = 1024.0 * 1024 * 1024;
  else if (unit == "KB" || unit == "kB") scale = 1e3;
  else if (unit == "MB") scale = 1e6;
  else if (unit == "GB") scale = 1e9;
  else return std::nullopt;
  return static_cast<uint64_t>(value * scale);
}

// "<n>/s", "<n>/m", "<n>/h". Returns events per second.
inline std::optional<double> parse_rate_per_second(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto parts = detail::split_number(text.substr(0, slash));
  if (!parts || !parts->second.empty()) return std::nullopt;
  std::string_view unit = text.substr(slash + 1);
  if (unit == "s") return parts->first;
  if (unit == "m") return parts->first / 60.0;
  if (unit == "h") return parts->first / 3600.0;
  return std::nullopt;
}

}  // namespace herald::config_values
