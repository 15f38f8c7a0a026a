// SQLite backend: WAL, foreign keys, one write connection and a pool of read connections, each
// with its own prepared-statement cache.
#include "sqlite_db.h"

#include <sqlite3.h>

#include <condition_variable>
#include <mutex>
#include <unordered_map>

namespace openarts::meta {

namespace {

Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  int ext = db ? sqlite3_extended_errcode(db) : rc;
  std::string msg = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (ext) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY: return AlreadyExists(std::move(msg));
    case SQLITE_CONSTRAINT_FOREIGNKEY:
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_NOTNULL: return FailedPrecondition(std::move(msg));
    default: break;
  }
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return Unavailable(std::move(msg));
    case SQLITE_FULL: return ResourceExhausted(std::move(msg));
    case SQLITE_CANTOPEN: return Unavailable(std::move(msg));
    default: return Internal(std::move(msg));
  }
}

// One connection plus its statement cache. Not thread-safe; guarded by its owner.
class Conn : public Tx {
 public:
  ~Conn() override {
    for (auto& [_, st] : cache_) sqlite3_finalize(st);
    if (db_) sqlite3_close_v2(db_);
  }

  Status Open(const std::string& path, bool readonly) {
    int flags = SQLITE_OPEN_NOMUTEX | (readonly ? SQLITE_OPEN_READONLY
                                                : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (path == ":memory:") flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    static std::once_flag configured;
    std::call_once(configured, [] {
      // No allocation statistics: they take a global mutex on every sqlite3_malloc (a few per
      // row of a bulk insert). Fails harmlessly if SQLite was already initialized.
      (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    });
    int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, "open metadata database " + path);
    sqlite3_busy_timeout(db_, 10000);
    sqlite3_extended_result_codes(db_, 1);
    OA_TRY(Raw("PRAGMA foreign_keys=ON"));
    if (!readonly && path != ":memory:") {
      OA_TRY(Raw("PRAGMA journal_mode=WAL"));
      // FULL: a commit is durable when acknowledged, even on power loss.
      OA_TRY(Raw("PRAGMA synchronous=FULL"));
      // Bulk imports touch many pages per transaction; the default 2 MB cache spills early.
      OA_TRY(Raw("PRAGMA cache_size=-131072"));
    }
    return Status::Ok();
  }

  Status Raw(const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string m = err ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      Status s = SqliteError(db_, rc, "execute");
      return Status(s.code(), "metadata: " + m + " (in: " + sql.substr(0, 200) + ")");
    }
    return Status::Ok();
  }

