#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "base/base.h"
#include "meta/meta.h"

namespace openarts::meta {
namespace {

class SqliteDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("oa-meta-" + NewId());
    ASSERT_TRUE(MakeDirs(dir_).ok());
    auto db = Open({.url = "sqlite:" + (dir_ / "meta.db").string()});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(SqliteDbTest, MigratesToNewestVersion) {
  EXPECT_EQ(db_->SchemaVersion(), AllMigrations().back().version);
  EXPECT_EQ(db_->Dialect(), "sqlite");
}

TEST_F(SqliteDbTest, ExecQueryWithNumberedPlaceholders) {
  ASSERT_TRUE(db_->Exec("INSERT INTO projects(id, name, create_time) VALUES ($1, $2, $3)",
                        {std::string("p1"), std::string("local"), int64_t{5}})
                  .ok());
  // Placeholders used out of order bind by number, not position.
  auto rows = db_->Query("SELECT name, create_time FROM projects WHERE create_time = $2 AND id = $1",
                         {std::string("p1"), int64_t{5}});
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].Str(0), "local");
  EXPECT_EQ((*rows)[0].Int(1), 5);
}

TEST_F(SqliteDbTest, ConstraintErrorsMapToCodes) {
  Params p = {std::string("p1"), std::string("local"), int64_t{1}};
  ASSERT_TRUE(db_->Exec("INSERT INTO projects(id, name, create_time) VALUES ($1, $2, $3)", p).ok());
  auto dup = db_->Exec("INSERT INTO projects(id, name, create_time) VALUES ($1, $2, $3)", p);
  EXPECT_EQ(dup.status().code(), Code::kAlreadyExists);
  auto fk = db_->Exec(
      "INSERT INTO workspaces(id, project_id, name, owner_id, auth_type, create_time, "
      "update_time) VALUES ('w', 'nope', 'n', 'o', 'PUBLIC', 1, 1)");
  EXPECT_EQ(fk.status().code(), Code::kFailedPrecondition);
  auto wrong = db_->Exec("INSERT INTO projects(id) VALUES ($1)", {});
  EXPECT_EQ(wrong.status().code(), Code::kInternal);
}

TEST_F(SqliteDbTest, ExecManyInsertsEveryRowAndStopsAtTheFirstError) {
  std::vector<Params> rows;
  for (int i = 0; i < 100; ++i) {
    rows.push_back({"p" + std::to_string(i), "n" + std::to_string(i), int64_t{i}});
  }
  Status s = db_->Transact([&](Tx& tx) -> Status {
    auto n = tx.ExecMany("INSERT INTO projects(id, name, create_time) VALUES ($1, $2, $3)", rows);
    if (!n.ok()) return n.status();
    EXPECT_EQ(*n, 100);
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto rows2 = db_->Query("SELECT id, create_time FROM projects WHERE id = 'p73'");
  ASSERT_TRUE(rows2.ok());
  ASSERT_EQ(rows2->size(), 1u);
  EXPECT_EQ((*rows2)[0].Int(1), 73);
  // A duplicate in the middle: the error names the row, the transaction rolls back.
  std::vector<Params> dup = {{std::string("q1"), std::string("nq1"), int64_t{1}},
                             {std::string("p5"), std::string("nq2"), int64_t{2}}};
  s = db_->Transact([&](Tx& tx) -> Status {
    return tx.ExecMany("INSERT INTO projects(id, name, create_time) VALUES ($1, $2, $3)", dup)
        .status();
  });
  EXPECT_EQ(s.code(), Code::kAlreadyExists);
  EXPECT_NE(s.message().find("row 1"), std::string::npos) << s.message();
  auto q1 = db_->Query("SELECT id FROM projects WHERE id = 'q1'");
  ASSERT_TRUE(q1.ok());
  EXPECT_TRUE(q1->empty());
}

TEST_F(SqliteDbTest, TransactionRollsBackOnError) {
  Status s = db_->Transact([](Tx& tx) -> Status {
    OA_TRY(tx.Exec("INSERT INTO projects(id, name, create_time) VALUES ('a', 'a', 1)").status());
    return InvalidArgument("stop");
  });
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_TRUE(db_->Query("SELECT id FROM projects")->empty());
  ASSERT_TRUE(db_->Transact([](Tx& tx) -> Status {
                   return tx.Exec("INSERT INTO projects(id, name, create_time) VALUES ('a','a',1)")
                       .status();
                 }).ok());
  EXPECT_EQ(db_->Query("SELECT id FROM projects")->size(), 1u);
}

TEST_F(SqliteDbTest, NotDurableTransactionCommitsRollsBackAndRestoresFullSync) {
  auto sync_level = [&] {
    int64_t level = -1;
    EXPECT_TRUE(db_->Transact([&](Tx& tx) -> Status {
                     OA_ASSIGN_OR_RETURN(auto rows, tx.Query("PRAGMA synchronous"));
                     level = rows.at(0).Int(0);
                     return Status::Ok();
                   }).ok());
    return level;
  };
  EXPECT_EQ(sync_level(), 2);  // FULL
  int64_t inside = -1;
  ASSERT_TRUE(db_->TransactNotDurable([&](Tx& tx) -> Status {
                   OA_ASSIGN_OR_RETURN(auto rows, tx.Query("PRAGMA synchronous"));
                   inside = rows.at(0).Int(0);
                   return tx.Exec("INSERT INTO projects(id, name, create_time) VALUES ('a','a',1)").status();
                 }).ok());
  EXPECT_EQ(inside, 1);  // NORMAL for that commit only
  EXPECT_EQ(sync_level(), 2);
  Status s = db_->TransactNotDurable([](Tx& tx) -> Status {
    OA_TRY(tx.Exec("INSERT INTO projects(id, name, create_time) VALUES ('b', 'b', 1)").status());
    return InvalidArgument("stop");
  });
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(db_->Query("SELECT id FROM projects")->size(), 1u);
  EXPECT_EQ(sync_level(), 2);
}

TEST_F(SqliteDbTest, ConcurrentReadersAndWriter) {
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto id = std::to_string(t) + "-" + std::to_string(i);
        if (!db_->Exec("INSERT INTO projects(id, name, create_time) VALUES ($1, $1, 0)", {id}).ok())
          ++errors;
        if (!db_->Query("SELECT COUNT(*) FROM projects").ok()) ++errors;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ((*db_->Query("SELECT COUNT(*) FROM projects"))[0].Int(0), 200);
}

TEST_F(SqliteDbTest, CommittedDataSurvivesReopen) {
  ASSERT_TRUE(db_->Exec("INSERT INTO projects(id, name, create_time) VALUES ('x', 'x', 1)").ok());
  db_.reset();
  auto db = Open({.url = "sqlite:" + (dir_ / "meta.db").string()});
  ASSERT_TRUE(db.ok());
  EXPECT_EQ((*db)->Query("SELECT id FROM projects")->size(), 1u);
}

TEST(MetaOpenTest, RejectsUnknownScheme) {
  EXPECT_EQ(Open({.url = "mysql://x"}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Open({.url = "postgres://x"}).status().code(), Code::kUnavailable);
}

}  // namespace
}  // namespace openarts::meta
