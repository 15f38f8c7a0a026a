// The server side of a WebSocket connection (RFC 6455) on Boost.Beast.
//
// All socket I/O stays on the connection's strand; the handler's thread talks to it the way a
// producer's does: Send posts one message write onto the strand and blocks until it completes;
// a read kept pending on the strand queues each message for Receive. Beast answers the
// client's pings and close frames while that read is pending; the session pings the client
// every half idle timeout (which keeps proxies from dropping a quiet connection) and lets the
// server's sweeper close a connection from which nothing, not even a pong, came for the whole
// idle timeout.
//
// Run's loop below owns the strand-side state; every asynchronous completion and every post
// from the handler's thread updates a flag and wakes it. It returns only once no operation is
// pending on the stream, so nothing outlives the session.
#include "websocket.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "base/clock.h"
#include "base/log.h"

namespace openarts::http::internal {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using boost::system::error_code;
using SteadyClock = std::chrono::steady_clock;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// Once either side has sent a close frame, how long the other has to answer it (and close the
// TCP connection) before the socket is closed under it.
constexpr auto kCloseWait = std::chrono::seconds(1);
// Reading pauses while this much received data waits for Receive: a handler that does not keep
// up pushes back on the client through TCP instead of buffering without bound.
constexpr size_t kInboxBytes = 1 << 20;
// The most a close reason may hold (125 bytes of control frame payload less the code).
constexpr size_t kMaxReason = 123;

// RFC 6455 §7.4: the codes an endpoint may send.
bool SendableCloseCode(uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

websocket::close_reason MakeCloseReason(uint16_t code, std::string_view reason) {
  if (reason.size() > kMaxReason) {
    reason = reason.substr(0, kMaxReason);
    // Do not cut a UTF-8 sequence in two: clients fail the connection on a broken reason.
    while (!reason.empty() && (static_cast<unsigned char>(reason.back()) & 0xC0) == 0x80) {
      reason.remove_suffix(1);
    }
    if (!reason.empty() && (static_cast<unsigned char>(reason.back()) & 0x80)) reason.remove_suffix(1);
  }
  websocket::close_reason cr(code);
  cr.reason.assign(reason.data(), reason.size());
  return cr;
}

class Session final : public WebSocket, public WebSocketSession {
 public:
  Session(Socket& socket, const WebSocketOptions& options)
      : strand_(socket.get_executor()), ws_(socket), options_(options), wake_(strand_) {}

  // ---- WebSocket: the handler's thread (or its helpers) ----

  bool Send(std::string_view data, bool binary) override {
    std::lock_guard serial(write_mu_);  // one message at a time, whatever the number of senders
    {
      std::lock_guard lock(mu_);
      if (closed_) return false;
      write_done_ = false;
    }
    asio::post(strand_, [this, data, binary] { StartWrite(data, binary); });
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return write_done_; });
    if (write_ok_) sent_.fetch_add(data.size(), std::memory_order_relaxed);
    return write_ok_;
  }

