// What only the local backend promises: its layout, recovery after a crash, the directory lock.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <random>

#include "base/crypto.h"
#include "base/fs.h"
#include "objstore/objstore.h"
#include "test_util.h"

namespace openarts::objstore {
namespace {

namespace fs = std::filesystem;
using testing::ReadAll;
using testing::StringSource;
using testing::TempDir;

std::unique_ptr<ObjectStore> OpenOk(const TempDir& dir) {
  auto s = Open({.url = dir.url()});
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

void PutOk(ObjectStore& s, std::string_view bucket, std::string_view key, std::string data) {
  StringSource src(std::move(data));
  auto r = s.Put(bucket, key, src);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
}

std::string Content(ObjectStore& s, std::string_view bucket, std::string_view key) {
  auto h = s.Get(bucket, key);
  return h.ok() ? ReadAll(*h->reader) : "<" + h.status().ToString() + ">";
}

std::vector<fs::path> FilesUnder(const fs::path& dir) {
  std::vector<fs::path> out;
  for (auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out.push_back(e.path());
  }
  return out;
}

TEST(FsStoreTest, OpenRejectsBadUrls) {
  struct Case {
    std::string url;
    Code code;
  };
  TempDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir.path() / "plain-file", "x").ok());
  for (const Case& c : std::vector<Case>{
           {"", Code::kInvalidArgument},
           {"ftp://host/x", Code::kInvalidArgument},
           {"s3://bucket", Code::kInvalidArgument},
           {"file://relative/dir", Code::kInvalidArgument},
           {"file:///bad%zzescape", Code::kInvalidArgument},
           {"file://" + (dir.path() / "plain-file").string(), Code::kUnavailable},
           {"file://" + (dir.path() / "plain-file" / "sub").string(), Code::kUnavailable},
       }) {
    auto s = Open({.url = c.url});
    EXPECT_EQ(s.status().code(), c.code) << c.url << ": " << s.status().ToString();
  }
  // Percent-escapes and localhost are understood.
  auto spaced = Open({.url = "file://localhost" + dir.path().string() + "/with%20space"});
  ASSERT_TRUE(spaced.ok()) << spaced.status().ToString();
  EXPECT_TRUE(fs::is_directory(dir.path() / "with space" / "data"));
}

TEST(FsStoreTest, PersistsAcrossReopen) {
  TempDir dir(testing::Disk::kReal);
  {
    auto s = OpenOk(dir);
    ASSERT_TRUE(s->CreateBucket({.name = "keep", .workspace_id = "w", .owner = "o"}).ok());
    PutOk(*s, "keep", "a/b", "hello");
    PutOk(*s, "keep", "a", "top");
  }
  auto s = OpenOk(dir);
  auto b = s->GetBucket("keep");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->owner, "o");
  EXPECT_EQ(Content(*s, "keep", "a/b"), "hello");
  EXPECT_EQ(Content(*s, "keep", "a"), "top");
  EXPECT_EQ(s->Head("keep", "a/b")->etag, HexEncode(Md5("hello")));
}

TEST(FsStoreTest, OneProcessPerDirectory) {
  TempDir dir;
  auto first = OpenOk(dir);
  auto second = Open({.url = dir.url()});
  EXPECT_EQ(second.status().code(), Code::kUnavailable);
  EXPECT_NE(second.status().message().find("in use by another process"), std::string::npos);
  first.reset();
  EXPECT_TRUE(Open({.url = dir.url()}).ok());
}

TEST(FsStoreTest, ReaderExposesAFileDescriptorForSendfile) {
  TempDir dir;
  auto s = OpenOk(dir);
  ASSERT_TRUE(s->CreateBucket({.name = "bkt"}).ok());
  PutOk(*s, "bkt", "k", std::string(12345, 'z'));
  auto h = s->Get("bkt", "k");
  ASSERT_TRUE(h.ok());
  int fd = h->reader->NativeFd();
  ASSERT_GE(fd, 0);
  struct stat st{};
  ASSERT_EQ(::fstat(fd, &st), 0);
  EXPECT_EQ(st.st_size, 12345);
}

