// Local backend. The index (SQLite) is the single source of truth for what exists; data files
// are immutable and named by random ids, so:
//   - a Put is visible exactly when its index row commits (after the file is durable);
//   - an overwrite never touches bytes a reader may hold open, it only unlinks an old name;
//   - a crash leaves at worst files no row points to, which Open() deletes.
#include "fs_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unordered_set>
#include <utility>

#include "base/crypto.h"
#include "base/fs.h"
#include "base/ids.h"
#include "base/strings.h"
#include "base/log.h"

namespace openarts::objstore {

namespace {

constexpr size_t kCopyBuffer = 1 << 20;  // 1 MiB: large enough to stream at disk speed
constexpr size_t kMaxIdleReaders = 16;
constexpr int kSchemaVersion = 1;
constexpr int kOpenAttempts = 8;
constexpr std::string_view kDefaultContentType = "application/octet-stream";

// The smallest string greater than every string that starts with `p`; "" when there is none
// (p empty or all 0xff bytes).
std::string PrefixSuccessor(std::string_view p) {
  std::string s(p);
  while (!s.empty() && static_cast<unsigned char>(s.back()) == 0xff) s.pop_back();
  if (!s.empty()) s.back() = static_cast<char>(static_cast<unsigned char>(s.back()) + 1);
  return s;
}

// Immutable bytes of one data file, read with pread so concurrent ReadAt calls never share a
// file position.
class FileReader final : public RandomReader {
 public:
  FileReader(int fd, uint64_t size) : fd_(fd), size_(size) {}
  ~FileReader() override { ::close(fd_); }
  uint64_t Size() const override { return size_; }
  Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) const override {
    if (offset >= size_) return size_t{0};
    n = static_cast<size_t>(std::min<uint64_t>(n, size_ - offset));
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, buf + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("read object data", errno);
      }
      if (r == 0) break;  // cannot happen for an immutable file; never spin
      done += static_cast<size_t>(r);
    }
    return done;
  }
  int NativeFd() const override { return fd_; }

 private:
  int fd_;
  uint64_t size_;
};

// Owns a file descriptor.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int release() { return std::exchange(fd, -1); }
};

Status WriteAll(int fd, const char* p, size_t n, const std::filesystem::path& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write " + path.string(), errno);
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Status::Ok();
}

bool IsHex32(std::string_view s) {
  if (s.size() != 32) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS buckets(
  name TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  owner TEXT NOT NULL,
  create_time INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS objects(
  bucket TEXT NOT NULL,
  key BLOB NOT NULL,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,
  content_type TEXT NOT NULL,
  last_modified INTEGER NOT NULL,
  data_file TEXT NOT NULL,
  PRIMARY KEY(bucket, key)
) WITHOUT ROWID;
)sql";

constexpr const char* kSelectObject =
    "SELECT size, etag, content_type, last_modified, data_file FROM objects "
    "WHERE bucket = ?1 AND key = ?2";

}  // namespace

class FsStore::ReadLease {
 public:
  ReadLease(FsStore* store, std::unique_ptr<SqliteConn> conn)
      : store_(store), conn_(std::move(conn)) {}
  ~ReadLease() { store_->Release(std::move(conn_)); }
  SqliteConn& operator*() { return *conn_; }
  SqliteConn* operator->() { return conn_.get(); }

 private:
  FsStore* store_;
  std::unique_ptr<SqliteConn> conn_;
};

// ---------------------------------------------------------------------------------------------
// Opening and recovery

Result<std::unique_ptr<ObjectStore>> FsStore::Open(const std::filesystem::path& root,
                                                   Clock& clock) {
  std::unique_ptr<FsStore> store(new FsStore(root, clock));
  if (Status s = store->Init(); !s.ok()) {
    if (s.code() == Code::kInvalidArgument || s.code() == Code::kUnavailable) return s;
    return Unavailable("object store " + root.string() + " cannot be used: " + s.message());
  }
  return std::unique_ptr<ObjectStore>(std::move(store));
}

