// Shared helpers of the integration tests: temp directories, login, JSON shortcuts.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

#include "base/json.h"
#include "http_client.h"

namespace openarts::testing {

inline std::filesystem::path MakeTempDir(const std::string& tag) {
  static std::atomic<int> counter{0};
  auto dir = std::filesystem::temp_directory_path() /
             ("openarts_it_" + tag + "_" + std::to_string(::getpid()) + "_" +
              std::to_string(counter++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::string TokenBody(const std::string& user, const std::string& password) {
  return Json{{"auth",
               {{"identity",
                 {{"methods", {"password"}},
                  {"password", {{"user", {{"name", user}, {"password", password}}}}}}},
                {"scope", {{"project", {{"name", "local"}}}}}}}}
      .dump();
}

// POST /v3/auth/tokens; "" (with a test failure) when the login fails.
inline std::string Login(const HttpClient& c, const std::string& user,
                         const std::string& password) {
  auto r = c.Do("POST", "/v3/auth/tokens", {{"Content-Type", "application/json"}},
                TokenBody(user, password));
  EXPECT_EQ(r.status, 201) << r.body << r.error;
  return r.Header("X-Subject-Token");
}

inline HeaderList Auth(const std::string& token) { return {{"X-Auth-Token", token}}; }

}  // namespace openarts::testing
