// http/ unit tests: pure helpers (router, ranges, percent codec) as tables, then a real server on
// an ephemeral port driven by libcurl and raw sockets.
#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "base/ids.h"
#include "http/http.h"
#include "server_fixture.h"

namespace openarts::http {
namespace {

using namespace std::chrono_literals;

// ---- pure helpers -----------------------------------------------------------------------------

Handler Named(std::string name) {
  return [name](Request&, Response& resp) { resp.body = name; };
}

TEST(RouterTest, MatchTable) {
  Router r;
  r.Add("GET", "/", Named("root"));
  r.Add("GET", "/v1/{project_id}/buckets", Named("list-buckets"));
  r.Add("GET", "/v1/{project_id}/buckets/{bucket}", Named("get-bucket"));
  r.Add("PUT", "/v1/{project_id}/buckets/{bucket}", Named("put-bucket"));
  r.Add("GET", "/v1/{project_id}/buckets/special", Named("special"));
  r.Add("GET", "/v1/{project_id}/buckets/{bucket}/objects/{key+}", Named("get-object"));
  r.Add("PUT", "/v1/{project_id}/buckets/{bucket}/objects/{key+}", Named("put-object"),
        {.stream_body = true});
  r.Add("HEAD", "/v1/{project_id}/heads/{x}", Named("head-x"));
  r.Add("GET", "/v1/{project_id}/heads/{x}", Named("get-x"));
  r.Add("PUT", "/a/b", Named("put-ab"));
  r.Add("GET", "/a/{x}", Named("get-ax"));

  struct Case {
    std::string method, path, want;  // want "" → no handler
    bool path_matched;
    std::map<std::string, std::string> params;
  };
  const std::vector<Case> cases = {
      {"GET", "/", "root", true, {}},
      {"GET", "/v1/p/buckets", "list-buckets", true, {{"project_id", "p"}}},
      {"GET", "/v1/p/buckets/b1", "get-bucket", true, {{"project_id", "p"}, {"bucket", "b1"}}},
      {"PUT", "/v1/p/buckets/b1", "put-bucket", true, {{"project_id", "p"}, {"bucket", "b1"}}},
      // literal beats parameter
      {"GET", "/v1/p/buckets/special", "special", true, {{"project_id", "p"}}},
      // ...but a parameter route serves the method the literal lacks
      {"PUT", "/v1/p/buckets/special", "put-bucket", true, {{"project_id", "p"}, {"bucket", "special"}}},
      // %2F stays inside one segment and is decoded in the value
      {"GET", "/v1/p/buckets/a%2Fb", "get-bucket", true, {{"project_id", "p"}, {"bucket", "a/b"}}},
      {"GET", "/v1/p/buckets/b/objects/dir/sub/file%20name.txt", "get-object", true,
       {{"project_id", "p"}, {"bucket", "b"}, {"key", "dir/sub/file name.txt"}}},
      {"GET", "/v1/p/buckets/b/objects/x%2Fy", "get-object", true,
       {{"project_id", "p"}, {"bucket", "b"}, {"key", "x/y"}}},
      // HEAD falls back to GET; an explicit HEAD route wins
      {"HEAD", "/v1/p/buckets/b/objects/k", "get-object", true,
       {{"project_id", "p"}, {"bucket", "b"}, {"key", "k"}}},
      {"HEAD", "/v1/p/heads/1", "head-x", true, {{"project_id", "p"}, {"x", "1"}}},
      // path known, method not → 405 material
      {"DELETE", "/v1/p/buckets/b1", "", true, {}},
      {"POST", "/a/b", "", true, {}},
      {"PUT", "/a/b", "put-ab", true, {}},
      {"GET", "/a/b", "get-ax", true, {{"x", "b"}}},
      // unknown paths
      {"GET", "/v1/p/buckets/b/objects", "", false, {}},
      {"GET", "/v1/p/buckets/b/objects/", "", false, {}},  // {key+} needs at least one byte
      {"GET", "/v1/p/buckets/", "", false, {}},            // {bucket} needs a non-empty segment
      {"GET", "/v1//buckets", "", false, {}},
      {"GET", "/nope", "", false, {}},
      {"GET", "", "", false, {}},
      {"GET", "/v1/p/buckets/b1/", "", false, {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.method + " " + c.path);
    auto m = r.Find(c.method, c.path);
    EXPECT_EQ(m.path_matched, c.path_matched);
    if (c.want.empty()) {
      EXPECT_EQ(m.handler, nullptr);
      continue;
    }
    ASSERT_NE(m.handler, nullptr);
    Request req;
    Response resp;
    (*m.handler)(req, resp);
    EXPECT_EQ(resp.body, c.want);
    EXPECT_EQ(m.params, c.params);
  }
  auto put = r.Find("PUT", "/v1/p/buckets/b/objects/k");
  ASSERT_NE(put.options, nullptr);
  EXPECT_TRUE(put.options->stream_body);
  EXPECT_EQ(*put.pattern, "/v1/{project_id}/buckets/{bucket}/objects/{key+}");

  EXPECT_EQ(r.AllowedMethods("/v1/p/buckets/b1"), (std::vector<std::string>{"GET", "HEAD", "PUT"}));
  EXPECT_EQ(r.AllowedMethods("/a/b"), (std::vector<std::string>{"GET", "HEAD", "PUT"}));
  EXPECT_TRUE(r.AllowedMethods("/zzz").empty());
  ASSERT_EQ(r.Routes().size(), 11u);
  EXPECT_EQ(r.Routes()[1].method, "GET");
  EXPECT_EQ(r.Routes()[1].pattern, "/v1/{project_id}/buckets");
}

TEST(RangeTest, Cases) {
  struct Case {
    std::string header;
    uint64_t size;
    enum { kWhole, kRange, kError } want;
    uint64_t offset = 0, length = 0;
  };
  const std::vector<Case> cases = {
      {"", 100, Case::kWhole},
      {"bytes=0-9", 100, Case::kRange, 0, 10},
      {"bytes=10-", 100, Case::kRange, 10, 90},
      {"bytes=90-200", 100, Case::kRange, 90, 10},  // end clamped
      {"bytes=99-99", 100, Case::kRange, 99, 1},
      {"bytes=-10", 100, Case::kRange, 90, 10},     // suffix
      {"bytes=-1000", 100, Case::kRange, 0, 100},   // suffix longer than the object
      {"Bytes= 5-6 ", 100, Case::kRange, 5, 2},
      {"bytes=100-", 100, Case::kError},            // starts past the end
      {"bytes=100-200", 100, Case::kError},
      {"bytes=-0", 100, Case::kError},
      {"bytes=0-", 0, Case::kError},                // nothing to serve from an empty object
      {"bytes=-5", 0, Case::kError},
      {"bytes=9-3", 100, Case::kWhole},             // invalid syntax is ignored
      {"bytes=a-b", 100, Case::kWhole},
      {"bytes=0-1,5-6", 100, Case::kWhole},         // multipart: serve the whole thing
      {"items=0-1", 100, Case::kWhole},
      {"bytes=", 100, Case::kWhole},
      {"bytes=-", 100, Case::kWhole},
      {"bytes=18446744073709551616-", 100, Case::kWhole},  // overflow
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.header);
    auto r = ParseRange(c.header, c.size);
    if (c.want == Case::kError) {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
      continue;
    }
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    if (c.want == Case::kWhole) {
      EXPECT_FALSE(r->has_value());
    } else {
      ASSERT_TRUE(r->has_value());
      EXPECT_EQ((*r)->offset, c.offset);
      EXPECT_EQ((*r)->length, c.length);
    }
  }
}

TEST(PercentTest, Codec) {
  EXPECT_EQ(*PercentDecode("a%20b%2Fc"), "a b/c");
  EXPECT_EQ(*PercentDecode("a+b"), "a+b");
  EXPECT_EQ(*PercentDecode("a+b", true), "a b");
  EXPECT_EQ(*PercentDecode("%e4%B8%ad"), "\xe4\xb8\xad");
  EXPECT_EQ(*PercentDecode(""), "");
  for (const char* bad : {"%", "%2", "%zz", "a%g0", "abc%"}) {
    auto r = PercentDecode(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    }
  }
  EXPECT_EQ(PercentEncode("a b/c~-_.", false), "a%20b%2Fc~-_.");
  EXPECT_EQ(PercentEncode("a b/c", true), "a%20b/c");
  EXPECT_EQ(PercentEncode("\xe4\xb8\xad+="), "%E4%B8%AD%2B%3D");
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  EXPECT_EQ(*PercentDecode(PercentEncode(all)), all);
}

TEST(ValuesTest, HeadersQueryParamsAndErrors) {
  Request req;
  req.headers["Content-Type"] = "text/plain";
  ASSERT_NE(req.Header("content-type"), nullptr);
  EXPECT_EQ(*req.Header("CONTENT-TYPE"), "text/plain");
  EXPECT_EQ(req.Header("x-missing"), nullptr);
  req.query.emplace("a", "1");
  EXPECT_EQ(req.Query("a"), "1");
  EXPECT_EQ(req.Query("b"), std::nullopt);
  req.params["bucket"] = "b";
  EXPECT_EQ(req.Param("bucket"), "b");
  EXPECT_EQ(req.Param("nope"), "");

  Response resp;
  resp.SetError(409, "OA.X.0409", "bucket 'b' is not empty; delete its objects first");
  EXPECT_EQ(resp.status, 409);
  EXPECT_EQ(resp.headers["content-type"], "application/json");
  auto j = *ParseJson(resp.body);
  EXPECT_EQ(j["error_code"], "OA.X.0409");
  EXPECT_EQ(j["error_msg"], "bucket 'b' is not empty; delete its objects first");
  EXPECT_TRUE(j.contains("request_id"));
  resp.SetJson(200, Json{{"bad", std::string("\xff\xfe")}});  // invalid UTF-8 must not throw
  EXPECT_EQ(resp.status, 200);
}

// ---- server behaviour -------------------------------------------------------------------------

TEST_F(ServerTest, ServeRejectsBadListenAddresses) {
  ServerOptions o;
  o.listen = "no-port";
  auto r = Serve(o, Router());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  o.listen = "127.0.0.1:99999";
  r = Serve(o, Router());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);

