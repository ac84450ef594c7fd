// SQLite persistence of sessions, subscriptions, queued/in-flight messages and retained messages,
// with a storage thread doing group commit (see session_store.h).
#include "session_store.h"

#include <chrono>
#include <map>
#include <utility>

#include "herald/mqtt/decoder.h"
#include "herald/mqtt/encoder.h"

namespace herald::gateway::mqtt {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS mqtt_sessions(
  client_id TEXT PRIMARY KEY, user TEXT NOT NULL, version INTEGER NOT NULL,
  expiry_interval INTEGER NOT NULL, disconnected_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS mqtt_subscriptions(
  client_id TEXT NOT NULL, filter TEXT NOT NULL, options INTEGER NOT NULL, sub_id INTEGER NOT NULL,
  PRIMARY KEY(client_id, filter));
CREATE TABLE IF NOT EXISTS mqtt_messages(
  client_id TEXT NOT NULL, mid INTEGER NOT NULL, qos INTEGER NOT NULL, retain INTEGER NOT NULL,
  sub_ids TEXT NOT NULL, state INTEGER NOT NULL, packet_id INTEGER NOT NULL, expiry_at INTEGER NOT NULL,
  blob BLOB NOT NULL, PRIMARY KEY(client_id, mid));
CREATE TABLE IF NOT EXISTS mqtt_retained(
  topic TEXT PRIMARY KEY, qos INTEGER NOT NULL, expiry_at INTEGER NOT NULL, blob BLOB NOT NULL);
)sql";

std::string join_ids(const std::vector<uint32_t>& ids) {
  std::string out;
  for (uint32_t id : ids) {
    if (!out.empty()) out += ',';
    out += std::to_string(id);
  }
  return out;
}

std::vector<uint32_t> split_ids(std::string_view s) {
  std::vector<uint32_t> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string_view::npos) comma = s.size();
    out.push_back(static_cast<uint32_t>(std::stoul(std::string(s.substr(start, comma - start)))));
    start = comma + 1;
  }
  return out;
}

std::string column_text(sqlite3_stmt* st, int i) {
  auto* p = sqlite3_column_text(st, i);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(st, i))) : "";
}

void bind_text(sqlite3_stmt* st, int i, std::string_view s) {
  sqlite3_bind_text(st, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
}

}  // namespace

std::vector<uint8_t> encode_message_blob(const Message& msg) {
  m::Publish p;
  p.topic = msg.topic;
  p.payload = msg.payload;
  p.properties = msg.properties;
  std::vector<uint8_t> out;
  m::encode(p, m::ProtocolVersion::v5, out);
  return out;
}

MessagePtr decode_message_blob(const void* data, size_t size, uint8_t qos, bool retain, uint64_t expiry_at_ms) {
  m::DecodeOptions opts;
  opts.version = m::ProtocolVersion::v5;
  opts.sender = m::Sender::kServer;
  opts.limits.max_packet_size = m::kMaxPacketSize;
  opts.limits.max_topic_length = 65535;
  opts.limits.max_user_properties = 65535;
  opts.limits.max_properties = 65535;
  auto r = m::decode(std::span(static_cast<const uint8_t*>(data), size), opts);
  if (r.status != m::DecodeStatus::kOk) return nullptr;
  auto* p = std::get_if<m::Publish>(&r.packet);
  if (!p) return nullptr;
  auto msg = std::make_shared<Message>();
  msg->topic = std::move(p->topic);
  msg->payload = std::move(p->payload);
  msg->properties = std::move(p->properties);
  msg->qos = static_cast<m::QoS>(qos > 2 ? 2 : qos);
  msg->retain = retain;
  msg->expiry_at_ms = expiry_at_ms;
  return msg;
}

SessionStore::~SessionStore() { stop(); }

bool SessionStore::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    report(std::string("sqlite: ") + (err ? err : "error"));
    sqlite3_free(err);
    return false;
  }
  return true;
}

sqlite3_stmt* SessionStore::prepare(const char* sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK) return nullptr;
  return st;
}

void SessionStore::report(const std::string& what) {
  if (on_error) on_error(what);
}

