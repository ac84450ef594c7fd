// MessageStore: the SQLite database of the messaging core (one file, <data_dir>/im.db) and its
// schema. Used only by the writer thread (writer.h), so it needs no locking; statements are prepared
// once and cached by their SQL text. The hot counters (conversation seqs, user versions, device acks,
// user_convs.updated) are cached here and written back once per batch (see RowCache).
#pragma once

#include <sqlite3.h>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "messaging/im_config.h"

namespace herald::messaging {

// A SQLite failure: the writer turns it into STORAGE_UNAVAILABLE.
class StorageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One prepared statement, reset on every use. Bind with 1-based indexes.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& reset();
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, uint64_t value) { return bind(index, static_cast<int64_t>(value)); }
  Statement& bind(int index, uint32_t value) { return bind(index, static_cast<int64_t>(value)); }
  Statement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  Statement& bind(int index, std::string_view text);  // copied
  Statement& bind_blob(int index, const void* data, size_t size);
  // Not copied (hot paths): `text` / `data` must stay unchanged until the statement's last step.
  Statement& bind_static(int index, std::string_view text);
  Statement& bind_blob_static(int index, const void* data, size_t size);
  bool step();  // true: a row is available
  void run() { while (step()) {} }

  int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  uint64_t u64(int col) const { return static_cast<uint64_t>(sqlite3_column_int64(stmt_, col)); }
  std::string text(int col) const;
  std::vector<uint8_t> blob(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// A write-behind cache of one integer per key, owned by the writer thread. It always holds what the
// table holds plus this batch's writes, so every read through it gives the same answer as a read of
// the table would: results never depend on batch boundaries or on what was evicted (a missing entry
// is loaded from the table). Changes made inside a job's savepoint are undone with it; the whole
// cache is dropped when a batch rolls back, so it never holds a value the database lost.
class RowCache {
 public:
  struct Slot {
    uint64_t value = 0;   // what the table holds once this batch commits
    uint64_t stored = 0;  // what the table holds now
    bool in_db = false;   // the row exists in the table
    bool dirty = false;   // written in this batch, not yet flushed
  };
  // The slot of `key`, loaded with `load` (true and the value when the row exists) on a miss.
  template <class Load>
  Slot& get(const std::string& key, Load&& load) {
    auto it = map_.find(key);
    if (it != map_.end()) return it->second;
    Slot slot;
    slot.in_db = load(slot.stored);
    slot.value = slot.stored;
    return map_.emplace(key, slot).first->second;
  }
  // Sets `slot` (of `key`) to `value` and marks it for the next flush, remembering the old state for
  // job_undo() while a job is open.
  void set(const std::string& key, Slot& slot, uint64_t value);
  // The row now exists in the table (written at once, e.g. a first insert): no flush needed for it.
  void created(const std::string& key, Slot& slot, uint64_t value);
  // Calls write(key, slot) for every slot changed since the last flush, then marks them clean.
  template <class Write>
  void flush(Write&& write) {
    for (const auto& key : dirty_) {
      auto it = map_.find(key);
      if (it == map_.end() || !it->second.dirty) continue;
      Slot& slot = it->second;
      if (slot.value != slot.stored || !slot.in_db) write(key, slot);
      slot.stored = slot.value;
      slot.in_db = true;
      slot.dirty = false;
    }
    dirty_.clear();
  }
  void job_begin() { undo_.clear(); job_open_ = true; }
  void job_keep() { undo_.clear(); job_open_ = false; }
  void job_undo();  // restores every slot the job changed
  void clear() { map_.clear(); dirty_.clear(); undo_.clear(); }
  // How many set() and created() calls this cache has seen: a job that changed nothing leaves it as
  // it was (MessageStore::writes()).
  uint64_t changes() const { return changes_; }
  // Between batches: drops every entry when there are more than `limit` (memory bound only; a dropped
  // entry is reloaded from the table, with the same value).
  void trim(size_t limit) {
    if (map_.size() > limit && dirty_.empty()) map_.clear();
  }

 private:
  void remember(const std::string& key, const Slot& slot);
  std::unordered_map<std::string, Slot> map_;
  std::vector<std::string> dirty_;
  std::vector<std::pair<std::string, std::optional<Slot>>> undo_;  // nullopt: the key was not cached
  bool job_open_ = false;
  uint64_t changes_ = 0;
};

// Process-wide SQLite settings for every database of the process (the messaging core's and the
// plugins'): call before any other SQLite use (main() does). Turns off SQLite's memory statistics,
// whose global mutex was taken on every allocation (~5 % of the writer thread's samples).
void configure_sqlite_process();

class MessageStore {
 public:
  // Opens (creating) the file and its schema. Throws StorageError.
  MessageStore(const std::string& file, Synchronous synchronous);
  ~MessageStore();
  MessageStore(const MessageStore&) = delete;
  MessageStore& operator=(const MessageStore&) = delete;

  Statement& sql(const char* text);  // cached by address of the literal
  void exec(const char* text);

  void begin() { exec("BEGIN IMMEDIATE"); }
  // Flushes the cached counters, then resets every cached statement: one left on a row keeps a read
  // transaction open past the COMMIT, and the WAL is then never checkpointed past it (it grows
  // without bound).
  void commit();
  void rollback();  // never throws; drops the counter caches (they may hold rolled-back values)
  // A job's savepoint (prepared once: re-parsing them cost ~10 % of the writer); the counter caches
  // follow it.
  void savepoint();
  void release();
  void rollback_savepoint();
  // Writes the cached counters changed in this batch to their tables (inside the transaction).
  // commit() does it; call it before reading conversations.last_seq, users.last_version,
  // device_acks or user_convs.updated with SQL of one's own.
  void flush();
  // Rows changed by the last INSERT/UPDATE/DELETE.
  int changes() const { return sqlite3_changes(db_); }
  // Grows with every row written and every cached counter changed: equal before and after a job
  // means the job wrote nothing (the writer's check for jobs run without a savepoint).
  uint64_t writes() const;

  // Counters that must never go back: all persisted, read inside the transaction.
  uint64_t max_msg_id();
  uint64_t conv_last_seq(std::string_view conv);
  uint64_t next_conv_seq(std::string_view conv);  // increments conversations.last_seq
  uint64_t user_last_version(std::string_view user);
  uint64_t next_user_version(std::string_view user, uint64_t* prev);  // increments users.last_version
  uint64_t user_pruned_upto(std::string_view user);
  uint64_t read_cursor(std::string_view user, std::string_view conv);  // 0 when none
  std::map<std::string, uint64_t> all_user_versions();
  // user_convs: the row is inserted at once the first time (participants' views see it in the same
  // job); later updates of `updated` are written back at the flush.
  void touch_user_conv(std::string_view user, std::string_view conv, uint64_t ts_ms);
  uint64_t device_ack(std::string_view user, std::string_view device);  // 0 when none
  // Raises the device's acked version to `version` (never lowers it); creates the row.
  void ack_device(std::string_view user, std::string_view device, uint64_t version);

  sqlite3* handle() const { return db_; }

 private:
  // The four counter caches below, for what is done to all of them.
  std::array<RowCache*, 4> caches() { return {&conv_seqs_, &user_versions_, &device_acks_, &user_convs_}; }
  std::array<const RowCache*, 4> caches() const {
    return {&conv_seqs_, &user_versions_, &device_acks_, &user_convs_};
  }
  void trim_caches();
  // The first column of `query`'s first row, with `a` (and `b`) bound; false when there is none.
  bool load_integer(const char* query, std::string_view a, std::optional<std::string_view> b, uint64_t& v);
  RowCache::Slot& conv_slot(const std::string& conv);
  RowCache::Slot& user_slot(const std::string& user);
  RowCache::Slot& device_slot(const std::string& key, std::string_view user, std::string_view device);

  sqlite3* db_ = nullptr;
  std::map<const char*, std::unique_ptr<Statement>> cache_;
  RowCache conv_seqs_;      // conversations.last_seq
  RowCache user_versions_;  // users.last_version
  RowCache device_acks_;    // device_acks.version, key user '\0' device
  RowCache user_convs_;     // user_convs.updated, key user '\0' conv
};

}  // namespace herald::messaging