  Start();
  o.listen = "127.0.0.1:" + std::to_string(server_->port());
  r = Serve(o, Router());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(server_->port(), 0);
  EXPECT_EQ(url_, "http://127.0.0.1:" + std::to_string(server_->port()));
}

TEST_F(ServerTest, GetJsonWithParamsAndQuery) {
  router_.Add("GET", "/v1/{project_id}/buckets/{bucket}/objects/{key+}", [](Request& req, Response& resp) {
    resp.SetJson(200, Json{{"project", req.Param("project_id")},
                           {"bucket", req.Param("bucket")},
                           {"key", req.Param("key")},
                           {"path", req.path},
                           {"raw_path", req.raw_path},
                           {"raw_query", req.raw_query},
                           {"prefix", req.Query("prefix").value_or("-")},
                           {"flag", req.Query("flag").value_or("-")},
                           {"agent", req.Header("user-agent") ? *req.Header("user-agent") : ""},
                           {"remote", req.remote},
                           {"request_id", req.request_id}});
  });
  Start();
  auto r = Fetch(url_ + "/v1/p1/buckets/b%2Fx/objects/dir/a%20b.txt?prefix=x%20y+z&flag",
                 {.headers = {"User-Agent: t/1"}});
  ASSERT_EQ(r.code, CURLE_OK);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "application/json");
  EXPECT_EQ(r.headers["content-length"], std::to_string(r.body.size()));
  auto j = *ParseJson(r.body);
  EXPECT_EQ(j["project"], "p1");
  EXPECT_EQ(j["bucket"], "b/x");
  EXPECT_EQ(j["key"], "dir/a b.txt");
  EXPECT_EQ(j["path"], "/v1/p1/buckets/b/x/objects/dir/a b.txt");
  EXPECT_EQ(j["raw_path"], "/v1/p1/buckets/b%2Fx/objects/dir/a%20b.txt");
  EXPECT_EQ(j["raw_query"], "prefix=x%20y+z&flag");
  EXPECT_EQ(j["prefix"], "x y z");
  EXPECT_EQ(j["flag"], "");
  EXPECT_EQ(j["agent"], "t/1");
  EXPECT_EQ(j["remote"].get<std::string>().rfind("127.0.0.1:", 0), 0u);
  EXPECT_TRUE(IsValidId(j["request_id"]));
  EXPECT_EQ(r.headers["x-request-id"], j["request_id"]);

