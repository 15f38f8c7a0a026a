// WebSockets (Response::websocket): the upgrade check as a table, then a real server driven by a
// Boost.Beast WebSocket client: echo both ways, server push, closes from either side, limits,
// keep-alive pings and shutdown.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "http/http.h"
#include "server_fixture.h"

namespace openarts::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kKey = "dGhlIHNhbXBsZSBub25jZQ==";  // RFC 6455's sample key

Request UpgradeRequest() {
  Request r;
  r.method = "GET";
  r.headers = {{"Host", "x"},
               {"Connection", "Upgrade"},
               {"Upgrade", "websocket"},
               {"Sec-WebSocket-Key", kKey},
               {"Sec-WebSocket-Version", "13"}};
  return r;
}

TEST(WebSocketUpgradeTest, RecognisesTheOpeningHandshake) {
  struct Case {
    std::string what;
    std::string method;
    std::string header;
    std::optional<std::string> value;  // nullopt: header removed
    bool want;
  };
  const std::vector<Case> cases = {
      {"complete", "GET", "Host", "x", true},
      {"tokens in lists, any case", "GET", "Connection", "keep-alive, UPGRADE", true},
      {"upgrade token list", "GET", "Upgrade", "h2c , WebSocket", true},
      {"not GET", "POST", "Host", "x", false},
      {"no Host", "GET", "Host", std::nullopt, false},
      {"no Connection", "GET", "Connection", std::nullopt, false},
      {"Connection without upgrade", "GET", "Connection", "keep-alive", false},
      {"token is a substring only", "GET", "Connection", "upgraded", false},
      {"other protocol", "GET", "Upgrade", "h2c", false},
      {"no key", "GET", "Sec-WebSocket-Key", std::nullopt, false},
      {"short key", "GET", "Sec-WebSocket-Key", "abc==", false},
      {"key not base64", "GET", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZ!==", false},
      {"old version", "GET", "Sec-WebSocket-Version", "8", false},
      {"no version", "GET", "Sec-WebSocket-Version", std::nullopt, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    Request r = UpgradeRequest();
    r.method = c.method;
    if (c.value) {
      r.headers[c.header] = *c.value;
    } else {
      r.headers.erase(c.header);
    }
    EXPECT_EQ(r.IsWebSocketUpgrade(), c.want);
  }
}

struct WsRead {
  beast::error_code ec;
  std::string data;
  bool binary = false;
  bool timed_out = false;
};

// A synchronous WebSocket client with a deadline on reads.
class WsClient {
 public:
  explicit WsClient(uint16_t port) : ws_(ioc_) {
    beast::error_code ec;
    ws_.next_layer().connect({asio::ip::make_address("127.0.0.1"), port}, ec);
    connected_ = !ec;
  }
  bool connected() const { return connected_; }
  // The opening handshake; `res` gets the server's answer (101, or the HTTP error).
  beast::error_code Handshake(const std::string& target, websocket::response_type* res = nullptr,
                              std::vector<std::pair<std::string, std::string>> headers = {}) {
    ws_.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
      for (const auto& [name, value] : headers) req.set(name, value);
    }));
    websocket::response_type r;
    beast::error_code ec;
    ws_.handshake(r, "127.0.0.1", target, ec);
    if (res) *res = std::move(r);
    return ec;
  }
  bool Send(std::string_view data, bool binary = false) {
    ws_.binary(binary);
    beast::error_code ec;
    ws_.write(asio::buffer(data), ec);
    return !ec;
  }
  // The next message; on timeout the connection is torn down (the test has failed anyway).
  WsRead Read(std::chrono::milliseconds timeout = 5s) {
    WsRead out;
    bool done = false;
    beast::flat_buffer buf;
    ws_.async_read(buf, [&](beast::error_code ec, size_t) {
      out.ec = ec;
      done = true;
    });
    ioc_.restart();
    ioc_.run_for(timeout);
    if (!done) {
      out.timed_out = true;
      Drop();
      ioc_.restart();
      ioc_.run();
    }
    out.data = beast::buffers_to_string(buf.data());
    out.binary = ws_.got_binary();
    return out;
  }
  beast::error_code Close(uint16_t code = websocket::close_code::normal) {
    beast::error_code ec;
    ws_.close(websocket::close_reason(code), ec);
    return ec;
  }
  // Gone without a close frame.
  void Drop() {
    beast::error_code ec;
    ws_.next_layer().close(ec);
  }
  websocket::close_reason reason() const { return ws_.reason(); }

 private:
  asio::io_context ioc_;
  websocket::stream<asio::ip::tcp::socket> ws_;
  bool connected_ = false;
};

