// Durable broker state in SQLite (WAL, one connection) behind a storage thread: loops enqueue
// mutations and never wait on disk; the thread commits everything queued during the last
// commit window in one transaction (group commit). At start the whole state is loaded once.
#pragma once

#include <sqlite3.h>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <functional>
#include <variant>
#include <vector>

#include "message.h"

namespace herald::gateway::mqtt {

struct StoredSession {
  std::string client_id;
  std::string user;
  uint8_t version = 5;
  uint32_t expiry_interval = 0;      // seconds, 0xFFFFFFFF = never
  uint64_t disconnected_at_ms = 0;   // 0 while online (a crash then counts from the restart)
};

struct StoredSub {
  std::string client_id;
  std::string filter;  // full filter, "$share/..." included
  uint8_t options = 0; // the SUBSCRIBE options byte
  uint32_t sub_id = 0;
};

struct StoredMsg {
  std::string client_id;
  uint64_t mid = 0;
  MessagePtr msg;
  uint8_t qos = 1;
  bool retain = false;
  std::vector<uint32_t> sub_ids;
  uint8_t state = 0;  // OutMsg::State
  uint16_t packet_id = 0;
};

struct StoreSnapshot {
  std::vector<StoredSession> sessions;
  std::vector<StoredSub> subs;
  std::vector<StoredMsg> msgs;      // ordered by (client_id, mid)
  std::vector<MessagePtr> retained;
};

class SessionStore {
 public:
  struct PutSession { StoredSession s; };
  struct DeleteSession { std::string client_id; };  // with its subscriptions and messages
  struct PutSub { StoredSub sub; };
  struct DeleteSub { std::string client_id, filter; };
  struct PutMsg { StoredMsg m; };
  struct UpdateMsg { std::string client_id; uint64_t mid; uint8_t state; uint16_t packet_id; };
  struct DeleteMsg { std::string client_id; uint64_t mid; };
  struct PutRetained { MessagePtr msg; };
  struct DeleteRetained { std::string topic; };
  using Op = std::variant<PutSession, DeleteSession, PutSub, DeleteSub, PutMsg, UpdateMsg, DeleteMsg, PutRetained,
                          DeleteRetained>;

  SessionStore() = default;
  ~SessionStore();
  SessionStore(const SessionStore&) = delete;
  SessionStore& operator=(const SessionStore&) = delete;

  // Opens (creating) the database and its schema. Error text on failure.
  std::optional<std::string> open(const std::string& path, bool sync_full, uint32_t commit_interval_ms);
  // Before start(): the whole persisted state.
  std::optional<std::string> load(StoreSnapshot& out);
  void start();
  // Any thread. No-op when not open (memory-only broker).
  void enqueue(Op op);
  // Blocks until every op enqueued before the call is committed (or the store failed).
  void flush();
  // Commits what is queued, joins the thread, closes the database.
  void stop();
  bool is_open() const { return db_ != nullptr; }
  uint64_t commits() const;
  // The last storage error (the thread logs through this hook; plain text, never payloads).
  std::function<void(const std::string&)> on_error;

 private:
  void run();
  void commit(std::vector<Op>& batch);
  bool exec(const char* sql);
  sqlite3_stmt* prepare(const char* sql);
  void report(const std::string& what);

  sqlite3* db_ = nullptr;
  uint32_t commit_interval_ms_ = 5;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;       // wakes the storage thread
  std::condition_variable done_cv_;  // wakes flush() waiters
  std::vector<Op> queue_;
  uint64_t enqueued_ = 0;
  uint64_t committed_ = 0;
  uint64_t commits_ = 0;
  bool stopping_ = false;
  bool running_ = false;
  bool flush_requested_ = false;

  // Prepared statements (storage thread only after start()).
  sqlite3_stmt* put_session_ = nullptr;
  sqlite3_stmt* del_session_ = nullptr;
  sqlite3_stmt* del_session_subs_ = nullptr;
  sqlite3_stmt* del_session_msgs_ = nullptr;
  sqlite3_stmt* put_sub_ = nullptr;
  sqlite3_stmt* del_sub_ = nullptr;
  sqlite3_stmt* put_msg_ = nullptr;
  sqlite3_stmt* upd_msg_ = nullptr;
  sqlite3_stmt* del_msg_ = nullptr;
  sqlite3_stmt* put_retained_ = nullptr;
  sqlite3_stmt* del_retained_ = nullptr;
};

// The message's topic, payload and forwarded properties as stored (a v5 PUBLISH encoding, so the
// codec does the work), and back. decode returns nullptr for a corrupt blob.
std::vector<uint8_t> encode_message_blob(const Message& msg);
MessagePtr decode_message_blob(const void* data, size_t size, uint8_t qos, bool retain, uint64_t expiry_at_ms);

}  // namespace herald::gateway::mqtt
