// Duration, size and rate parsing shared by the host and the SDK.
#include <catch2/catch.hpp>

#include "herald/config_values.hpp"

using namespace herald::config_values;

TEST_CASE("durations parse with units and reject nonsense") {
  CHECK(parse_duration_ms("250ms") == 250u);
  CHECK(parse_duration_ms("10s") == 10000u);
  CHECK(parse_duration_ms("1.5s") == 1500u);
  CHECK(parse_duration_ms("5m") == 300000u);
  CHECK(parse_duration_ms("2h") == 7200000u);
  CHECK(parse_duration_ms("1d") == 86400000u);
  CHECK(parse_duration_ms("30") == 30000u);
  CHECK_FALSE(parse_duration_ms("fast"));
  CHECK_FALSE(parse_duration_ms("10 parsecs"));
  CHECK_FALSE(parse_duration_ms("-1s"));
  CHECK_FALSE(parse_duration_ms(""));
}

TEST_CASE("sizes parse binary and decimal units") {
  CHECK(parse_size_bytes("512") == 512u);
  CHECK(parse_size_bytes("64KiB") == 65536u);
  CHECK(parse_size_bytes("4MiB") == 4u * 1024 * 1024);
  CHECK(parse_size_bytes("1GiB") == 1024ull * 1024 * 1024);
  CHECK(parse_size_bytes("64KB") == 64000u);
  CHECK_FALSE(parse_size_bytes("big"));
  CHECK_FALSE(parse_size_bytes("4XB"));
}

TEST_CASE("rates parse as <n>/<unit>") {
  CHECK(parse_rate_per_second("100/s") == Approx(100));
  CHECK(parse_rate_per_second("60/m") == Approx(1));
  CHECK(parse_rate_per_second("3600/h") == Approx(1));
  CHECK_FALSE(parse_rate_per_second("fast"));
  CHECK_FALSE(parse_rate_per_second("10/fortnight"));
  CHECK_FALSE(parse_rate_per_second("/s"));
}