class WebSocketTest : public ServerTest {
 protected:
  // GET /echo: "authenticates" the caller (header X-Token: good, else 401), then echoes every
  // message back as it came until the client closes.
  void AddEcho() {
    router_.Add("GET", "/echo", [this](Request& req, Response& resp) {
      const std::string* token = req.Header("X-Token");
      if (!token || *token != "good") {
        resp.SetError(401, "OA.TEST.0401", "bad token");
        return;
      }
      resp.headers["X-Handler"] = "echo";
      if (const std::string* proto = req.Header("Sec-WebSocket-Protocol")) {
        resp.headers["Sec-WebSocket-Protocol"] = *proto;
      }
      resp.websocket = [this](WebSocket& ws) {
        ++running_;
        while (!ws.closed()) {
          if (auto m = ws.Receive(60'000)) {
            if (!ws.Send(m->data, m->binary)) break;
          }
        }
        --running_;
        ++finished_;
      };
    });
  }
  std::unique_ptr<WsClient> Open(const std::string& target,
                                 std::vector<std::pair<std::string, std::string>> headers = {{"X-Token", "good"}}) {
    auto c = std::make_unique<WsClient>(server_->port());
    EXPECT_TRUE(c->connected());
    websocket::response_type res;
    auto ec = c->Handshake(target, &res, std::move(headers));
    EXPECT_FALSE(ec) << ec.message() << " " << res.result_int();
    return c;
  }

  std::atomic<int> running_{0};
  std::atomic<int> finished_{0};
};

TEST_F(WebSocketTest, EchoesTextAndBinaryBothWays) {
  AddEcho();
  Start();
  WsClient c(server_->port());
  ASSERT_TRUE(c.connected());
  websocket::response_type res;
  auto ec = c.Handshake("/echo", &res, {{"X-Token", "good"}, {"Sec-WebSocket-Protocol", "v1.test"}});
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(res.result_int(), 101);
  EXPECT_EQ(res["X-Handler"], "echo");  // the handler's headers go into the 101
  EXPECT_EQ(res["Sec-WebSocket-Protocol"], "v1.test");
  EXPECT_EQ(res["X-Request-Id"].size(), 32u);

  ASSERT_TRUE(c.Send("hello"));
  WsRead r = c.Read();
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.data, "hello");
  EXPECT_FALSE(r.binary);

  const std::string bytes("\x00\x01\xff\xfe binary\x00", 12);
  ASSERT_TRUE(c.Send(bytes, /*binary=*/true));
  r = c.Read();
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.data, bytes);
  EXPECT_TRUE(r.binary);

  std::string big(3 << 20, '\0');  // several frames' worth each way
  for (size_t i = 0; i < big.size(); ++i) big[i] = PatternByte(i);
  ASSERT_TRUE(c.Send(big, true));
  r = c.Read();
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_TRUE(r.data == big);

  ASSERT_TRUE(c.Send(""));  // an empty message is a message
  r = c.Read();
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.data, "");

  EXPECT_FALSE(c.Close());
  ASSERT_TRUE(WaitFor([&] { return finished_.load() == 1; }));
  EXPECT_TRUE(WaitFor([&] {
    return server_->RenderMetrics().find(
               R"(openarts_http_requests_total{route="/echo",method="GET",code="101"} 1)") !=
           std::string::npos;
  }));
}

