// The `binary:` config parser: defaults, clamping, derived idle timeout, errors with YAML paths.
#include <catch2/catch.hpp>

#include "herald/gateway/binary/binary_config.h"

namespace herald::gateway::binary {

using namespace std::chrono_literals;

TEST_CASE("binary config: defaults") {
  ConfigErrors errors;
  auto c = parse_binary_config(YAML::Node(), "binary", errors);
  CHECK(errors.empty());
  CHECK(c.heartbeat == 30s);
  CHECK(c.idle_timeout == 75s);
  CHECK(c.connect_timeout == 10s);
  CHECK(c.max_frame_size == (1u << 20));
}

TEST_CASE("binary config: heartbeat clamps, idle timeout follows it") {
  ConfigErrors errors;
  auto c = parse_binary_config(YAML::Load("{heartbeat: 2s, heartbeat_min: 5s}"), "binary", errors);
  CHECK(errors.empty());
  CHECK(c.heartbeat == 5s);
  CHECK(c.idle_timeout == 12500ms);
  c = parse_binary_config(YAML::Load("{heartbeat: 1h}"), "binary", errors);
  CHECK(c.heartbeat == 600s);
  c = parse_binary_config(YAML::Load("{heartbeat: 4m, idle_timeout: 10m, max_frame_size: 256KiB}"), "binary", errors);
  CHECK(errors.empty());
  CHECK(c.heartbeat == 240s);
  CHECK(c.idle_timeout == 600s);
  CHECK(c.max_frame_size == 256 * 1024);
}

TEST_CASE("binary config: errors name their path") {
  ConfigErrors errors;
  parse_binary_config(YAML::Load("{heartbeat: soon, idle_timeout: 10s, max_frame_size: 10, nosuch: 1, compression: maybe}"),
                      "binary", errors);
  auto has = [&](const std::string& path, const std::string& snippet) {
    for (const auto& e : errors)
      if (e.path == path && e.message.find(snippet) != std::string::npos) return true;
    return false;
  };
  CHECK(has("binary.heartbeat", "expected a duration"));
  CHECK(has("binary.idle_timeout", "greater than heartbeat"));
  CHECK(has("binary.max_frame_size", "between 1024"));
  CHECK(has("binary.nosuch", "unknown key"));
  CHECK(has("binary.compression", "expected true or false"));
  errors.clear();
  parse_binary_config(YAML::Load("[1]"), "binary", errors);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].path == "binary");
}

}  // namespace herald::gateway::binary
