// ParticipantDb: C++ over the statement API of herald.im.store.v1 (herald/im_store_service.h), valid
// for the one callback that received the herald_im_sql handle. Errors throw SqlError; the plugin's
// callbacks turn them into a refusal, which rolls the job (or batch) back.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include <herald/im_store_service.h>

namespace herald::unread {

class SqlError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Why a statement failed: the connection's last error.
[[noreturn]] inline void throw_sql_error(const herald_im_store_service_v1* api, herald_im_sql* sql, const char* what) {
  herald_str e = api->last_error(sql);
  throw SqlError(std::string(what) + ": " + std::string(e.data, e.size));
}

// One cached statement; holds the handles by value, so it may outlive a temporary ParticipantDb.
class ParticipantStatement {
 public:
  ParticipantStatement(const herald_im_store_service_v1* api, herald_im_sql* sql, herald_im_stmt* stmt)
      : api_(api), sql_(sql), stmt_(stmt) {}
  ParticipantStatement& bind(int index, int64_t value) {
    if (api_->bind_int(stmt_, index, value) != 0) throw_sql_error(api_, sql_, "bind");
    return *this;
  }
  ParticipantStatement& bind(int index, uint64_t value) { return bind(index, static_cast<int64_t>(value)); }
  ParticipantStatement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  ParticipantStatement& bind(int index, std::string_view text) {
    if (api_->bind_text(stmt_, index, herald_str{text.data(), text.size()}) != 0) throw_sql_error(api_, sql_, "bind");
    return *this;
  }
  bool step() {
    int rc = api_->step(stmt_);
    if (rc < 0) throw_sql_error(api_, sql_, "step");
    return rc == 1;
  }
  void run() {
    while (step()) {
    }
  }
  int64_t integer(int col) const { return api_->column_int(stmt_, col); }
  std::string text(int col) const {
    herald_str s = api_->column_text(stmt_, col);
    return std::string(s.data, s.size);
  }

 private:
  const herald_im_store_service_v1* api_;
  herald_im_sql* sql_;
  herald_im_stmt* stmt_;
};

class ParticipantDb {
 public:
  ParticipantDb(const herald_im_store_service_v1* api, herald_im_sql* sql) : api_(api), sql_(sql) {}

  // The cached statement for `text` (reset, unbound).
  ParticipantStatement sql(std::string_view text) const {
    herald_im_stmt* stmt = api_->prepare(sql_, herald_str{text.data(), text.size()});
    if (!stmt) throw_sql_error(api_, sql_, "prepare");
    return ParticipantStatement(api_, sql_, stmt);
  }
  int changes() const { return api_->changes(sql_); }

 private:
  const herald_im_store_service_v1* api_;
  herald_im_sql* sql_;
};

}  // namespace herald::unread