TEST_F(WebSocketTest, HandlerRunsFirstAndMayRefuse) {
  AddEcho();
  Start();
  WsClient c(server_->port());
  websocket::response_type res;
  auto ec = c.Handshake("/echo", &res, {{"X-Token", "bad"}});
  EXPECT_EQ(ec, websocket::error::upgrade_declined);
  EXPECT_EQ(res.result_int(), 401);
  EXPECT_NE(res.body().find("OA.TEST.0401"), std::string::npos) << res.body();
  EXPECT_EQ(running_.load() + finished_.load(), 0);
}

TEST_F(WebSocketTest, PlainGetIs426) {
  AddEcho();
  Start();
  auto r = Fetch(url_ + "/echo", {.headers = {"X-Token: good"}});
  EXPECT_EQ(r.status, 426);
  EXPECT_EQ(r.headers["upgrade"], "websocket");
  EXPECT_EQ(r.headers["sec-websocket-version"], "13");
  EXPECT_NE(r.body.find("OA.HTTP.0426"), std::string::npos) << r.body;
  // A broken handshake (wrong version) is no upgrade either.
  RawClient raw(server_->port());
  raw.Send(std::string("GET /echo HTTP/1.1\r\nHost: x\r\nX-Token: good\r\nConnection: Upgrade\r\n"
                       "Upgrade: websocket\r\nSec-WebSocket-Version: 8\r\nSec-WebSocket-Key: ") +
           kKey + "\r\n\r\nGET /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  bool closed = false;
  std::string got = raw.ReadUntilClose(5s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(got.rfind("HTTP/1.1 426 Upgrade Required\r\n", 0), 0u) << got;
  EXPECT_EQ(Count(got, "HTTP/1.1 401 "), 1u) << got;  // the connection stayed usable
  EXPECT_EQ(running_.load() + finished_.load(), 0);
}

TEST_F(WebSocketTest, ServerPushArrivesWhileClientIsSilent) {
  std::atomic<int64_t> sent_at{0};
  router_.Add("GET", "/push", [&](Request&, Response& resp) {
    resp.websocket = [&](WebSocket& ws) {
      for (int i = 0; i < 5; ++i) {
        if (ws.Receive(150).has_value()) return;  // quiet: nothing comes
        sent_at = Clock::now().time_since_epoch().count();
        if (!ws.Send("tick " + std::to_string(i))) return;
      }
      ws.Receive(60'000);  // until the client closes
    };
  });
  Start();
  auto c = Open("/push");
  for (int i = 0; i < 5; ++i) {
    WsRead r = c->Read();
    ASSERT_FALSE(r.ec) << r.ec.message();
    const auto latency = Clock::now().time_since_epoch() - Clock::duration(sent_at.load());
    EXPECT_EQ(r.data, "tick " + std::to_string(i));
    EXPECT_LT(latency, 100ms);
  }
  EXPECT_FALSE(c->Close());
}

TEST_F(WebSocketTest, ClientCloseEndsReceiveWithinASecond) {
  std::promise<Clock::time_point> noticed;
  std::atomic<bool> send_after_close{true};
  router_.Add("GET", "/wait", [&](Request&, Response& resp) {
    resp.websocket = [&](WebSocket& ws) {
      ws.Send("ready");
      while (ws.Receive(60'000).has_value() || !ws.closed()) {
      }
      noticed.set_value(Clock::now());
      send_after_close = ws.Send("late");
    };
  });
  Start();
  auto c = Open("/wait");
  ASSERT_EQ(c->Read().data, "ready");
  const auto t0 = Clock::now();
  EXPECT_FALSE(c->Close(websocket::close_code::normal));  // the server answered the close
  auto fut = noticed.get_future();
  ASSERT_EQ(fut.wait_for(5s), std::future_status::ready);
  EXPECT_LT(fut.get() - t0, 1s);
  EXPECT_TRUE(WaitFor([&] { return !send_after_close.load(); }));
}

TEST_F(WebSocketTest, ClientVanishingEndsReceiveWithinASecond) {
  std::promise<Clock::time_point> noticed;
  router_.Add("GET", "/wait", [&](Request&, Response& resp) {
    resp.websocket = [&](WebSocket& ws) {
      ws.Send("ready");
      while (ws.Receive(60'000).has_value() || !ws.closed()) {
      }
      noticed.set_value(Clock::now());
    };
  });
  Start();
  auto c = Open("/wait");
  ASSERT_EQ(c->Read().data, "ready");
  const auto t0 = Clock::now();
  c->Drop();  // no close frame
  auto fut = noticed.get_future();
  ASSERT_EQ(fut.wait_for(5s), std::future_status::ready);
  EXPECT_LT(fut.get() - t0, 1s);
}

TEST_F(WebSocketTest, ServerCloseReachesClientWithCode) {
  std::atomic<bool> send_after_close{true};
  router_.Add("GET", "/bye", [&](Request&, Response& resp) {
    resp.websocket = [&](WebSocket& ws) {
      ws.Send("bye");
      ws.Close(4001, "job finished");
      EXPECT_TRUE(ws.closed());
      EXPECT_FALSE(ws.Receive(0).has_value());
      send_after_close = ws.Send("late");
    };
  });
  router_.Add("GET", "/return", [](Request&, Response& resp) {
    resp.websocket = [](WebSocket& ws) { ws.Send("done"); };
  });
  router_.Add("GET", "/throw", [](Request&, Response& resp) {
    resp.websocket = [](WebSocket&) { throw std::runtime_error("boom"); };
  });
  Start();
  auto c = Open("/bye");
  WsRead r = c->Read();
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.data, "bye");
  r = c->Read();
  EXPECT_EQ(r.ec, websocket::error::closed) << r.ec.message();
  EXPECT_EQ(c->reason().code, 4001);
  EXPECT_EQ(std::string(c->reason().reason.data(), c->reason().reason.size()), "job finished");
  EXPECT_FALSE(send_after_close.load());

  // A handler that returns closes normally; one that throws with 1011.
  c = Open("/return");
  EXPECT_EQ(c->Read().data, "done");
  EXPECT_EQ(c->Read().ec, websocket::error::closed);
  EXPECT_EQ(c->reason().code, websocket::close_code::normal);
  c = Open("/throw");
  EXPECT_EQ(c->Read().ec, websocket::error::closed);
  EXPECT_EQ(c->reason().code, websocket::close_code::internal_error);
}

TEST_F(WebSocketTest, OversizedMessageCloses1009) {
  options_.max_websocket_message_bytes = 1024;
  AddEcho();
  Start();
  auto c = Open("/echo");
  ASSERT_TRUE(c->Send(std::string(1024, 'a')));
  EXPECT_EQ(c->Read().data.size(), 1024u);
  c->Send(std::string(1025, 'a'));
  WsRead r = c->Read();
  EXPECT_EQ(r.ec, websocket::error::closed) << r.ec.message();
  EXPECT_EQ(c->reason().code, websocket::close_code::too_big);
  EXPECT_TRUE(WaitFor([&] { return finished_.load() == 1; }));
}

// Messages that arrive faster than the handler takes them are queued (up to a bound, then TCP
// pushes back) and delivered whole and in order.
TEST_F(WebSocketTest, SlowHandlerGetsEveryMessageInOrder) {
  constexpr int kMessages = 300;  // 3 MiB: beyond the session's inbox, so reading pauses
  router_.Add("GET", "/slow", [&](Request&, Response& resp) {
    resp.websocket = [&](WebSocket& ws) {
      std::this_thread::sleep_for(300ms);
      int n = 0;
      while (auto m = ws.Receive(5000)) {
        if (m->data != std::string(10 * 1024, static_cast<char>('a' + n % 26))) break;
        if (++n == kMessages) break;
      }
      ws.Send(std::to_string(n));
      ws.Receive(60'000);
    };
  });
  Start();
  auto c = Open("/slow");
  for (int i = 0; i < kMessages; ++i) {
    ASSERT_TRUE(c->Send(std::string(10 * 1024, static_cast<char>('a' + i % 26)), true));
  }
  EXPECT_EQ(c->Read().data, std::to_string(kMessages));
  EXPECT_FALSE(c->Close());
}

// Pings keep a quiet connection open beyond the idle timeout as long as the client answers
// them; a client that stops answering (here: stops reading) is dropped after it.
TEST_F(WebSocketTest, PingsKeepQuietConnectionAliveAndDropDeadOnes) {
  options_.idle_timeout_seconds = 1;
  std::atomic<int> closed_handlers{0};
  router_.Add("GET", "/quiet", [&](Request&, Response& resp) {
    resp.websocket = [&](WebSocket& ws) {
      while (!ws.closed()) ws.Receive(60'000);
      ++closed_handlers;
    };
  });
  Start();
  auto alive = Open("/quiet");
  auto dead = Open("/quiet");
  // After 2.4 idle timeouts, `dead`, which read nothing and so answered no ping, is gone;
  // `alive` is still there.
  auto sampled = std::async(std::launch::async, [&] {
    std::this_thread::sleep_for(2400ms);
    return closed_handlers.load();
  });
  WsRead r = alive->Read(2500ms);  // reading answers the pings; nothing else comes
  EXPECT_TRUE(r.timed_out) << r.ec.message();
  EXPECT_EQ(sampled.get(), 1);
  EXPECT_TRUE(WaitFor([&] { return closed_handlers.load() == 2; }));  // Read gave up: dropped
}

TEST_F(WebSocketTest, ShutdownClosesWebSocketsPromptly) {
  AddEcho();
  Start();
  std::vector<std::unique_ptr<WsClient>> clients;
  std::vector<std::future<WsRead>> reads;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(Open("/echo"));
    reads.push_back(std::async(std::launch::async, [c = clients.back().get()] { return c->Read(5s); }));
  }
  ASSERT_TRUE(WaitFor([&] { return running_.load() == 3; }));
  const auto t0 = Clock::now();
  server_->Shutdown(10'000);
  server_->Wait();
  EXPECT_LT(Clock::now() - t0, 1s);
  EXPECT_EQ(finished_.load(), 3);
  for (size_t i = 0; i < reads.size(); ++i) {
    WsRead r = reads[i].get();
    EXPECT_EQ(r.ec, websocket::error::closed) << r.ec.message();
    EXPECT_EQ(clients[i]->reason().code, websocket::close_code::going_away);
  }
}

// A client that neither reads nor answers the close frame does not hold shutdown up for the
// grace period.
TEST_F(WebSocketTest, ShutdownDoesNotWaitForSilentClients) {
  AddEcho();
  Start();
  auto c = Open("/echo");
  ASSERT_TRUE(WaitFor([&] { return running_.load() == 1; }));
  const auto t0 = Clock::now();
  server_->Shutdown(10'000);
  server_->Wait();
  EXPECT_LT(Clock::now() - t0, 2s);
  EXPECT_EQ(finished_.load(), 1);
}

TEST_F(WebSocketTest, MaxStreamsCountsWebSocketsAndStreams) {
  options_.max_streams = 1;
  AddEcho();
  router_.Add("GET", "/sse", [](Request&, Response& resp) {
    resp.SetEventStream([](ResponseWriter& w) { w.Write(SseEvent("", "x")); });
  });
  Start();
  auto first = Open("/echo");
  ASSERT_TRUE(WaitFor([&] { return running_.load() == 1; }));
  WsClient second(server_->port());
  websocket::response_type res;
  EXPECT_EQ(second.Handshake("/echo", &res, {{"X-Token", "good"}}), websocket::error::upgrade_declined);
  EXPECT_EQ(res.result_int(), 503);
  EXPECT_EQ(res["Retry-After"], "1");
  EXPECT_NE(res.body().find("OA.HTTP.0503"), std::string::npos) << res.body();
  EXPECT_EQ(Fetch(url_ + "/sse").status, 503);  // one pool of stream slots
  EXPECT_NE(server_->RenderMetrics().find("openarts_http_streams 1\n"), std::string::npos);

  EXPECT_FALSE(first->Close());
  ASSERT_TRUE(WaitFor([&] { return finished_.load() == 1; }));
  ASSERT_TRUE(WaitFor([&] {
    return server_->RenderMetrics().find("openarts_http_streams 0\n") != std::string::npos;
  }));
  auto third = Open("/echo");
  ASSERT_TRUE(third->Send("again"));
  EXPECT_EQ(third->Read().data, "again");
}

}  // namespace
}  // namespace openarts::http