  // A sane incoming id is reused; a strange one is replaced.
  r = Fetch(url_ + "/v1/p/buckets/b/objects/k", {.headers = {"X-Request-Id: trace-123.a_b"}});
  EXPECT_EQ(r.headers["x-request-id"], "trace-123.a_b");
  r = Fetch(url_ + "/v1/p/buckets/b/objects/k", {.headers = {"X-Request-Id: bad id<script>"}});
  EXPECT_TRUE(IsValidId(r.headers["x-request-id"]));
}

TEST_F(ServerTest, NotFoundMethodNotAllowedAndBadRequests) {
  router_.Add("GET", "/things/{id}", [](Request&, Response& resp) { resp.body = "x"; });
  router_.Add("DELETE", "/things/{id}", [](Request&, Response& resp) { resp.status = 204; });
  Start();
  auto r = Fetch(url_ + "/nothing/here?sig=secret");
  EXPECT_EQ(r.status, 404);
  auto j = *ParseJson(r.body);
  EXPECT_EQ(j["error_code"], "OA.HTTP.0404");
  EXPECT_EQ(j["request_id"], r.headers["x-request-id"]);
  EXPECT_EQ(j["error_msg"].get<std::string>().find("secret"), std::string::npos);

  r = Fetch(url_ + "/things/1", {.method = "PATCH", .body = "{}"});
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers["allow"], "DELETE, GET, HEAD");
  EXPECT_EQ((*ParseJson(r.body))["error_code"], "OA.HTTP.0405");

  r = Fetch(url_ + "/things/1", {.method = "DELETE"});
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.headers.count("content-length"), 0u);

  r = Fetch(url_ + "/things/a%zz");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ((*ParseJson(r.body))["error_code"], "OA.HTTP.0400");

  RawClient raw(server_->port());
  raw.Send("NOT AN HTTP REQUEST\r\n\r\n");
  bool closed = false;
  std::string out = raw.ReadUntilClose(5s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(out.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << out;
  EXPECT_NE(out.find("OA.HTTP.0400"), std::string::npos);
}

TEST_F(ServerTest, HandlerExceptionsAndBadHeadersAreContained) {
  router_.Add("GET", "/throw", [](Request&, Response&) { throw std::runtime_error("boom"); });
  router_.Add("GET", "/split", [](Request&, Response& resp) {
    resp.headers["X-Evil"] = "a\r\nSet-Cookie: x=1";
    resp.headers["X-Fine"] = "ok";
    resp.headers["Content-Length"] = "999";  // the server owns framing
    resp.body = "body";
  });
  Start();
  auto r = Fetch(url_ + "/throw");
  EXPECT_EQ(r.status, 500);
  auto j = *ParseJson(r.body);
  EXPECT_EQ(j["error_code"], "OA.HTTP.0500");
  EXPECT_EQ(j["request_id"], r.headers["x-request-id"]);  // SetError saw the request in scope

  r = Fetch(url_ + "/split");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "body");
  EXPECT_EQ(r.headers.count("set-cookie"), 0u);
  EXPECT_EQ(r.headers.count("x-evil"), 0u);
  EXPECT_EQ(r.headers["x-fine"], "ok");
  EXPECT_EQ(r.headers["content-length"], "4");
}

