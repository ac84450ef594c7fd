// The `unread check` CLI command (see check_command.h).
#include "check_command.h"

#include <sqlite3.h>

#include <stdexcept>

#include "reconcile.h"

namespace herald::unread {

namespace {
constexpr const char* kUsage = "usage: herald unread check -c FILE --db PATH [--examples N]\n";

// A read-only connection with the statement shape reconcile() expects.
class ReadOnlyDb {
 public:
  explicit ReadOnlyDb(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      db_ = nullptr;
      throw std::runtime_error("cannot open " + path + ": " + msg);
    }
    sqlite3_busy_timeout(db_, 10000);
  }
  ~ReadOnlyDb() {
    if (db_) sqlite3_close(db_);
  }
  void exec(const char* sql) const {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) throw std::runtime_error(sqlite3_errmsg(db_));
  }

  class Statement {
   public:
    Statement(sqlite3* db, const char* text) : db_(db) {
      if (sqlite3_prepare_v2(db, text, -1, &stmt_, nullptr) != SQLITE_OK)
        throw std::runtime_error(std::string("prepare: ") + sqlite3_errmsg(db));
    }
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement& bind(int index, int64_t value) {
      sqlite3_bind_int64(stmt_, index, value);
      return *this;
    }
    bool step() {
      int rc = sqlite3_step(stmt_);
      if (rc == SQLITE_ROW) return true;
      if (rc == SQLITE_DONE) return false;
      throw std::runtime_error(std::string("step: ") + sqlite3_errmsg(db_));
    }
    int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
    std::string text(int col) const {
      auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
      return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
    }

   private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
  };
  Statement sql(const char* text) const { return Statement(db_, text); }

 private:
  sqlite3* db_ = nullptr;
};
}  // namespace

int check_command(const sdk::Config&, const std::vector<std::string>& args, std::string& out, std::string& err) {
  std::string db_path;
  size_t examples = 20;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i + 1 >= args.size() && (args[i] == "--db" || args[i] == "--examples")) {
      err = "herald unread check: " + args[i] + " needs a value\n" + kUsage;
      return 2;
    }
    if (args[i] == "--db") {
      db_path = args[++i];
    } else if (args[i] == "--examples") {
      try {
        examples = std::stoul(args[++i]);
      } catch (...) {
        err = "herald unread check: --examples: expected a number, got \"" + args[i] + "\"\n";
        return 2;
      }
    } else if (args[i] != "check") {
      err = "herald unread check: unknown argument \"" + args[i] + "\"\n" + kUsage;
      return 2;
    }
  }
  if (args.empty() || args[0] != "check" || db_path.empty()) {
    err = kUsage;
    return 2;
  }
  try {
    ReadOnlyDb db(db_path);
    db.exec("BEGIN");  // one snapshot for both queries, also while herald writes
    ReconcileReport r = reconcile(db, examples);
    db.exec("COMMIT");
    for (const auto& line : r.examples) err += "mismatch: " + line + "\n";
    out = "{\"participants\":" + std::to_string(r.participants) + ",\"users\":" + std::to_string(r.users) +
          ",\"conv_mismatches\":" + std::to_string(r.conv_mismatches) +
          ",\"total_mismatches\":" + std::to_string(r.total_mismatches) +
          ",\"mismatches\":" + std::to_string(r.mismatches()) + "}\n";
    return r.mismatches() == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    err = std::string("herald unread check: ") + e.what() + "\n";
    return 3;
  }
}

}  // namespace herald::unread
