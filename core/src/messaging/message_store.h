// MessageStore: the SQLite database of the messaging core (one file, <data_dir>/im.db) and its
// schema. Used only by the writer thread (writer.h), so it needs no locking; statements are prepared
// once and cached by their SQL text.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
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
  Statement& bind(int index, std::string_view text);
  Statement& bind_blob(int index, const void* data, size_t size);
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
  // Resets every cached statement first: one left on a row keeps a read transaction open past the
  // COMMIT, and the WAL is then never checkpointed past it (it grows without bound).
  void commit();
  void rollback();  // never throws
  void savepoint() { exec("SAVEPOINT job"); }
  void release() { exec("RELEASE job"); }
  void rollback_savepoint() { exec("ROLLBACK TO job"); exec("RELEASE job"); }

  // Counters that must never go back: all persisted, read inside the transaction.
  uint64_t max_msg_id();
  uint64_t conv_last_seq(std::string_view conv);
  uint64_t next_conv_seq(std::string_view conv);  // increments conversations.last_seq
  uint64_t user_last_version(std::string_view user);
  uint64_t next_user_version(std::string_view user, uint64_t* prev);  // increments users.last_version
  uint64_t user_pruned_upto(std::string_view user);
  uint64_t read_cursor(std::string_view user, std::string_view conv);  // 0 when none
  std::map<std::string, uint64_t> all_user_versions();
  void touch_user_conv(std::string_view user, std::string_view conv, uint64_t ts_ms);

  sqlite3* handle() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::map<const char*, std::unique_ptr<Statement>> cache_;
};

}  // namespace herald::messaging