FsStore::~FsStore() {
  readers_.clear();
  writer_.reset();
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

std::filesystem::path FsStore::DataPath(std::string_view id) const {
  return root_ / "data" / std::string(id.substr(0, 2)) / std::string(id);
}

std::filesystem::path FsStore::TmpPath(std::string_view id) const {
  return root_ / "tmp" / std::string(id);
}

Status FsStore::Init() {
  OA_TRY(MakeDirs(root_));
  // Garbage collection deletes files no committed row names; a second process writing into the
  // same directory would lose its in-flight uploads to ours, so one process owns a store.
  auto lock_path = root_ / "LOCK";
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) return ErrnoStatus("open " + lock_path.string(), errno);
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return Unavailable("object store " + root_.string() +
                         " is in use by another process (it holds " + lock_path.string() +
                         "); stop it or use another directory");
    }
    return ErrnoStatus("lock " + lock_path.string(), errno);
  }
  OA_TRY(MakeDirs(root_ / "tmp"));
  OA_TRY(MakeDirs(root_ / "data"));
  // 256 fan-out directories up front: Put never has to create (and fsync) a directory, and no
  // directory grows beyond 1/256 of the objects.
  static const char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 256; ++i) {
    char name[3] = {kHex[i >> 4], kHex[i & 15], 0};
    auto d = root_ / "data" / name;
    if (::mkdir(d.c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoStatus("mkdir " + d.string(), errno);
    }
  }
  OA_TRY(SyncDir(root_ / "data"));
  OA_TRY(SyncDir(root_));

  OA_ASSIGN_OR_RETURN(writer_, SqliteConn::Open((root_ / "index.db").string(), /*writer=*/true));
  OA_TRY(InitSchema());
  return CollectGarbage();
}

Status FsStore::InitSchema() {
  OA_ASSIGN_OR_RETURN(auto st, writer_->Prepare("PRAGMA user_version"));
  OA_ASSIGN_OR_RETURN(bool row, st->Step());
  int64_t version = row ? st->ColInt(0) : 0;
  st.reset();
  if (version > kSchemaVersion) {
    return Unavailable("object index " + (root_ / "index.db").string() + " has schema version " +
                       std::to_string(version) + ", newer than this build understands (" +
                       std::to_string(kSchemaVersion) + "); upgrade openarts");
  }
  if (version == kSchemaVersion) return Status::Ok();
  OA_TRY(writer_->Begin(/*immediate=*/true));
  Status s = writer_->Exec(kSchema);
  if (s.ok()) s = writer_->Exec("PRAGMA user_version=" + std::to_string(kSchemaVersion));
  if (s.ok()) s = writer_->Commit();
  if (!s.ok()) writer_->Rollback();
  return s;
}