  Result<int64_t> Exec(std::string_view sql, const Params& params) override {
    OA_ASSIGN_OR_RETURN(sqlite3_stmt * st, Prepare(sql, params));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    }
    Status s = rc == SQLITE_DONE ? Status::Ok() : SqliteError(db_, rc, "metadata write");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (!s.ok()) return s;
    return static_cast<int64_t>(sqlite3_changes(db_));
  }

  Result<int64_t> ExecMany(std::string_view sql, const std::vector<Params>& rows) override {
    if (rows.empty()) return int64_t{0};
    OA_ASSIGN_OR_RETURN(sqlite3_stmt * st, Prepare(sql, rows[0]));
    // Placeholder $i → bind index, resolved once.
    std::vector<int> index(rows[0].size());
    for (size_t i = 0; i < index.size(); ++i) {
      index[i] = sqlite3_bind_parameter_index(st, ("$" + std::to_string(i + 1)).c_str());
    }
    int64_t changed = 0;
    for (size_t r = 0; r < rows.size(); ++r) {
      const Params& params = rows[r];
      if (params.size() != index.size()) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return Internal("metadata: row " + std::to_string(r) + " has " +
                        std::to_string(params.size()) + " parameters, expected " +
                        std::to_string(index.size()));
      }
      if (r > 0) {
        for (size_t i = 0; i < params.size(); ++i) {
          const Value& v = params[i];
          int idx = index[i];
          if (std::holds_alternative<std::monostate>(v)) sqlite3_bind_null(st, idx);
          else if (auto p = std::get_if<int64_t>(&v)) sqlite3_bind_int64(st, idx, *p);
          else if (auto p = std::get_if<double>(&v)) sqlite3_bind_double(st, idx, *p);
          else {
            auto& s = std::get<std::string>(v);
            sqlite3_bind_text(st, idx, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
          }
        }
      }
      int rc;
      while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      }
      sqlite3_reset(st);
      if (rc != SQLITE_DONE) {
        Status s = SqliteError(db_, rc, "metadata write (row " + std::to_string(r) + ")");
        sqlite3_clear_bindings(st);
        return s;
      }
      changed += sqlite3_changes(db_);
    }
    sqlite3_clear_bindings(st);
    return changed;
  }

  Result<Rows> Query(std::string_view sql, const Params& params) override {
    OA_ASSIGN_OR_RETURN(sqlite3_stmt * st, Prepare(sql, params));
    Rows rows;
    int ncol = sqlite3_column_count(st);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      Row row;
      row.cols.reserve(ncol);
      for (int i = 0; i < ncol; ++i) {
        switch (sqlite3_column_type(st, i)) {
          case SQLITE_INTEGER: row.cols.emplace_back(int64_t{sqlite3_column_int64(st, i)}); break;
          case SQLITE_FLOAT: row.cols.emplace_back(sqlite3_column_double(st, i)); break;
          case SQLITE_NULL: row.cols.emplace_back(std::monostate{}); break;
          default: {
            auto p = static_cast<const char*>(sqlite3_column_blob(st, i));
            int n = sqlite3_column_bytes(st, i);
            row.cols.emplace_back(std::string(p ? p : "", static_cast<size_t>(n)));
          }
        }
      }
      rows.push_back(std::move(row));
    }
    Status s = rc == SQLITE_DONE ? Status::Ok() : SqliteError(db_, rc, "metadata read");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (!s.ok()) return s;
    return rows;
  }

  sqlite3* db() { return db_; }

 private:
  Result<sqlite3_stmt*> Prepare(std::string_view sql, const Params& params) {
    std::string key(sql);
    sqlite3_stmt* st = nullptr;
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      st = it->second;
    } else {
      int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                                  SQLITE_PREPARE_PERSISTENT, &st, nullptr);
      if (rc != SQLITE_OK) return SqliteError(db_, rc, "prepare '" + key.substr(0, 200) + "'");
      if (cache_.size() > 512) {  // a runaway of dynamic SQL; start over rather than grow
        for (auto& [_, s] : cache_) sqlite3_finalize(s);
        cache_.clear();
      }
      cache_.emplace(key, st);
    }
    int nparams = sqlite3_bind_parameter_count(st);
    if (nparams != static_cast<int>(params.size())) {
      return Internal("metadata: statement takes " + std::to_string(nparams) + " parameters, " +
                      std::to_string(params.size()) + " given: " + key.substr(0, 200));
    }
    for (size_t i = 0; i < params.size(); ++i) {
      std::string name = "$" + std::to_string(i + 1);
      int idx = sqlite3_bind_parameter_index(st, name.c_str());
      if (idx == 0) return Internal("metadata: statement lacks placeholder " + name + ": " + key);
      const Value& v = params[i];
      int rc = SQLITE_OK;
      if (std::holds_alternative<std::monostate>(v)) rc = sqlite3_bind_null(st, idx);
      else if (auto p = std::get_if<int64_t>(&v)) rc = sqlite3_bind_int64(st, idx, *p);
      else if (auto p = std::get_if<double>(&v)) rc = sqlite3_bind_double(st, idx, *p);
      else {
        auto& s = std::get<std::string>(v);
        rc = sqlite3_bind_text(st, idx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
      }
      if (rc != SQLITE_OK) return SqliteError(db_, rc, "bind " + name);
    }
    return st;
  }

  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

