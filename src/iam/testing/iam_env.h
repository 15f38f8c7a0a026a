// A ready-to-use Iam for tests of any subsystem: a SQLite file in a fresh temporary directory, a
// FakeClock, a master key beside it and a bootstrapped project "local" with administrator
// "admin". Header-only; link openarts::iam and openarts::meta. Not thread-safe to construct.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/fs.h"
#include "base/ids.h"
#include "iam/iam.h"
#include "meta/meta.h"

namespace openarts::iam::testing {

class IamEnv {
 public:
  static constexpr const char* kAdminPassword = "admin-password-1";

  // Aborts the test binary on a setup failure: a broken environment is not a test result.
  IamEnv() : dir_(std::filesystem::temp_directory_path() / ("oa-iam-" + NewId())) {
    OA_CHECK(MakeDirs(dir_).ok());
    Reopen();
    auto pw = iam_->Bootstrap("local", kAdminPassword);
    OA_CHECK(pw.ok());
    auto admin = iam_->FindUserByName("admin");
    OA_CHECK(admin.ok());
    auto project = iam_->DefaultProject();
    OA_CHECK(project.ok());
    project_ = *project;
    admin_ = Principal{admin->id, admin->name, project_.id, project_.name, true, "token", ""};
  }
  ~IamEnv() {
    iam_.reset();
    db_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  IamEnv(const IamEnv&) = delete;
  IamEnv& operator=(const IamEnv&) = delete;

  // Drops the Iam and the database handle and opens both again over the same files: what a
  // daemon restart looks like.
  void Reopen() {
    iam_.reset();
    db_.reset();
    auto db = meta::Open({.url = "sqlite:" + (dir_ / "meta.db").string()});
    OA_CHECK(db.ok());
    db_ = std::move(*db);
    auto iam = Open(*db_, clock_, Options{.master_key_path = (dir_ / "master.key").string()});
    OA_CHECK(iam.ok());
    iam_ = std::move(*iam);
  }

  // A Principal as ValidateToken would return it, without a login (no Argon2 cost).
  Principal As(const User& u) const {
    return Principal{u.id, u.name, project_.id, project_.name, u.is_admin, "token", ""};
  }

  Iam& iam() { return *iam_; }
  meta::Database& db() { return *db_; }
  FakeClock& clock() { return clock_; }
  const Project& project() const { return project_; }
  const Principal& admin() const { return admin_; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  FakeClock clock_;
  std::unique_ptr<meta::Database> db_;
  std::unique_ptr<Iam> iam_;
  Project project_;
  Principal admin_;
};

}  // namespace openarts::iam::testing
