// How fast SQLite alone can take a 1,000,000-sample import in two storage layouts, on this
// machine (docs/performance.md "Datasets", ARCHITECTURE.md §5c): the floor under DataService::Import.
//
//   sqlite_layouts rows   [samples=1000000] [page_size=4096]
//       the current layout: one row per sample (dataset_samples with its state index) and one
//       label key per labeled sample, as importer.cc writes them.
//   sqlite_layouts blocks [samples=1000000] [page_size=4096] [per_block=64]
//       the candidate: one row per block of samples (their sources and stored lines in one blob)
//       and one bitmap row per (label, block) and per (state, block).
//
// Same data in both: sources "s3://bench-in/images/<n>_<hash>.jpg", a 130-byte classification
// line for 90 % of the samples (9 labels), 20,000 samples per transaction, WAL, synchronous=NORMAL
// (the import's invisible batches), a 128 MB page cache, prepared statements. Prints wall and
// process CPU seconds. Writes /var/tmp/openarts-sqlite-layouts.db (removed at the end).
#include <sqlite3.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::fprintf(stderr, "%s: %s\n", sql.c_str(), err ? err : "?");
    std::exit(1);
  }
}

sqlite3_stmt* Prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
    std::exit(1);
  }
  return st;
}

void Step(sqlite3* db, sqlite3_stmt* st) {
  if (sqlite3_step(st) != SQLITE_DONE) {
    std::fprintf(stderr, "step: %s\n", sqlite3_errmsg(db));
    std::exit(1);
  }
  sqlite3_reset(st);
}

constexpr long kBatch = 20000;
constexpr long long kSeq = 5;

// The sample's source and stored line (empty when unlabeled) and its label (1..9, 0 = none).
int Sample(long n, char* source, size_t source_size, char* line, size_t line_size) {
  std::snprintf(source, source_size, "s3://bench-in/images/%08ld_%06lx.jpg", n, (n * 2654435761L) & 0xffffff);
  if (n % 10 == 9) {
    line[0] = '\0';
    return 0;
  }
  int label = static_cast<int>(n % 9) + 1;
  std::snprintf(line, line_size,
                "{\"annotation\":[{\"type\":\"modelarts/image_classification\",\"name\":\"%d\","
                "\"annotated-by\":\"human\",\"creation-time\":\"2019-03-30 17:22:31\"}]}",
                label);
  return label;
}

void Rows(sqlite3* db, long samples) {
  Exec(db,
       "CREATE TABLE dataset_samples (no INTEGER PRIMARY KEY, state INTEGER NOT NULL, usage INTEGER NOT NULL "
       "DEFAULT 0, hard INTEGER NOT NULL DEFAULT 0, hard_coefficient REAL, sample_type INTEGER NOT NULL DEFAULT 0, "
       "source TEXT NOT NULL, doc TEXT, preds TEXT, score REAL, create_time BIGINT NOT NULL, update_time BIGINT "
       "NOT NULL)");
  Exec(db, "CREATE INDEX dataset_samples_state ON dataset_samples(state)");
  Exec(db, "CREATE TABLE dataset_sample_labels (k INTEGER PRIMARY KEY)");
  sqlite3_stmt* row = Prepare(db,
                              "INSERT INTO dataset_samples(no, state, usage, hard, hard_coefficient, sample_type, "
                              "source, doc, create_time, update_time) VALUES (?, ?, ?, 0, NULL, 0, ?, ?, ?, ?)");
  sqlite3_stmt* key = Prepare(db, "INSERT INTO dataset_sample_labels(k) VALUES (?)");
  char source[64], line[256];
  for (long b = 0; b < samples; b += kBatch) {
    Exec(db, "BEGIN");
    for (long n = b; n < b + kBatch && n < samples; ++n) {
      int label = Sample(n, source, sizeof source, line, sizeof line);
      sqlite3_bind_int64(row, 1, (kSeq << 40) | n);
      sqlite3_bind_int64(row, 2, label ? 2 : 0);
      sqlite3_bind_int64(row, 3, n % 5);
      sqlite3_bind_text(row, 4, source, -1, SQLITE_STATIC);
      if (label) {
        sqlite3_bind_text(row, 5, line, -1, SQLITE_STATIC);
      } else {
        sqlite3_bind_null(row, 5);
      }
      sqlite3_bind_int64(row, 6, 1700000000000);
      sqlite3_bind_int64(row, 7, 1700000000000);
      Step(db, row);
      if (label) {
        sqlite3_bind_int64(key, 1, (static_cast<long long>(label) << 40) | n);
        Step(db, key);
      }
    }
    Exec(db, "COMMIT");
  }
  sqlite3_finalize(row);
  sqlite3_finalize(key);
}

