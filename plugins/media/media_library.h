// The media library: uploads (init, parts, resume state, complete, expiry), content-addressed media with
// reference counts (owners + message grants), and per-conversation grants. Metadata in SQLite (its own
// WAL database), bytes in a BlobStore. Thread-safe: HTTP workers, loop threads and the sweeper call it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "blob_store.h"
#include "media_error.h"
#include "sqlite_db.h"

namespace herald::media {

struct MediaLimits {
  uint64_t max_image = 20ull << 20;  // by the mime type's top-level type; "file" is everything else
  uint64_t max_audio = 100ull << 20;
  uint64_t max_video = 2ull << 30;
  uint64_t max_file = 2ull << 30;
  uint64_t default_part_size = 2ull << 20;
  uint64_t min_part_size = 64ull << 10;
  uint64_t max_part_size = 16ull << 20;
  uint32_t max_active_uploads_per_user = 16;
  uint64_t max_pending_bytes_per_user = 4ull << 30;
  std::chrono::milliseconds upload_ttl = std::chrono::hours(24);  // since the last part received
  // An instant upload needs the second hash (proof of possession, sha256.h); false: the SHA-256 alone.
  bool instant_requires_proof = true;
};

struct MediaInfo {
  std::string media_id, sha256, mime_type;
  uint64_t size = 0;
  int64_t created_ms = 0;
  int64_t refs = 0;
};

struct UploadInfo {
  std::string upload_id, user, mime_type, sha256;
  uint64_t size = 0, part_size = 0;
  uint32_t part_count = 0;
  int64_t expires_ms = 0;
  std::vector<uint32_t> parts;  // indexes present, ascending
};

struct InitRequest {
  std::string user, mime_type, sha256;  // sha256: any case; normalised
  uint64_t size = 0;
  uint64_t part_size = 0;  // 0: the default
  std::string proof;       // optional second hash (hex): SHA-256 of kProofPrefix + content
};

struct InitResult {
  std::optional<MediaInfo> instant;  // the content exists already: no upload needed (the user now owns it)
  UploadInfo upload;                 // otherwise
};

struct Completed {
  MediaInfo media;
  bool deduplicated = false;  // the content was stored already: nothing was written
};

struct Grant {
  std::string conv;
  uint64_t msg_id = 0, seq = 0;
};

// The message kind a mime type may be sent as ("image", "audio", "video"; "file" takes any).
std::string media_kind_of(std::string_view mime_type);
bool is_valid_mime_type(std::string_view mime_type);

class MediaLibrary {
 public:
  MediaLibrary(MediaLimits limits, std::unique_ptr<BlobStore> blobs, const std::string& db_path);

  InitResult init_upload(const InitRequest& req, int64_t now_ms);
  // Stores part `index` after checking its SHA-256 (hex) and size; a repeated part replaces the old one.
  // Returns the upload's state afterwards.
  UploadInfo put_part(const std::string& user, const std::string& upload_id, uint32_t index, std::string_view data,
                      std::string_view part_sha256, int64_t now_ms);
  UploadInfo upload(const std::string& user, const std::string& upload_id) const;
  // Verifies every part is there and the whole SHA-256, assembles, and makes the user an owner. Completing
  // content that exists already (a parallel upload won) answers the existing media.
  Completed complete(const std::string& user, const std::string& upload_id);
  void abort(const std::string& user, const std::string& upload_id);
  // Drops uploads whose expiry passed; returns how many.
  std::size_t expire(int64_t now_ms);
  std::size_t active_uploads() const;

  std::optional<MediaInfo> media(const std::string& media_id) const;
  bool is_owner(const std::string& media_id, const std::string& user) const;
  std::vector<Grant> grants(const std::string& media_id, std::size_t limit) const;  // newest first
  // A message in `conv` references the media: its members may download. Idempotent per msg_id.
  bool add_grant(const std::string& media_id, const Grant& grant);
  // The message was recalled: the grant goes; the content goes with its last reference.
  void revoke_grant(const std::string& media_id, uint64_t msg_id);
  std::unique_ptr<BlobReader> open(const MediaInfo& media) const { return blobs_->open(media.sha256); }

  const MediaLimits& limits() const { return limits_; }

  // After a crash: removes temporaries and parts of uploads the database no longer knows (the process
  // died between the row's deletion and the files'). Returns the number of things removed.
  std::size_t recover();

 private:
  UploadInfo load_upload(const std::string& upload_id) const;  // mutex held
  UploadInfo owned_upload(const std::string& user, const std::string& upload_id) const;
  std::optional<MediaInfo> media_by_sha(const std::string& sha256) const;  // mutex held
  std::optional<MediaInfo> media_row(const std::string& media_id) const;  // mutex held
  void add_owner(const std::string& media_id, const std::string& user);  // mutex held, in a transaction
  // refs - 1; mutex held, in a transaction. The content's SHA-256 when nothing references it any more.
  std::optional<std::string> release(const std::string& media_id);
  void delete_upload_rows(const std::string& upload_id);

  MediaLimits limits_;
  std::unique_ptr<BlobStore> blobs_;
  mutable std::mutex mutex_;
  mutable Database db_;
};

}  // namespace herald::media