TEST_F(ServerTest, BufferedBodyLimitsAndExpectContinue) {
  options_.max_body_bytes = 1024;
  router_.Add("POST", "/echo", [](Request& req, Response& resp) {
    resp.body = req.body;
    resp.headers["X-Len"] = std::to_string(req.content_length.value_or(0));
  });
  Start();
  auto r = Fetch(url_ + "/echo", {.method = "POST", .body = std::string(1000, 'a')});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, std::string(1000, 'a'));

  r = Fetch(url_ + "/echo", {.method = "POST", .body = std::string(2048, 'a')});
  EXPECT_EQ(r.status, 413);
  auto j = *ParseJson(r.body);
  EXPECT_EQ(j["error_code"], "OA.HTTP.0413");
  EXPECT_EQ(j["error_msg"].get<std::string>().rfind("request body exceeds 1024 bytes; ", 0), 0u);
  EXPECT_EQ(r.headers["connection"], "close");

  // Chunked: the limit is only known while reading.
  Upload up{.size = 4096, .chunked = true};
  r = Fetch(url_ + "/echo", {.method = "POST", .upload = &up});
  EXPECT_EQ(r.status, 413);

  Upload small{.size = 500, .chunked = true};
  r = Fetch(url_ + "/echo", {.method = "POST", .upload = &small});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), 500u);

  // Expect: 100-continue is answered at once (curl would otherwise wait out its timeout).
  Upload expect{.size = 800};
  r = Fetch(url_ + "/echo", {.method = "POST", .headers = {"Expect: 100-continue"}, .upload = &expect,
                             .expect_timeout_ms = 5000});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), 800u);
  EXPECT_LT(r.seconds, 2.0);
}

