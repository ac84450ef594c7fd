#include "messaging/store_participants.h"

#include <map>

#include "herald/str.hpp"

// The C handles of herald/im_store_service.h. A participant's statements are cached per SQL text
// and finalized when it is removed.
struct herald_im_stmt {
  sqlite3_stmt* stmt = nullptr;
  herald_im_sql* owner = nullptr;
};

struct herald_im_sql {
  sqlite3* db = nullptr;
  std::string prefix;  // "<name>_": the only tables the participant may write
  std::string error;
  std::map<std::string, std::unique_ptr<herald_im_stmt>, std::less<>> cache;
  // After every callback: a statement left on a row would keep a read transaction open past the
  // COMMIT, and a WAL with a reader that never ends is never reset (it grows without bound).
  void reset_all() {
    for (auto& [text, s] : cache) sqlite3_reset(s->stmt);
  }
  ~herald_im_sql() {
    for (auto& [text, s] : cache) sqlite3_finalize(s->stmt);
  }
};

namespace herald::messaging {

namespace {

std::string_view view(herald_str s) { return {s.data, s.size}; }
herald_str str(std::string_view s) { return herald_str{s.data(), s.size()}; }

// SQLite's authorizer, installed while a participant's SQL is prepared: no transaction control, no
// ATTACH or PRAGMA, and writes only to the participant's own tables (and the schema table that
// CREATE TABLE updates). Reading anything (the documented im_* views) is allowed.
int authorize(void* arg, int action, const char* a1, const char* a2, const char*, const char*) {
  auto* sql = static_cast<herald_im_sql*>(arg);
  auto own = [&](const char* table) {
    std::string_view t = table ? table : "";
    return t.starts_with(sql->prefix) || t.starts_with("sqlite_");
  };
  switch (action) {
    case SQLITE_TRANSACTION:
    case SQLITE_SAVEPOINT:
    case SQLITE_ATTACH:
    case SQLITE_DETACH:
    case SQLITE_PRAGMA:
      return SQLITE_DENY;
    case SQLITE_INSERT:
    case SQLITE_UPDATE:
    case SQLITE_DELETE:
    case SQLITE_CREATE_TABLE:
    case SQLITE_DROP_TABLE:
    case SQLITE_ALTER_TABLE:
      return own(a1) ? SQLITE_OK : SQLITE_DENY;
    case SQLITE_CREATE_INDEX:
    case SQLITE_DROP_INDEX:
      return own(a2) ? SQLITE_OK : SQLITE_DENY;
    case SQLITE_CREATE_VIEW:
    case SQLITE_DROP_VIEW:
    case SQLITE_CREATE_TRIGGER:
    case SQLITE_DROP_TRIGGER:
      return SQLITE_DENY;  // views and triggers could write other tables behind the prefix check
    default:
      return SQLITE_OK;
  }
}

struct Authorized {
  explicit Authorized(herald_im_sql* sql) : db(sql->db) { sqlite3_set_authorizer(db, &authorize, sql); }
  ~Authorized() { sqlite3_set_authorizer(db, nullptr, nullptr); }
  sqlite3* db;
};

herald_im_stmt* prepare(herald_im_sql* sql, herald_str text) {
  auto key = view(text);
  auto it = sql->cache.find(key);
  if (it != sql->cache.end()) {
    sqlite3_reset(it->second->stmt);
    sqlite3_clear_bindings(it->second->stmt);
    return it->second.get();
  }
  sqlite3_stmt* stmt = nullptr;
  Authorized guard(sql);
  if (sqlite3_prepare_v2(sql->db, text.data, static_cast<int>(text.size), &stmt, nullptr) != SQLITE_OK) {
    sql->error = sqlite3_errmsg(sql->db);
    sqlite3_finalize(stmt);
    return nullptr;
  }
  auto owned = std::make_unique<herald_im_stmt>(herald_im_stmt{stmt, sql});
  auto* raw = owned.get();
  sql->cache.emplace(std::string(key), std::move(owned));
  return raw;
}

int bind_int(herald_im_stmt* s, int index, int64_t value) {
  return sqlite3_bind_int64(s->stmt, index, value) == SQLITE_OK ? 0 : -1;
}
int bind_text(herald_im_stmt* s, int index, herald_str value) {
  return sqlite3_bind_text(s->stmt, index, value.size ? value.data : "", static_cast<int>(value.size),
                           SQLITE_TRANSIENT) == SQLITE_OK
             ? 0
             : -1;
}
int step(herald_im_stmt* s) {
  int rc = sqlite3_step(s->stmt);
  if (rc == SQLITE_ROW) return 1;
  if (rc == SQLITE_DONE) return 0;
  s->owner->error = sqlite3_errmsg(s->owner->db);
  sqlite3_reset(s->stmt);
  return -1;
}
int64_t column_int(herald_im_stmt* s, int col) { return sqlite3_column_int64(s->stmt, col); }
herald_str column_text(herald_im_stmt* s, int col) {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s->stmt, col));
  return p ? herald_str{p, static_cast<size_t>(sqlite3_column_bytes(s->stmt, col))} : herald_str{"", 0};
}
int changes(herald_im_sql* sql) { return sqlite3_changes(sql->db); }
herald_str last_error(herald_im_sql* sql) { return str(sql->error); }

