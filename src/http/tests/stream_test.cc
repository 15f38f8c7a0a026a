// Streaming responses (Response::producer): SSE framing as a table, then a real server driven by
// raw sockets, which show the chunked framing and the timing curl would hide.
#include <gtest/gtest.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http/http.h"
#include "server_fixture.h"

namespace openarts::http {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(SseTest, Formatting) {
  struct Case {
    std::string event, data, id, want;
  };
  const std::vector<Case> cases = {
      {"", "x", "", "data: x\n\n"},
      {"log", "hello", "7", "id: 7\nevent: log\ndata: hello\n\n"},
      // every line ending the client knows splits the data; the client joins them with \n
      {"", "a\nb\r\nc\rd", "", "data: a\ndata: b\ndata: c\ndata: d\n\n"},
      {"", "x\n", "", "data: x\ndata:\n\n"},  // a trailing newline survives the round trip
      {"", "", "", "data:\n\n"},              // empty data is still an event
      {"", " lead", "", "data:  lead\n\n"},   // the client strips exactly one space
      // CR/LF cannot end a single-line field early; NUL would make the client drop the id
      {"a\nb", "x", std::string("1\r\n2\0", 5), "id: 12\nevent: ab\ndata: x\n\n"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.data);
    EXPECT_EQ(SseEvent(c.event, c.data, c.id), c.want);
  }
  EXPECT_EQ(SseComment(), ": keep-alive\n\n");
  EXPECT_EQ(SseComment("two\nlines"), ": two\n: lines\n\n");

  Response resp;
  resp.SetEventStream([](ResponseWriter&) {});
  EXPECT_TRUE(resp.producer);
  EXPECT_EQ(resp.headers["content-type"], "text/event-stream");
  EXPECT_EQ(resp.headers["cache-control"], "no-cache");
  EXPECT_EQ(resp.headers["x-accel-buffering"], "no");
}

// Splits a raw response into head and the chunks of its body; false unless the body is
// well-formed chunked framing ending with the last chunk.
bool SplitChunked(std::string_view raw, std::string* head, std::vector<std::string>* chunks) {
  size_t end = raw.find("\r\n\r\n");
  if (end == std::string_view::npos) return false;
  *head = std::string(raw.substr(0, end + 2));
  std::string_view in = raw.substr(end + 4);
  for (;;) {
    size_t crlf = in.find("\r\n");
    if (crlf == std::string_view::npos || crlf == 0) return false;
    size_t size = 0;
    auto [p, ec] = std::from_chars(in.data(), in.data() + crlf, size, 16);
    if (ec != std::errc() || p != in.data() + crlf) return false;
    in.remove_prefix(crlf + 2);
    if (size == 0) return in == "\r\n";
    if (in.size() < size + 2 || in.substr(size, 2) != "\r\n") return false;
    chunks->emplace_back(in.substr(0, size));
    in.remove_prefix(size + 2);
  }
}

class StreamTest : public ServerTest {
 protected:
  // GET /ping: an ordinary route, to show streams do not get in its way.
  void AddPing() {
    router_.Add("GET", "/ping", [](Request&, Response& resp) { resp.body = "pong"; });
  }
  // GET /idle: an SSE stream that writes one event, then a keep-alive every `period` until it
  // is closed; counts the producers running.
  void AddIdleStream(std::chrono::milliseconds period = 200ms) {
    router_.Add("GET", "/idle", [this, period](Request&, Response& resp) {
      resp.SetEventStream([this, period](ResponseWriter& w) {
        ++running_;
        if (w.Write(SseEvent("hello", "ready"))) {
          while (!w.WaitClosed(static_cast<int>(period.count()))) {
            if (!w.Write(SseComment())) break;
          }
        }
        --running_;
        ++finished_;
      });
    });
  }

