#include "sqlite_conn.h"

#include <sqlite3.h>

namespace openarts::objstore {

Status SqliteStatus(sqlite3* db, int rc, std::string_view what) {
  std::string msg = "object index: " + std::string(what) + ": " +
                    (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return Unavailable(std::move(msg));
    case SQLITE_FULL: return ResourceExhausted(std::move(msg));
    case SQLITE_CANTOPEN: return Unavailable(std::move(msg));
    case SQLITE_CONSTRAINT: return AlreadyExists(std::move(msg));
    default: return Internal(std::move(msg));
  }
}

Stmt::~Stmt() { Reset(); }

void Stmt::Reset() {
  sqlite3_reset(st_);
  sqlite3_clear_bindings(st_);
}

Stmt& Stmt::Text(int i, std::string_view v) {
  sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}

Stmt& Stmt::Blob(int i, std::string_view v) {
  // A zero-length blob must still be a BLOB, not NULL: pass a non-null pointer.
  sqlite3_bind_blob(st_, i, v.empty() ? "" : v.data(), static_cast<int>(v.size()),
                    SQLITE_TRANSIENT);
  return *this;
}

Stmt& Stmt::Int(int i, int64_t v) {
  sqlite3_bind_int64(st_, i, v);
  return *this;
}

Result<bool> Stmt::Step() {
  int rc = sqlite3_step(st_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteStatus(db_, rc, "step");
}

Status Stmt::Run() {
  for (;;) {
    OA_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::Ok();
  }
}

std::string_view Stmt::Col(int i) const {
  auto p = static_cast<const char*>(sqlite3_column_blob(st_, i));
  int n = sqlite3_column_bytes(st_, i);
  return p ? std::string_view(p, static_cast<size_t>(n)) : std::string_view();
}

int64_t Stmt::ColInt(int i) const { return sqlite3_column_int64(st_, i); }

Result<std::unique_ptr<SqliteConn>> SqliteConn::Open(const std::string& path, bool writer) {
  std::unique_ptr<SqliteConn> c(new SqliteConn());
  int flags = SQLITE_OPEN_NOMUTEX |
              (writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY);
  int rc = sqlite3_open_v2(path.c_str(), &c->db_, flags, nullptr);
  if (rc != SQLITE_OK) return SqliteStatus(c->db_, rc, "open " + path);
  // Readers never wait on the writer in WAL mode; the timeout covers checkpoints and the
  // brief moments a reader needs the WAL index lock.
  sqlite3_busy_timeout(c->db_, 10000);
  if (writer) {
    OA_TRY(c->Exec("PRAGMA journal_mode=WAL"));
    // FULL: a commit is on disk when Put returns, so an acknowledged object survives power loss.
    OA_TRY(c->Exec("PRAGMA synchronous=FULL"));
  }
  return c;
}

SqliteConn::~SqliteConn() {
  for (auto& [_, st] : cache_) sqlite3_finalize(st);
  if (db_) sqlite3_close_v2(db_);
}

Status SqliteConn::Exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);
  if (rc != SQLITE_OK) return SqliteStatus(db_, rc, s.substr(0, 80));
  return Status::Ok();
}

Result<std::unique_ptr<Stmt>> SqliteConn::Prepare(std::string_view sql) {
  std::string key(sql);
  auto it = cache_.find(key);
  if (it != cache_.end()) return std::make_unique<Stmt>(db_, it->second);
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                              SQLITE_PREPARE_PERSISTENT, &st, nullptr);
  if (rc != SQLITE_OK) return SqliteStatus(db_, rc, "prepare " + key.substr(0, 80));
  cache_.emplace(key, st);
  return std::make_unique<Stmt>(db_, st);
}

int64_t SqliteConn::Changes() const { return sqlite3_changes64(db_); }

void SqliteConn::Rollback() {
  // Best effort: a failed ROLLBACK means SQLite already rolled back on its own.
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

}  // namespace openarts::objstore