TEST_F(ServerTest, HugeHeaderIs431) {
  options_.max_header_bytes = 4096;
  router_.Add("GET", "/x", [](Request&, Response& resp) { resp.body = "x"; });
  Start();
  auto r = Fetch(url_ + "/x", {.headers = {"X-Big: " + std::string(8000, 'h')}});
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ((*ParseJson(r.body))["error_code"], "OA.HTTP.0431");
  r = Fetch(url_ + "/x", {.headers = {"X-Small: " + std::string(1000, 'h')}});
  EXPECT_EQ(r.status, 200);
}

struct UploadStats {
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> max_chunk{0};
  std::atomic<bool> pattern_ok{true};
  std::atomic<int> errors{0};
  std::string last_error;
};

Handler Sink(UploadStats* stats) {
  return [stats](Request& req, Response& resp) {
    std::vector<char> buf(64 * 1024);
    uint64_t off = 0;
    for (;;) {
      auto r = req.body_stream->Read(buf.data(), buf.size());
      if (!r.ok()) {
        stats->errors++;
        stats->last_error = r.status().ToString();
        resp.SetError(400, "OA.TEST.0400", r.status().message());
        return;
      }
      if (*r == 0) break;
      stats->max_chunk = std::max<uint64_t>(stats->max_chunk, *r);
      for (size_t i = 0; i < *r; ++i) {
        if (buf[i] != PatternByte(off + i)) stats->pattern_ok = false;
      }
      off += *r;
    }
    stats->bytes = off;
    resp.SetJson(200, Json{{"size", off}});
  };
}

TEST_F(ServerTest, StreamingUploadStaysBounded) {
  options_.max_body_bytes = 1024;  // streamed routes use max_stream_body_bytes instead
  UploadStats stats;
  router_.Add("PUT", "/up/{key+}", Sink(&stats), {.stream_body = true});
  Start();
  constexpr uint64_t kSize = 64ull << 20;
  long rss_before = VmRssKb();
  Upload up{.size = kSize};
  auto r = Fetch(url_ + "/up/big.bin", {.method = "PUT", .upload = &up, .expect_timeout_ms = 5000});
  long rss_after = VmRssKb();
  ASSERT_EQ(r.code, CURLE_OK);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(stats.bytes, kSize);
  EXPECT_TRUE(stats.pattern_ok);
  EXPECT_LE(stats.max_chunk, 64u * 1024);
  // curl sends Expect: 100-continue for a body this size; answering it keeps this fast.
  EXPECT_LT(r.seconds, 10.0);
  EXPECT_LT(rss_after - rss_before, 24 * 1024) << "RSS grew by " << (rss_after - rss_before) << " KiB";

  // Chunked upload of unknown length.
  stats.bytes = 0;
  Upload chunked{.size = 3 << 20, .chunked = true};
  r = Fetch(url_ + "/up/chunked.bin", {.method = "PUT", .upload = &chunked});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(stats.bytes, 3u << 20);
  EXPECT_TRUE(stats.pattern_ok);
  EXPECT_EQ(stats.errors, 0);
}

