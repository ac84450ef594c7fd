// The media plugin's config, parsed once into typed values; every bad value is reported with its path.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <herald/sdk.hpp>

#include "media_http_server.h"
#include "media_library.h"

namespace herald::media {

struct MediaConfig {
  HttpConfig http;
  std::string storage_dir = "media";        // relative to service.data_dir
  std::string database = "media.db";        // relative to service.data_dir
  MediaLimits limits;
  std::chrono::milliseconds sweep_interval = std::chrono::minutes(1);
  std::chrono::milliseconds dependency_timeout = std::chrono::seconds(5);  // auth and im service answers
};

MediaConfig parse_media_config(const YAML::Node& node, std::vector<std::string>& errors);
std::vector<sdk::KeySpec> media_config_keys();

}  // namespace herald::media
