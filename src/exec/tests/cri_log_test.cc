// The task log format and its reader: records, partial-line joining, rotation with absolute
// offsets. The writer here is the one the shim uses.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "base/base.h"
#include "cri_log.h"
#include "exec/exec.h"

namespace openarts::exec {
namespace {

class TempDir {
 public:
  TempDir() {
    path_ = (std::filesystem::temp_directory_path() / ("oa-exec-log-" + NewId())).string();
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

constexpr int64_t kT = 1'795'846'381'123'456'789;  // 2026-11-28T06:13:01.123456789Z

TEST(CriLogTest, FormatsRfc3339WithNanoseconds) {
  EXPECT_EQ(FormatRfc3339Nanos(0), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(FormatRfc3339Nanos(kT), "2026-11-28T06:13:01.123456789Z");
  EXPECT_EQ(FormatLogRecord(kT, true, false, "hello world"),
            "2026-11-28T06:13:01.123456789Z stderr F hello world\n");
  EXPECT_EQ(FormatLogRecord(kT, false, true, ""), "2026-11-28T06:13:01.123456789Z stdout P \n");
}

TEST(CriLogTest, ParsesWhatItFormats) {
  for (bool err : {false, true}) {
    for (bool partial : {false, true}) {
      for (std::string text : {"", "x", "  spaced  out ", "tab\there \r"}) {
        std::string rec = FormatLogRecord(kT, err, partial, text);
        rec.pop_back();
        bool p = !partial;
        auto line = ParseLogRecord(rec, &p);
        ASSERT_TRUE(line.ok()) << rec << ": " << line.status().ToString();
        EXPECT_EQ(line->time_ms, kT / 1'000'000);
        EXPECT_EQ(line->is_stderr, err);
        EXPECT_EQ(p, partial);
        EXPECT_EQ(line->text, text);
      }
    }
  }
}

TEST(CriLogTest, ParsesOtherWritersTimes) {
  auto a = ParseLogRecord("2026-11-28T06:13:01Z stdout F a", nullptr);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->time_ms, 1'795'846'381'000);
  auto b = ParseLogRecord("2026-11-28T14:13:01.5+08:00 stdout F b", nullptr);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->time_ms, 1'795'846'381'500);
  auto c = ParseLogRecord("2026-11-28T06:13:01.123456789Z stderr F", nullptr);  // no text
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->text, "");
}

TEST(CriLogTest, RejectsMalformedRecords) {
  for (std::string bad : {"", "garbage", "2026-11-28T06:13:01Z", "2026-11-28T06:13:01Z stdin F x",
                          "2026-11-28T06:13:01Z stdout X x", "2026-11-28T06:13:01Z stdout Fx",
                          "2026-13-28T06:13:01Z stdout F x", "2026-11-28 06:13:01Z stdout F x",
                          "2026-11-28T06:13:01.Z stdout F x", "2026-11-28T06:13:01 stdout F x",
                          "2026-11-28T06:13:01.1234567891Z stdout F x"}) {
    auto r = ParseLogRecord(bad, nullptr);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    }
  }
}

// Appends `text` as records: complete lines as F.
void Put(LogWriter& w, const std::string& text, bool err = false, bool partial = false,
         int64_t t = kT) {
  ASSERT_TRUE(w.Append(FormatLogRecord(t, err, partial, text)).ok());
}

std::vector<LogLine> ReadAll(const std::string& dir, uint64_t from = 0, size_t step = 1 << 20,
                             uint64_t* skipped = nullptr) {
  std::vector<LogLine> out;
  uint64_t off = from;
  for (int guard = 0; guard < 100000; ++guard) {
    auto c = ReadLog(dir, off, step);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    if (!c.ok()) break;
    if (skipped != nullptr && off == from) *skipped = c->skipped;
    for (auto& l : c->lines) out.push_back(std::move(l));
    if (c->next_offset == off && c->lines.empty()) break;
    off = c->next_offset;
    if (off == c->end_offset) break;
  }
  return out;
}

TEST(CriLogTest, ReadsLinesAndOffsets) {
  TempDir dir;
  auto w = LogWriter::Open(dir.path(), {});
  ASSERT_TRUE(w.ok());
  Put(**w, "one");
  Put(**w, "two", true);
  Put(**w, "three");
  auto c = ReadLog(dir.path(), 0, 1 << 20);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->lines.size(), 3u);
  EXPECT_EQ(c->lines[1].text, "two");
  EXPECT_TRUE(c->lines[1].is_stderr);
  EXPECT_EQ(c->next_offset, (*w)->end_offset());
  EXPECT_EQ(c->end_offset, (*w)->end_offset());
  // Continue from next_offset: nothing new, then exactly the new line.
  auto d = ReadLog(dir.path(), c->next_offset, 1 << 20);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->lines.empty());
  Put(**w, "four");
  auto e = ReadLog(dir.path(), c->next_offset, 1 << 20);
  ASSERT_TRUE(e.ok());
  ASSERT_EQ(e->lines.size(), 1u);
  EXPECT_EQ(e->lines[0].text, "four");
  // A small budget returns at least one record and continues where it stopped.
  auto all = ReadAll(dir.path(), 0, 1);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[3].text, "four");
  EXPECT_FALSE(ReadLog(dir.path(), (*w)->end_offset() + 1, 10).ok());
}

