// Media config: defaults, typed values, and every bad value reported with its path.
#include <catch2/catch.hpp>

#include "media_config.h"

using herald::media::parse_media_config;

namespace {
std::vector<std::string> errors_of(const std::string& yaml) {
  std::vector<std::string> errors;
  parse_media_config(YAML::Load(yaml), errors);
  return errors;
}
}  // namespace

TEST_CASE("media config: defaults and values") {
  std::vector<std::string> errors;
  auto c = parse_media_config(YAML::Load("{}"), errors);
  CHECK(errors.empty());
  CHECK(c.http.listen == "127.0.0.1:8090");
  CHECK(c.limits.default_part_size == 2u << 20);
  CHECK(c.limits.instant_requires_proof);
  CHECK_FALSE(c.http.tls());
  c = parse_media_config(YAML::Load("{listen: '0.0.0.0:9000', limits: {image: 1MiB}, upload_ttl: 2h, "
                                    "per_user: {max_active_uploads: 3}, instant_requires_proof: false}"),
                         errors);
  CHECK(errors.empty());
  CHECK(c.http.listen == "0.0.0.0:9000");
  CHECK(c.limits.max_image == 1u << 20);
  CHECK(c.limits.upload_ttl == std::chrono::hours(2));
  CHECK(c.limits.max_active_uploads_per_user == 3);
  CHECK_FALSE(c.limits.instant_requires_proof);
}

TEST_CASE("media config: bad values name their path") {
  CHECK(errors_of("{listen: nowhere}") == std::vector<std::string>{"listen: expected \"<host>:<port>\", got \"nowhere\""});
  CHECK(errors_of("{colour: red}").at(0).starts_with("colour: unknown key"));
  CHECK(errors_of("{limits: {video: huge}}").at(0).starts_with("limits.video: expected a size"));
  CHECK(errors_of("{parts: {default_size: 32MiB}}").at(0).starts_with("parts.default_size: must lie between"));
  CHECK(errors_of("{tls: {cert: /nonexistent.pem}}").at(0) == "tls.key: set both cert and key, or neither");
  CHECK(errors_of("{upload_ttl: 0s}").at(0) == "upload_ttl: must be greater than zero");
}
