// meta: the metadata store. Every durable fact of the platform (users, workspaces, tasks, jobs...)
// lives here. A state change is committed before it is acknowledged.
//
// Callers write portable SQL (the subset SQLite and PostgreSQL share) with numbered placeholders
// `$1, $2, ...`; the backend adapts them. Tables come from the ordered migrations in
// src/meta/migrations/ (NNNN_name.sql), applied on Open() inside one transaction each.
//
// Thread-safe: Database may be used from any thread. Reads run on a pool of read connections;
// writes (Exec, Transact) are serialised on one write connection. Blocking: call from worker
// threads, never from network threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/status.h"

namespace openarts::meta {

// NULL, integer, real or text/blob.
using Value = std::variant<std::monostate, int64_t, double, std::string>;
using Params = std::vector<Value>;

// One result row. Column accessors are forgiving: NULL reads as 0 / "".
struct Row {
  std::vector<Value> cols;
  bool IsNull(size_t i) const { return std::holds_alternative<std::monostate>(cols.at(i)); }
  int64_t Int(size_t i) const;
  double Real(size_t i) const;
  const std::string& Str(size_t i) const;
};
using Rows = std::vector<Row>;

// A connection inside a transaction (or a single autocommit statement).
class Tx {
 public:
  virtual ~Tx() = default;
  // Returns the number of rows changed. kAlreadyExists on a UNIQUE/PRIMARY KEY conflict,
  // kFailedPrecondition on a foreign-key or CHECK violation.
  virtual Result<int64_t> Exec(std::string_view sql, const Params& params = {}) = 0;
  virtual Result<Rows> Query(std::string_view sql, const Params& params = {}) = 0;
  // Runs one statement once per element of `rows` (bulk inserts: the statement is prepared and
  // its placeholders resolved once). Returns the rows changed in all; stops at the first error.
  virtual Result<int64_t> ExecMany(std::string_view sql, const std::vector<Params>& rows) {
    int64_t n = 0;
    for (const Params& p : rows) {
      auto r = Exec(sql, p);
      if (!r.ok()) return r.status();
      n += *r;
    }
    return n;
  }
};

class Database {
 public:
  virtual ~Database() = default;
  // Autocommit read on a read connection.
  virtual Result<Rows> Query(std::string_view sql, const Params& params = {}) = 0;
  // Autocommit write; returns rows changed.
  virtual Result<int64_t> Exec(std::string_view sql, const Params& params = {}) = 0;
  // Runs `fn` in one write transaction; commits if it returns OK, rolls back otherwise (and on
  // any failure to commit). The Status of `fn` is returned unchanged.
  virtual Status Transact(const std::function<Status(Tx&)>& fn) = 0;
  // As Transact, but the commit may be lost on a power failure (never on a process crash, and
  // never corrupting anything): for writes a later Transact publishes, such as the invisible
  // batches of an import. SQLite: synchronous=NORMAL for this commit (no fsync of the WAL).
  virtual Status TransactNotDurable(const std::function<Status(Tx&)>& fn) { return Transact(fn); }
  // The highest migration version applied.
  virtual int SchemaVersion() = 0;
  // "sqlite" or "postgres".
  virtual std::string_view Dialect() const = 0;
};

struct Migration {
  int version;
  std::string name;
  std::string sql;
};
// The migrations compiled into this binary, ascending by version.
const std::vector<Migration>& AllMigrations();

struct Options {
  // "sqlite:/abs/path/meta.db", "sqlite::memory:" (tests only) or "postgres://..." (not yet).
  std::string url;
  int read_connections = 4;
  // Apply migrations up to this version only (tests of forward migration). -1 = all.
  int max_version = -1;
};

// Opens the store and applies pending migrations. kInvalidArgument for an unknown scheme,
// kUnavailable if the database cannot be opened, kFailedPrecondition if the database has a
// newer schema than this binary knows.
Result<std::unique_ptr<Database>> Open(const Options& options);

}  // namespace openarts::meta