TEST(FsStoreTest, DataFilesAreImmutableAndCopiesShareThem) {
  TempDir dir(testing::Disk::kReal);
  auto s = OpenOk(dir);
  ASSERT_TRUE(s->CreateBucket({.name = "bkt"}).ok());
  PutOk(*s, "bkt", "src", "shared bytes");
  ASSERT_TRUE(s->Copy("bkt", "src", "bkt", "dst").ok());
  auto files = FilesUnder(dir.path() / "data");
  ASSERT_EQ(files.size(), 2u);
  struct stat a{}, b{};
  ASSERT_EQ(::stat(files[0].c_str(), &a), 0);
  ASSERT_EQ(::stat(files[1].c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino) << "copy should be a hard link of the immutable data file";
  // Overwrites and deletes drop names right away; nothing accumulates.
  PutOk(*s, "bkt", "src", "v2");
  ASSERT_TRUE(s->Delete("bkt", "dst").ok());
  EXPECT_EQ(FilesUnder(dir.path() / "data").size(), 1u);
  EXPECT_TRUE(FilesUnder(dir.path() / "tmp").empty());
}

TEST(FsStoreTest, OpenRemovesWhatACrashLeftBehind) {
  TempDir dir;
  {
    auto s = OpenOk(dir);
    ASSERT_TRUE(s->CreateBucket({.name = "bkt"}).ok());
    PutOk(*s, "bkt", "real/1", "one");
    PutOk(*s, "bkt", "real/2", "two");
  }
  // What a kill leaves: a half-written upload in tmp/, a published file whose index row never
  // committed, and the old file of an overwrite whose unlink never ran.
  ASSERT_TRUE(WriteFileAtomic(dir.path() / "tmp" / NewId(), "partial upl").ok());
  std::string orphan = NewId();
  ASSERT_TRUE(WriteFileAtomic(dir.path() / "data" / orphan.substr(0, 2) / orphan, "ghost").ok());
  auto live = FilesUnder(dir.path() / "data");
  ASSERT_EQ(live.size(), 3u);
  std::string replaced = NewId();
  fs::copy_file(live[0], dir.path() / "data" / replaced.substr(0, 2) / replaced);

  auto s = OpenOk(dir);
  EXPECT_TRUE(FilesUnder(dir.path() / "tmp").empty());
  EXPECT_EQ(FilesUnder(dir.path() / "data").size(), 2u);
  auto l = s->List("bkt", {});
  ASSERT_TRUE(l.ok());
  ASSERT_EQ(l->objects.size(), 2u);
  EXPECT_EQ(Content(*s, "bkt", "real/1"), "one");
  EXPECT_EQ(Content(*s, "bkt", "real/2"), "two");
}

// Guards the per-Put overhead of the design (no whole-index rewrites, prepared statements, no
// per-Put directory creation) on tmpfs, where fsync is free; disk figures are in the benchmark.
TEST(FsStoreTest, ThousandSmallPutsTakeSeconds) {
  TempDir dir;
  auto s = OpenOk(dir);
  ASSERT_TRUE(s->CreateBucket({.name = "bkt"}).ok());
  const std::string body(4096, 'q');
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000; ++i) PutOk(*s, "bkt", "small/" + std::to_string(i), body);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  RecordProperty("put_4k_per_s", static_cast<int>(1000 / secs));
  std::printf("1000 x 4 KiB puts: %.2f s (%.0f/s)\n", secs, 1000 / secs);
  EXPECT_LT(secs, 10.0);
  auto l = s->List("bkt", {.prefix = "small/"});
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->objects.size(), 1000u);
}

// ------------------------------------------------------------------------------- real crash

// Object i's content names i, so whichever version survives can be identified and checked.
std::string CrashKey(int i) { return "k/" + std::to_string(i % 40); }
std::string CrashBody(int i) {
  std::mt19937 rng(static_cast<uint32_t>(i));
  std::string body = "v=" + std::to_string(i) + ";";
  body.resize(body.size() + rng() % 300'000, static_cast<char>('a' + i % 26));
  return body;
}

[[noreturn]] void CrashChild(const std::string& url, int ack_fd) {
  auto s = Open({.url = url});
  if (!s.ok()) ::_exit(2);
  for (int i = 0;; ++i) {
    StringSource src(CrashBody(i), 4096);
    if (!(*s)->Put("bkt", CrashKey(i), src).ok()) ::_exit(3);
    // Ack only after Put returned: from here the object must survive anything.
    if (::write(ack_fd, &i, sizeof i) != sizeof i) ::_exit(4);
  }
}

TEST(FsStoreTest, SurvivesSigkillMidPut) {
  std::mt19937 rng(std::random_device{}());
  for (int round = 0; round < 3; ++round) {
    TempDir dir;
    {
      auto s = OpenOk(dir);
      ASSERT_TRUE(s->CreateBucket({.name = "bkt"}).ok());
    }
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      CrashChild(dir.url(), fds[1]);
    }
    ::close(fds[1]);
    // Let it acknowledge a random number of puts, then kill it wherever it is.
    int kill_after = 5 + static_cast<int>(rng() % 60);
    std::map<std::string, int> acked;  // key -> last acknowledged version
    int last = -1;
    while (last + 1 < kill_after) {
      int i;
      ssize_t n = ::read(fds[0], &i, sizeof i);
      ASSERT_EQ(n, static_cast<ssize_t>(sizeof i)) << "child died early";
      acked[CrashKey(i)] = i;
      last = i;
    }
    ::usleep(static_cast<useconds_t>(rng() % 3000));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
    // Acks still in the pipe were acknowledged too.
    int i;
    while (::read(fds[0], &i, sizeof i) == sizeof i) {
      acked[CrashKey(i)] = i;
      last = i;
    }
    ::close(fds[0]);

    auto s = OpenOk(dir);
    auto l = s->List("bkt", {});
    ASSERT_TRUE(l.ok());
    const int in_flight = last + 1;  // the one Put that may or may not have committed
    for (const ObjectInfo& o : l->objects) {
      std::string body = Content(*s, "bkt", o.key);
      int v = std::stoi(body.substr(2, body.find(';') - 2));
      ASSERT_EQ(CrashKey(v), o.key);
      ASSERT_EQ(body, CrashBody(v)) << o.key << " holds a partial or wrong version";
      ASSERT_EQ(o.etag, HexEncode(Md5(body)));
      auto it = acked.find(o.key);
      if (v == in_flight) continue;
      ASSERT_NE(it, acked.end()) << o.key << " was never acknowledged";
      ASSERT_EQ(v, it->second) << o.key << " lost its last acknowledged version";
    }
    for (auto& [key, v] : acked) {
      ASSERT_TRUE(s->Head("bkt", key).ok()) << "acknowledged " << key << " (v" << v << ") lost";
    }
    EXPECT_TRUE(FilesUnder(dir.path() / "tmp").empty());
    EXPECT_EQ(FilesUnder(dir.path() / "data").size(), l->objects.size());
  }
}

}  // namespace
}  // namespace openarts::objstore
