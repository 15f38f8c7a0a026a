// Live training logs through the real HTTP server: Server-Sent Events and WebSocket deliver every
// line of a running job, in order, and end when the job does.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <thread>

#include "base/io.h"
#include "http_client.h"
#include "server/server.h"
#include "test_util.h"

namespace openarts::testing {
namespace {

namespace beast = boost::beast;
namespace net = boost::asio;

constexpr char kPassword[] = "Stream-Passw0rd";

class TrainingStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = MakeTempDir("stream");
    server::Config config;
    config.home = home_.string();
    config.listen = "127.0.0.1:0";
    config.admin_password = kPassword;
    config.access_log = false;
    config.shutdown_grace_seconds = 2;
    config.task_shim = OPENARTS_BINARY_DIR "/src/exec/openarts-task-shim";
    auto s = server::Server::Start(config);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    client_ = std::make_unique<HttpClient>(server_->url());
    token_ = Login(*client_, "admin", kPassword);
    auto projects = client_->Do("GET", "/v3/projects", Auth(token_));
    project_ = projects.json()["projects"][0]["id"].get<std::string>();
    ASSERT_TRUE(server_->objects().CreateBucket({.name = "logs-bkt"}).ok());
    for (auto [key, data] : {std::pair{"code/main.py",
                                       "import time\nfor i in range(8):\n    print('line', i, flush=True)\n"
                                       "    time.sleep(0.1)\n"},
                             std::pair{"data/x", "x"}}) {
      StringSource src(data);
      ASSERT_TRUE(server_->objects().Put("logs-bkt", key, src).ok());
    }
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(home_);
  }

  std::string Submit() {
    Json job = {{"metadata", {{"name", "streamer"}}},
                {"algorithm",
                 {{"code_dir", "obs://logs-bkt/code/"},
                  {"boot_file", "main.py"},
                  {"engine", {{"engine_name", "PyTorch"},
                              {"engine_version", "pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64"}}},
                  {"inputs", Json::array({{{"name", "data_url"},
                                           {"remote", {{"obs", {{"obs_url", "obs://logs-bkt/data/"}}}}}}})}}},
                {"spec", {{"resource", {{"flavor_id", "modelarts.vm.cpu.1u"}}}}}};
    auto r = client_->Do("POST", "/v2/" + project_ + "/training-jobs", Auth(token_), job.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json()["metadata"]["id"].get<std::string>();
  }

  std::string LogPath(const std::string& id) const {
    return "/v2/" + project_ + "/training-jobs/" + id + "/tasks/worker-0/logs";
  }

  static void ExpectAllLines(const std::vector<std::string>& lines) {
    std::vector<std::string> mine;
    for (const auto& l : lines) {
      if (l.rfind("line ", 0) == 0) mine.push_back(l);
    }
    ASSERT_EQ(mine.size(), 8u);
    for (int i = 0; i < 8; ++i) EXPECT_EQ(mine[i], "line " + std::to_string(i));
  }

  std::filesystem::path home_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<HttpClient> client_;
  std::string token_, project_;
};

TEST_F(TrainingStreamTest, ServerSentEventsFollowALiveJobToItsEnd) {
  const std::string id = Submit();
  // The stream starts while the job runs and returns only once it has ended.
  auto r = client_->Do("GET", LogPath(id) + "?follow=true", Auth(token_));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("Content-Type"), "text/event-stream");
  std::vector<std::string> lines;
  size_t pos = 0;
  while ((pos = r.body.find("data: ", pos)) != std::string::npos) {
    const size_t nl = r.body.find('\n', pos);
    lines.push_back(r.body.substr(pos + 6, nl - pos - 6));
    pos = nl;
  }
  ExpectAllLines(lines);
  EXPECT_NE(r.body.find("event: end"), std::string::npos) << r.body;
  auto job = client_->Do("GET", "/v2/" + project_ + "/training-jobs/" + id, Auth(token_));
  EXPECT_EQ(job.json()["status"]["phase"], "Completed");
}

TEST_F(TrainingStreamTest, WebSocketDeliversTheSameLinesAndClosesWhenTheJobEnds) {
  const std::string id = Submit();
  net::io_context ioc;
  net::ip::tcp::resolver resolver(ioc);
  beast::websocket::stream<net::ip::tcp::socket> ws(ioc);
  const std::string port = std::to_string(server_->port());
  net::connect(ws.next_layer(), resolver.resolve("127.0.0.1", port));
  ws.set_option(beast::websocket::stream_base::decorator([&](beast::websocket::request_type& req) {
    req.set("X-Auth-Token", token_);
  }));
  ws.handshake("127.0.0.1:" + port, LogPath(id));
  std::vector<std::string> lines;
  uint64_t last_offset = 0;
  beast::error_code ec;
  for (;;) {
    beast::flat_buffer buf;
    ws.read(buf, ec);
    if (ec) break;
    auto msg = ParseJson(beast::buffers_to_string(buf.data()));
    ASSERT_TRUE(msg.ok());
    EXPECT_GT((*msg)["offset"].get<uint64_t>(), last_offset);
    last_offset = (*msg)["offset"].get<uint64_t>();
    for (const auto& l : (*msg)["lines"]) lines.push_back(l.get<std::string>());
  }
  EXPECT_EQ(ec, beast::websocket::error::closed) << ec.message();
  EXPECT_EQ(ws.reason().code, beast::websocket::close_code::normal);
  ExpectAllLines(lines);
}

TEST_F(TrainingStreamTest, AWebSocketNeedsCredentials) {
  const std::string id = Submit();
  net::io_context ioc;
  net::ip::tcp::resolver resolver(ioc);
  beast::websocket::stream<net::ip::tcp::socket> ws(ioc);
  const std::string port = std::to_string(server_->port());
  net::connect(ws.next_layer(), resolver.resolve("127.0.0.1", port));
  beast::websocket::response_type res;
  beast::error_code ec;
  ws.handshake(res, "127.0.0.1:" + port, LogPath(id), ec);
  EXPECT_TRUE(ec);
  EXPECT_EQ(res.result_int(), 401);
}

}  // namespace
}  // namespace openarts::testing