void Blocks(sqlite3* db, long samples, int per_block) {
  Exec(db, "CREATE TABLE sample_blocks (k INTEGER PRIMARY KEY, data BLOB NOT NULL)");
  Exec(db, "CREATE TABLE label_blocks (k INTEGER PRIMARY KEY, bits INTEGER NOT NULL)");
  Exec(db, "CREATE TABLE state_blocks (k INTEGER PRIMARY KEY, bits INTEGER NOT NULL)");
  sqlite3_stmt* block = Prepare(db, "INSERT INTO sample_blocks(k, data) VALUES (?, ?)");
  // Upserts: in the service a block may be written by two imports.
  sqlite3_stmt* label = Prepare(db,
                                "INSERT INTO label_blocks(k, bits) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET "
                                "bits = bits | excluded.bits");
  sqlite3_stmt* state = Prepare(db,
                                "INSERT INTO state_blocks(k, bits) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET "
                                "bits = bits | excluded.bits");
  char source[64], line[256];
  std::string blob;
  const long batch = kBatch / per_block * per_block;  // whole blocks per transaction
  for (long b = 0; b < samples; b += batch) {
    Exec(db, "BEGIN");
    for (long first = b; first < b + batch && first < samples; first += per_block) {
      blob.clear();
      unsigned long long label_bits[10] = {0}, state_bits[3] = {0};
      for (int m = 0; m < per_block && first + m < samples; ++m) {
        int l = Sample(first + m, source, sizeof source, line, sizeof line);
        blob += source;
        blob += '\0';
        blob += line;
        blob += '\0';
        blob.append(24, '\0');  // state, usage, hard, times: as the row's other columns
        unsigned long long bit = 1ull << (m % 64);
        if (l) label_bits[l] |= bit;
        state_bits[l ? 2 : 0] |= bit;
      }
      long long k = first / per_block;
      sqlite3_bind_int64(block, 1, (kSeq << 40) | k);
      sqlite3_bind_blob(block, 2, blob.data(), static_cast<int>(blob.size()), SQLITE_STATIC);
      Step(db, block);
      for (int l = 1; l <= 9; ++l) {
        if (!label_bits[l]) continue;
        sqlite3_bind_int64(label, 1, (static_cast<long long>(l) << 40) | k);
        sqlite3_bind_int64(label, 2, static_cast<long long>(label_bits[l]));
        Step(db, label);
      }
      for (int s = 0; s < 3; ++s) {
        if (!state_bits[s]) continue;
        sqlite3_bind_int64(state, 1, (static_cast<long long>(s) << 40) | k);
        sqlite3_bind_int64(state, 2, static_cast<long long>(state_bits[s]));
        Step(db, state);
      }
    }
    Exec(db, "COMMIT");
  }
  sqlite3_finalize(block);
  sqlite3_finalize(label);
  sqlite3_finalize(state);
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode != "rows" && mode != "blocks") {
    std::fprintf(stderr, "usage: sqlite_layouts rows|blocks [samples=1000000] [page_size=4096] [per_block=64]\n");
    return 2;
  }
  long samples = argc > 2 ? std::atol(argv[2]) : 1000000;
  int page_size = argc > 3 ? std::atoi(argv[3]) : 4096;
  int per_block = argc > 4 ? std::atoi(argv[4]) : 64;
  if (per_block < 1 || per_block > 64) {
    std::fprintf(stderr, "per_block: 1 to 64 (one 64-bit bitmap per block)\n");
    return 2;
  }
  const std::string path = "/var/tmp/openarts-sqlite-layouts.db";
  std::remove(path.c_str());
  std::remove((path + "-wal").c_str());
  std::remove((path + "-shm").c_str());
  (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);  // as meta/ does
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return 1;
  Exec(db, "PRAGMA page_size=" + std::to_string(page_size));
  Exec(db, "PRAGMA journal_mode=WAL");
  Exec(db, "PRAGMA synchronous=NORMAL");
  Exec(db, "PRAGMA cache_size=-131072");
  double t0 = Now(), c0 = CpuSeconds();
  if (mode == "rows") {
    Rows(db, samples);
  } else {
    Blocks(db, samples, per_block);
  }
  double wall = Now() - t0, cpu = CpuSeconds() - c0;
  sqlite3_close(db);
  std::remove(path.c_str());
  std::remove((path + "-wal").c_str());
  std::remove((path + "-shm").c_str());
  std::printf("%s samples %ld page_size %d%s: %.2f s wall, %.2f s CPU\n", mode.c_str(), samples, page_size,
              mode == "blocks" ? (" per_block " + std::to_string(per_block)).c_str() : "", wall, cpu);
  return 0;
}
