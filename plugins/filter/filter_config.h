// The filter plugin's config, parsed once into typed fields with full YAML paths in every error.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "herald/circuit_breaker.hpp"
#include "herald/config_section.hpp"
#include "text_normalizer.h"

namespace herald::filter {

enum class Action { kMask, kReject, kFlag };
const char* to_string(Action a);

struct CategoryConfig {
  std::string name;
  Action action = Action::kReject;
  std::vector<std::string> files;  // one word per line, '#' comments
  std::vector<std::string> words;  // inline words
  bool penalize = true;            // a hit counts towards the sender's penalty
};

struct PenaltyConfig {
  uint32_t hits = 0;                              // hits within `window` that mute; 0 = never mute
  std::chrono::milliseconds window{60'000};
  std::vector<std::chrono::milliseconds> mutes{std::chrono::minutes(1), std::chrono::minutes(10),
                                               std::chrono::hours(1)};  // escalating; the last repeats
  std::chrono::milliseconds forgive_after{std::chrono::hours(24)};      // escalation resets after this quiet
  uint32_t max_users = 100'000;                   // tracked senders (bounded memory)
};

// The optional external moderation hook (moderation_client.h).
struct ModerationConfig {
  std::string url;  // empty: no moderation
  std::chrono::milliseconds timeout{1000};
  bool fail_open = true;  // on_failure: allow (deliver) or reject (DEPENDENCY_UNAVAILABLE)
  uint32_t workers = 4;
  uint32_t max_queue = 1024;
  sdk::CircuitBreakerConfig breaker;
};

struct FilterConfig {
  std::vector<CategoryConfig> categories;
  NormalizerOptions normalize;
  std::vector<std::string> fold_files;  // lines "<from> <to>"
  PenaltyConfig penalty;
  std::string mask_char = "*";
  std::vector<std::string> im_types{"text"};  // IM message kinds whose body is filtered
  bool mqtt = true;                           // filter plain MQTT publish payloads
  ModerationConfig moderation;
};

// Reads the plugin config; errors go to `report` (path, message). Word files are not read here.
FilterConfig parse_filter_config(const YAML::Node& node, const sdk::ConfigSection::Report& report);

}  // namespace herald::filter