std::optional<std::string> SessionStore::open(const std::string& path, bool sync_full, uint32_t commit_interval_ms) {
  commit_interval_ms_ = commit_interval_ms;
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    std::string err = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    return "cannot open MQTT store " + path + ": " + err;
  }
  sqlite3_busy_timeout(db_, 5000);
  std::string pragmas = std::string("PRAGMA journal_mode=WAL; PRAGMA synchronous=") + (sync_full ? "FULL" : "NORMAL") + ";";
  char* err = nullptr;
  if (sqlite3_exec(db_, pragmas.c_str(), nullptr, nullptr, &err) != SQLITE_OK ||
      sqlite3_exec(db_, kSchema, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string e = err ? err : "error";
    sqlite3_free(err);
    sqlite3_close(db_);
    db_ = nullptr;
    return "cannot initialise MQTT store " + path + ": " + e;
  }
  put_session_ = prepare(
      "INSERT INTO mqtt_sessions(client_id,user,version,expiry_interval,disconnected_at) VALUES(?,?,?,?,?) "
      "ON CONFLICT(client_id) DO UPDATE SET user=excluded.user, version=excluded.version, "
      "expiry_interval=excluded.expiry_interval, disconnected_at=excluded.disconnected_at");
  del_session_ = prepare("DELETE FROM mqtt_sessions WHERE client_id=?");
  del_session_subs_ = prepare("DELETE FROM mqtt_subscriptions WHERE client_id=?");
  del_session_msgs_ = prepare("DELETE FROM mqtt_messages WHERE client_id=?");
  put_sub_ = prepare("INSERT OR REPLACE INTO mqtt_subscriptions(client_id,filter,options,sub_id) VALUES(?,?,?,?)");
  del_sub_ = prepare("DELETE FROM mqtt_subscriptions WHERE client_id=? AND filter=?");
  put_msg_ = prepare(
      "INSERT OR REPLACE INTO mqtt_messages(client_id,mid,qos,retain,sub_ids,state,packet_id,expiry_at,blob) "
      "VALUES(?,?,?,?,?,?,?,?,?)");
  upd_msg_ = prepare("UPDATE mqtt_messages SET state=?, packet_id=? WHERE client_id=? AND mid=?");
  del_msg_ = prepare("DELETE FROM mqtt_messages WHERE client_id=? AND mid=?");
  put_retained_ = prepare("INSERT OR REPLACE INTO mqtt_retained(topic,qos,expiry_at,blob) VALUES(?,?,?,?)");
  del_retained_ = prepare("DELETE FROM mqtt_retained WHERE topic=?");
  for (auto* st : {put_session_, del_session_, del_session_subs_, del_session_msgs_, put_sub_, del_sub_, put_msg_,
                   upd_msg_, del_msg_, put_retained_, del_retained_}) {
    if (!st) {
      std::string e = sqlite3_errmsg(db_);
      stop();
      return "cannot prepare MQTT store statements: " + e;
    }
  }
  return std::nullopt;
}

std::optional<std::string> SessionStore::load(StoreSnapshot& out) {
  if (!db_) return std::nullopt;
  auto query = [&](const char* sql, auto&& row) -> std::optional<std::string> {
    sqlite3_stmt* st = prepare(sql);
    if (!st) return std::string("MQTT store: ") + sqlite3_errmsg(db_);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) row(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return std::string("MQTT store: ") + sqlite3_errmsg(db_);
    return std::nullopt;
  };
  if (auto e = query("SELECT client_id,user,version,expiry_interval,disconnected_at FROM mqtt_sessions", [&](sqlite3_stmt* st) {
        StoredSession s;
        s.client_id = column_text(st, 0);
        s.user = column_text(st, 1);
        s.version = static_cast<uint8_t>(sqlite3_column_int(st, 2));
        s.expiry_interval = static_cast<uint32_t>(sqlite3_column_int64(st, 3));
        s.disconnected_at_ms = static_cast<uint64_t>(sqlite3_column_int64(st, 4));
        out.sessions.push_back(std::move(s));
      }))
    return e;
  if (auto e = query("SELECT client_id,filter,options,sub_id FROM mqtt_subscriptions", [&](sqlite3_stmt* st) {
        StoredSub s;
        s.client_id = column_text(st, 0);
        s.filter = column_text(st, 1);
        s.options = static_cast<uint8_t>(sqlite3_column_int(st, 2));
        s.sub_id = static_cast<uint32_t>(sqlite3_column_int64(st, 3));
        out.subs.push_back(std::move(s));
      }))
    return e;
  if (auto e = query("SELECT client_id,mid,qos,retain,sub_ids,state,packet_id,expiry_at,blob FROM mqtt_messages "
                     "ORDER BY client_id, mid",
                     [&](sqlite3_stmt* st) {
                       StoredMsg s;
                       s.client_id = column_text(st, 0);
                       s.mid = static_cast<uint64_t>(sqlite3_column_int64(st, 1));
                       s.qos = static_cast<uint8_t>(sqlite3_column_int(st, 2));
                       s.retain = sqlite3_column_int(st, 3) != 0;
                       s.sub_ids = split_ids(column_text(st, 4));
                       s.state = static_cast<uint8_t>(sqlite3_column_int(st, 5));
                       s.packet_id = static_cast<uint16_t>(sqlite3_column_int(st, 6));
                       auto expiry = static_cast<uint64_t>(sqlite3_column_int64(st, 7));
                       s.msg = decode_message_blob(sqlite3_column_blob(st, 8),
                                                   static_cast<size_t>(sqlite3_column_bytes(st, 8)), s.qos, false,
                                                   expiry);
                       if (s.msg) out.msgs.push_back(std::move(s));
                       else report("MQTT store: skipped a corrupt queued message of " + s.client_id);
                     }))
    return e;
  return query("SELECT topic,qos,expiry_at,blob FROM mqtt_retained", [&](sqlite3_stmt* st) {
    auto msg = decode_message_blob(sqlite3_column_blob(st, 3), static_cast<size_t>(sqlite3_column_bytes(st, 3)),
                                   static_cast<uint8_t>(sqlite3_column_int(st, 1)), true,
                                   static_cast<uint64_t>(sqlite3_column_int64(st, 2)));
    if (msg) out.retained.push_back(std::move(msg));
  });
}