Status FsStore::CollectGarbage() {
  // Everything in tmp/ is an upload that never reached Publish.
  size_t removed_tmp = 0, removed_data = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(root_ / "tmp", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (::unlink(it->path().c_str()) == 0) ++removed_tmp;
  }
  if (ec) return Internal("scan " + (root_ / "tmp").string() + ": " + ec.message());

  // Data files no row names: published before a crash cut the commit, or replaced/deleted rows
  // whose unlink a crash cut. The lock guarantees nobody is between Publish and Commit now.
  std::unordered_set<std::string> live;
  {
    OA_ASSIGN_OR_RETURN(auto st, writer_->Prepare("SELECT data_file FROM objects"));
    for (;;) {
      OA_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      live.emplace(st->Col(0));
    }
  }
  for (auto dir = std::filesystem::directory_iterator(root_ / "data", ec);
       !ec && dir != std::filesystem::directory_iterator(); dir.increment(ec)) {
    std::error_code ec2;
    for (auto f = std::filesystem::directory_iterator(dir->path(), ec2);
         !ec2 && f != std::filesystem::directory_iterator(); f.increment(ec2)) {
      if (!live.count(f->path().filename().string()) && ::unlink(f->path().c_str()) == 0) {
        ++removed_data;
      }
    }
    if (ec2) return Internal("scan " + dir->path().string() + ": " + ec2.message());
  }
  if (ec) return Internal("scan " + (root_ / "data").string() + ": " + ec.message());
  if (removed_tmp + removed_data > 0) {
    OA_LOG_INFO("objstore {}: removed {} unfinished uploads and {} unreferenced data files",
                root_.string(), removed_tmp, removed_data);
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Connections

Result<std::unique_ptr<FsStore::ReadLease>> FsStore::Reader() {
  std::unique_ptr<SqliteConn> conn;
  {
    std::lock_guard lock(readers_mu_);
    if (!readers_.empty()) {
      conn = std::move(readers_.back());
      readers_.pop_back();
    }
  }
  // The pool grows to the peak concurrency of readers; WAL lets them all run beside the writer.
  if (!conn) {
    OA_ASSIGN_OR_RETURN(conn, SqliteConn::Open((root_ / "index.db").string(), /*writer=*/false));
  }
  return std::make_unique<ReadLease>(this, std::move(conn));
}

void FsStore::Release(std::unique_ptr<SqliteConn> conn) {
  std::lock_guard lock(readers_mu_);
  if (readers_.size() < kMaxIdleReaders) readers_.push_back(std::move(conn));
}

// ---------------------------------------------------------------------------------------------
// Buckets

Result<bool> FsStore::BucketExists(SqliteConn& conn, std::string_view bucket) {
  OA_ASSIGN_OR_RETURN(auto st, conn.Prepare("SELECT 1 FROM buckets WHERE name = ?1"));
  st->Text(1, bucket);
  return st->Step();
}

Status FsStore::RequireBucket(std::string_view bucket) {
  OA_ASSIGN_OR_RETURN(auto r, Reader());
  OA_ASSIGN_OR_RETURN(bool exists, BucketExists(**r, bucket));
  if (!exists) return NotFound("bucket '" + std::string(bucket) + "' does not exist");
  return Status::Ok();
}

Status FsStore::Missing(SqliteConn& conn, std::string_view bucket, std::string_view key) {
  OA_ASSIGN_OR_RETURN(bool exists, BucketExists(conn, bucket));
  if (!exists) return NotFound("bucket '" + std::string(bucket) + "' does not exist");
  return NotFound("object '" + std::string(key) + "' does not exist in bucket '" +
                  std::string(bucket) + "'");
}

Result<BucketInfo> FsStore::CreateBucket(const BucketInfo& bucket) {
  OA_TRY(ValidateBucketName(bucket.name));
  BucketInfo out = bucket;
  if (out.workspace_id.empty()) out.workspace_id = "0";
  if (out.create_time == 0) out.create_time = clock_.NowMillis();
  std::lock_guard lock(write_mu_);
  OA_ASSIGN_OR_RETURN(auto st, writer_->Prepare(
      "INSERT INTO buckets(name, workspace_id, owner, create_time) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT(name) DO NOTHING"));
  st->Text(1, out.name).Text(2, out.workspace_id).Text(3, out.owner).Int(4, out.create_time);
  OA_TRY(st->Run());
  if (writer_->Changes() == 0) {
    return AlreadyExists("bucket '" + out.name + "' already exists; choose another name");
  }
  return out;
}

Result<BucketInfo> FsStore::GetBucket(std::string_view name) {
  OA_ASSIGN_OR_RETURN(auto r, Reader());
  OA_ASSIGN_OR_RETURN(auto st, (*r)->Prepare(
      "SELECT name, workspace_id, owner, create_time FROM buckets WHERE name = ?1"));
  st->Text(1, name);
  OA_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return NotFound("bucket '" + std::string(name) + "' does not exist");
  return BucketInfo{std::string(st->Col(0)), std::string(st->Col(1)), std::string(st->Col(2)),
                    st->ColInt(3)};
}

Result<std::vector<BucketInfo>> FsStore::ListBuckets() {
  OA_ASSIGN_OR_RETURN(auto r, Reader());
  OA_ASSIGN_OR_RETURN(auto st, (*r)->Prepare(
      "SELECT name, workspace_id, owner, create_time FROM buckets ORDER BY name"));
  std::vector<BucketInfo> out;
  for (;;) {
    OA_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    out.push_back({std::string(st->Col(0)), std::string(st->Col(1)), std::string(st->Col(2)),
                   st->ColInt(3)});
  }
  return out;
}

Status FsStore::DeleteBucket(std::string_view name) {
  std::lock_guard lock(write_mu_);
  // The check and the delete run under the write lock, so no Put can slip an object in between.
  OA_ASSIGN_OR_RETURN(bool exists, BucketExists(*writer_, name));
  if (!exists) return NotFound("bucket '" + std::string(name) + "' does not exist");
  {
    OA_ASSIGN_OR_RETURN(auto st, writer_->Prepare("SELECT 1 FROM objects WHERE bucket = ?1 LIMIT 1"));
    st->Text(1, name);
    OA_ASSIGN_OR_RETURN(bool any, st->Step());
    if (any) {
      return FailedPrecondition("bucket '" + std::string(name) +
                                "' is not empty; delete its objects first");
    }
  }
  OA_ASSIGN_OR_RETURN(auto st, writer_->Prepare("DELETE FROM buckets WHERE name = ?1"));
  st->Text(1, name);
  return st->Run();
}

// ---------------------------------------------------------------------------------------------
// Objects

void FsStore::UnlinkData(std::string_view id) {
  // A failure only leaks space until the next Open's garbage collection; never fail the caller
  // for it, the index already says the right thing.
  auto p = DataPath(id);
  if (::unlink(p.c_str()) != 0 && errno != ENOENT) {
    OA_LOG_WARN("objstore: unlink {}: {}", p.string(), std::strerror(errno));
  }
}

Status FsStore::Publish(std::string_view id) {
  auto from = TmpPath(id);
  auto to = DataPath(id);
  if (::rename(from.c_str(), to.c_str()) != 0) {
    int err = errno;
    ::unlink(from.c_str());
    return ErrnoStatus("rename " + from.string() + " to " + to.string(), err);
  }
  // The new name must be durable before the index row that points at it commits.
  if (Status s = SyncDir(to.parent_path()); !s.ok()) {
    ::unlink(to.c_str());
    return s;
  }
  return Status::Ok();
}

Result<ObjectInfo> FsStore::Commit(Row row) {
  std::string old_id;
  Status s;
  {
    std::lock_guard lock(write_mu_);
    s = [&]() -> Status {
      OA_TRY(writer_->Begin(/*immediate=*/true));
      Status inner = [&]() -> Status {
        // Re-checked here: the bucket may have been deleted while the data streamed in.
        OA_ASSIGN_OR_RETURN(bool exists, BucketExists(*writer_, row.info.bucket));
        if (!exists) return NotFound("bucket '" + row.info.bucket + "' does not exist");
        {
          OA_ASSIGN_OR_RETURN(auto st, writer_->Prepare(
              "SELECT data_file FROM objects WHERE bucket = ?1 AND key = ?2"));
          st->Text(1, row.info.bucket).Blob(2, row.info.key);
          OA_ASSIGN_OR_RETURN(bool found, st->Step());
          if (found) old_id = std::string(st->Col(0));
        }
        OA_ASSIGN_OR_RETURN(auto st, writer_->Prepare(
            "INSERT OR REPLACE INTO objects"
            "(bucket, key, size, etag, content_type, last_modified, data_file) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
        st->Text(1, row.info.bucket).Blob(2, row.info.key)
            .Int(3, static_cast<int64_t>(row.info.size)).Text(4, row.info.etag)
            .Text(5, row.info.content_type).Int(6, row.info.last_modified).Text(7, row.data_id);
        OA_TRY(st->Run());
        return writer_->Commit();
      }();
      if (!inner.ok()) writer_->Rollback();
      return inner;
    }();
  }
  if (!s.ok()) {
    UnlinkData(row.data_id);
    return s;
  }
  // Readers that opened the old file keep its inode; only the name goes.
  if (!old_id.empty()) UnlinkData(old_id);
  return std::move(row.info);
}

Result<ObjectInfo> FsStore::Put(std::string_view bucket, std::string_view key, ByteSource& source,
                                const PutOptions& options) {
  OA_TRY(ValidateObjectKey(key));
  std::string want_md5;
  if (options.expected_md5_hex) {
    if (!IsHex32(*options.expected_md5_hex)) {
      return InvalidArgument("expected MD5 must be 32 hex digits (got '" +
                             options.expected_md5_hex->substr(0, 64) + "')");
    }
    want_md5 = AsciiLower(*options.expected_md5_hex);
  }
  // Fail before streaming gigabytes into a bucket that is not there.
  OA_TRY(RequireBucket(bucket));

  Row row;
  row.data_id = NewId();
  auto tmp = TmpPath(row.data_id);
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (fd.fd < 0) return ErrnoStatus("create " + tmp.string(), errno);
  // Any early return below leaves a partial temp file; remove it now rather than at next Open.
  struct Cleanup {
    const std::filesystem::path& p;
    bool armed = true;
    ~Cleanup() {
      if (armed) ::unlink(p.c_str());
    }
  } cleanup{tmp};

  Hasher md5(Hasher::Kind::kMd5);
  uint64_t size = 0;
  if (options.expected_size && *options.expected_size > options.max_size) {
    return ResourceExhausted("object of " + std::to_string(*options.expected_size) +
                             " bytes is larger than the limit of " +
                             std::to_string(options.max_size) +
                             " bytes for one PUT; split it or use a multipart upload");
  }
  // Most objects are small: start with 64 KiB and move to the full buffer once a read fills it.
  size_t cap = kCopyBuffer / 16;
  std::unique_ptr<char[]> buf(new char[cap]);
  for (;;) {
    OA_ASSIGN_OR_RETURN(size_t n, source.Read(buf.get(), cap));
    if (n == 0) break;
    if (options.expected_size && size + n > *options.expected_size) {
      return InvalidArgument("object body is longer than its declared size of " +
                             std::to_string(*options.expected_size) +
                             " bytes (Content-Length); send exactly that many bytes");
    }
    if (size + n > options.max_size) {
      return ResourceExhausted("object is larger than the limit of " +
                               std::to_string(options.max_size) +
                               " bytes for one PUT; split it or use a multipart upload");
    }
    md5.Update(buf.get(), n);
    OA_TRY(WriteAll(fd.fd, buf.get(), n, tmp));
    size += n;
    if (n == cap && cap < kCopyBuffer) {
      cap = kCopyBuffer;
      buf.reset(new char[cap]);
    }
  }
  if (options.expected_size && size != *options.expected_size) {
    return InvalidArgument("object body is shorter than its declared size (" +
                           std::to_string(size) + " of " +
                           std::to_string(*options.expected_size) +
                           " bytes, Content-Length); the upload was cut short, retry it");
  }
  std::string etag = HexEncode(md5.Final());
  if (!want_md5.empty() && etag != want_md5) {
    return InvalidArgument("Content-MD5 mismatch: the body hashes to " + etag + ", expected " +
                           want_md5 + "; the data was corrupted in transit, retry the upload");
  }
  // fdatasync flushes the bytes and the size: what rename is about to make reachable.
  if (::fdatasync(fd.fd) != 0) return ErrnoStatus("fsync " + tmp.string(), errno);
  if (::close(fd.release()) != 0) return ErrnoStatus("close " + tmp.string(), errno);
  cleanup.armed = false;  // Publish owns the file from here
  OA_TRY(Publish(row.data_id));

  row.info.bucket = std::string(bucket);
  row.info.key = std::string(key);
  row.info.size = size;
  row.info.etag = std::move(etag);
  row.info.last_modified = clock_.NowMillis();
  row.info.content_type =
      options.content_type.empty() ? std::string(kDefaultContentType) : options.content_type;
  return Commit(std::move(row));
}

Result<FsStore::Row> FsStore::Lookup(std::string_view bucket, std::string_view key) {
  OA_ASSIGN_OR_RETURN(auto r, Reader());
  OA_ASSIGN_OR_RETURN(auto st, (*r)->Prepare(kSelectObject));
  st->Text(1, bucket).Blob(2, key);
  OA_ASSIGN_OR_RETURN(bool found, st->Step());
  if (!found) {
    st.reset();
    return Missing(**r, bucket, key);
  }
  Row row;
  row.info.bucket = std::string(bucket);
  row.info.key = std::string(key);
  row.info.size = static_cast<uint64_t>(st->ColInt(0));
  row.info.etag = std::string(st->Col(1));
  row.info.content_type = std::string(st->Col(2));
  row.info.last_modified = st->ColInt(3);
  row.data_id = std::string(st->Col(4));
  return row;
}

Result<ObjectInfo> FsStore::Head(std::string_view bucket, std::string_view key) {
  OA_ASSIGN_OR_RETURN(Row row, Lookup(bucket, key));
  return std::move(row.info);
}

Result<ObjectHandle> FsStore::Get(std::string_view bucket, std::string_view key) {
  std::string last_id;
  for (int attempt = 0; attempt < kOpenAttempts; ++attempt) {
    OA_ASSIGN_OR_RETURN(Row row, Lookup(bucket, key));
    auto path = DataPath(row.data_id);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      // Objects are mostly read front to back (downloads, dataset scans): a larger readahead
      // window keeps a cold GET near the disk's sequential rate.
      (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
      ObjectHandle h;
      h.reader = std::make_shared<FileReader>(fd, row.info.size);
      h.info = std::move(row.info);
      return h;
    }
    if (errno != ENOENT) return ErrnoStatus("open " + path.string(), errno);
    // ENOENT: an overwrite or delete committed between our lookup and open; look again. The
    // same id twice means the index points at a file that is gone: damage, not a race.
    if (row.data_id == last_id) {
      return Internal("data file " + path.string() + " of object '" + std::string(key) +
                      "' in bucket '" + std::string(bucket) + "' is missing");
    }
    last_id = row.data_id;
  }
  return Unavailable("object '" + std::string(key) +
                     "' changed too often while being opened; retry");
}

Status FsStore::Delete(std::string_view bucket, std::string_view key) {
  std::string old_id;
  {
    std::lock_guard lock(write_mu_);
    OA_ASSIGN_OR_RETURN(auto st, writer_->Prepare(
        "DELETE FROM objects WHERE bucket = ?1 AND key = ?2 RETURNING data_file"));
    st->Text(1, bucket).Blob(2, key);
    OA_ASSIGN_OR_RETURN(bool found, st->Step());
    if (!found) {
      st.reset();
      return Missing(*writer_, bucket, key);
    }
    old_id = std::string(st->Col(0));
    OA_TRY(st->Run());
  }
  UnlinkData(old_id);
  return Status::Ok();
}

Status FsStore::CloneData(std::string_view src_id, std::string_view dst_id) {
  auto src = DataPath(src_id);
  auto dst = DataPath(dst_id);
  if (::link(src.c_str(), dst.c_str()) == 0) {
    Status s = SyncDir(dst.parent_path());
    if (!s.ok()) ::unlink(dst.c_str());
    return s;
  }
  int err = errno;
  if (err == ENOENT) return ErrnoStatus("link " + src.string(), err);
  // Filesystems without hard links (or at the link limit): copy the bytes instead.
  Fd in(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.fd < 0) return ErrnoStatus("open " + src.string(), errno);
  auto tmp = TmpPath(dst_id);
  Fd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (out.fd < 0) return ErrnoStatus("create " + tmp.string(), errno);
  Status s = [&]() -> Status {
    std::unique_ptr<char[]> buf(new char[kCopyBuffer]);
    for (;;) {
      ssize_t n = ::read(in.fd, buf.get(), kCopyBuffer);
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("read " + src.string(), errno);
      }
      if (n == 0) break;
      OA_TRY(WriteAll(out.fd, buf.get(), static_cast<size_t>(n), tmp));
    }
    if (::fdatasync(out.fd) != 0) return ErrnoStatus("fsync " + tmp.string(), errno);
    return Status::Ok();
  }();
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  return Publish(dst_id);
}

Result<ObjectInfo> FsStore::Copy(std::string_view src_bucket, std::string_view src_key,
                                 std::string_view dst_bucket, std::string_view dst_key) {
  OA_TRY(ValidateObjectKey(dst_key));
  OA_TRY(RequireBucket(dst_bucket));
  Row row;
  row.data_id = NewId();
  for (int attempt = 0;; ++attempt) {
    OA_ASSIGN_OR_RETURN(Row src, Lookup(src_bucket, src_key));
    Status s = CloneData(src.data_id, row.data_id);
    if (s.ok()) {
      row.info = std::move(src.info);
      break;
    }
    // kNotFound: the source was replaced between lookup and link; the next lookup sees the
    // new version.
    if (s.code() != Code::kNotFound || attempt + 1 >= kOpenAttempts) return s;
  }
  row.info.bucket = std::string(dst_bucket);
  row.info.key = std::string(dst_key);
  row.info.last_modified = clock_.NowMillis();
  return Commit(std::move(row));
}

// ---------------------------------------------------------------------------------------------
// Listing

Result<ListResult> FsStore::List(std::string_view bucket, const ListOptions& options) {
  if (options.max_keys < 1) {
    return InvalidArgument("max_keys must be between 1 and 1000 (got " +
                           std::to_string(options.max_keys) + ")");
  }
  const size_t max_keys = static_cast<size_t>(std::min(options.max_keys, 1000));
  const std::string& prefix = options.prefix;
  const std::string& delim = options.delimiter;

  // Keys are valid UTF-8, which never contains 0xff, so "\xff" bounds every key from above.
  std::string upper = PrefixSuccessor(prefix);
  if (upper.empty()) upper = "\xff";
  // `lower` is inclusive; key + '\0' is the smallest string after key.
  std::string lower = prefix;
  const std::string& marker = options.marker;
  if (!marker.empty() && marker >= lower) {
    lower = marker;
    lower.push_back('\0');
    // A marker that is itself a common prefix (our own next_marker after a group) means the
    // whole group was returned: resume after every key in it, or the group would come back.
    if (!delim.empty() && marker.starts_with(prefix)) {
      size_t pos = marker.find(delim, prefix.size());
      if (pos != std::string::npos && pos + delim.size() == marker.size()) {
        lower = PrefixSuccessor(marker);
        if (lower.empty()) return ListResult{};
      }
    }
  }

  OA_ASSIGN_OR_RETURN(auto r, Reader());
  OA_ASSIGN_OR_RETURN(bool exists, BucketExists(**r, bucket));
  if (!exists) return NotFound("bucket '" + std::string(bucket) + "' does not exist");

  // One read transaction: every re-seek below sees the same snapshot.
  OA_TRY((*r)->Begin(/*immediate=*/false));
  struct EndRead {
    SqliteConn& c;
    ~EndRead() { c.Rollback(); }
  } end_read{**r};

  OA_ASSIGN_OR_RETURN(auto st, (*r)->Prepare(
      "SELECT key, size, etag, content_type, last_modified FROM objects "
      "WHERE bucket = ?1 AND key >= ?2 AND key < ?3 ORDER BY key"));
  st->Text(1, bucket).Blob(2, lower).Blob(3, upper);

  ListResult out;
  size_t count = 0;
  for (;;) {
    OA_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    // Something follows what we returned: exact truncation, never an empty next page.
    if (count == max_keys) {
      out.is_truncated = true;
      break;
    }
    std::string_view key = st->Col(0);
    if (!delim.empty()) {
      size_t pos = key.find(delim, prefix.size());
      if (pos != std::string_view::npos) {
        std::string cp(key.substr(0, pos + delim.size()));
        // Jump past every key under this prefix with one index seek instead of stepping
        // through them: a "folder" of a million objects costs one B-tree descent.
        std::string next = PrefixSuccessor(cp);
        out.next_marker = cp;
        out.common_prefixes.push_back(std::move(cp));
        ++count;
        if (next.empty()) break;
        st->Reset();
        st->Text(1, bucket).Blob(2, next).Blob(3, upper);
        continue;
      }
    }
    ObjectInfo info;
    info.bucket = std::string(bucket);
    info.key = std::string(key);
    info.size = static_cast<uint64_t>(st->ColInt(1));
    info.etag = std::string(st->Col(2));
    info.content_type = std::string(st->Col(3));
    info.last_modified = st->ColInt(4);
    out.next_marker = info.key;
    out.objects.push_back(std::move(info));
    ++count;
  }
  if (!out.is_truncated) out.next_marker.clear();
  return out;
}

}  // namespace openarts::objstore
