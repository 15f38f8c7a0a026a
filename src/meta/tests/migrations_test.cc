// Every schema version must migrate forward to the newest with its data intact.
#include <gtest/gtest.h>

#include <filesystem>

#include "base/base.h"
#include "meta/meta.h"

namespace openarts::meta {
namespace {

TEST(MigrationsTest, VersionsAreDenseAndAscending) {
  const auto& all = AllMigrations();
  ASSERT_FALSE(all.empty());
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].version, static_cast<int>(i) + 1) << all[i].name;
    EXPECT_FALSE(all[i].sql.empty());
  }
}

TEST(MigrationsTest, ForwardFromEveryEarlierVersion) {
  const auto& all = AllMigrations();
  for (int from = 0; from < static_cast<int>(all.size()); ++from) {
    auto dir = std::filesystem::temp_directory_path() / ("oa-mig-" + NewId());
    ASSERT_TRUE(MakeDirs(dir).ok());
    std::string url = "sqlite:" + (dir / "meta.db").string();
    {
      auto old = Open({.url = url, .max_version = from});
      ASSERT_TRUE(old.ok()) << old.status().ToString();
      EXPECT_EQ((*old)->SchemaVersion(), from);
      if (from >= 1) {
        ASSERT_TRUE((*old)->Exec("INSERT INTO projects(id, name, create_time) VALUES ('p','p',1)").ok());
      }
    }
    auto db = Open({.url = url});
    ASSERT_TRUE(db.ok()) << "from " << from << ": " << db.status().ToString();
    EXPECT_EQ((*db)->SchemaVersion(), all.back().version);
    if (from >= 1) {
      EXPECT_EQ((*db)->Query("SELECT id FROM projects")->size(), 1u);
    }
    db->reset();
    std::filesystem::remove_all(dir);
  }
}

TEST(MigrationsTest, RefusesNewerSchema) {
  auto dir = std::filesystem::temp_directory_path() / ("oa-mig-" + NewId());
  ASSERT_TRUE(MakeDirs(dir).ok());
  std::string url = "sqlite:" + (dir / "meta.db").string();
  {
    auto db = Open({.url = url});
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("INSERT INTO schema_migrations VALUES (9999, 'future', 0)").ok());
  }
  auto db = Open({.url = url});
  EXPECT_EQ(db.status().code(), Code::kFailedPrecondition);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace openarts::meta