void SessionStore::start() {
  if (!db_ || running_) return;
  running_ = true;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void SessionStore::enqueue(Op op) {
  std::lock_guard lock(mutex_);
  if (!db_ || stopping_) return;
  bool was_empty = queue_.empty();
  queue_.push_back(std::move(op));
  ++enqueued_;
  if (was_empty) cv_.notify_one();
}

void SessionStore::flush() {
  std::unique_lock lock(mutex_);
  if (!running_) return;
  const uint64_t target = enqueued_;
  flush_requested_ = true;
  cv_.notify_one();
  done_cv_.wait(lock, [&] { return committed_ >= target || !running_; });
}

uint64_t SessionStore::commits() const {
  std::lock_guard lock(mutex_);
  return commits_;
}

void SessionStore::run() {
  std::vector<Op> batch;
  std::unique_lock lock(mutex_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty() || flush_requested_; });
    if (queue_.empty() && stopping_) break;
    // The group-commit window: let more mutations join this transaction unless someone waits.
    if (!stopping_ && !flush_requested_ && commit_interval_ms_ > 0) {
      cv_.wait_for(lock, std::chrono::milliseconds(commit_interval_ms_), [&] { return stopping_ || flush_requested_; });
    }
    flush_requested_ = false;
    batch.swap(queue_);
    const uint64_t upto = enqueued_;
    lock.unlock();
    if (!batch.empty()) commit(batch);
    batch.clear();
    lock.lock();
    committed_ = upto;
    ++commits_;
    done_cv_.notify_all();
  }
  committed_ = enqueued_;
  done_cv_.notify_all();
}

