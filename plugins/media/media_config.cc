// MediaConfig parsing with ConfigSection (unknown keys and bad values rejected at load time).
#include "media_config.h"

#include <herald/config_section.hpp>

#include <charconv>
#include <fstream>

namespace herald::media {

MediaConfig parse_media_config(const YAML::Node& node, std::vector<std::string>& errors) {
  MediaConfig c;
  sdk::ConfigSection root(node, "", [&](std::string path, std::string message) {
    errors.push_back(path + ": " + message);
  });
  root.allow_keys({"listen", "tls", "threads", "idle_timeout", "max_ranges", "storage", "limits", "parts", "per_user",
                   "upload_ttl", "sweep_interval", "dependency_timeout", "instant_requires_proof"});
  if (root.string("listen", c.http.listen)) {
    auto colon = c.http.listen.rfind(':');
    uint32_t port = 0;
    std::string p = colon == std::string::npos ? "" : c.http.listen.substr(colon + 1);
    auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
    if (colon == std::string::npos || colon == 0 || p.empty() || ec != std::errc() || ptr != p.data() + p.size() ||
        port > 65535)
      root.error("listen", "expected \"<host>:<port>\", got \"" + c.http.listen + "\"");
  }
  auto tls = root.child("tls");
  tls.allow_keys({"cert", "key"});
  tls.string("cert", c.http.tls_cert);
  tls.string("key", c.http.tls_key);
  if (c.http.tls_cert.empty() != c.http.tls_key.empty())
    tls.error(c.http.tls_cert.empty() ? "cert" : "key", "set both cert and key, or neither");
  for (auto [key, file] : {std::pair{"cert", &c.http.tls_cert}, std::pair{"key", &c.http.tls_key}})
    if (!file->empty() && !std::ifstream(*file)) tls.error(key, "cannot read \"" + *file + "\"");
  root.integer("threads", c.http.threads, 1, 1024);
  root.duration("idle_timeout", c.http.timeout, false);
  root.integer("max_ranges", c.http.max_ranges, 1, 1000);

  auto storage = root.child("storage");
  storage.allow_keys({"dir", "database"});
  storage.string("dir", c.storage_dir);
  storage.string("database", c.database);
  if (c.storage_dir.empty()) storage.error("dir", "must not be empty");
  if (c.database.empty()) storage.error("database", "must not be empty");

  constexpr uint64_t kMax = uint64_t{1} << 50;
  auto limits = root.child("limits");
  limits.allow_keys({"image", "audio", "video", "file"});
  limits.size("image", c.limits.max_image, 1, kMax);
  limits.size("audio", c.limits.max_audio, 1, kMax);
  limits.size("video", c.limits.max_video, 1, kMax);
  limits.size("file", c.limits.max_file, 1, kMax);

  auto parts = root.child("parts");
  parts.allow_keys({"default_size", "min_size", "max_size"});
  parts.size("default_size", c.limits.default_part_size, 1, 1ull << 30);
  parts.size("min_size", c.limits.min_part_size, 1, 1ull << 30);
  parts.size("max_size", c.limits.max_part_size, 1, 1ull << 30);
  if (c.limits.min_part_size > c.limits.default_part_size || c.limits.default_part_size > c.limits.max_part_size)
    parts.error("default_size", "must lie between min_size and max_size");

  auto per_user = root.child("per_user");
  per_user.allow_keys({"max_active_uploads", "max_pending_bytes"});
  per_user.integer("max_active_uploads", c.limits.max_active_uploads_per_user, 1, 1000000);
  per_user.size("max_pending_bytes", c.limits.max_pending_bytes_per_user, 1, kMax);

  root.duration("upload_ttl", c.limits.upload_ttl, false);
  root.boolean("instant_requires_proof", c.limits.instant_requires_proof);
  root.duration("sweep_interval", c.sweep_interval, false);
  root.duration("dependency_timeout", c.dependency_timeout, false);
  return c;
}

std::vector<sdk::KeySpec> media_config_keys() {
  using sdk::key;
  return {
      key("listen", HERALD_CONFIG_STRING, "\"127.0.0.1:8090\"", "address of the media HTTP API"),
      key("tls", HERALD_CONFIG_MAP, "{}", "cert and key (PEM files): serve HTTPS, TLS 1.2 or newer"),
      key("threads", HERALD_CONFIG_INTEGER, "16", "HTTP worker threads (parallel requests)"),
      key("idle_timeout", HERALD_CONFIG_DURATION, "30s", "socket idle timeout of an HTTP connection"),
      key("max_ranges", HERALD_CONFIG_INTEGER, "16", "ranges served separately in one request; more are coalesced"),
      key("storage", HERALD_CONFIG_MAP, "{dir: media, database: media.db}",
          "content directory and SQLite metadata file, relative to service.data_dir"),
      key("limits", HERALD_CONFIG_MAP, "{image: 20MiB, audio: 100MiB, video: 2GiB, file: 2GiB}",
          "largest upload by the mime type's top-level type (file: all others)"),
      key("parts", HERALD_CONFIG_MAP, "{default_size: 2MiB, min_size: 64KiB, max_size: 16MiB}",
          "part size of an upload: the client's choice within min_size..max_size"),
      key("per_user", HERALD_CONFIG_MAP, "{max_active_uploads: 16, max_pending_bytes: 4GiB}",
          "unfinished uploads per user: count and declared bytes"),
      key("upload_ttl", HERALD_CONFIG_DURATION, "24h", "an unfinished upload expires this long after its last part"),
      key("instant_requires_proof", HERALD_CONFIG_BOOLEAN, "true",
          "an instant upload needs the second hash (proof of possession); false: the SHA-256 alone"),
      key("sweep_interval", HERALD_CONFIG_DURATION, "1m", "how often expired uploads are removed"),
      key("dependency_timeout", HERALD_CONFIG_DURATION, "5s", "longest wait for the token verifier or the messaging core"),
  };
}

}  // namespace herald::media
