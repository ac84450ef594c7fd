// MediaLibrary: upload bookkeeping and media references over SQLite; bytes go through the BlobStore
// outside the lock, so one slow disk write never blocks other users' uploads or downloads.
#include "media_library.h"

#include <algorithm>

#include "sha256.h"

namespace herald::media {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS media(media_id TEXT PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, size INTEGER NOT NULL,
  mime_type TEXT NOT NULL, created_ms INTEGER NOT NULL, refs INTEGER NOT NULL, proof TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS owners(media_id TEXT NOT NULL, user TEXT NOT NULL, PRIMARY KEY(media_id, user));
CREATE TABLE IF NOT EXISTS grants(media_id TEXT NOT NULL, conv TEXT NOT NULL, msg_id INTEGER NOT NULL,
  seq INTEGER NOT NULL, PRIMARY KEY(media_id, msg_id));
CREATE TABLE IF NOT EXISTS uploads(upload_id TEXT PRIMARY KEY, user TEXT NOT NULL, size INTEGER NOT NULL,
  mime_type TEXT NOT NULL, sha256 TEXT NOT NULL, part_size INTEGER NOT NULL, part_count INTEGER NOT NULL,
  created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS uploads_user ON uploads(user);
CREATE INDEX IF NOT EXISTS uploads_expiry ON uploads(expires_ms);
CREATE TABLE IF NOT EXISTS parts(upload_id TEXT NOT NULL, idx INTEGER NOT NULL, size INTEGER NOT NULL,
  sha256 TEXT NOT NULL, PRIMARY KEY(upload_id, idx));
)sql";

bool token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$&-^_.+").find(c) != std::string_view::npos;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace

bool is_valid_mime_type(std::string_view m) {
  // RFC 6838 type "/" subtype; parameters are not stored (the Content-Type we answer with is this).
  auto slash = m.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 >= m.size() || m.size() > 127) return false;
  for (size_t i = 0; i < m.size(); ++i)
    if (i != slash && !token_char(m[i])) return false;
  return true;
}

std::string media_kind_of(std::string_view mime_type) {
  std::string top = lower(mime_type.substr(0, mime_type.find('/')));
  if (top == "image" || top == "audio" || top == "video") return top;
  return "file";
}

MediaLibrary::MediaLibrary(MediaLimits limits, std::unique_ptr<BlobStore> blobs, const std::string& db_path)
    : limits_(limits), blobs_(std::move(blobs)), db_(db_path) {
  db_.exec(kSchema);
}

InitResult MediaLibrary::init_upload(const InitRequest& req, int64_t now_ms) {
  auto sha = normalize_sha256_hex(req.sha256);
  if (!sha) throw MediaError(HERALD_REASON_INVALID_REQUEST, "sha256 must be 64 hex digits");
  if (!is_valid_mime_type(req.mime_type))
    throw MediaError(HERALD_REASON_INVALID_REQUEST, "mime_type must be type/subtype, e.g. image/jpeg");
  if (req.size == 0) throw MediaError(HERALD_REASON_INVALID_REQUEST, "size must be at least 1 byte");
  std::string kind = media_kind_of(req.mime_type);
  uint64_t limit = kind == "image" ? limits_.max_image : kind == "audio" ? limits_.max_audio
                   : kind == "video" ? limits_.max_video : limits_.max_file;
  if (req.size > limit)
    throw MediaError(HERALD_REASON_PAYLOAD_TOO_LARGE,
                     kind + " uploads are limited to " + std::to_string(limit) + " bytes");
  uint64_t part_size = req.part_size == 0 ? limits_.default_part_size : req.part_size;
  if (part_size < limits_.min_part_size || part_size > limits_.max_part_size)
    throw MediaError(HERALD_REASON_INVALID_REQUEST, "part_size must be between " + std::to_string(limits_.min_part_size) +
                                                        " and " + std::to_string(limits_.max_part_size));
  std::optional<std::string> proof;
  if (!req.proof.empty() && !(proof = normalize_sha256_hex(req.proof)))
    throw MediaError(HERALD_REASON_INVALID_REQUEST, "proof must be 64 hex digits");
  std::lock_guard lock(mutex_);
  InitResult out;
  if (auto existing = media_by_sha(*sha)) {
    // Instant upload (lesson 14): the same content is stored once; the uploader gains its reference.
    // Without the proof (or when it is not required) the client uploads as usual and complete()
    // deduplicates, so only someone holding the bytes becomes an uploader.
    if (existing->size != req.size)
      throw MediaError(HERALD_REASON_INVALID_REQUEST, "size does not match the content with this sha256");
    auto p = db_.prepare("SELECT proof FROM media WHERE media_id = ?");
    p.bind(1, existing->media_id).step();
    if (proof && *proof != p.text(0))
      throw MediaError(HERALD_REASON_INVALID_REQUEST, "proof does not match the stored content");
    if (proof || !limits_.instant_requires_proof) {
      Transaction txn(db_);
      add_owner(existing->media_id, req.user);
      txn.commit();
      out.instant = media_by_sha(*sha);
      return out;
    }
  }
  auto count = db_.prepare("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM uploads WHERE user = ?");
  count.bind(1, req.user).step();
  if (count.u64(0) >= limits_.max_active_uploads_per_user)
    throw MediaError(HERALD_REASON_QUOTA_EXCEEDED, "too many unfinished uploads (limit " +
                                                       std::to_string(limits_.max_active_uploads_per_user) + ")");
  if (count.u64(1) + req.size > limits_.max_pending_bytes_per_user)
    throw MediaError(HERALD_REASON_QUOTA_EXCEEDED, "unfinished uploads would exceed " +
                                                       std::to_string(limits_.max_pending_bytes_per_user) + " bytes");
  UploadInfo u;
  u.upload_id = "u" + random_hex(16);
  u.user = req.user;
  u.mime_type = req.mime_type;
  u.sha256 = *sha;
  u.size = req.size;
  u.part_size = part_size;
  u.part_count = static_cast<uint32_t>((req.size + part_size - 1) / part_size);
  u.expires_ms = now_ms + limits_.upload_ttl.count();
  db_.prepare("INSERT INTO uploads(upload_id, user, size, mime_type, sha256, part_size, part_count, created_ms, "
              "expires_ms) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .bind(1, u.upload_id).bind(2, u.user).bind(3, u.size).bind(4, u.mime_type).bind(5, u.sha256)
      .bind(6, u.part_size).bind(7, u.part_count).bind(8, now_ms).bind(9, u.expires_ms)
      .run();
  out.upload = std::move(u);
  return out;
}

UploadInfo MediaLibrary::load_upload(const std::string& upload_id) const {
  auto s = db_.prepare("SELECT user, size, mime_type, sha256, part_size, part_count, expires_ms FROM uploads "
                       "WHERE upload_id = ?");
  s.bind(1, upload_id);
  if (!s.step()) throw MediaError(HERALD_REASON_NOT_FOUND, "no upload " + upload_id + " (finished or expired?)");
  UploadInfo u;
  u.upload_id = upload_id;
  u.user = s.text(0);
  u.size = s.u64(1);
  u.mime_type = s.text(2);
  u.sha256 = s.text(3);
  u.part_size = s.u64(4);
  u.part_count = static_cast<uint32_t>(s.u64(5));
  u.expires_ms = s.integer(6);
  auto p = db_.prepare("SELECT idx FROM parts WHERE upload_id = ? ORDER BY idx");
  p.bind(1, upload_id);
  while (p.step()) u.parts.push_back(static_cast<uint32_t>(p.u64(0)));
  return u;
}

UploadInfo MediaLibrary::owned_upload(const std::string& user, const std::string& upload_id) const {
  UploadInfo u = load_upload(upload_id);
  // Someone else's upload id is answered like an unknown one: ids are capabilities, not to be probed.
  if (u.user != user) throw MediaError(HERALD_REASON_NOT_FOUND, "no upload " + upload_id + " (finished or expired?)");
  return u;
}

UploadInfo MediaLibrary::put_part(const std::string& user, const std::string& upload_id, uint32_t index,
                                  std::string_view data, std::string_view part_sha256, int64_t now_ms) {
  auto want = normalize_sha256_hex(part_sha256);
  if (!want) throw MediaError(HERALD_REASON_INVALID_REQUEST, "the part's SHA-256 (X-Part-SHA256) must be 64 hex digits");
  UploadInfo u;
  {
    std::lock_guard lock(mutex_);
    u = owned_upload(user, upload_id);
  }
  if (index >= u.part_count)
    throw MediaError(HERALD_REASON_INVALID_REQUEST, "part index must be below " + std::to_string(u.part_count));
  uint64_t expected = index + 1 < u.part_count ? u.part_size : u.size - u.part_size * (u.part_count - 1);
  if (data.size() != expected)
    throw MediaError(HERALD_REASON_INVALID_REQUEST, "part " + std::to_string(index) + " must be " +
                                                        std::to_string(expected) + " bytes, got " + std::to_string(data.size()));
  std::string got = sha256_hex(data);
  if (got != *want) throw MediaError(HERALD_REASON_INVALID_REQUEST, "part checksum mismatch: nothing stored");
  blobs_->put_part(upload_id, index, data);
  std::lock_guard lock(mutex_);
  auto still = db_.prepare("SELECT 1 FROM uploads WHERE upload_id = ?");
  still.bind(1, upload_id);
  if (!still.step()) {  // aborted, completed or expired while this part was written
    blobs_->drop_parts(upload_id);
    throw MediaError(HERALD_REASON_NOT_FOUND, "no upload " + upload_id + " (finished or expired?)");
  }
  Transaction txn(db_);
  db_.prepare("INSERT OR REPLACE INTO parts(upload_id, idx, size, sha256) VALUES(?, ?, ?, ?)")
      .bind(1, upload_id).bind(2, index).bind(3, static_cast<uint64_t>(data.size())).bind(4, got).run();
  db_.prepare("UPDATE uploads SET expires_ms = ? WHERE upload_id = ?")
      .bind(1, now_ms + limits_.upload_ttl.count()).bind(2, upload_id).run();
  txn.commit();
  return load_upload(upload_id);
}

UploadInfo MediaLibrary::upload(const std::string& user, const std::string& upload_id) const {
  std::lock_guard lock(mutex_);
  return owned_upload(user, upload_id);
}

Completed MediaLibrary::complete(const std::string& user, const std::string& upload_id) {
  UploadInfo u;
  bool stored_already = false;
  {
    std::lock_guard lock(mutex_);
    u = owned_upload(user, upload_id);
    stored_already = media_by_sha(u.sha256).has_value();
  }
  if (u.parts.size() != u.part_count) {
    std::string missing;
    for (uint32_t i = 0, n = 0; i < u.part_count && n < 10; ++i)
      if (!std::binary_search(u.parts.begin(), u.parts.end(), i)) {
        missing += (missing.empty() ? "" : ",") + std::to_string(i);
        ++n;
      }
    throw MediaError(HERALD_REASON_INVALID_REQUEST, "parts missing: " + missing);
  }
  // Parallel completes of one upload assemble the same bytes into the same name: the rename is atomic,
  // so the object is whole whichever wins; the row below is written once. Content stored already is
  // only hashed, never written a second time.
  BlobStore::Hashes h = blobs_->assemble(upload_id, u.part_count, u.sha256, !stored_already);
  const std::string& got = h.sha256;
  std::lock_guard lock(mutex_);
  if (got != u.sha256) {
    delete_upload_rows(upload_id);
    blobs_->drop_parts(upload_id);
    throw MediaError(HERALD_REASON_INVALID_REQUEST, "content SHA-256 is " + got + ", not the declared " + u.sha256 +
                                                        ": upload dropped");
  }
  Transaction txn(db_);
  Completed out;
  std::string media_id;
  if (auto existing = media_by_sha(u.sha256)) {
    media_id = existing->media_id;  // stored before, or another upload of the same content finished first
    out.deduplicated = true;
  } else if (stored_already) {
    // The content went (its last reference was released) while these parts were only hashed: keep them
    // and let the client complete again, which now stores them.
    throw MediaError(HERALD_REASON_SERVER_BUSY, "the stored copy was removed meanwhile: complete again");
  } else {
    media_id = "m" + random_hex(16);
    db_.prepare("INSERT INTO media(media_id, sha256, size, mime_type, created_ms, refs, proof) VALUES(?, ?, ?, ?, "
                "CAST(strftime('%s','now') AS INTEGER) * 1000, 0, ?)")
        .bind(1, media_id).bind(2, u.sha256).bind(3, u.size).bind(4, u.mime_type).bind(5, h.proof).run();
  }
  add_owner(media_id, user);
  delete_upload_rows(upload_id);
  txn.commit();
  blobs_->drop_parts(upload_id);
  out.media = *media_row(media_id);
  return out;
}

void MediaLibrary::abort(const std::string& user, const std::string& upload_id) {
  std::lock_guard lock(mutex_);
  owned_upload(user, upload_id);
  delete_upload_rows(upload_id);
  blobs_->drop_parts(upload_id);
}

std::size_t MediaLibrary::expire(int64_t now_ms) {
  std::vector<std::string> ids;
  {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare("SELECT upload_id FROM uploads WHERE expires_ms <= ?");
    s.bind(1, now_ms);
    while (s.step()) ids.push_back(s.text(0));
    for (const auto& id : ids) delete_upload_rows(id);
  }
  for (const auto& id : ids) blobs_->drop_parts(id);
  return ids.size();
}

std::size_t MediaLibrary::recover() {
  std::size_t removed = blobs_->remove_temporaries();
  std::lock_guard lock(mutex_);
  for (const auto& id : blobs_->staged_uploads()) {
    auto s = db_.prepare("SELECT 1 FROM uploads WHERE upload_id = ?");
    s.bind(1, id);
    if (s.step()) continue;
    blobs_->drop_parts(id);
    ++removed;
  }
  return removed;
}

std::size_t MediaLibrary::active_uploads() const {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("SELECT COUNT(*) FROM uploads");
  s.step();
  return s.u64(0);
}

void MediaLibrary::delete_upload_rows(const std::string& upload_id) {
  db_.prepare("DELETE FROM parts WHERE upload_id = ?").bind(1, upload_id).run();
  db_.prepare("DELETE FROM uploads WHERE upload_id = ?").bind(1, upload_id).run();
}

std::optional<MediaInfo> MediaLibrary::media_by_sha(const std::string& sha256) const {
  auto s = db_.prepare("SELECT media_id FROM media WHERE sha256 = ?");
  s.bind(1, sha256);
  if (!s.step()) return std::nullopt;
  return media_row(s.text(0));
}

std::optional<MediaInfo> MediaLibrary::media_row(const std::string& media_id) const {
  auto q = db_.prepare("SELECT sha256, size, mime_type, created_ms, refs FROM media WHERE media_id = ?");
  q.bind(1, media_id);
  if (!q.step()) return std::nullopt;
  return MediaInfo{media_id, q.text(0), q.text(2), q.u64(1), q.integer(3), q.integer(4)};
}

std::optional<MediaInfo> MediaLibrary::media(const std::string& media_id) const {
  std::lock_guard lock(mutex_);
  return media_row(media_id);
}

bool MediaLibrary::is_owner(const std::string& media_id, const std::string& user) const {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("SELECT 1 FROM owners WHERE media_id = ? AND user = ?");
  s.bind(1, media_id).bind(2, user);
  return s.step();
}

void MediaLibrary::add_owner(const std::string& media_id, const std::string& user) {
  db_.prepare("INSERT OR IGNORE INTO owners(media_id, user) VALUES(?, ?)").bind(1, media_id).bind(2, user).run();
  if (db_.changes() > 0) db_.prepare("UPDATE media SET refs = refs + 1 WHERE media_id = ?").bind(1, media_id).run();
}

std::vector<Grant> MediaLibrary::grants(const std::string& media_id, std::size_t limit) const {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("SELECT conv, msg_id, seq FROM grants WHERE media_id = ? ORDER BY msg_id DESC LIMIT ?");
  s.bind(1, media_id).bind(2, static_cast<uint64_t>(limit));
  std::vector<Grant> out;
  while (s.step()) out.push_back(Grant{s.text(0), s.u64(1), s.u64(2)});
  return out;
}

bool MediaLibrary::add_grant(const std::string& media_id, const Grant& g) {
  std::lock_guard lock(mutex_);
  Transaction txn(db_);
  db_.prepare("INSERT OR IGNORE INTO grants(media_id, conv, msg_id, seq) VALUES(?, ?, ?, ?)")
      .bind(1, media_id).bind(2, g.conv).bind(3, g.msg_id).bind(4, g.seq).run();
  bool added = db_.changes() > 0;
  if (added) db_.prepare("UPDATE media SET refs = refs + 1 WHERE media_id = ?").bind(1, media_id).run();
  txn.commit();
  return added;
}

void MediaLibrary::revoke_grant(const std::string& media_id, uint64_t msg_id) {
  std::lock_guard lock(mutex_);
  Transaction txn(db_);
  db_.prepare("DELETE FROM grants WHERE media_id = ? AND msg_id = ?").bind(1, media_id).bind(2, msg_id).run();
  std::optional<std::string> unreferenced;
  if (db_.changes() > 0) unreferenced = release(media_id);
  txn.commit();
  if (unreferenced) blobs_->remove(*unreferenced);  // after the commit: a crash leaves a file, never a dangling row
}

std::optional<std::string> MediaLibrary::release(const std::string& media_id) {
  db_.prepare("UPDATE media SET refs = refs - 1 WHERE media_id = ?").bind(1, media_id).run();
  auto s = db_.prepare("SELECT sha256 FROM media WHERE media_id = ? AND refs <= 0");
  s.bind(1, media_id);
  if (!s.step()) return std::nullopt;
  std::string sha = s.text(0);
  db_.prepare("DELETE FROM media WHERE media_id = ?").bind(1, media_id).run();
  return sha;
}

}  // namespace herald::media
