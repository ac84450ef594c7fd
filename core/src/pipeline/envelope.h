// The host's envelope: headers (well-known ':'-prefixed fields and free-form ones) plus a payload.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct herald_envelope {
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload;

  const std::string* find(std::string_view name) const {
    for (const auto& [k, v] : headers)
      if (k == name) return &v;
    return nullptr;
  }
  void set(std::string_view name, std::string_view value) {
    for (auto& [k, v] : headers) {
      if (k == name) {
        v.assign(value);
        return;
      }
    }
    headers.emplace_back(std::string(name), std::string(value));
  }
  void remove(std::string_view name) {
    std::erase_if(headers, [&](const auto& kv) { return kv.first == name; });
  }
};
