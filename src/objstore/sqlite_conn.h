// A thin RAII layer over the sqlite3 C API for the local object index: one connection with a
// cache of prepared statements, and a statement cursor that resets itself. Errors become Status
// here so no sqlite3 result code escapes this file pair.
//
// Not thread-safe: the owner serialises all use of a connection.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace openarts::objstore {

// A prepared statement borrowed from a connection's cache for one execution. Bindings are
// 1-based as in SQLite. Resets and clears the statement on destruction so the next user of the
// cache finds it fresh.
class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* st) : db_(db), st_(st) {}
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& Text(int i, std::string_view v);
  // Keys are bound as BLOBs so that SQLite orders them with memcmp, the S3 order.
  Stmt& Blob(int i, std::string_view v);
  Stmt& Int(int i, int64_t v);

  // true: a row is available; false: done.
  Result<bool> Step();
  // Steps to completion (for INSERT/UPDATE/DELETE).
  Status Run();
  // Rewinds for another execution with new bindings (used by List to re-seek).
  void Reset();

  std::string_view Col(int i) const;  // TEXT or BLOB column, bytes as stored
  int64_t ColInt(int i) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* st_;
};

class SqliteConn {
 public:
  // writer: read-write, creates the file, WAL, synchronous=FULL. Otherwise read-only.
  static Result<std::unique_ptr<SqliteConn>> Open(const std::string& path, bool writer);
  ~SqliteConn();
  SqliteConn(const SqliteConn&) = delete;
  SqliteConn& operator=(const SqliteConn&) = delete;

  // Runs one or more statements without parameters.
  Status Exec(std::string_view sql);
  // Prepared on first use and cached for the life of the connection.
  Result<std::unique_ptr<Stmt>> Prepare(std::string_view sql);

  // Rows changed by the last INSERT/UPDATE/DELETE on this connection.
  int64_t Changes() const;

  // Helpers for fixed transaction statements.
  Status Begin(bool immediate) { return Exec(immediate ? "BEGIN IMMEDIATE" : "BEGIN"); }
  Status Commit() { return Exec("COMMIT"); }
  void Rollback();

 private:
  SqliteConn() = default;
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// Maps a SQLite error to the platform's codes (busy → kUnavailable, full → kResourceExhausted).
Status SqliteStatus(sqlite3* db, int rc, std::string_view what);

}  // namespace openarts::objstore
