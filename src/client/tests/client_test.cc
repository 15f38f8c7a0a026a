#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "base/clock.h"
#include "base/crypto.h"
#include "client/client.h"

namespace openarts::client {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("client_test_" + HexEncode(RandomBytes(6)));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

TEST(PercentEncode, KeepsUnreservedAndOptionallySlash) {
  EXPECT_EQ(PercentEncode("a-b_c.d~e"), "a-b_c.d~e");
  EXPECT_EQ(PercentEncode("a b/c?d"), "a%20b%2Fc%3Fd");
  EXPECT_EQ(PercentEncode("dir/a b+c.txt", true), "dir/a%20b%2Bc.txt");
  EXPECT_EQ(PercentEncode("\xE4\xB8\xAD", true), "%E4%B8%AD");
}

TEST(Base64Encode, MatchesRfc4648Vectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  // Content-MD5 of the empty body.
  EXPECT_EQ(Base64Encode(Md5("")), "1B2M2Y8AsgTpgAmY7PhCfg==");
}

TEST(FileMd5Hex, HashesFileContents) {
  TempDir dir;
  auto f = dir.path() / "x";
  std::ofstream(f) << "hello";
  auto md5 = FileMd5Hex(f);
  ASSERT_TRUE(md5.ok());
  EXPECT_EQ(*md5, "5d41402abc4b2a76b9719d911017c592");
  EXPECT_EQ(FileMd5Hex(dir.path() / "missing").status().code(), Code::kNotFound);
}

TEST(StatusFromHttp, UsesServerMessageAndMapsCodes) {
  std::string body = R"({"error_code":"OA.NOTFOUND.0404","error_msg":"bucket 'x' does not exist","request_id":"r1"})";
  Status st = StatusFromHttp(404, body);
  EXPECT_EQ(st.code(), Code::kNotFound);
  EXPECT_EQ(st.message(), "bucket 'x' does not exist");

  Status dbg = StatusFromHttp(404, body, true, "GET", "http://h/v1/p/buckets/x");
  EXPECT_NE(dbg.message().find("HTTP 404 GET http://h/v1/p/buckets/x"), std::string::npos);
  EXPECT_NE(dbg.message().find("error_code OA.NOTFOUND.0404"), std::string::npos);
  EXPECT_NE(dbg.message().find("request_id r1"), std::string::npos);

  EXPECT_EQ(StatusFromHttp(401, "{}").code(), Code::kUnauthenticated);
  EXPECT_EQ(StatusFromHttp(403, "").code(), Code::kPermissionDenied);
  EXPECT_EQ(StatusFromHttp(409, R"({"error_msg":"bucket 'b' already exists"})").code(), Code::kAlreadyExists);
  EXPECT_EQ(StatusFromHttp(409, R"({"error_msg":"bucket 'b' is not empty"})").code(), Code::kFailedPrecondition);
  EXPECT_EQ(StatusFromHttp(503, "").code(), Code::kUnavailable);
  EXPECT_EQ(StatusFromHttp(500, "boom").message(), "boom");
  EXPECT_EQ(StatusFromHttp(502, "").message(), "the server answered HTTP 502");
}

TEST(ParseTimeMillis, AcceptsNumbersAndIso8601) {
  EXPECT_EQ(ParseTimeMillis(Json(1700000000123)), 1700000000123);
  EXPECT_EQ(ParseTimeMillis(Json(1700000000)), 1700000000000);  // seconds
  EXPECT_EQ(ParseTimeMillis(Json("2023-11-14T22:13:20.123Z")), 1700000000123);
  EXPECT_EQ(ParseTimeMillis(Json("2023-11-14T22:13:20Z")), 1700000000000);
  EXPECT_EQ(ParseTimeMillis(Json("2023-11-15T06:13:20+08:00")), 1700000000000);
  EXPECT_EQ(ParseTimeMillis(Json("1700000000123")), 1700000000123);
  EXPECT_EQ(ParseTimeMillis(Json("garbage")), 0);
  EXPECT_EQ(ParseTimeMillis(Json()), 0);
}

TEST(Session, ValidatesOptions) {
  Options o;
  EXPECT_EQ(Session::Create(o).status().code(), Code::kInvalidArgument);  // no server
  o.server = "ftp://x";
  o.username = "u";
  EXPECT_EQ(Session::Create(o).status().code(), Code::kInvalidArgument);
  o.server = "http://h:8080/api";
  EXPECT_EQ(Session::Create(o).status().code(), Code::kInvalidArgument);  // a path
  o.server = "127.0.0.1:8080/";
  auto s = Session::Create(o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ((*s)->base_url(), "http://127.0.0.1:8080");
  EXPECT_EQ((*s)->host_header(), "127.0.0.1:8080");
  o.server = "https://example.com:443";
  EXPECT_EQ((*Session::Create(o))->host_header(), "example.com");
  o.username.clear();
  EXPECT_EQ(Session::Create(o).status().code(), Code::kInvalidArgument);  // no credentials
  o.access_key = "AK";
  EXPECT_EQ(Session::Create(o).status().code(), Code::kInvalidArgument);  // AK without SK
}

TEST(Session, CachesTokenOnDiskWithMode0600AndRenewsStaleOnes) {
  TempDir dir;
  Options o;
  o.server = "http://127.0.0.1:1";
  o.username = "alice";
  o.password = "pw";
  o.token_cache = dir.path() / "ma-cli-token-DEFAULT";
  int logins = 0;
  auto login = [&]() -> Result<Token> {
    ++logins;
    Token t;
    t.token = "tok" + std::to_string(logins);
    t.project_id = "p1";
    t.expires_at = SystemClock().NowMillis() + 3600'000;
    return t;
  };
  {
    auto s = *Session::Create(o);
    EXPECT_EQ(s->CurrentToken(login)->token, "tok1");
    EXPECT_EQ(s->CurrentToken(login)->token, "tok1");  // cached in memory
    EXPECT_EQ(s->project_id(), "p1");
  }
  struct stat st {};
  ASSERT_EQ(::stat(o.token_cache.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  {
    auto s = *Session::Create(o);  // a new process: the disk cache serves it
    EXPECT_EQ(s->CurrentToken(login)->token, "tok1");
    EXPECT_EQ(logins, 1);
    // A 401 with tok1: log in again.
    EXPECT_EQ(s->CurrentToken(login, "tok1")->token, "tok2");
    // A 401 for a token already replaced by another thread: no second login.
    EXPECT_EQ(s->CurrentToken(login, "tok1")->token, "tok2");
    EXPECT_EQ(logins, 2);
  }
  {
    Options other = o;
    other.username = "bob";  // another user must not reuse alice's token
    auto s = *Session::Create(other);
    EXPECT_EQ(s->CurrentToken(login)->token, "tok3");
  }
}

TEST(Session, RenewsExpiredToken) {
  Options o;
  o.server = "http://127.0.0.1:1";
  o.username = "alice";
  int logins = 0;
  auto login = [&]() -> Result<Token> {
    Token t;
    t.token = "t" + std::to_string(++logins);
    // The first token is about to expire: within the renewal margin.
    t.expires_at = SystemClock().NowMillis() + (logins == 1 ? 1000 : 3600'000);
    return t;
  };
  auto s = *Session::Create(o);
  EXPECT_EQ(s->CurrentToken(login)->token, "t1");
  EXPECT_EQ(s->CurrentToken(login)->token, "t2");
}

TEST(Client, ConnectionFailureNamesUrlAndSuggestsConfigure) {
  Options o;
  o.server = "http://127.0.0.1:1";  // nothing listens on port 1
  o.access_key = "AK";
  o.secret_key = "SK";
  o.connect_timeout_ms = 2000;
  auto s = *Session::Create(o);
  Client c(s);
  auto r = c.ListProjects();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().message().find("http://127.0.0.1:1/v3/projects"), std::string::npos);
  EXPECT_NE(r.status().message().find("ma-cli configure"), std::string::npos);
}

}  // namespace
}  // namespace openarts::client
