// The objstore.delete_bucket task against the real local object store and task runner.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "../delete_bucket_task.h"
#include "base/clock.h"
#include "meta/meta.h"

namespace openarts::server {
namespace {

namespace fs = std::filesystem;

class DeleteBucketTaskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("openarts_delbucket_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    db_ = meta::Open({.url = "sqlite:" + (dir_ / "meta.db").string()}).value();
    store_ = objstore::Open({.url = "file://" + (dir_ / "objects").string()}).value();
    tasks_ = tasks::Create(*db_, SystemClock(), {.max_concurrency = 1, .poll_interval_ms = 20})
                 .value();
    tasks_->Register("objstore.delete_bucket", DeleteBucketTask(*store_, /*batch_size=*/7),
                     {.resumable = true});
    ASSERT_TRUE(tasks_->Start().ok());
  }
  void TearDown() override {
    tasks_->Stop();
    tasks_.reset();
    store_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }

  void Fill(const std::string& bucket, int n) {
    ASSERT_TRUE(store_->CreateBucket({.name = bucket}).ok());
    for (int i = 0; i < n; ++i) {
      StringSource src("object " + std::to_string(i));
      ASSERT_TRUE(store_->Put(bucket, "dir" + std::to_string(i % 3) + "/k" + std::to_string(i), src)
                      .ok());
    }
  }

  fs::path dir_;
  std::unique_ptr<meta::Database> db_;
  std::unique_ptr<objstore::ObjectStore> store_;
  std::unique_ptr<tasks::TaskService> tasks_;
};

TEST_F(DeleteBucketTaskTest, DeletesEveryObjectThenTheBucket) {
  Fill("doomed", 30);
  auto task = tasks_->Submit("p", "0", "objstore.delete_bucket", Json{{"bucket", "doomed"}}, "u");
  ASSERT_TRUE(task.ok()) << task.status().ToString();
  auto done = tasks_->WaitFor(task->id, 20000);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->status, tasks::TaskStatus::kSucceeded) << done->error;
  EXPECT_EQ(done->result["deleted_objects"], 30);
  EXPECT_EQ(store_->GetBucket("doomed").status().code(), Code::kNotFound);
}

TEST_F(DeleteBucketTaskTest, AGoneBucketIsAlreadyDone) {
  auto task = tasks_->Submit("p", "0", "objstore.delete_bucket", Json{{"bucket", "never"}}, "u");
  ASSERT_TRUE(task.ok());
  auto done = tasks_->WaitFor(task->id, 20000);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->status, tasks::TaskStatus::kSucceeded) << done->error;
}

TEST_F(DeleteBucketTaskTest, BadParamsFail) {
  auto task = tasks_->Submit("p", "0", "objstore.delete_bucket", Json{{"bucket", 3}}, "u");
  ASSERT_TRUE(task.ok());
  auto done = tasks_->WaitFor(task->id, 20000);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->status, tasks::TaskStatus::kFailed);
  EXPECT_NE(done->error.find("bucket"), std::string::npos);
}

}  // namespace
}  // namespace openarts::server