StoreParticipants* self_of(void* self) { return static_cast<StoreParticipants*>(self); }

void refuse(const herald_im_participant_v1* p, herald_im_sql* sql, const char* what) {
  std::string error = std::move(sql->error);
  sql->error.clear();
  throw StorageError("storage participant \"" + std::string(view(p->name)) + "\" refused " + what +
                     (error.empty() ? "" : ": " + error));
}

}  // namespace

StoreParticipants::StoreParticipants() {
  table_.struct_size = sizeof(table_);
  table_.self = this;
  table_.add_participant = [](void* self, const herald_im_participant_v1* p) -> uint32_t {
    try {
      return self_of(self)->add(p);
    } catch (const std::exception& e) {
      if (sdk::detail::g_api) sdk::detail::g_api->log(sdk::detail::g_ctx, HERALD_LOG_ERROR, sdk::to_str(e.what()));
      return HERALD_REASON_STORAGE_UNAVAILABLE;
    }
  };
  table_.remove_participant = [](void* self, const herald_im_participant_v1* p) {
    try {
      self_of(self)->remove(p);
    } catch (...) {
    }
  };
  table_.prepare = &prepare;
  table_.bind_int = &bind_int;
  table_.bind_text = &bind_text;
  table_.step = &step;
  table_.column_int = &column_int;
  table_.column_text = &column_text;
  table_.changes = &changes;
  table_.last_error = &last_error;
}

StoreParticipants::~StoreParticipants() = default;