TEST_F(ServerTest, StreamingLimitsAndEarlyReturn) {
  options_.max_stream_body_bytes = 1 << 20;
  UploadStats stats;
  router_.Add("PUT", "/up", Sink(&stats), {.stream_body = true});
  std::atomic<int> refused{0};
  router_.Add("PUT", "/refuse", [&](Request&, Response& resp) {
    refused++;
    resp.SetError(403, "OA.TEST.0403", "no");
  }, {.stream_body = true});
  Start();
  Upload big{.size = 2 << 20};
  auto r = Fetch(url_ + "/up", {.method = "PUT", .upload = &big});
  EXPECT_EQ(r.status, 413);
  EXPECT_NE((*ParseJson(r.body))["error_msg"].get<std::string>().find("1048576"), std::string::npos);

  Upload chunked{.size = 2 << 20, .chunked = true};
  r = Fetch(url_ + "/up", {.method = "PUT", .upload = &chunked});
  EXPECT_EQ(r.status, 400);  // Sink maps its Read error to 400
  EXPECT_NE(stats.last_error.find("ResourceExhausted"), std::string::npos) << stats.last_error;

  // A handler that refuses without reading: the client never had to send the body (no 100
  // Continue was sent), and the connection is closed rather than reused with a body in flight.
  Upload refused_body{.size = 512 << 10};
  r = Fetch(url_ + "/refuse", {.method = "PUT", .upload = &refused_body, .expect_timeout_ms = 10000});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.headers["connection"], "close");
  EXPECT_LT(r.seconds, 5.0);
  EXPECT_EQ(refused, 1);

  // Same without Expect, over a raw socket: response, then close.
  RawClient raw(server_->port());
  raw.Send("PUT /refuse HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + std::string(1000, 'z'));
  bool closed = false;
  std::string out = raw.ReadUntilClose(5s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(out.rfind("HTTP/1.1 403 Forbidden\r\n", 0), 0u) << out;
}

TEST_F(ServerTest, ClientDisconnectMidBodyFailsRead) {
  std::promise<std::string> result;
  router_.Add("PUT", "/up", [&](Request& req, Response& resp) {
    char buf[4096];
    for (;;) {
      auto r = req.body_stream->Read(buf, sizeof buf);
      if (!r.ok()) {
        result.set_value(r.status().ToString());
        return;
      }
      if (*r == 0) {
        result.set_value("eof");
        return;
      }
    }
  }, {.stream_body = true});
  Start();
  {
    RawClient raw(server_->port());
    raw.Send("PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n" + std::string(5000, 'z'));
    std::this_thread::sleep_for(100ms);
  }  // closes mid-body
  auto fut = result.get_future();
  ASSERT_EQ(fut.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(fut.get().rfind("Unavailable", 0), 0u);
}

// Uploads hold their handler thread for the whole transfer; they run on their own pool so that
// stalled uploads cannot starve ordinary calls.
TEST_F(ServerTest, StalledUploadsDoNotStarveOtherCalls) {
  options_.worker_threads = 1;
  options_.transfer_threads = 2;
  std::atomic<int> reading{0};
  router_.Add("PUT", "/up", [&](Request& req, Response&) {
    ++reading;
    char buf[4096];
    while (true) {
      auto r = req.body_stream->Read(buf, sizeof buf);
      if (!r.ok() || *r == 0) return;
    }
  }, {.stream_body = true});
  router_.Add("GET", "/ping", [](Request&, Response& resp) { resp.body = "pong"; });
  Start();
  RawClient a(server_->port()), b(server_->port());
  a.Send("PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n" + std::string(100, 'a'));
  b.Send("PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n" + std::string(100, 'b'));
  for (int i = 0; i < 500 && reading.load() < 2; ++i) std::this_thread::sleep_for(2ms);
  ASSERT_EQ(reading.load(), 2);  // both uploads are parked inside their handlers
  auto start = std::chrono::steady_clock::now();
  auto r = Fetch(url_ + "/ping");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "pong");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST_F(ServerTest, StreamBodyDownloadsRangesAndHead) {
  const size_t kSize = 3 * 1024 * 1024 + 17;
  const std::string path = MakeFile(kSize);
  auto native = std::make_shared<FileReader>(path, true);
  auto plain = std::make_shared<FileReader>(path, false);
  auto handler = [](std::shared_ptr<FileReader> reader) {
    return [reader](Request& req, Response& resp) {
      uint64_t size = reader->Size();
      resp.headers["Content-Type"] = "application/octet-stream";
      resp.headers["Accept-Ranges"] = "bytes";
      const std::string* range = req.Header("Range");
      auto r = ParseRange(range ? *range : "", size);
      if (!r.ok()) {
        resp.SetError(416, "OA.TEST.0416", r.status().message());
        return;
      }
      if (r->has_value()) {
        resp.status = 206;
        resp.headers["Content-Range"] = "bytes " + std::to_string((*r)->offset) + "-" +
                                        std::to_string((*r)->offset + (*r)->length - 1) + "/" +
                                        std::to_string(size);
        resp.stream = StreamBody{reader, (*r)->offset, (*r)->length};
      } else {
        resp.stream = StreamBody{reader, 0, size};
      }
    };
  };
  router_.Add("GET", "/native", handler(native));
  router_.Add("GET", "/plain", handler(plain));
  Start();
  std::string expected(kSize, '\0');
  for (size_t i = 0; i < kSize; ++i) expected[i] = PatternByte(i);

  for (const char* route : {"/native", "/plain"}) {
    SCOPED_TRACE(route);
    auto r = Fetch(url_ + route);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.headers["content-length"], std::to_string(kSize));
    EXPECT_TRUE(r.body == expected);

    r = Fetch(url_ + route, {.headers = {"Range: bytes=1000-2999"}});
    EXPECT_EQ(r.status, 206);
    EXPECT_EQ(r.headers["content-range"], "bytes 1000-2999/" + std::to_string(kSize));
    EXPECT_EQ(r.body, expected.substr(1000, 2000));

    r = Fetch(url_ + route, {.headers = {"Range: bytes=-10"}});
    EXPECT_EQ(r.status, 206);
    EXPECT_EQ(r.body, expected.substr(kSize - 10));

    r = Fetch(url_ + route, {.headers = {"Range: bytes=" + std::to_string(kSize) + "-"}});
    EXPECT_EQ(r.status, 416);

    r = Fetch(url_ + route, {.method = "HEAD"});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.headers["content-length"], std::to_string(kSize));
    EXPECT_TRUE(r.body.empty());
  }

  // HEAD on a raw socket: the head and nothing after it, and the connection stays usable.
  RawClient raw(server_->port());
  raw.Send("HEAD /native HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::string out = raw.ReadUntilClose(5s);
  EXPECT_EQ(Count(out, "HTTP/1.1 200 OK\r\n"), 2u) << out;
  EXPECT_NE(out.find("Content-Length: " + std::to_string(kSize)), std::string::npos);
  EXPECT_EQ(out.substr(out.size() - 15), R"({"status":"ok"})");
}

TEST_F(ServerTest, KeepAliveReuseAndPipelining) {
  std::atomic<int> calls{0};
  router_.Add("GET", "/n", [&](Request&, Response& resp) { resp.body = std::to_string(++calls); });
  Start();
  CURL* c = curl_easy_init();
  auto r1 = Fetch(url_ + "/n", {.reuse = c});
  auto r2 = Fetch(url_ + "/n", {.reuse = c});
  auto r3 = Fetch(url_ + "/healthz", {.reuse = c});
  curl_easy_cleanup(c);
  EXPECT_EQ(r1.connects, 1);
  EXPECT_EQ(r2.connects, 0);  // reused the connection
  EXPECT_EQ(r3.connects, 0);
  EXPECT_EQ(r3.body, R"({"status":"ok"})");

  RawClient raw(server_->port());
  raw.Send("GET /n HTTP/1.1\r\nHost: x\r\n\r\nGET /n HTTP/1.1\r\nHost: x\r\n\r\n"
           "GET /n HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /n HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  bool closed = false;
  std::string out = raw.ReadUntilClose(5s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(Count(out, "HTTP/1.1 200 OK\r\n"), 4u) << out;
  EXPECT_EQ(Count(out, "Connection: keep-alive\r\n"), 1u);  // only the HTTP/1.0 one
  EXPECT_EQ(Count(out, "Connection: close\r\n"), 1u);
}

TEST_F(ServerTest, IdleConnectionsTimeOut) {
  options_.idle_timeout_seconds = 1;
  Start();
  RawClient raw(server_->port());
  ASSERT_TRUE(raw.connected());
  auto t0 = std::chrono::steady_clock::now();
  bool closed = false;
  raw.ReadUntilClose(5s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

TEST_F(ServerTest, MetricsCountRequests) {
  router_.Add("GET", "/v1/{project_id}/things", [](Request&, Response& resp) { resp.body = "[]"; });
  router_.Add("POST", "/v1/{project_id}/things", [](Request&, Response& resp) { resp.status = 201; });
  Start();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Fetch(url_ + "/v1/p/things").status, 200);
  EXPECT_EQ(Fetch(url_ + "/v1/p/things", {.method = "POST", .body = "{}"}).status, 201);
  EXPECT_EQ(Fetch(url_ + "/missing").status, 404);
  EXPECT_EQ(Fetch(url_ + "/v1/p/things", {.method = "DELETE"}).status, 405);
  auto r = Fetch(url_ + "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"].rfind("text/plain", 0), 0u);
  const std::string& m = r.body;
  EXPECT_NE(m.find(R"(openarts_http_requests_total{route="/v1/{project_id}/things",method="GET",code="200"} 3)"),
            std::string::npos) << m;
  EXPECT_NE(m.find(R"(openarts_http_requests_total{route="/v1/{project_id}/things",method="POST",code="201"} 1)"),
            std::string::npos);
  EXPECT_NE(m.find(R"(openarts_http_requests_total{route="unmatched",method="GET",code="404"} 1)"),
            std::string::npos);
  EXPECT_NE(m.find(R"(openarts_http_requests_total{route="unmatched",method="DELETE",code="405"} 1)"),
            std::string::npos);
  EXPECT_NE(m.find("# TYPE openarts_http_request_duration_seconds histogram"), std::string::npos);
  EXPECT_NE(m.find(R"(openarts_http_request_duration_seconds_bucket{route="/v1/{project_id}/things",le="0.0005"})"),
            std::string::npos);
  EXPECT_NE(m.find(R"(openarts_http_request_duration_seconds_bucket{route="/v1/{project_id}/things",le="+Inf"} 4)"),
            std::string::npos);
  EXPECT_NE(m.find(R"(openarts_http_request_duration_seconds_count{route="/v1/{project_id}/things"} 4)"),
            std::string::npos);
  EXPECT_NE(m.find(R"(openarts_http_request_duration_seconds_sum{route="/v1/{project_id}/things"})"),
            std::string::npos);
  EXPECT_NE(m.find("openarts_http_in_flight 1\n"), std::string::npos);  // the scrape itself
  // The scrape leaves the gauge just after its response is on the wire: wait for it.
  bool idle = false;
  for (int i = 0; i < 200 && !idle; ++i) {
    idle = server_->RenderMetrics().find("openarts_http_in_flight 0\n") != std::string::npos;
    if (!idle) std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(idle);
}

TEST_F(ServerTest, GracefulShutdownFinishesInFlight) {
  std::promise<void> entered;
  router_.Add("GET", "/slow", [&](Request&, Response& resp) {
    entered.set_value();
    std::this_thread::sleep_for(400ms);
    resp.body = "done";
  });
  Start();
  // An idle keep-alive connection must not hold the shutdown up for the grace period.
  RawClient idle(server_->port());
  ASSERT_TRUE(idle.connected());
  auto slow = std::async(std::launch::async, [&] { return Fetch(url_ + "/slow"); });
  entered.get_future().wait();
  auto t0 = std::chrono::steady_clock::now();
  server_->Shutdown(5000);
  server_->Shutdown(5000);  // idempotent
  server_->Wait();
  auto took = std::chrono::steady_clock::now() - t0;
  auto r = slow.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "done");
  EXPECT_EQ(r.headers["connection"], "close");
  EXPECT_LT(took, 3s);
  bool closed = false;
  idle.ReadUntilClose(1s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_NE(Fetch(url_ + "/healthz").code, CURLE_OK);  // no longer accepting
  server_->Wait();                                     // returns again at once
}

TEST_F(ServerTest, ShutdownGraceExpiryUnblocksBodyReads) {
  std::promise<void> entered;
  std::atomic<bool> got_error{false};
  router_.Add("PUT", "/up", [&](Request& req, Response&) {
    entered.set_value();
    char buf[1024];
    for (;;) {
      auto r = req.body_stream->Read(buf, sizeof buf);
      if (!r.ok()) {
        got_error = true;
        return;
      }
      if (*r == 0) return;
    }
  }, {.stream_body = true});
  Start();
  RawClient stalled(server_->port());
  stalled.Send("PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nabc");
  entered.get_future().wait();
  auto t0 = std::chrono::steady_clock::now();
  server_->Shutdown(200);
  server_->Wait();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  EXPECT_TRUE(got_error);
}

}  // namespace
}  // namespace openarts::http