  std::atomic<int> running_{0};
  std::atomic<int> finished_{0};
};

TEST_F(StreamTest, SseEventsArriveAsWrittenInChunks) {
  std::atomic<bool> producer_finished{false};
  router_.Add("GET", "/events", [&](Request&, Response& resp) {
    resp.SetEventStream([&](ResponseWriter& w) {
      EXPECT_TRUE(w.Write(SseEvent("tick", "one", "1")));
      std::this_thread::sleep_for(150ms);
      EXPECT_TRUE(w.Write(SseEvent("tick", "two\nlines", "2")));
      std::this_thread::sleep_for(150ms);
      EXPECT_TRUE(w.Write(SseEvent("tick", "three", "3")));
      EXPECT_TRUE(w.Write(""));  // sends nothing: an empty chunk would end the body
      EXPECT_FALSE(w.closed());
      producer_finished = true;
    });
  });
  AddPing();
  Start();
  RawClient raw(server_->port());
  ASSERT_TRUE(raw.connected());
  const auto t0 = Clock::now();
  raw.Send("GET /events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n");
  std::string got;
  ASSERT_TRUE(raw.ReadUntil(&got, "data: one\n", 2s)) << got;
  EXPECT_LT(Clock::now() - t0, 100ms);  // not held back until the producer is done
  EXPECT_FALSE(producer_finished.load());
  // A request pipelined during the stream is answered after it.
  raw.Send("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(raw.ReadUntil(&got, "\r\n0\r\n\r\n", 5s)) << got;
  EXPECT_TRUE(producer_finished.load());
  ASSERT_TRUE(raw.ReadUntil(&got, "pong", 5s)) << got;
  const std::string pipelined = got.substr(got.find("\r\n0\r\n\r\n") + 7);
  EXPECT_EQ(pipelined.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << pipelined;
  got.resize(got.size() - pipelined.size());

  std::string head;
  std::vector<std::string> chunks;
  ASSERT_TRUE(SplitChunked(got, &head, &chunks)) << got;
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Type: text/event-stream\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Cache-Control: no-cache\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("X-Accel-Buffering: no\r\n"), std::string::npos) << head;
  EXPECT_EQ(chunks, (std::vector<std::string>{"id: 1\nevent: tick\ndata: one\n\n",
                                              "id: 2\nevent: tick\ndata: two\ndata: lines\n\n",
                                              "id: 3\nevent: tick\ndata: three\n\n"}));

  // The connection stays usable after a stream that ended cleanly.
  raw.Send("GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::string next = raw.ReadUntilClose(5s);
  EXPECT_EQ(next.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << next;
  EXPECT_NE(next.find("\r\n\r\npong"), std::string::npos) << next;

  EXPECT_NE(server_->RenderMetrics().find(
                R"(openarts_http_requests_total{route="/events",method="GET",code="200"} 1)"),
            std::string::npos);
}

TEST_F(StreamTest, ChunkedTextThroughCurl) {
  router_.Add("GET", "/log", [](Request& req, Response& resp) {
    resp.headers["Content-Type"] = "text/plain; charset=utf-8";
    resp.producer = [](ResponseWriter& w) {
      for (int i = 0; i < 100; ++i) {
        if (!w.Write("line " + std::to_string(i) + "\n")) return;
      }
    };
  });
  Start();
  auto r = Fetch(url_ + "/log");
  EXPECT_EQ(r.code, CURLE_OK);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["transfer-encoding"], "chunked");
  std::string want;
  for (int i = 0; i < 100; ++i) want += "line " + std::to_string(i) + "\n";
  EXPECT_EQ(r.body, want);
}

TEST_F(StreamTest, Http10GetsTheBodyUntilClose) {
  router_.Add("GET", "/log", [](Request&, Response& resp) {
    resp.producer = [](ResponseWriter& w) {
      w.Write("a\n");
      w.Write("b\n");
    };
  });
  Start();
  RawClient raw(server_->port());
  raw.Send("GET /log HTTP/1.0\r\n\r\n");
  bool closed = false;
  std::string got = raw.ReadUntilClose(5s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(got.find("Transfer-Encoding"), std::string::npos) << got;
  EXPECT_NE(got.find("Connection: close\r\n"), std::string::npos) << got;
  EXPECT_EQ(got.substr(got.find("\r\n\r\n") + 4), "a\nb\n");
}

TEST_F(StreamTest, ClientDisconnectFailsWriteWithinASecond) {
  std::promise<Clock::time_point> write_failed;
  router_.Add("GET", "/busy", [&](Request&, Response& resp) {
    resp.SetEventStream([&](ResponseWriter& w) {
      for (int i = 0;; ++i) {
        if (!w.Write(SseEvent("", std::to_string(i)))) break;
        std::this_thread::sleep_for(20ms);
      }
      EXPECT_TRUE(w.closed());
      write_failed.set_value(Clock::now());
    });
  });
  Start();
  auto raw = std::make_unique<RawClient>(server_->port());
  raw->Send("GET /busy HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string got;
  ASSERT_TRUE(raw->ReadUntil(&got, "data: 2\n", 5s)) << got;
  raw.reset();  // gone mid-stream
  const auto closed_at = Clock::now();
  auto fut = write_failed.get_future();
  ASSERT_EQ(fut.wait_for(5s), std::future_status::ready);
  EXPECT_LT(fut.get() - closed_at, 1s);
}

// A producer with nothing to say learns of the disconnect through closed() / WaitClosed(),
// from the read side, without having to write.
TEST_F(StreamTest, IdleProducerLearnsOfDisconnect) {
  std::promise<Clock::time_point> noticed;
  router_.Add("GET", "/quiet", [&](Request&, Response& resp) {
    resp.SetEventStream([&](ResponseWriter& w) {
      w.Write(SseEvent("hello", "ready"));
      while (!w.WaitClosed(60'000)) {
      }
      noticed.set_value(Clock::now());
    });
  });
  Start();
  auto raw = std::make_unique<RawClient>(server_->port());
  raw->Send("GET /quiet HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string got;
  ASSERT_TRUE(raw->ReadUntil(&got, "data: ready\n", 5s)) << got;
  raw.reset();
  const auto closed_at = Clock::now();
  auto fut = noticed.get_future();
  ASSERT_EQ(fut.wait_for(5s), std::future_status::ready);
  EXPECT_LT(fut.get() - closed_at, 1s);
}

// Streams outlast the idle timeout as long as they are open: it applies to a stalled write,
// not to a quiet stream.
TEST_F(StreamTest, QuietStreamOutlivesIdleTimeout) {
  options_.idle_timeout_seconds = 1;
  AddIdleStream(/*period=*/5s);
  Start();
  RawClient raw(server_->port());
  raw.Send("GET /idle HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string got;
  ASSERT_TRUE(raw.ReadUntil(&got, "data: ready\n", 5s)) << got;
  bool closed = false;
  raw.ReadUntilClose(2500ms, &closed);
  EXPECT_FALSE(closed);
  EXPECT_EQ(running_.load(), 1);
}

TEST_F(StreamTest, ShutdownEndsStreamsPromptly) {
  AddIdleStream(/*period=*/10s);
  Start();
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<RawClient>(server_->port()));
    clients.back()->Send("GET /idle HTTP/1.1\r\nHost: x\r\n\r\n");
  }
  ASSERT_TRUE(WaitFor([&] { return running_.load() == 3; }));
  const auto t0 = Clock::now();
  server_->Shutdown(10'000);
  server_->Wait();
  EXPECT_LT(Clock::now() - t0, 1s);
  EXPECT_EQ(finished_.load(), 3);
  for (auto& c : clients) {
    bool closed = false;
    std::string got = c->ReadUntilClose(2s, &closed);
    EXPECT_TRUE(closed);
    // The stream ended cleanly (the last chunk), then the connection closed.
    EXPECT_NE(got.find("\r\n0\r\n\r\n"), std::string::npos) << got;
  }
}

// A client that stops reading blocks Write once the socket buffers fill; the grace period
// still bounds the shutdown.
TEST_F(StreamTest, ShutdownUnblocksWriteToStalledClient) {
  std::atomic<bool> blocked_write_failed{false};
  std::promise<void> started;
  router_.Add("GET", "/flood", [&](Request&, Response& resp) {
    resp.producer = [&](ResponseWriter& w) {
      started.set_value();
      const std::string block(64 * 1024, 'x');
      while (w.Write(block)) {
      }
      blocked_write_failed = true;
    };
  });
  Start();
  RawClient stalled(server_->port());
  stalled.Send("GET /flood HTTP/1.1\r\nHost: x\r\n\r\n");
  started.get_future().wait();
  std::this_thread::sleep_for(200ms);  // let the socket buffers fill
  const auto t0 = Clock::now();
  server_->Shutdown(300);
  server_->Wait();
  EXPECT_LT(Clock::now() - t0, 3s);
  EXPECT_TRUE(blocked_write_failed.load());
}

TEST_F(StreamTest, ManyStreamsDoNotStarveOrdinaryRoutes) {
  options_.worker_threads = 2;
  options_.transfer_threads = 2;
  AddIdleStream();
  AddPing();
  Start();
  constexpr int kStreams = 20;
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < kStreams; ++i) {
    clients.push_back(std::make_unique<RawClient>(server_->port()));
    clients.back()->Send("GET /idle HTTP/1.1\r\nHost: x\r\n\r\n");
  }
  ASSERT_TRUE(WaitFor([&] { return running_.load() == kStreams; })) << running_.load();
  for (int i = 0; i < 5; ++i) {
    auto r = Fetch(url_ + "/ping");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "pong");
    EXPECT_LT(r.seconds, 0.5);
  }
  EXPECT_NE(server_->RenderMetrics().find("openarts_http_streams 20\n"), std::string::npos);
  clients.clear();
  ASSERT_TRUE(WaitFor([&] { return finished_.load() == kStreams; }, 3s)) << finished_.load();
  EXPECT_TRUE(WaitFor([&] {
    return server_->RenderMetrics().find("openarts_http_streams 0\n") != std::string::npos;
  }));
}

TEST_F(StreamTest, StreamsBeyondTheLimitAre503) {
  options_.max_streams = 1;
  AddIdleStream();
  Start();
  auto first = std::make_unique<RawClient>(server_->port());
  first->Send("GET /idle HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(WaitFor([&] { return running_.load() == 1; }));
  auto r = Fetch(url_ + "/idle");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.headers["retry-after"], "1");
  EXPECT_EQ(r.headers["content-type"], "application/json");
  EXPECT_NE(r.body.find("OA.HTTP.0503"), std::string::npos) << r.body;
  first.reset();
  ASSERT_TRUE(WaitFor([&] { return finished_.load() == 1; }));
  // The slot is free again once the first producer has returned.
  RawClient second(server_->port());
  second.Send("GET /idle HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string got;
  EXPECT_TRUE(second.ReadUntil(&got, "data: ready\n", 5s)) << got;
}

TEST_F(StreamTest, HeadSendsHeadersOnly) {
  AddIdleStream();
  AddPing();
  Start();
  RawClient raw(server_->port());
  raw.Send("HEAD /idle HTTP/1.1\r\nHost: x\r\n\r\n"
           "GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  bool closed = false;
  std::string got = raw.ReadUntilClose(5s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(got.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << got;
  const std::string head = got.substr(0, got.find("\r\n\r\n") + 4);
  EXPECT_NE(head.find("Content-Type: text/event-stream\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << head;
  // No body: the next bytes are the answer to the pipelined GET.
  EXPECT_EQ(got.compare(head.size(), 17, "HTTP/1.1 200 OK\r\n"), 0) << got;
  EXPECT_EQ(got.substr(got.size() - 4), "pong");
  EXPECT_EQ(running_.load() + finished_.load(), 0);  // the producer never ran

  auto r = Fetch(url_ + "/idle", {.method = "HEAD"});
  EXPECT_EQ(r.code, CURLE_OK);
  EXPECT_EQ(r.status, 200);
}

TEST_F(StreamTest, ThrowingProducerTruncatesTheBody) {
  router_.Add("GET", "/bad", [](Request&, Response& resp) {
    resp.producer = [](ResponseWriter& w) {
      w.Write("partial\n");
      throw std::runtime_error("source failed");
    };
  });
  Start();
  RawClient raw(server_->port());
  raw.Send("GET /bad HTTP/1.1\r\nHost: x\r\n\r\n");
  bool closed = false;
  std::string got = raw.ReadUntilClose(5s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_NE(got.find("partial\n"), std::string::npos) << got;
  EXPECT_EQ(got.find("\r\n0\r\n\r\n"), std::string::npos) << got;  // no last chunk
}

}  // namespace
}  // namespace openarts::http