uint32_t StoreParticipants::add(const herald_im_participant_v1* p) {
  if (!writer_ || !p || p->struct_size < sizeof(herald_im_participant_v1) || p->name.size == 0)
    return HERALD_REASON_INVALID_REQUEST;
  uint32_t result = 0;
  writer_->exclusive([&](MessageStore& store) {
    for (auto& e : list_)
      if (view(e.table->name) == view(p->name)) {
        result = HERALD_REASON_ALREADY_EXISTS;
        return;
      }
    auto sql = std::make_unique<herald_im_sql>();
    sql->db = store.handle();
    sql->prefix = std::string(view(p->name)) + "_";
    // The schema and opened() commit together, before any batch can call the participant.
    store.begin();
    try {
      if (p->schema.size) {
        Authorized guard(sql.get());
        std::string text(view(p->schema));
        char* err = nullptr;
        if (sqlite3_exec(store.handle(), text.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
          sql->error = err ? err : "schema failed";
          sqlite3_free(err);
          refuse(p, sql.get(), "its schema");
        }
      }
      if (p->opened && p->opened(p->arg, sql.get()) != 0) refuse(p, sql.get(), "to open");
      sql->reset_all();
      store.commit();
    } catch (...) {
      store.rollback();
      throw;
    }
    list_.push_back(Entry{p, std::move(sql)});
  });
  return result;
}

void StoreParticipants::remove(const herald_im_participant_v1* p) {
  auto drop = [&] {
    for (auto it = list_.begin(); it != list_.end(); ++it)
      if (it->table == p) {
        list_.erase(it);
        return;
      }
  };
  if (writer_) writer_->exclusive([&](MessageStore&) { drop(); });
  else drop();
}

void StoreParticipants::message_stored(MessageStore&, const herald_im_message_event& event) {
  for (auto& e : list_)
    if (e.table->message_stored) {
      int rc = e.table->message_stored(e.table->arg, e.sql.get(), &event);
      e.sql->reset_all();
      if (rc != 0) refuse(e.table, e.sql.get(), "a message");
    }
}

void StoreParticipants::cursor_event(MessageStore&, std::string_view user, std::string_view conv, uint64_t seen_seq,
                                     CursorFn herald_im_participant_v1::*fn, const char* what) {
  herald_im_cursor_event event{sizeof(herald_im_cursor_event), str(user), str(conv), seen_seq};
  for (auto& e : list_) {
    auto callback = e.table->*fn;
    if (!callback) continue;
    int rc = callback(e.table->arg, e.sql.get(), &event);
    e.sql->reset_all();
    if (rc != 0) refuse(e.table, e.sql.get(), what);
  }
}

void StoreParticipants::read_advanced(MessageStore& store, std::string_view user, std::string_view conv,
                                      uint64_t seen_seq) {
  cursor_event(store, user, conv, seen_seq, &herald_im_participant_v1::read_advanced, "a read");
}
void StoreParticipants::member_joined(MessageStore& store, std::string_view user, std::string_view conv,
                                      uint64_t seen_seq) {
  cursor_event(store, user, conv, seen_seq, &herald_im_participant_v1::member_joined, "a join");
}
void StoreParticipants::member_left(MessageStore& store, std::string_view user, std::string_view conv) {
  cursor_event(store, user, conv, 0, &herald_im_participant_v1::member_left, "a leave");
}

uint32_t StoreParticipants::badge(MessageStore&, std::string_view user) {
  for (auto& e : list_)
    if (e.table->badge) {
      uint32_t badge = e.table->badge(e.table->arg, e.sql.get(), str(user));
      e.sql->reset_all();
      return badge;
    }
  return 0;
}

std::optional<std::vector<uint8_t>> StoreParticipants::unread(MessageStore&, std::string_view user,
                                                              const std::vector<uint8_t>& request_frame) {
  for (auto& e : list_) {
    if (!e.table->unread) continue;
    std::optional<std::vector<uint8_t>> answer;
    auto reply = [](void* arg, herald_str frame) {
      auto* out = static_cast<std::optional<std::vector<uint8_t>>*>(arg);
      const auto* p = reinterpret_cast<const uint8_t*>(frame.data);
      *out = std::vector<uint8_t>(p, p + frame.size);
    };
    herald_str req{reinterpret_cast<const char*>(request_frame.data()), request_frame.size()};
    int rc = e.table->unread(e.table->arg, e.sql.get(), str(user), req, reply, &answer);
    e.sql->reset_all();
    if (rc != 0 || !answer) refuse(e.table, e.sql.get(), "an unread request");
    return answer;
  }
  return std::nullopt;
}

void StoreParticipants::job_end(bool kept) {
  for (auto& e : list_)
    if (e.table->job_end) e.table->job_end(e.table->arg, kept ? 1 : 0);
}

void StoreParticipants::before_commit(MessageStore&) {
  for (auto& e : list_) {
    if (!e.table->before_commit) continue;
    int rc = e.table->before_commit(e.table->arg, e.sql.get());
    e.sql->reset_all();
    if (rc != 0) refuse(e.table, e.sql.get(), "the commit");
  }
}

void StoreParticipants::batch_end(bool committed) {
  for (auto& e : list_)
    if (e.table->batch_end) e.table->batch_end(e.table->arg, committed ? 1 : 0);
}

}  // namespace herald::messaging
