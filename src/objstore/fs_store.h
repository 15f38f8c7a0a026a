// The local-filesystem backend: a SQLite index of buckets and objects plus immutable data files.
// See docs/objstore.md for the layout on disk and the crash-safety argument.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "objstore/objstore.h"
#include "sqlite_conn.h"

namespace openarts::objstore {

class FsStore final : public ObjectStore {
 public:
  // Creates `root` if needed, takes the directory lock (one process per store), opens the index
  // and removes what a crash left behind. kUnavailable if the directory cannot be used.
  static Result<std::unique_ptr<ObjectStore>> Open(const std::filesystem::path& root,
                                                   Clock& clock);
  ~FsStore() override;

  Result<BucketInfo> CreateBucket(const BucketInfo& bucket) override;
  Result<BucketInfo> GetBucket(std::string_view name) override;
  Result<std::vector<BucketInfo>> ListBuckets() override;
  Status DeleteBucket(std::string_view name) override;

  Result<ObjectInfo> Put(std::string_view bucket, std::string_view key, ByteSource& source,
                         const PutOptions& options) override;
  Result<ObjectHandle> Get(std::string_view bucket, std::string_view key) override;
  Result<ObjectInfo> Head(std::string_view bucket, std::string_view key) override;
  Result<ListResult> List(std::string_view bucket, const ListOptions& options) override;
  Status Delete(std::string_view bucket, std::string_view key) override;
  Result<ObjectInfo> Copy(std::string_view src_bucket, std::string_view src_key,
                          std::string_view dst_bucket, std::string_view dst_key) override;

 private:
  // A row of the objects table.
  struct Row {
    ObjectInfo info;
    std::string data_id;
  };
  // A read connection borrowed from the pool; returned on destruction.
  class ReadLease;

  FsStore(std::filesystem::path root, Clock& clock) : root_(std::move(root)), clock_(clock) {}
  Status Init();
  Status InitSchema();
  Status CollectGarbage();

  std::filesystem::path DataPath(std::string_view id) const;
  std::filesystem::path TmpPath(std::string_view id) const;

  Result<std::unique_ptr<ReadLease>> Reader();
  void Release(std::unique_ptr<SqliteConn> conn);

  // kNotFound naming the bucket or the object.
  Status Missing(SqliteConn& conn, std::string_view bucket, std::string_view key);
  Result<bool> BucketExists(SqliteConn& conn, std::string_view bucket);
  Status RequireBucket(std::string_view bucket);
  Result<Row> Lookup(std::string_view bucket, std::string_view key);

  // Writes `row` into the index in one transaction, replacing any previous row for its key, and
  // then unlinks the replaced data file. On failure unlinks row.data_id instead, so the caller
  // owns nothing either way.
  Result<ObjectInfo> Commit(Row row);
  // Makes data/<id> a new name for the content of data/<src_id>: a hard link, or a full copy
  // where the filesystem refuses links. kNotFound if src vanished (replaced concurrently).
  Status CloneData(std::string_view src_id, std::string_view dst_id);
  // Publishes tmp/<id> as data/<id> durably.
  Status Publish(std::string_view id);
  void UnlinkData(std::string_view id);

  const std::filesystem::path root_;
  Clock& clock_;
  int lock_fd_ = -1;

  // One writer: SQLite serialises writers anyway; holding our own mutex avoids busy-waiting
  // inside SQLite and makes "check, then write" sequences atomic.
  std::mutex write_mu_;
  std::unique_ptr<SqliteConn> writer_;

  std::mutex readers_mu_;
  std::vector<std::unique_ptr<SqliteConn>> readers_;
};

}  // namespace openarts::objstore