TEST(CriLogTest, IgnoresAnUnfinishedTail) {
  TempDir dir;
  auto w = LogWriter::Open(dir.path(), {});
  ASSERT_TRUE(w.ok());
  Put(**w, "whole");
  std::string half = FormatLogRecord(kT, false, false, "half");
  half.resize(half.size() - 3);
  ASSERT_TRUE((*w)->Append(half).ok());  // as if a reader raced the writer
  auto c = ReadLog(dir.path(), 0, 1 << 20);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->lines.size(), 1u);
  EXPECT_LT(c->next_offset, c->end_offset);
}

TEST(CriLogTest, JoinsPartialRecordsPerStream) {
  TempDir dir;
  auto w = LogWriter::Open(dir.path(), {});
  ASSERT_TRUE(w.ok());
  Put(**w, "Epoch 1: ", false, true);
  Put(**w, "warning", true, false);  // stderr in the middle of a stdout line
  Put(**w, "50%", false, true);
  Put(**w, " done", false, false);
  auto lines = ReadAll(dir.path());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].text, "warning");
  EXPECT_EQ(lines[1].text, "Epoch 1: 50% done");
  EXPECT_FALSE(lines[1].is_stderr);
}

TEST(CriLogTest, ReturnsAnOpenPartialRunAsItStands) {
  TempDir dir;
  auto w = LogWriter::Open(dir.path(), {});
  ASSERT_TRUE(w.ok());
  Put(**w, "downloading... ", false, true);
  auto c = ReadLog(dir.path(), 0, 1 << 20);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->lines.size(), 1u);
  EXPECT_EQ(c->lines[0].text, "downloading... ");
  EXPECT_EQ(c->next_offset, c->end_offset);
  Put(**w, "done", false, false);
  auto d = ReadLog(dir.path(), c->next_offset, 1 << 20);
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->lines.size(), 1u);
  EXPECT_EQ(d->lines[0].text, "done");
}

TEST(CriLogTest, RotatesKeepingAbsoluteOffsets) {
  TempDir dir;
  LogOptions opt{.max_bytes = 4096, .keep = 2};
  auto w = LogWriter::Open(dir.path(), opt);
  ASSERT_TRUE(w.ok());
  uint64_t total = 0;
  for (int i = 0; i < 300; ++i) {
    std::string rec = FormatLogRecord(kT, false, false, "line " + std::to_string(i));
    total += rec.size();
    ASSERT_TRUE((*w)->Append(rec).ok());
  }
  EXPECT_EQ((*w)->end_offset(), total);
  auto files = LogFiles(dir.path());
  ASSERT_EQ(files.size(), 3u);  // two rotated + task.log
  EXPECT_EQ(files.back(), dir.path() + "/task.log");
  // Rotated names are the absolute offsets of their first bytes, contiguous.
  uint64_t expect_next = 0;
  for (size_t i = 0; i + 1 < files.size(); ++i) {
    std::string name = std::filesystem::path(files[i]).filename().string();
    ASSERT_EQ(name.size(), std::string("task.log.").size() + 20) << name;
    uint64_t off = std::stoull(name.substr(9));
    if (i > 0) {
      EXPECT_EQ(off, expect_next);
    }
    expect_next = off + std::filesystem::file_size(files[i]);
    EXPECT_LE(std::filesystem::file_size(files[i]), 4096u);
  }
  EXPECT_EQ(expect_next + std::filesystem::file_size(files.back()), total);

  uint64_t skipped = 0;
  auto lines = ReadAll(dir.path(), 0, 1000, &skipped);
  ASSERT_FALSE(lines.empty());
  uint64_t first = std::stoull(std::filesystem::path(files[0]).filename().string().substr(9));
  EXPECT_EQ(skipped, first);
  int n0 = std::stoi(lines[0].text.substr(5));
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i].text, "line " + std::to_string(n0 + static_cast<int>(i)));
  }
  EXPECT_EQ(lines.back().text, "line 299");
  // An offset inside a kept rotated file reads from there, across the boundary.
  auto c = ReadLog(dir.path(), expect_next, 1 << 20);  // the start of task.log
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->skipped, 0u);
  EXPECT_EQ(c->next_offset, total);

  // A new writer (a restarted shim) continues the absolute offsets.
  w->reset();
  auto w2 = LogWriter::Open(dir.path(), opt);
  ASSERT_TRUE(w2.ok());
  EXPECT_EQ((*w2)->end_offset(), total);
}

TEST(CriLogTest, EmptyOrMissingLog) {
  TempDir dir;
  auto c = ReadLog(dir.path(), 0, 100);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->lines.empty());
  EXPECT_EQ(c->end_offset, 0u);
  EXPECT_TRUE(LogFiles(dir.path()).empty());
  auto missing = ReadLog(dir.path() + "/nope", 0, 100);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
}

TEST(TaskHandleTest, JsonRoundTrip) {
  TaskHandle h{.key = "job.r1.worker-0",
               .task_dir = "/var/lib/openarts/tasks/x",
               .shim_pid = 4242,
               .shim_start_ticks = 123456789012ull,
               .pgid = 4243,
               .cgroup = "/sys/fs/cgroup/memory/openarts/job.r1.worker-0",
               .cgroup_extra = {"/sys/fs/cgroup/cpu/openarts/job.r1.worker-0"},
               .start_time = 1'700'000'000'000};
  auto back = TaskHandle::FromJson(ParseJson(h.ToJson().dump()).value());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->ToJson(), h.ToJson());
  EXPECT_FALSE(TaskHandle::FromJson(Json{{"key", "k"}}).ok());
}

}  // namespace
}  // namespace openarts::exec