  std::optional<Message> Receive(int timeout_ms) override {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(std::max(0, timeout_ms)),
                 [&] { return !inbox_.empty() || closed_; });
    if (inbox_.empty()) return std::nullopt;
    Message m = std::move(inbox_.front());
    inbox_.pop_front();
    const bool was_full = inbox_bytes_ >= kInboxBytes;
    inbox_bytes_ -= m.data.size();
    if (was_full && inbox_bytes_ < kInboxBytes) {
      asio::post(strand_, [this] { wake_.cancel(); });  // resume reading
    }
    return m;
  }

  bool closed() const override {
    std::lock_guard lock(mu_);
    return closed_;
  }

  void Close(uint16_t code, std::string_view reason) override {
    {
      std::lock_guard lock(mu_);
      if (closed_) return;
    }
    if (!SendableCloseCode(code)) {
      OA_LOG_WARN("http websocket handler closed with code {}, which may not be sent; using 1011", code);
      code = websocket::close_code::internal_error;
    }
    MarkClosed(/*discard=*/true);
    asio::post(strand_, [this, cr = MakeCloseReason(code, reason)] { StartClose(cr); });
  }

  // ---- WebSocketSession: the strand ----

  asio::awaitable<bool> Run(const Request& req, unsigned version, Headers headers,
                            const WebSocketHandler& handler, std::function<void()> release) override {
    bhttp::request<bhttp::empty_body> upgrade;
    upgrade.version(version);
    upgrade.method(bhttp::verb::get);
    upgrade.target(req.target);
    for (const auto& [name, value] : req.headers) upgrade.insert(name, value);
    headers["X-Request-Id"] = req.request_id;
    ws_.set_option(websocket::stream_base::decorator([headers = std::move(headers)](websocket::response_type& res) {
      res.erase(bhttp::field::server);  // the HTTP responses name no server either
      for (const auto& [name, value] : headers) res.set(name, value);
    }));
    ws_.read_message_max(options_.max_message_bytes);
    ws_.auto_fragment(false);
    // Every frame the client sends, pongs included, shows it is there. A close frame ends the
    // handler's side at once, before Beast has answered it and torn the connection down.
    ws_.control_callback([this](websocket::frame_type kind, boost::beast::string_view) {
      Arm();
      if (kind == websocket::frame_type::close) {
        MarkClosed(/*discard=*/false);
        if (!closing_since_) closing_since_ = SteadyClock::now();
        wake_.cancel();  // the loop now watches the close deadline
      }
    });

    Arm();
    auto [ec] = co_await ws_.async_accept(upgrade, kTuple);
    if (ec) {
      release();
      co_return false;
    }
    accepted_ = true;
    Arm();
    if (going_away_) StartClose(websocket::close_reason(websocket::close_code::going_away));

    try {
      // Detached: the thread's last acts are HandlerDone (which lets this loop end) and
      // release (which lets shutdown go on); it touches neither the session nor the
      // connection afterwards.
      std::thread([this, handler = &handler, release, what = req.method + " " + req.raw_path] {
        bool failed = false;
        try {
          (*handler)(*this);
        } catch (const std::exception& e) {
          OA_LOG_ERROR("http websocket handler for {} threw: {}", what, e.what());
          failed = true;
        } catch (...) {
          OA_LOG_ERROR("http websocket handler for {} threw a non-exception", what);
          failed = true;
        }
        HandlerDone(failed);
        release();
      }).detach();
    } catch (const std::exception& e) {  // std::system_error: out of threads
      OA_LOG_ERROR("http cannot start a websocket thread for {} {}: {}", req.method, req.raw_path, e.what());
      release();
      MarkClosed(/*discard=*/true);
      handler_done_ = true;
      handler_failed_ = true;
    }

    const auto ping_every = std::chrono::nanoseconds(std::max<int64_t>(options_.idle_nanos / 2, 1'000'000));
    auto next_ping = SteadyClock::now() + ping_every;
    for (;;) {
      const auto now = SteadyClock::now();
      if (handler_done_ && !close_started_ && !done_) {
        StartClose(websocket::close_reason(handler_failed_ ? websocket::close_code::internal_error
                                                           : websocket::close_code::normal));
      }
      if (closing_since_ && now >= *closing_since_ + kCloseWait && Pending()) {
        // The client did not finish the closing handshake in time: fail whatever waits on it.
        error_code ignored;
        ws_.next_layer().close(ignored);
      }
      if (!done_ && !read_pending_ && !close_started_ && !InboxFull()) StartRead();
      if (!done_ && !close_started_ && !ping_pending_ && now >= next_ping) {
        StartPing();
        next_ping = now + ping_every;
      }
      if (handler_done_ && done_ && !Pending()) break;

      auto wake_at = SteadyClock::time_point::max();
      if (!done_ && !close_started_) wake_at = next_ping;
      if (closing_since_ && Pending()) wake_at = std::min(wake_at, *closing_since_ + kCloseWait);
      wake_.expires_at(wake_at);
      co_await wake_.async_wait(kTuple);
    }
    co_return true;
  }

  void GoingAway() override {
    MarkClosed(/*discard=*/true);
    if (accepted_) {
      StartClose(websocket::close_reason(websocket::close_code::going_away));
    } else {
      going_away_ = true;  // still in the handshake: close as soon as it is done
    }
  }

  uint64_t bytes_sent() const override { return sent_.load(std::memory_order_relaxed); }

 private:
  // The rest runs on the strand.

  bool Pending() const { return read_pending_ || write_pending_ || ping_pending_ || close_pending_; }

  void Arm() {
    options_.deadline_ns->store(MonotonicNanos() + options_.idle_nanos, std::memory_order_relaxed);
  }

  // Any thread. `discard`: this side is done reading (Close, shutdown, handler returned), so
  // what is queued or still arrives is dropped.
  void MarkClosed(bool discard) {
    std::lock_guard lock(mu_);
    closed_ = true;
    if (discard) {
      discard_ = true;
      inbox_.clear();
      inbox_bytes_ = 0;
    }
    cv_.notify_all();
  }

  bool InboxFull() const {
    std::lock_guard lock(mu_);
    return !discard_ && inbox_bytes_ >= kInboxBytes;
  }

  void StartRead() {
    read_pending_ = true;
    ws_.async_read(rbuf_, [this](error_code ec, size_t) {
      read_pending_ = false;
      if (ec) {
        // websocket::error::closed (the client's close frame, answered), a message over the
        // limit (Beast sent 1009), a protocol error (1002) or a dead socket: all end it.
        done_ = true;
        MarkClosed(/*discard=*/false);
      } else {
        Arm();
        Deliver();
      }
      wake_.cancel();
    });
  }

  void Deliver() {
    Message m{boost::beast::buffers_to_string(rbuf_.data()), ws_.got_binary()};
    rbuf_.consume(rbuf_.size());
    if (rbuf_.capacity() > kInboxBytes) rbuf_.shrink_to_fit();  // after one big message
    std::lock_guard lock(mu_);
    if (discard_) return;
    inbox_bytes_ += m.data.size();
    inbox_.push_back(std::move(m));
    cv_.notify_all();
  }

  void StartWrite(std::string_view data, bool binary) {
    if (done_ || close_started_) {
      WriteDone(false);
      return;
    }
    write_pending_ = true;
    Arm();
    ws_.binary(binary);
    ws_.async_write(asio::buffer(data), [this](error_code ec, size_t) {
      write_pending_ = false;
      if (ec) {
        MarkClosed(/*discard=*/false);
      } else {
        Arm();
      }
      WriteDone(!ec);
      wake_.cancel();
    });
  }

  // Any thread: hands a write's result to the blocked Send.
  void WriteDone(bool ok) {
    std::lock_guard lock(mu_);
    write_ok_ = ok;
    write_done_ = true;
    if (!ok) closed_ = true;
    cv_.notify_all();
  }

  void StartPing() {
    ping_pending_ = true;
    ws_.async_ping({}, [this](error_code ec) {
      ping_pending_ = false;
      // A dead socket with no read pending (the inbox is full) is only noticed here.
      if (ec && !read_pending_ && !close_started_) {
        done_ = true;
        MarkClosed(/*discard=*/false);
      }
      wake_.cancel();
    });
  }

  void StartClose(const websocket::close_reason& cr) {
    if (!accepted_ || close_started_ || done_) return;
    close_started_ = true;
    close_pending_ = true;
    if (!closing_since_) closing_since_ = SteadyClock::now();
    // With a read pending, Beast's read takes the client's answer; else the close reads it.
    ws_.async_close(cr, [this](error_code) {
      close_pending_ = false;
      done_ = true;
      wake_.cancel();
    });
    wake_.cancel();  // the loop now waits for the close deadline instead of the next ping
  }

  void HandlerDone(bool failed) {
    asio::post(strand_, [this, failed] {
      MarkClosed(/*discard=*/true);
      handler_done_ = true;
      handler_failed_ = failed;
      wake_.cancel();
    });
  }

  const Strand strand_;  // the connection's; the handler's thread posts onto it
  websocket::stream<Socket&> ws_;
  const WebSocketOptions options_;
  asio::steady_timer wake_;  // Run's loop sleeps on it; every completion cancels it

  // The handler's side; guarded by mu_.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Message> inbox_;
  size_t inbox_bytes_ = 0;
  bool closed_ = false;   // WebSocket::closed()
  bool discard_ = false;  // nothing more is queued
  bool write_done_ = false;
  bool write_ok_ = false;
  std::mutex write_mu_;
  std::atomic<uint64_t> sent_{0};

  // The strand's side.
  boost::beast::flat_buffer rbuf_;
  bool accepted_ = false;
  bool going_away_ = false;
  bool read_pending_ = false;
  bool write_pending_ = false;
  bool ping_pending_ = false;
  bool close_pending_ = false;
  bool close_started_ = false;  // our close frame is on its way (or sent)
  bool done_ = false;           // the stream is finished: no more reads, writes or pings
  bool handler_done_ = false;
  bool handler_failed_ = false;
  std::optional<SteadyClock::time_point> closing_since_;  // a close frame went either way
};

}  // namespace

std::unique_ptr<WebSocketSession> NewWebSocketSession(Socket& socket, const WebSocketOptions& options) {
  return std::make_unique<Session>(socket, options);
}

}  // namespace openarts::http::internal