class SqliteDatabase : public Database {
 public:
  Status Init(const std::string& path, const Options& options) {
    OA_TRY(writer_.Open(path, /*readonly=*/false));
    OA_TRY(Migrate(options.max_version));
    memory_ = path == ":memory:";
    if (!memory_) {
      for (int i = 0; i < std::max(1, options.read_connections); ++i) {
        auto c = std::make_unique<Conn>();
        OA_TRY(c->Open(path, /*readonly=*/true));
        free_readers_.push_back(c.get());
        readers_.push_back(std::move(c));
      }
    }
    return Status::Ok();
  }

  Result<Rows> Query(std::string_view sql, const Params& params) override {
    if (memory_) {
      std::lock_guard lock(write_mu_);
      return writer_.Query(sql, params);
    }
    Conn* c;
    {
      std::unique_lock lock(readers_mu_);
      readers_cv_.wait(lock, [&] { return !free_readers_.empty(); });
      c = free_readers_.back();
      free_readers_.pop_back();
    }
    auto r = c->Query(sql, params);
    {
      std::lock_guard lock(readers_mu_);
      free_readers_.push_back(c);
    }
    readers_cv_.notify_one();
    return r;
  }

  Result<int64_t> Exec(std::string_view sql, const Params& params) override {
    std::lock_guard lock(write_mu_);
    return writer_.Exec(sql, params);
  }

  Status Transact(const std::function<Status(Tx&)>& fn) override {
    std::lock_guard lock(write_mu_);
    return TransactLocked(fn);
  }

  Status TransactNotDurable(const std::function<Status(Tx&)>& fn) override {
    std::lock_guard lock(write_mu_);
    if (memory_) return TransactLocked(fn);
    OA_TRY(writer_.Raw("PRAGMA synchronous=NORMAL"));
    Status s = TransactLocked(fn);
    Status back = writer_.Raw("PRAGMA synchronous=FULL");
    return s.ok() ? back : s;
  }

  int SchemaVersion() override {
    std::lock_guard lock(write_mu_);
    return CurrentVersion();
  }

  std::string_view Dialect() const override { return "sqlite"; }

 private:
  Status TransactLocked(const std::function<Status(Tx&)>& fn) {
    OA_TRY(writer_.Raw("BEGIN IMMEDIATE"));
    Status s = fn(writer_);
    if (!s.ok()) {
      (void)writer_.Raw("ROLLBACK");
      return s;
    }
    Status c = writer_.Raw("COMMIT");
    if (!c.ok()) {
      (void)writer_.Raw("ROLLBACK");
      return c;
    }
    return Status::Ok();
  }

  int CurrentVersion() {
    auto rows = writer_.Query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {});
    return rows.ok() && !rows->empty() ? static_cast<int>((*rows)[0].Int(0)) : 0;
  }

  Status Migrate(int max_version) {
    OA_TRY(writer_.Raw(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
        "name TEXT NOT NULL, applied_at BIGINT NOT NULL)"));
    int current = CurrentVersion();
    const auto& all = AllMigrations();
    int newest = all.empty() ? 0 : all.back().version;
    if (current > newest) {
      return FailedPrecondition("metadata database has schema version " + std::to_string(current) +
                                " but this openarts knows only up to " + std::to_string(newest) +
                                "; run a newer openarts or restore a matching backup");
    }
    for (const auto& m : all) {
      if (m.version <= current) continue;
      if (max_version >= 0 && m.version > max_version) break;
      Status s = TransactLocked([&](Tx& tx) -> Status {
        OA_TRY(writer_.Raw(m.sql));
        auto r = tx.Exec(
            "INSERT INTO schema_migrations(version, name, applied_at) VALUES ($1, $2, "
            "CAST(strftime('%s','now') AS INTEGER))",
            {int64_t{m.version}, m.name});
        return r.status();
      });
      if (!s.ok()) return s.WithContext("migration " + std::to_string(m.version) + " " + m.name);
    }
    return Status::Ok();
  }

  std::mutex write_mu_;
  Conn writer_;
  bool memory_ = false;
  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<Conn>> readers_;
  std::vector<Conn*> free_readers_;
};

}  // namespace

Result<std::unique_ptr<Database>> OpenSqlite(const std::string& path, const Options& options) {
  auto db = std::make_unique<SqliteDatabase>();
  OA_TRY(db->Init(path, options));
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace openarts::meta
