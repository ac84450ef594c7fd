#include "messaging/message_store.h"

#include <algorithm>
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

// Entries kept per cache between batches (memory bound; ~100 bytes each).
constexpr size_t kCacheLimit = 200000;

std::string pair_key(std::string_view a, std::string_view b) {
  std::string key;
  key.reserve(a.size() + 1 + b.size());
  key.append(a).push_back('\0');
  key.append(b);
  return key;
}
}  // namespace

void RowCache::remember(const std::string& key, const Slot& slot) {
  if (job_open_) undo_.emplace_back(key, slot);
}

void RowCache::set(const std::string& key, Slot& slot, uint64_t value) {
  remember(key, slot);
  ++changes_;
  slot.value = value;
  if (!slot.dirty) {
    slot.dirty = true;
    dirty_.push_back(key);
  }
}

void RowCache::created(const std::string& key, Slot& slot, uint64_t value) {
  if (job_open_) undo_.emplace_back(key, std::nullopt);  // the row goes with the job's savepoint
  ++changes_;
  slot.value = slot.stored = value;
  slot.in_db = true;
}

void RowCache::job_undo() {
  for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
    if (it->second) {
      map_[it->first] = *it->second;
    } else {
      map_.erase(it->first);
    }
  }
  undo_.clear();
  job_open_ = false;
}

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
Statement& Statement::bind_static(int index, std::string_view text) {
  check(db_, sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC), "bind");
  return *this;
}
Statement& Statement::bind_blob_static(int index, const void* data, size_t size) {
  check(db_, sqlite3_bind_blob(stmt_, index, size ? data : "", static_cast<int>(size), SQLITE_STATIC), "bind");
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

void configure_sqlite_process() {
  // Fails only once SQLite is initialised (a second call): the default is then kept, which is correct.
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
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
  // A batch of a few thousand sends dirties more pages than SQLite's default 2 MB cache: it then
  // spills pages to the WAL mid-transaction and re-reads them (pread) afterwards. 64 MB holds a
  // batch's working set (the memory is used only as the database grows into it).
  exec("PRAGMA cache_size=-65536");
  // Every job runs in a savepoint, whose sub-journal (the pages it changes, as they were) spills to
  // a temporary file past 64 KB: one pwrite per page and an ftruncate per RELEASE. In memory it is a
  // memcpy (bounded by one job's pages).
  exec("PRAGMA temp_store=MEMORY");
  // Checkpoint every ~40 MB of WAL instead of every 4 MB: pages rewritten by many commits (b-tree
  // interiors, the leaves of active timelines) are copied back to the database once, not ten times.
  exec("PRAGMA wal_autocheckpoint=10000");
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
  flush();
  for (auto& [text, statement] : cache_) statement->reset();
  sql("COMMIT").run();
  trim_caches();
}

void MessageStore::rollback() {
  for (auto* c : caches()) c->clear();
  for (auto& [text, statement] : cache_) statement->reset();
  if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

uint64_t MessageStore::writes() const {
  uint64_t n = static_cast<uint64_t>(sqlite3_total_changes64(db_));
  for (const auto* c : caches()) n += c->changes();
  return n;
}

void MessageStore::savepoint() {
  sql("SAVEPOINT job").run();
  for (auto* c : caches()) c->job_begin();
}

void MessageStore::release() {
  sql("RELEASE job").run();
  for (auto* c : caches()) c->job_keep();
}

void MessageStore::rollback_savepoint() {
  for (auto* c : caches()) c->job_undo();
  sql("ROLLBACK TO job").run();
  sql("RELEASE job").run();
}

void MessageStore::flush() {
  conv_seqs_.flush([&](const std::string& conv, const RowCache::Slot& slot) {
    sql("INSERT INTO conversations(conv, last_seq) VALUES(?, ?) "
        "ON CONFLICT(conv) DO UPDATE SET last_seq = excluded.last_seq")
        .bind_static(1, conv).bind(2, slot.value).run();
  });
  user_versions_.flush([&](const std::string& user, const RowCache::Slot& slot) {
    sql("INSERT INTO users(user, last_version) VALUES(?, ?) "
        "ON CONFLICT(user) DO UPDATE SET last_version = excluded.last_version")
        .bind_static(1, user).bind(2, slot.value).run();
  });
  auto split = [](const std::string& key) {
    auto at = key.find('\0');
    return std::pair{std::string_view(key).substr(0, at), std::string_view(key).substr(at + 1)};
  };
  device_acks_.flush([&](const std::string& key, const RowCache::Slot& slot) {
    auto [user, device] = split(key);
    sql("INSERT INTO device_acks(user, device, version) VALUES(?, ?, ?) ON CONFLICT(user, device) "
        "DO UPDATE SET version = MAX(version, excluded.version)")
        .bind_static(1, user).bind_static(2, device).bind(3, slot.value).run();
  });
  user_convs_.flush([&](const std::string& key, const RowCache::Slot& slot) {
    auto [user, conv] = split(key);
    sql("UPDATE user_convs SET updated = ? WHERE user = ? AND conv = ?")
        .bind(1, slot.value).bind_static(2, user).bind_static(3, conv).run();
  });
}

void MessageStore::trim_caches() {
  for (auto* c : caches()) c->trim(kCacheLimit);
}

uint64_t MessageStore::max_msg_id() {
  auto& s = sql("SELECT COALESCE(MAX(msg_id), 0) FROM messages");
  return s.step() ? s.u64(0) : 0;
}

bool MessageStore::load_integer(const char* query, std::string_view a, std::optional<std::string_view> b,
                                uint64_t& v) {
  auto& s = sql(query);
  s.bind_static(1, a);
  if (b) s.bind_static(2, *b);
  bool found = s.step();
  v = found ? s.u64(0) : 0;
  s.reset();
  return found;
}

RowCache::Slot& MessageStore::conv_slot(const std::string& conv) {
  return conv_seqs_.get(conv, [&](uint64_t& v) {
    return load_integer("SELECT last_seq FROM conversations WHERE conv = ?", conv, std::nullopt, v);
  });
}

uint64_t MessageStore::conv_last_seq(std::string_view conv) { return conv_slot(std::string(conv)).value; }

uint64_t MessageStore::next_conv_seq(std::string_view conv) {
  std::string key(conv);
  auto& slot = conv_slot(key);
  conv_seqs_.set(key, slot, slot.value + 1);
  return slot.value;
}

RowCache::Slot& MessageStore::user_slot(const std::string& user) {
  return user_versions_.get(user, [&](uint64_t& v) {
    return load_integer("SELECT last_version FROM users WHERE user = ?", user, std::nullopt, v);
  });
}

uint64_t MessageStore::user_last_version(std::string_view user) { return user_slot(std::string(user)).value; }

uint64_t MessageStore::next_user_version(std::string_view user, uint64_t* prev) {
  std::string key(user);
  auto& slot = user_slot(key);
  if (prev) *prev = slot.value;
  user_versions_.set(key, slot, slot.value + 1);
  return slot.value;
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
  flush();
  std::map<std::string, uint64_t> out;
  auto& s = sql("SELECT user, last_version FROM users");
  while (s.step()) out[s.text(0)] = s.u64(1);
  return out;
}

void MessageStore::touch_user_conv(std::string_view user, std::string_view conv, uint64_t ts_ms) {
  std::string key = pair_key(user, conv);
  auto& slot = user_convs_.get(key, [](uint64_t&) { return false; });
  if (slot.in_db) return user_convs_.set(key, slot, ts_ms);
  // Not known to exist: written now, so views and count_unread see the conversation in this job.
  sql("INSERT INTO user_convs(user, conv, updated) VALUES(?, ?, ?) "
      "ON CONFLICT(user, conv) DO UPDATE SET updated = excluded.updated")
      .bind(1, user).bind(2, conv).bind(3, ts_ms).run();
  user_convs_.created(key, slot, ts_ms);
}

RowCache::Slot& MessageStore::device_slot(const std::string& key, std::string_view user, std::string_view device) {
  return device_acks_.get(key, [&](uint64_t& v) {
    return load_integer("SELECT version FROM device_acks WHERE user = ? AND device = ?", user, device, v);
  });
}

uint64_t MessageStore::device_ack(std::string_view user, std::string_view device) {
  return device_slot(pair_key(user, device), user, device).value;
}

void MessageStore::ack_device(std::string_view user, std::string_view device, uint64_t version) {
  std::string key = pair_key(user, device);
  auto& slot = device_slot(key, user, device);
  if (slot.in_db && version <= slot.value) return;
  device_acks_.set(key, slot, std::max(slot.value, version));
}

}  // namespace herald::messaging