void SessionStore::commit(std::vector<Op>& batch) {
  // Coalesce within the batch: a message stored and acknowledged inside one window never touches the
  // disk (the common case for an online QoS 1 subscriber), and an update folds into its insert.
  std::map<std::pair<std::string_view, uint64_t>, size_t> pending_puts;
  std::vector<bool> skip(batch.size(), false);
  for (size_t i = 0; i < batch.size(); ++i) {
    if (auto* put = std::get_if<PutMsg>(&batch[i])) {
      pending_puts[{put->m.client_id, put->m.mid}] = i;
    } else if (auto* upd = std::get_if<UpdateMsg>(&batch[i])) {
      auto it = pending_puts.find({upd->client_id, upd->mid});
      if (it != pending_puts.end()) {
        auto& m = std::get<PutMsg>(batch[it->second]).m;
        m.state = upd->state;
        m.packet_id = upd->packet_id;
        skip[i] = true;
      }
    } else if (auto* del = std::get_if<DeleteMsg>(&batch[i])) {
      auto it = pending_puts.find({del->client_id, del->mid});
      if (it != pending_puts.end()) {
        skip[it->second] = true;
        skip[i] = true;
        pending_puts.erase(it);
      }
    } else if (auto* ds = std::get_if<DeleteSession>(&batch[i])) {
      // Earlier puts of this session's messages are moot.
      for (auto it = pending_puts.begin(); it != pending_puts.end();) {
        if (it->first.first == ds->client_id) {
          skip[it->second] = true;
          it = pending_puts.erase(it);
        } else {
          ++it;
        }
      }
    }
  }

  if (!exec("BEGIN")) return;
  auto step = [&](sqlite3_stmt* st) {
    if (sqlite3_step(st) != SQLITE_DONE) report(std::string("MQTT store write failed: ") + sqlite3_errmsg(db_));
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
  };
  for (size_t i = 0; i < batch.size(); ++i) {
    if (skip[i]) continue;
    std::visit(
        [&](auto& op) {
          using T = std::decay_t<decltype(op)>;
          if constexpr (std::is_same_v<T, PutSession>) {
            bind_text(put_session_, 1, op.s.client_id);
            bind_text(put_session_, 2, op.s.user);
            sqlite3_bind_int(put_session_, 3, op.s.version);
            sqlite3_bind_int64(put_session_, 4, op.s.expiry_interval);
            sqlite3_bind_int64(put_session_, 5, static_cast<sqlite3_int64>(op.s.disconnected_at_ms));
            step(put_session_);
          } else if constexpr (std::is_same_v<T, DeleteSession>) {
            for (auto* st : {del_session_, del_session_subs_, del_session_msgs_}) {
              bind_text(st, 1, op.client_id);
              step(st);
            }
          } else if constexpr (std::is_same_v<T, PutSub>) {
            bind_text(put_sub_, 1, op.sub.client_id);
            bind_text(put_sub_, 2, op.sub.filter);
            sqlite3_bind_int(put_sub_, 3, op.sub.options);
            sqlite3_bind_int64(put_sub_, 4, op.sub.sub_id);
            step(put_sub_);
          } else if constexpr (std::is_same_v<T, DeleteSub>) {
            bind_text(del_sub_, 1, op.client_id);
            bind_text(del_sub_, 2, op.filter);
            step(del_sub_);
          } else if constexpr (std::is_same_v<T, PutMsg>) {
            auto blob = encode_message_blob(*op.m.msg);
            std::string ids = join_ids(op.m.sub_ids);
            bind_text(put_msg_, 1, op.m.client_id);
            sqlite3_bind_int64(put_msg_, 2, static_cast<sqlite3_int64>(op.m.mid));
            sqlite3_bind_int(put_msg_, 3, op.m.qos);
            sqlite3_bind_int(put_msg_, 4, op.m.retain ? 1 : 0);
            bind_text(put_msg_, 5, ids);
            sqlite3_bind_int(put_msg_, 6, op.m.state);
            sqlite3_bind_int(put_msg_, 7, op.m.packet_id);
            sqlite3_bind_int64(put_msg_, 8, static_cast<sqlite3_int64>(op.m.msg->expiry_at_ms));
            sqlite3_bind_blob(put_msg_, 9, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
            step(put_msg_);
          } else if constexpr (std::is_same_v<T, UpdateMsg>) {
            sqlite3_bind_int(upd_msg_, 1, op.state);
            sqlite3_bind_int(upd_msg_, 2, op.packet_id);
            bind_text(upd_msg_, 3, op.client_id);
            sqlite3_bind_int64(upd_msg_, 4, static_cast<sqlite3_int64>(op.mid));
            step(upd_msg_);
          } else if constexpr (std::is_same_v<T, DeleteMsg>) {
            bind_text(del_msg_, 1, op.client_id);
            sqlite3_bind_int64(del_msg_, 2, static_cast<sqlite3_int64>(op.mid));
            step(del_msg_);
          } else if constexpr (std::is_same_v<T, PutRetained>) {
            auto blob = encode_message_blob(*op.msg);
            bind_text(put_retained_, 1, op.msg->topic);
            sqlite3_bind_int(put_retained_, 2, static_cast<int>(op.msg->qos));
            sqlite3_bind_int64(put_retained_, 3, static_cast<sqlite3_int64>(op.msg->expiry_at_ms));
            sqlite3_bind_blob(put_retained_, 4, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
            step(put_retained_);
          } else if constexpr (std::is_same_v<T, DeleteRetained>) {
            bind_text(del_retained_, 1, op.topic);
            step(del_retained_);
          }
        },
        batch[i]);
  }
  if (!exec("COMMIT")) exec("ROLLBACK");
}

void SessionStore::stop() {
  {
    std::unique_lock lock(mutex_);
    stopping_ = true;
    cv_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard lock(mutex_);
    running_ = false;
    done_cv_.notify_all();
  }
  for (auto** st : {&put_session_, &del_session_, &del_session_subs_, &del_session_msgs_, &put_sub_, &del_sub_,
                    &put_msg_, &upd_msg_, &del_msg_, &put_retained_, &del_retained_}) {
    if (*st) sqlite3_finalize(*st);
    *st = nullptr;
  }
  sqlite3* db = nullptr;
  {
    std::lock_guard lock(mutex_);
    db = std::exchange(db_, nullptr);
  }
  if (db) sqlite3_close(db);
}

}  // namespace herald::gateway::mqtt
