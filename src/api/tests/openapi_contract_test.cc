// api/openapi.yaml is the contract for ma-cli and the console: every route the server registers
// must be documented there, and everything documented must exist. Built from the real router.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <memory>
#include <set>
#include <string>

#include "api/api.h"
#include "base/clock.h"
#include "iam/iam.h"
#include "meta/meta.h"
#include "objstore/objstore.h"
#include "tasks/tasks.h"

namespace openarts::api {
namespace {

namespace fs = std::filesystem;

// "/v1/{project_id}/buckets/{bucket}/objects/{key+}" → "/v1/{}/buckets/{}/objects/{}"
std::string Normalise(const std::string& path) {
  std::string out;
  bool in_param = false;
  for (char ch : path) {
    if (ch == '{') {
      in_param = true;
      out += "{}";
    } else if (ch == '}') {
      in_param = false;
    } else if (!in_param) {
      out += ch;
    }
  }
  return out;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class OpenApiContract : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("openarts_openapi_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto db = meta::Open({.url = "sqlite:" + (dir_ / "meta.db").string()});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    iam::Options io;
    io.master_key_path = (dir_ / "master.key").string();
    auto iam = iam::Open(*db_, clock_, io);
    ASSERT_TRUE(iam.ok()) << iam.status().ToString();
    iam_ = std::move(iam).value();
    auto objects = objstore::Open({.url = "file://" + (dir_ / "objects").string()});
    ASSERT_TRUE(objects.ok()) << objects.status().ToString();
    objects_ = std::move(objects).value();
    auto tasks = tasks::Create(*db_, clock_);
    ASSERT_TRUE(tasks.ok()) << tasks.status().ToString();
    tasks_ = std::move(tasks).value();
  }
  void TearDown() override {
    tasks_.reset();
    objects_.reset();
    iam_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }

  fs::path dir_;
  FakeClock clock_;
  std::unique_ptr<meta::Database> db_;
  std::unique_ptr<iam::Iam> iam_;
  std::unique_ptr<objstore::ObjectStore> objects_;
  std::unique_ptr<tasks::TaskService> tasks_;
};

TEST_F(OpenApiContract, EveryRouteIsDocumentedAndEveryDocumentedOperationExists) {
  http::Router router;
  RegisterRoutes(router, Deps{*iam_, *objects_, *tasks_, clock_});

  std::set<std::string> served;  // "get /v1/{}/tasks"
  // Built into the http server, in front of the router.
  served.insert("get /healthz");
  served.insert("get /metrics");
  std::set<std::string> served_get_paths;
  for (const auto& r : router.Routes()) {
    served.insert(Lower(r.method) + " " + Normalise(r.pattern));
    if (r.method == "GET") served_get_paths.insert(Normalise(r.pattern));
  }
  served_get_paths.insert("/healthz");
  served_get_paths.insert("/metrics");

  const fs::path spec_path = fs::path(OPENARTS_SOURCE_DIR) / "api" / "openapi.yaml";
  YAML::Node doc = YAML::LoadFile(spec_path.string());
  ASSERT_TRUE(doc["openapi"]) << "not an OpenAPI document";
  EXPECT_EQ(doc["openapi"].as<std::string>().substr(0, 2), "3.");
  ASSERT_TRUE(doc["paths"].IsMap());

  static const std::set<std::string> kMethods = {"get", "put", "post", "delete",
                                                 "patch", "head", "options"};
  std::set<std::string> documented;
  for (const auto& path : doc["paths"]) {
    const std::string p = Normalise(path.first.as<std::string>());
    for (const auto& op : path.second) {
      const std::string m = op.first.as<std::string>();
      if (!kMethods.count(m)) continue;  // "parameters", "summary", ...
      // The router answers HEAD with the GET route; a documented HEAD needs that GET.
      if (m == "head") {
        EXPECT_TRUE(served_get_paths.count(p))
            << "openapi.yaml documents HEAD " << p << " but there is no GET route to serve it";
        continue;
      }
      documented.insert(m + " " + p);
      // Every operation documents its errors with the shared schema.
      EXPECT_TRUE(op.second["responses"]) << m << " " << p << " has no responses";
    }
  }

  for (const auto& s : served) {
    EXPECT_TRUE(documented.count(s)) << "route not in api/openapi.yaml: " << s;
  }
  for (const auto& d : documented) {
    EXPECT_TRUE(served.count(d)) << "api/openapi.yaml documents a route the server lacks: " << d;
  }
  EXPECT_GE(served.size(), 40u);
}

TEST(OpenApiDocument, DocumentsSecuritySchemesAndTheErrorBody) {
  YAML::Node doc =
      YAML::LoadFile((fs::path(OPENARTS_SOURCE_DIR) / "api" / "openapi.yaml").string());
  auto schemes = doc["components"]["securitySchemes"];
  ASSERT_TRUE(schemes["AuthToken"]);
  EXPECT_EQ(schemes["AuthToken"]["type"].as<std::string>(), "apiKey");
  EXPECT_EQ(schemes["AuthToken"]["name"].as<std::string>(), "X-Auth-Token");
  ASSERT_TRUE(schemes["AkSk"]);
  auto error = doc["components"]["schemas"]["Error"]["properties"];
  for (const char* field : {"error_code", "error_msg", "request_id"}) {
    EXPECT_TRUE(error[field]) << "Error schema lacks " << field;
  }
}

}  // namespace
}  // namespace openarts::api
