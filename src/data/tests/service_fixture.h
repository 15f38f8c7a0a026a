// The data service on a real SQLite file and the local object store, in a fresh temporary
// directory per test, with the buckets dsin (inputs), dsout (output paths) and dsexp (exports):
// the fixture of data_test and interchange_test.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/io.h"
#include "data/data.h"
#include "meta/meta.h"
#include "objstore/objstore.h"
#include "tasks/tasks.h"

namespace openarts::data {

class ServiceFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("openarts_data_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto db = meta::Open({.url = "sqlite:" + (dir_ / "meta.db").string()});
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::move(*db);
    auto store = objstore::Open({.url = "file://" + (dir_ / "objects").string()});
    ASSERT_TRUE(store.ok()) << store.status().message();
    objects_ = std::move(*store);
    for (const char* b : {"dsin", "dsout", "dsexp"}) ASSERT_TRUE(objects_->CreateBucket({.name = b}).ok());
    StartService();
  }
  void TearDown() override {
    if (tasks_) tasks_->Stop();
    service_.reset();
    tasks_.reset();
    std::filesystem::remove_all(dir_);
  }
  // A task service (one task at a time, polling every 20 ms) and the data service, started.
  void StartService() {
    auto t = tasks::Create(*db_, clock_, {.max_concurrency = 1, .poll_interval_ms = 20});
    ASSERT_TRUE(t.ok());
    tasks_ = std::move(*t);
    auto s = Create(*db_, *objects_, *tasks_, clock_);
    ASSERT_TRUE(s.ok()) << s.status().message();
    service_ = std::move(*s);
    ASSERT_TRUE(tasks_->Start().ok());
  }

  void Put(const std::string& bucket, const std::string& key, const std::string& data) {
    StringSource src(data);
    ASSERT_TRUE(objects_->Put(bucket, key, src).ok()) << key;
  }
  // The object's bytes, or "<missing KEY>".
  std::string Get(const std::string& bucket, const std::string& key) {
    auto h = objects_->Get(bucket, key);
    if (!h.ok()) return "<missing " + key + ">";
    std::string out(h->info.size, '\0');
    (void)h->reader->ReadAt(0, out.data(), out.size());
    return out;
  }
  static std::string ReadLocal(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // A dataset reading dsin/<name>/ and writing dsout/<name>/.
  Dataset Make(int type, const std::string& name = "ds", Json schema = nullptr) {
    CreateDatasetRequest r;
    r.name = name;
    r.type = type;
    r.input_path = "obs://dsin/" + name + "/";
    r.output_path = "obs://dsout/" + name + "/";
    r.schema = std::move(schema);
    auto d = service_->CreateDataset(caller_, r);
    EXPECT_TRUE(d.ok()) << d.status().message();
    return d.ok() ? *d : Dataset{};
  }
  Dataset Fresh(const Dataset& d) { return *service_->GetDataset(d.project_id, d.id); }
  // Every sample matching `q`, walking the keyset pages `page_size` at a time.
  std::vector<Sample> All(const Dataset& d, SampleQuery q = {}, int page_size = 3) {
    std::vector<Sample> out;
    q.limit = page_size;
    while (true) {
      auto page = service_->ListSamples(d, q);
      EXPECT_TRUE(page.ok()) << page.status().message();
      if (!page.ok()) break;
      for (auto& s : page->samples) out.push_back(s);
      if (page->next_marker.empty()) break;
      q.marker = page->next_marker;
    }
    return out;
  }

  FakeClock clock_;
  std::filesystem::path dir_;
  std::unique_ptr<meta::Database> db_;
  std::unique_ptr<objstore::ObjectStore> objects_;
  std::unique_ptr<tasks::TaskService> tasks_;
  std::unique_ptr<DataService> service_;
  Caller caller_{"u1", "alice", "p1", "0"};
};

}  // namespace openarts::data
