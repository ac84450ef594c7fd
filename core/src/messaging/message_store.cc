#include "messaging/message_store.h"

#include <memory>

namespace herald::messaging {

namespace {
// The schema. Every counter the protocol promises never to reuse (conv seq, user version, msg id) is
// persisted in the same transaction as the rows that use it, so a kill -9 cannot hand one out twice.
constexpr const char* kSchema = R"SQL(
CREATE TABLE IF NOT EXISTS messages (
  msg_id INTEGER PRIMARY KEY, conv TEXT NOT NULL, seq INTEGER NOT NULL, sender TEXT NOT NULL,
  device TEXT NOT NULL, cmid TEXT NOT NULL, kind INTEGER NOT NULL, custom_type TEXT NOT NULL,
  body BLOB, ts INTEGER NOT NULL, recalled INTEGER NOT NULL DEFAULT 0,
  sender_version INTEGER NOT NULL DEFAULT 0, sender_prev INTEGER NOT NULL DEFAULT 0,
  UNIQUE(conv, seq));
-- Idempotency: a resend of (sender, cmid) finds the original instead of storing twice.
CREATE UNIQUE INDEX IF NOT EXISTS messages_cmid ON messages(sender, cmid);
CREATE TABLE IF NOT EXISTS conversations (conv TEXT PRIMARY KEY, last_seq INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS users (
  user TEXT PRIMARY KEY, last_version INTEGER NOT NULL, pruned_upto INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
-- A user's sync timeline: a message (msg_id) or a signal (sig_* columns), versions contiguous.
CREATE TABLE IF NOT EXISTS timeline (
  user TEXT NOT NULL, version INTEGER NOT NULL, prev_version INTEGER NOT NULL, ts INTEGER NOT NULL,
  msg_id INTEGER NOT NULL DEFAULT 0, sig_kind INTEGER NOT NULL DEFAULT 0, sig_conv TEXT, sig_msg_ids TEXT,
  sig_seq INTEGER, sig_by TEXT, sig_device TEXT,
  PRIMARY KEY(user, version)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS device_acks (
  user TEXT NOT NULL, device TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY(user, device)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS user_convs (
  user TEXT NOT NULL, conv TEXT NOT NULL, updated INTEGER NOT NULL, PRIMARY KEY(user, conv)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS read_cursors (
  user TEXT NOT NULL, conv TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY(user, conv)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tombstones (user TEXT NOT NULL, msg_id INTEGER NOT NULL, PRIMARY KEY(user, msg_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS groups (
  grp TEXT PRIMARY KEY, name TEXT NOT NULL, owner TEXT NOT NULL, created INTEGER NOT NULL,
  mute_all_until INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS members (
  grp TEXT NOT NULL, user TEXT NOT NULL, role INTEGER NOT NULL, mute_until INTEGER NOT NULL DEFAULT 0,
  join_seq INTEGER NOT NULL, PRIMARY KEY(grp, user)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS push_tokens (
  user TEXT NOT NULL, device TEXT NOT NULL, provider INTEGER NOT NULL, app_id TEXT NOT NULL,
  token TEXT NOT NULL, sandbox INTEGER NOT NULL, PRIMARY KEY(user, device)) WITHOUT ROWID;
)SQL";

// The read-only views promised to storage participants (herald/im_store_service.h): recreated at every
// open, so a participant depends on them and never on the tables above.
constexpr const char* kParticipantViews = R"SQL(
DROP VIEW IF EXISTS im_messages;
CREATE VIEW im_messages(conv, seq, sender, ts) AS SELECT conv, seq, sender, ts FROM messages;
DROP VIEW IF EXISTS im_participants;
CREATE VIEW im_participants(user, conv, join_seq, read_seq) AS
  SELECT p.user, p.conv, p.join_seq, COALESCE(r.seq, 0) FROM (
    SELECT user, conv, 0 AS join_seq FROM user_convs WHERE conv LIKE 'c2c:%'
    UNION ALL SELECT user, 'group:' || grp, join_seq FROM members) p
  LEFT JOIN read_cursors r ON r.user = p.user AND r.conv = p.conv;
DROP VIEW IF EXISTS im_read_cursors;
CREATE VIEW im_read_cursors(user, conv, seq) AS SELECT user, conv, seq FROM read_cursors;
)SQL";

void check(sqlite3* db, int rc, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    throw StorageError(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
}
}  // namespace

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  check(db_, sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr), "prepare");
}
Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  return *this;
}
Statement& Statement::bind(int index, int64_t value) {
  check(db_, sqlite3_bind_int64(stmt_, index, value), "bind");
  return *this;
}
Statement& Statement::bind(int index, std::string_view text) {
  check(db_, sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT), "bind");
  return *this;
}
Statement& Statement::bind_blob(int index, const void* data, size_t size) {
  check(db_, sqlite3_bind_blob(stmt_, index, size ? data : "", static_cast<int>(size), SQLITE_TRANSIENT), "bind");
  return *this;
}
bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  std::string msg = sqlite3_errmsg(db_);
  sqlite3_reset(stmt_);
  throw StorageError("step: " + msg);
}
std::string Statement::text(int col) const {
  auto* p = sqlite3_column_text(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
           : std::string();
}
std::vector<uint8_t> Statement::blob(int col) const {
  auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, col));
  return p ? std::vector<uint8_t>(p, p + sqlite3_column_bytes(stmt_, col)) : std::vector<uint8_t>();
}

MessageStore::MessageStore(const std::string& file, Synchronous synchronous) {
  int rc = sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw StorageError("cannot open " + file + ": " + msg);
  }
  sqlite3_busy_timeout(db_, 5000);
  // WAL: readers (a future admin tool, backups) never block the writer; FULL syncs the WAL on every
  // commit so an acked message survives power loss (NORMAL survives only a process crash).
  exec("PRAGMA journal_mode=WAL");
  exec(synchronous == Synchronous::kFull ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  exec("PRAGMA foreign_keys=OFF");
  exec(kSchema);
  exec(kParticipantViews);
}

MessageStore::~MessageStore() {
  cache_.clear();
  if (db_) sqlite3_close(db_);
}

Statement& MessageStore::sql(const char* text) {
  auto& slot = cache_[text];
  if (!slot) slot = std::make_unique<Statement>(db_, text);
  return slot->reset();
}

void MessageStore::exec(const char* text) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, text, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw StorageError(msg);
  }
}

void MessageStore::commit() {
  for (auto& [text, statement] : cache_) statement->reset();
  exec("COMMIT");
}

void MessageStore::rollback() {
  if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

uint64_t MessageStore::max_msg_id() {
  auto& s = sql("SELECT COALESCE(MAX(msg_id), 0) FROM messages");
  return s.step() ? s.u64(0) : 0;
}

uint64_t MessageStore::conv_last_seq(std::string_view conv) {
  auto& s = sql("SELECT last_seq FROM conversations WHERE conv = ?");
  s.bind(1, conv);
  return s.step() ? s.u64(0) : 0;
}

uint64_t MessageStore::next_conv_seq(std::string_view conv) {
  auto& s = sql("INSERT INTO conversations(conv, last_seq) VALUES(?, 1) "
                "ON CONFLICT(conv) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq");
  s.bind(1, conv);
  if (!s.step()) throw StorageError("next_conv_seq: no row");
  uint64_t seq = s.u64(0);
  s.run();
  return seq;
}

uint64_t MessageStore::user_last_version(std::string_view user) {
  auto& s = sql("SELECT last_version FROM users WHERE user = ?");
  s.bind(1, user);
  return s.step() ? s.u64(0) : 0;
}

uint64_t MessageStore::next_user_version(std::string_view user, uint64_t* prev) {
  auto& s = sql("INSERT INTO users(user, last_version) VALUES(?, 1) "
                "ON CONFLICT(user) DO UPDATE SET last_version = last_version + 1 RETURNING last_version");
  s.bind(1, user);
  if (!s.step()) throw StorageError("next_user_version: no row");
  uint64_t v = s.u64(0);
  s.run();
  if (prev) *prev = v - 1;
  return v;
}

uint64_t MessageStore::user_pruned_upto(std::string_view user) {
  auto& s = sql("SELECT pruned_upto FROM users WHERE user = ?");
  s.bind(1, user);
  return s.step() ? s.u64(0) : 0;
}

uint64_t MessageStore::read_cursor(std::string_view user, std::string_view conv) {
  auto& s = sql("SELECT seq FROM read_cursors WHERE user = ? AND conv = ?");
  s.bind(1, user).bind(2, conv);
  return s.step() ? s.u64(0) : 0;
}

std::map<std::string, uint64_t> MessageStore::all_user_versions() {
  std::map<std::string, uint64_t> out;
  auto& s = sql("SELECT user, last_version FROM users");
  while (s.step()) out[s.text(0)] = s.u64(1);
  return out;
}

void MessageStore::touch_user_conv(std::string_view user, std::string_view conv, uint64_t ts_ms) {
  sql("INSERT INTO user_convs(user, conv, updated) VALUES(?, ?, ?) "
      "ON CONFLICT(user, conv) DO UPDATE SET updated = excluded.updated")
      .bind(1, user).bind(2, conv).bind(3, ts_ms).run();
}

}  // namespace herald::messaging
