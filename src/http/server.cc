// The HTTP/1.1 server: one coroutine per connection on a per-connection strand, handlers on a
// bounded worker pool, responses written from a reused head buffer (+ sendfile for files).
//
// Life of a request:
//   io strand:  read header (Beast parser, header_limit) → route → limits → [read body]
//   worker:     handler(Request&, Response&)          (the coroutine is suspended meanwhile)
//   io strand:  write head + body | sendfile loop → metrics, access log → next request
//
// Streaming bodies invert the middle step: the handler's body_stream->Read() posts a read onto
// the connection's strand that parses straight into the handler's buffer (no queue, no copy
// beyond Beast's read buffer), then blocks the worker until it completes. Memory per upload is
// the connection's read buffer plus the handler's buffer, whatever the body size.
//
// Streaming responses (Response::producer) extend the last step: the head goes out with
// Transfer-Encoding: chunked, then the producer runs on a thread of its own (capped by
// max_streams; it may run for hours, so never on a pool that other calls need). Each
// ResponseWriter::Write posts one chunk write onto the strand and blocks its thread until the
// write completes. Meanwhile the coroutine keeps a read pending on the socket, so a client that
// closes is noticed at once even while the producer writes nothing.
//
// Timeouts: instead of arming an Asio timer for every socket operation, each connection keeps
// a deadline (an atomic, set when an operation starts) and one sweeper per server closes the
// connections whose deadline passed. A request in a handler has no deadline.
#include <sys/sendfile.h>
#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "base/clock.h"
#include "base/ids.h"
#include "base/log.h"
#include "base/strings.h"
#include "http/http.h"
#include "internal.h"
#include "metrics.h"
#include "websocket.h"

namespace openarts::http {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using internal::Socket;
using internal::Strand;
using HeaderParser = bhttp::request_parser<bhttp::empty_body>;
using StringParser = bhttp::request_parser<bhttp::string_body>;
using StreamParser = bhttp::request_parser<bhttp::buffer_body>;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr int64_t kNoDeadline = INT64_MAX;
constexpr std::string_view k100Continue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::string_view kCrLf = "\r\n";
constexpr std::string_view kLastChunk = "0\r\n\r\n";
constexpr size_t kReadAtChunk = 256 * 1024;
constexpr size_t kSendfileChunk = 4 << 20;
// A sendfile loop yields the strand after this many bytes so one fast download cannot starve
// the other connections of its io thread.
constexpr size_t kYieldEvery = 16 << 20;
// After a response that leaves an unread body behind, read and drop at most this much before
// closing, so the client sees the response instead of a reset.
constexpr size_t kLingerBytes = 8 << 20;
constexpr int64_t kLingerNanos = 2'000'000'000;
// Beast sizes each socket read by the free space of the read buffer (at least 512 bytes), so a
// body read through a small buffer would arrive 512 bytes per system call.
constexpr size_t kHeaderBuffer = 4 * 1024;
constexpr size_t kBodyBuffer = 64 * 1024;

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool ValidHeaderName(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsTokenChar);
}

// CR, LF or NUL in a value would let a handler echoing user input split the response.
bool ValidHeaderValue(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// An incoming X-Request-Id is reused (it ties our log to the caller's) only if it is short and
// plain; anything else gets a fresh id.
std::string PickRequestId(const std::string* incoming) {
  if (incoming && !incoming->empty() && incoming->size() <= 64 &&
      std::all_of(incoming->begin(), incoming->end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_' || c == '.';
      })) {
    return *incoming;
  }
  return NewId();
}

Status SplitTarget(Request& req) {
  std::string_view t = req.target;
  if (t.empty() || t.front() != '/') {
    return InvalidArgument("request target '" + std::string(t.substr(0, 64)) +
                           "' must be an absolute path starting with '/'");
  }
  size_t q = t.find('?');
  req.raw_path.assign(t.substr(0, q));
  if (q != std::string_view::npos) req.raw_query.assign(t.substr(q + 1));
  OA_ASSIGN_OR_RETURN(req.path, PercentDecode(req.raw_path));
  if (req.path.find('\0') != std::string::npos) {
    return InvalidArgument("request path must not contain an encoded NUL (%00)");
  }
  std::string_view rest = req.raw_query;
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    auto key = PercentDecode(pair.substr(0, eq), true);
    auto value = PercentDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!key.ok() || !value.ok()) {
      return InvalidArgument("query parameter '" + std::string(pair.substr(0, 64)) +
                             "' has a broken percent-escape");
    }
    req.query.emplace(std::move(key).value(), std::move(value).value());
  }
  return Status::Ok();
}

// Server-side errors carry the id explicitly: they are built on the io thread, outside any
// handler, where Response::SetError has no request in scope.
void SetServerError(Response& resp, int status, std::string_view code, std::string msg,
                    const std::string& request_id) {
  resp.stream.reset();
  resp.producer = nullptr;
  resp.websocket = nullptr;
  Json j = Json::object();
  j["error_code"] = code;
  j["error_msg"] = std::move(msg);
  j["request_id"] = request_id;
  resp.SetJson(status, j);
}

std::string FormatEndpoint(const tcp::endpoint& ep) {
  auto addr = ep.address();
  if (addr.is_v6()) return "[" + addr.to_string() + "]:" + std::to_string(ep.port());
  return addr.to_string() + ":" + std::to_string(ep.port());
}

void AppendNumber(std::string& out, uint64_t v) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, p);
}

class ServerImpl;
class Connection;

// Request::body_stream for stream_body routes. Read() runs on a worker; the socket read runs on
// the connection's strand; a mutex/condvar hands the result back.
class SocketBodySource final : public ByteSource {
 public:
  explicit SocketBodySource(Connection* conn, bool eof) : conn_(conn), eof_(eof) {}
  Result<size_t> Read(char* buf, size_t n) override;
  // Called on the strand when the read started by Read() finishes.
  void Complete(size_t got, Status status, bool eof) {
    std::lock_guard lock(mu_);
    got_ = got;
    status_ = std::move(status);
    parser_done_ = eof;
    ready_ = true;
    // Notify under the lock: once the reader sees ready_, this object may be destroyed.
    cv_.notify_one();
  }

 private:
  Connection* conn_;
  bool eof_;
  Status error_;  // final error already returned (reader thread only)
  std::mutex mu_;
  std::condition_variable cv_;
  bool ready_ = false;
  size_t got_ = 0;
  Status status_;
  bool parser_done_ = false;
};

// Response::producer's ResponseWriter. Write() runs on the producer's thread and hands each
// chunk to the connection's strand; a mutex/condvar hands the result back (as SocketBodySource).
class StreamWriter final : public ResponseWriter {
 public:
  explicit StreamWriter(Connection* conn) : conn_(conn) {}
  bool Write(std::string_view data) override;
  bool closed() const override {
    std::lock_guard lock(mu_);
    return closed_;
  }
  bool WaitClosed(int timeout_ms) override {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(std::max(0, timeout_ms)), [&] { return closed_; });
    return closed_;
  }
  // Any thread: later writes fail and waiters wake (client gone, server shutting down).
  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }
  // On the strand, when the chunk write started by Write() finishes.
  void ChunkDone(bool ok) {
    std::lock_guard lock(mu_);
    chunk_ok_ = ok;
    chunk_done_ = true;
    if (!ok) closed_ = true;
    cv_.notify_all();
  }
  uint64_t bytes() const { return bytes_.load(std::memory_order_relaxed); }

 private:
  Connection* conn_;
  std::mutex write_mu_;  // one chunk at a time, whatever the number of writing threads
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool closed_ = false;
  bool chunk_done_ = false;
  bool chunk_ok_ = false;
  std::atomic<uint64_t> bytes_{0};  // payload sent, for the access log
};

class ServerImpl final : public Server {
 public:
  ServerImpl(const ServerOptions& options, Router router);
  ~ServerImpl() override;

  Status Start();

  uint16_t port() const override { return port_; }
  std::string url() const override { return url_; }
  void Shutdown(int grace_ms) override;
  void Wait() override;
  std::string RenderMetrics() const override { return metrics_.Render(); }

  const ServerOptions& options() const { return options_; }
  const Router& router() const { return router_; }
  Metrics& metrics() { return metrics_; }
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }
  int healthz_slot() const { return healthz_slot_; }
  int metrics_slot() const { return metrics_slot_; }
  int RouteSlot(const std::string* pattern) const {
    if (!pattern) return Metrics::kUnmatched;
    auto it = slots_.find(*pattern);
    return it == slots_.end() ? Metrics::kUnmatched : it->second;
  }

  // Runs `f` on the worker pool; the calling coroutine resumes on its own executor afterwards.
  // `f` must not throw.
  // `transfer`: run on the transfer pool (handlers that stream a request body).
  template <typename F>
  asio::awaitable<void> OnWorker(F f, bool transfer = false) {
    asio::thread_pool& pool = transfer ? *transfers_ : *workers_;
    co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
        [&pool](auto handler, F* fn) {
          asio::post(pool.get_executor(), [fn, handler = std::move(handler)]() mutable {
            (*fn)();
            auto ex = asio::get_associated_executor(handler);
            asio::dispatch(ex, std::move(handler));
          });
        },
        asio::use_awaitable, &f);
  }

  void Register(Connection* c) {
    std::lock_guard lock(mu_);
    conns_.insert(c);
  }
  void Unregister(Connection* c) {
    std::lock_guard lock(mu_);
    conns_.erase(c);
    if (conns_.empty()) cv_.notify_all();
  }
  // A slot for one producer thread; false when max_streams are open.
  bool AcquireStream() {
    std::lock_guard lock(mu_);
    if (streams_ >= std::max(1, options_.max_streams)) return false;
    ++streams_;
    metrics_.AddStreams(1);
    return true;
  }
  // The producer thread's last act: shutdown waits for it before tearing the io machinery down.
  void ReleaseStream() {
    std::lock_guard lock(mu_);
    --streams_;
    metrics_.AddStreams(-1);
    // Notify under the lock: once the stopper sees zero, the server may be destroyed.
    if (streams_ == 0) cv_.notify_all();
  }

 private:
  asio::awaitable<void> AcceptLoop();
  asio::awaitable<void> SweepLoop();
  void StopperMain();
  // The live connections. Taken under mu_, but the references are dropped outside it: the
  // last one runs ~Connection, which takes mu_ to unregister.
  std::vector<std::shared_ptr<Connection>> Snapshot();
  // Posts `fn(conn)` onto each live connection's strand.
  template <typename Fn>
  void ForEachConnection(Fn fn);

  ServerOptions options_;
  Router router_;
  std::vector<std::string> labels_;                 // metric labels, slot i+1
  std::unordered_map<std::string_view, int> slots_;  // pattern → slot; views into labels_
  int healthz_slot_ = 0;
  int metrics_slot_ = 0;
  Metrics metrics_;

  // Declared before the io machinery: connections destroyed by ~io_context unregister here.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_set<Connection*> conns_;  // guarded by mu_
  int streams_ = 0;                         // producer threads alive; guarded by mu_
  bool shutdown_requested_ = false;         // guarded by mu_
  int grace_ms_ = 0;                        // guarded by mu_
  bool stopped_ = false;                    // guarded by mu_
  bool started_ = false;
  std::atomic<bool> stopping_{false};

  uint16_t port_ = 0;
  std::string url_;
  asio::io_context ioc_;
  Strand control_;  // the acceptor and the sweeper
  tcp::acceptor acceptor_;
  asio::steady_timer sweep_timer_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::unique_ptr<asio::thread_pool> workers_;
  std::unique_ptr<asio::thread_pool> transfers_;
  std::vector<std::thread> io_threads_;
  std::thread stopper_;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(ServerImpl& server, Socket socket)
      : server_(server), socket_(std::move(socket)), strand_(socket_.get_executor()) {
    server_.Register(this);
  }
  ~Connection() { server_.Unregister(this); }

  asio::awaitable<void> Run();

  const Strand& strand() const { return strand_; }
  int64_t deadline() const { return deadline_ns_.load(std::memory_order_relaxed); }
  // On the strand.
  void Close() {
    error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }
  // On the strand, once the server is stopping: idle connections close, streams end.
  void OnShutdown() {
    if (idle_) {
      Close();
    } else if (stream_) {
      stream_->Close();
    } else if (websocket_) {
      websocket_->GoingAway();
    }
  }
  // From a worker (SocketBodySource::Read): reads the next body bytes into buf on the strand.
  void StartPull(SocketBodySource* src, char* buf, size_t n) {
    asio::co_spawn(strand_, Pull(src, buf, n), asio::detached);
  }
  // From the producer thread (StreamWriter::Write): writes `data` as one chunk on the strand.
  void StartChunk(StreamWriter* w, std::string_view data);
  // From the producer thread once the producer returned (`failed`: it threw). The connection
  // may be destroyed as soon as this returns.
  void ProducerDone(bool failed);

 private:
  void Arm(int64_t nanos = -1) {
    if (nanos < 0) nanos = int64_t{server_.options().idle_timeout_seconds} * 1'000'000'000;
    deadline_ns_.store(MonotonicNanos() + nanos, std::memory_order_relaxed);
  }
  void Disarm() { deadline_ns_.store(kNoDeadline, std::memory_order_relaxed); }

  // One request/response exchange; returns whether the connection may carry another.
  asio::awaitable<bool> Exchange(HeaderParser& parser);
  // Replies to a request whose header could not be parsed, then the caller closes.
  asio::awaitable<void> Reject(int status, std::string_view code, std::string msg);
  // Reads a buffered body into req.body. False if the client went away (nothing to answer)
  // or the body broke a limit (resp holds the answer).
  asio::awaitable<bool> ReadBody(HeaderParser& parser, Request& req, Response& resp, bool* answered);
  asio::awaitable<void> RunHandler(const Handler& handler, Request& req, Response& resp,
                                   bool transfer = false);
  asio::awaitable<void> Pull(SocketBodySource* src, char* buf, size_t n);
  // Writes the response; false if the connection must close (write failed, body truncated).
  asio::awaitable<bool> Write(const Request& req, Response& resp, bool keep_alive, uint64_t* sent);
  asio::awaitable<bool> SendStream(const StreamBody& s, uint64_t* sent);
  // 503 + Retry-After: max_streams producers and WebSockets are open.
  void RefuseStream(const Request& req, Response& resp, std::string_view what);
  // Sends the head, runs resp.producer on its own thread and waits for it. REQUIRES: a stream
  // slot acquired; released here or by the producer thread.
  asio::awaitable<bool> SendProduced(const Request& req, Response& resp, bool keep_alive,
                                     uint64_t* sent);
  // Upgrades to a WebSocket and serves it until it closes. REQUIRES: a stream slot acquired;
  // released here or by the handler's thread.
  asio::awaitable<bool> SendWebSocket(const Request& req, Response& resp, uint64_t* sent);
  asio::awaitable<void> Linger();
  // `length` nullopt: a streamed body (chunked on HTTP/1.1, to end of connection on 1.0).
  void BuildHead(const Request& req, const Response& resp, std::optional<uint64_t> length,
                 bool keep_alive);

  ServerImpl& server_;
  Socket socket_;
  Strand strand_;
  boost::beast::flat_buffer buffer_;  // survives requests: it may hold the next pipelined one
  std::string head_;                  // reused response head
  std::string remote_;
  std::atomic<int64_t> deadline_ns_{kNoDeadline};
  bool idle_ = true;                  // waiting for a request header (strand only)
  unsigned version_ = 11;
  StreamParser* stream_parser_ = nullptr;  // while a stream_body handler runs
  bool expect_continue_ = false;           // 100 Continue owed before the first body read
  // While a producer runs (strand only):
  StreamWriter* stream_ = nullptr;
  asio::steady_timer* stream_wake_ = nullptr;  // cancelled when the producer returns
  bool chunked_stream_ = false;
  bool producer_done_ = false;
  bool producer_failed_ = false;
  char chunk_head_[20];  // "<hex size>\r\n" of the chunk being written
  internal::WebSocketSession* websocket_ = nullptr;  // while upgraded (strand only)
};

bool StreamWriter::Write(std::string_view data) {
  if (data.empty()) return !closed();
  std::lock_guard serial(write_mu_);
  {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    chunk_done_ = false;
  }
  conn_->StartChunk(this, data);
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return chunk_done_; });
  if (chunk_ok_) bytes_.fetch_add(data.size(), std::memory_order_relaxed);
  return chunk_ok_;
}

Result<size_t> SocketBodySource::Read(char* buf, size_t n) {
  if (!error_.ok()) return error_;
  if (eof_ || n == 0) return size_t{0};
  {
    std::lock_guard lock(mu_);
    ready_ = false;
  }
  conn_->StartPull(this, buf, n);
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return ready_; });
  eof_ = parser_done_;
  if (!status_.ok()) {
    error_ = status_;
    // Bytes that arrived before the failure are still the caller's; the error comes next.
    if (got_ > 0) return got_;
    return error_;
  }
  return got_;
}

asio::awaitable<void> Connection::Run() {
  error_code ec;
  // The sendfile loop calls the socket directly and relies on EAGAIN instead of blocking.
  socket_.native_non_blocking(true, ec);
  auto ep = socket_.remote_endpoint(ec);
  remote_ = ec ? "-" : FormatEndpoint(ep);
  head_.reserve(512);
  buffer_.reserve(kHeaderBuffer);
  const ServerOptions& opts = server_.options();
  bool keep_alive = true;
  while (keep_alive && socket_.is_open()) {
    idle_ = true;
    // Checked after idle_ is set: Shutdown sets stopping_ and then closes idle connections
    // on this strand, so one of the two always sees the other.
    if (server_.stopping()) break;
    HeaderParser parser;
    parser.header_limit(static_cast<uint32_t>(std::min<size_t>(opts.max_header_bytes, UINT32_MAX)));
    parser.body_limit(boost::none);  // checked per route once the header is known
    Arm();
    auto [rec, n] = co_await bhttp::async_read_header(socket_, buffer_, parser, kTuple);
    if (rec) {
      if (rec == bhttp::error::header_limit) {
        co_await Reject(431, "OA.HTTP.0431",
                        "request header exceeds " + std::to_string(opts.max_header_bytes) +
                            " bytes; send fewer or shorter headers");
      } else if (rec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
                 rec != bhttp::error::end_of_stream && rec != bhttp::error::partial_message) {
        co_await Reject(400, "OA.HTTP.0400", "malformed HTTP request: " + rec.message());
      }
      break;  // eof, reset, timeout or shutdown: nobody to answer
    }
    idle_ = false;
    keep_alive = co_await Exchange(parser);
    // A body may have grown the read buffer; do not keep more than a body chunk per client.
    if (buffer_.capacity() > kBodyBuffer && buffer_.size() <= kHeaderBuffer) {
      buffer_.shrink_to_fit();
      buffer_.reserve(kHeaderBuffer);
    }
  }
  Disarm();
  Close();
}

asio::awaitable<void> Connection::Reject(int status, std::string_view code, std::string msg) {
  Request req;
  req.method = "-";
  req.raw_path = "-";
  req.remote = remote_;
  req.request_id = NewId();
  Response resp;
  SetServerError(resp, status, code, std::move(msg), req.request_id);
  uint64_t sent = 0;
  int64_t start = MonotonicNanos();
  co_await Write(req, resp, /*keep_alive=*/false, &sent);
  server_.metrics().Record(Metrics::kUnmatched, "OTHER", status, MonotonicNanos() - start);
  if (server_.options().access_log) {
    OA_LOG_INFO("http {} - - {} {}B 0.000ms - {}", remote_, status, sent, req.request_id);
  }
  co_await Linger();
}

asio::awaitable<bool> Connection::Exchange(HeaderParser& parser) {
  const int64_t start = MonotonicNanos();
  Metrics& metrics = server_.metrics();
  const ServerOptions& opts = server_.options();
  metrics.AddInFlight(1);

  Request req;
  Response resp;
  {
    const auto& msg = parser.get();
    req.method.assign(msg.method_string());
    req.target.assign(msg.target());
    version_ = msg.version();
    for (const auto& f : msg) {
      auto [it, inserted] = req.headers.try_emplace(std::string(f.name_string()), f.value());
      if (!inserted) {  // repeated field: RFC 9110 §5.3 list semantics
        it->second += ", ";
        it->second.append(f.value());
      }
    }
  }
  req.remote = remote_;
  req.request_id = PickRequestId(req.Header("X-Request-Id"));
  if (auto cl = parser.content_length()) req.content_length = *cl;
  bool keep_alive = parser.keep_alive();
  bool body_done = parser.is_done();
  const bool get_like = req.method == "GET" || req.method == "HEAD";
  int slot = Metrics::kUnmatched;

  Status split = SplitTarget(req);
  if (!split.ok()) {
    SetServerError(resp, 400, "OA.HTTP.0400", split.message(), req.request_id);
    keep_alive = false;
  } else if (get_like && req.raw_path == "/healthz") {
    slot = server_.healthz_slot();
    resp.headers["Content-Type"] = "application/json";
    resp.body = R"({"status":"ok"})";
  } else if (get_like && req.raw_path == "/metrics") {
    slot = server_.metrics_slot();
    resp.headers["Content-Type"] = "text/plain; version=0.0.4; charset=utf-8";
    resp.body = server_.RenderMetrics();
  } else {
    Router::Match match = server_.router().Find(req.method, req.raw_path);
    if (!match.handler) {
      if (match.path_matched) {
        std::string allow;
        for (const auto& m : server_.router().AllowedMethods(req.raw_path)) {
          if (!allow.empty()) allow += ", ";
          allow += m;
        }
        SetServerError(resp, 405, "OA.HTTP.0405",
                       "method " + req.method + " is not allowed on " + req.raw_path +
                           "; allowed: " + allow,
                       req.request_id);
        resp.headers["Allow"] = allow;
      } else {
        SetServerError(resp, 404, "OA.HTTP.0404",
                       "no API matches path '" + req.raw_path + "'; check the URL against the API reference",
                       req.request_id);
      }
    } else {
      slot = server_.RouteSlot(match.pattern);
      req.params = std::move(match.params);
      const bool stream = match.options->stream_body;
      const uint64_t limit = stream ? opts.max_stream_body_bytes : opts.max_body_bytes;
      if (req.content_length && *req.content_length > limit) {
        SetServerError(resp, 413, "OA.HTTP.0413",
                       "request body exceeds " + std::to_string(limit) +
                           " bytes; send a smaller body" +
                           (stream ? std::string() : std::string(" or use a streaming upload")),
                       req.request_id);
        keep_alive = false;
      } else if (stream) {
        std::optional<StreamParser> sp;
        if (!body_done) {
          sp.emplace(std::move(parser));
          sp->body_limit(limit);
          stream_parser_ = &*sp;
          const std::string* expect = req.Header("Expect");
          // Owed lazily, on the first Read(): a handler that refuses the upload never invites it.
          expect_continue_ = version_ >= 11 && expect && IEquals(*expect, "100-continue");
        }
        SocketBodySource source(this, body_done);
        req.body_stream = &source;
        co_await RunHandler(*match.handler, req, resp, /*transfer=*/true);
        req.body_stream = nullptr;
        stream_parser_ = nullptr;
        expect_continue_ = false;
        body_done = !sp || sp->is_done();
      } else {
        bool run = true;
        if (!body_done) {
          bool answered = false;
          run = co_await ReadBody(parser, req, resp, &answered);
          if (run) {
            body_done = true;
          } else if (!answered) {  // client gone mid-body: nobody to answer
            metrics.AddInFlight(-1);
            co_return false;
          } else {
            keep_alive = false;
          }
        }
        if (run) co_await RunHandler(*match.handler, req, resp);
      }
    }
  }

  if (!body_done || server_.stopping()) keep_alive = false;
  uint64_t sent = 0;
  if (!co_await Write(req, resp, keep_alive, &sent)) keep_alive = false;
  const int64_t nanos = MonotonicNanos() - start;
  metrics.Record(slot, req.method, resp.status, nanos);
  metrics.AddInFlight(-1);
  if (opts.access_log) {
    // Never the query string (it may carry a signature), never headers or bodies.
    OA_LOG_INFO("http {} {} {} {} {}B {:.3f}ms {} {}", req.remote, req.method, req.raw_path,
                resp.status, sent, static_cast<double>(nanos) / 1e6,
                resp.log_principal.empty() ? std::string_view("-") : std::string_view(resp.log_principal),
                req.request_id);
  }
  if (!body_done) co_await Linger();
  co_return keep_alive;
}

asio::awaitable<bool> Connection::ReadBody(HeaderParser& parser, Request& req, Response& resp,
                                           bool* answered) {
  const uint64_t limit = server_.options().max_body_bytes;
  const std::string* expect = req.Header("Expect");
  if (version_ >= 11 && expect && IEquals(*expect, "100-continue")) {
    Arm();
    auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(k100Continue), kTuple);
    if (ec) co_return false;
  }
  buffer_.reserve(kBodyBuffer);
  StringParser bp(std::move(parser));
  bp.body_limit(limit);  // chunked bodies; Content-Length was checked by the caller
  while (!bp.is_done()) {
    Arm();
    auto [ec, n] = co_await bhttp::async_read_some(socket_, buffer_, bp, kTuple);
    if (ec == bhttp::error::body_limit) {
      SetServerError(resp, 413, "OA.HTTP.0413",
                     "request body exceeds " + std::to_string(limit) +
                         " bytes; send a smaller body or use a streaming upload",
                     req.request_id);
      *answered = true;
      co_return false;
    }
    if (ec) {
      if (ec.category() == bhttp::make_error_code(bhttp::error::bad_chunk).category() &&
          ec != bhttp::error::partial_message && ec != bhttp::error::end_of_stream) {
        SetServerError(resp, 400, "OA.HTTP.0400", "malformed request body: " + ec.message(),
                       req.request_id);
        *answered = true;
      }
      co_return false;
    }
  }
  Disarm();
  req.body = std::move(bp.get().body());
  co_return true;
}

asio::awaitable<void> Connection::RunHandler(const Handler& handler, Request& req, Response& resp,
                                             bool transfer) {
  Disarm();  // a handler may take as long as it takes; its own reads re-arm
  co_await server_.OnWorker([&handler, &req, &resp] {
    internal::current_request_id = &req.request_id;
    // No exception crosses into the io machinery: a throwing handler is a 500 for one request.
    try {
      handler(req, resp);
    } catch (const std::exception& e) {
      OA_LOG_ERROR("http handler for {} {} threw: {}", req.method, req.raw_path, e.what());
      resp = Response{};
      resp.SetError(500, "OA.HTTP.0500", "internal error while handling the request");
    } catch (...) {
      OA_LOG_ERROR("http handler for {} {} threw a non-exception", req.method, req.raw_path);
      resp = Response{};
      resp.SetError(500, "OA.HTTP.0500", "internal error while handling the request");
    }
    internal::current_request_id = nullptr;
  }, transfer);
}

asio::awaitable<void> Connection::Pull(SocketBodySource* src, char* buf, size_t n) {
  size_t got = 0;
  Status status;
  bool done = false;
  try {
    if (expect_continue_) {
      expect_continue_ = false;
      Arm();
      auto [ec, w] = co_await asio::async_write(socket_, asio::buffer(k100Continue), kTuple);
      if (ec) status = Unavailable("client connection failed before the request body: " + ec.message());
    }
    StreamParser& p = *stream_parser_;
    buffer_.reserve(kBodyBuffer);
    while (status.ok() && got == 0 && !p.is_done()) {
      auto& body = p.get().body();
      body.data = buf;
      body.size = n;
      body.more = true;
      Arm();
      auto [ec, r] = co_await bhttp::async_read_some(socket_, buffer_, p, kTuple);
      got = n - body.size;
      body.data = nullptr;
      if (ec == bhttp::error::need_buffer) ec = {};  // the handler's buffer is full: normal
      if (ec == bhttp::error::body_limit) {
        status = ResourceExhausted("request body exceeds " +
                                   std::to_string(server_.options().max_stream_body_bytes) + " bytes");
      } else if (ec) {
        status = Unavailable("client closed the connection before the request body was complete (" +
                             ec.message() + ")");
      }
    }
    done = p.is_done();
  } catch (const std::exception& e) {
    status = Internal(std::string("reading the request body: ") + e.what());
  }
  Disarm();
  src->Complete(got, std::move(status), done);
}

void Connection::BuildHead(const Request& req, const Response& resp, std::optional<uint64_t> length,
                           bool keep_alive) {
  head_.clear();
  head_ += "HTTP/1.1 ";
  AppendNumber(head_, static_cast<uint64_t>(resp.status));
  head_ += ' ';
  auto reason = bhttp::obsolete_reason(bhttp::int_to_status(static_cast<unsigned>(resp.status)));
  head_.append(reason.data(), reason.size());
  head_ += "\r\n";
  for (const auto& [name, value] : resp.headers) {
    // Framing belongs to the server; a handler's guess at it would desynchronise the client.
    if (IEquals(name, "Content-Length") || IEquals(name, "Transfer-Encoding") ||
        IEquals(name, "Connection") || IEquals(name, "X-Request-Id")) {
      continue;
    }
    if (!ValidHeaderName(name) || !ValidHeaderValue(value)) {
      OA_LOG_WARN("http dropped an invalid response header '{}' on {} {}", name, req.method, req.raw_path);
      continue;
    }
    head_ += name;
    head_ += ": ";
    head_ += value;
    head_ += "\r\n";
  }
  if (resp.status != 204 && resp.status != 304) {
    if (length) {
      head_ += "Content-Length: ";
      AppendNumber(head_, *length);
      head_ += "\r\n";
    } else if (version_ >= 11) {
      head_ += "Transfer-Encoding: chunked\r\n";
    }
  }
  head_ += "X-Request-Id: ";
  head_ += req.request_id;
  head_ += "\r\n";
  if (!keep_alive) {
    head_ += "Connection: close\r\n";
  } else if (version_ < 11) {
    head_ += "Connection: keep-alive\r\n";
  }
  head_ += "\r\n";
}

asio::awaitable<bool> Connection::Write(const Request& req, Response& resp, bool keep_alive,
                                        uint64_t* sent) {
  if (!socket_.is_open()) co_return false;
  if (resp.status < 200 || resp.status > 599) {
    OA_LOG_ERROR("http handler for {} {} set status {}", req.method, req.raw_path, resp.status);
    SetServerError(resp, 500, "OA.HTTP.0500", "internal error: invalid response status", req.request_id);
  }
  if (resp.stream) {
    const StreamBody& s = *resp.stream;
    if (!s.source || s.offset > s.source->Size() || s.length > s.source->Size() - s.offset) {
      OA_LOG_ERROR("http handler for {} {} returned a stream range outside its source", req.method,
                   req.raw_path);
      SetServerError(resp, 500, "OA.HTTP.0500", "internal error: invalid response stream", req.request_id);
    }
  }
  if (resp.websocket) {
    if (!req.IsWebSocketUpgrade() || version_ < 11) {
      SetServerError(resp, 426, "OA.HTTP.0426",
                     req.method + " " + req.raw_path +
                         " is a WebSocket endpoint; open it with a WebSocket client (GET with "
                         "Upgrade: websocket, Sec-WebSocket-Version: 13)",
                     req.request_id);
      resp.headers["Upgrade"] = "websocket";
      resp.headers["Sec-WebSocket-Version"] = "13";
    } else if (buffer_.size() > 0) {
      // RFC 6455 §4.1: the client waits for the handshake's answer before it sends frames.
      SetServerError(resp, 400, "OA.HTTP.0400",
                     "data followed the WebSocket upgrade request before the handshake completed",
                     req.request_id);
      keep_alive = false;
    } else if (server_.stopping()) {
      SetServerError(resp, 503, "OA.HTTP.0503", "the server is shutting down; retry later",
                     req.request_id);
      resp.headers["Retry-After"] = "1";
    } else if (server_.AcquireStream()) {
      co_return co_await SendWebSocket(req, resp, sent);
    } else {
      RefuseStream(req, resp, "websocket");
    }
  }
  const bool no_body = req.method == "HEAD" || resp.status == 204 || resp.status == 304;
  if (resp.producer && !no_body) {
    if (server_.AcquireStream()) co_return co_await SendProduced(req, resp, keep_alive, sent);
    RefuseStream(req, resp, "stream");
  }
  const uint64_t length = resp.stream ? resp.stream->length : resp.body.size();
  // A producer's HEAD gets the head its GET would (chunked), and the producer does not run.
  BuildHead(req, resp, resp.producer ? std::nullopt : std::optional<uint64_t>(length), keep_alive);
  Arm();
  if (no_body || length == 0 || !resp.stream) {
    std::array<asio::const_buffer, 2> bufs{asio::buffer(head_),
                                           no_body ? asio::const_buffer() : asio::buffer(resp.body)};
    auto [ec, n] = co_await asio::async_write(socket_, bufs, kTuple);
    Disarm();
    if (ec) co_return false;
    *sent = no_body ? 0 : resp.body.size();
    co_return keep_alive;
  }
  auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(head_), kTuple);
  if (ec) co_return false;
  bool ok = co_await SendStream(*resp.stream, sent);
  Disarm();
  co_return ok;
}

void Connection::RefuseStream(const Request& req, Response& resp, std::string_view what) {
  const int max = std::max(1, server_.options().max_streams);
  OA_LOG_WARN("http refused a {} for {} {}: {} streams open", what, req.method, req.raw_path, max);
  SetServerError(resp, 503, "OA.HTTP.0503",
                 "the server has " + std::to_string(max) + " streams open, its limit; retry later",
                 req.request_id);
  resp.headers["Retry-After"] = "1";
}

asio::awaitable<bool> Connection::SendStream(const StreamBody& s, uint64_t* sent) {
  uint64_t left = s.length;
  uint64_t offset = s.offset;
  const int fd = s.source->NativeFd();
  if (fd >= 0) {
    off_t off = static_cast<off_t>(offset);
    size_t since_yield = 0;
    while (left > 0) {
      ssize_t n = ::sendfile(socket_.native_handle(), fd, &off, std::min<uint64_t>(left, kSendfileChunk));
      if (n > 0) {
        left -= n;
        *sent += n;
        since_yield += n;
        Arm();
        if (since_yield >= kYieldEvery) {
          since_yield = 0;
          co_await asio::post(strand_, asio::use_awaitable);
        }
        continue;
      }
      if (n == 0) {
        // The file shrank under us; the promised Content-Length cannot be kept.
        OA_LOG_WARN("http stream source ended {} bytes early; closing the connection", left);
        co_return false;
      }
      int err = errno;
      if (err == EINTR) continue;
      if (err == EAGAIN) {
        auto [ec] = co_await socket_.async_wait(tcp::socket::wait_write, kTuple);
        if (ec) co_return false;
        continue;
      }
      if ((err == EINVAL || err == ENOSYS) && *sent == 0) break;  // fd type sendfile can't read
      co_return false;
    }
    if (left == 0) co_return true;
  }
  // No descriptor (or one sendfile refuses): ReadAt on a worker, since it may hit the disk.
  std::unique_ptr<char[]> chunk(new char[kReadAtChunk]);
  while (left > 0) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(left, kReadAtChunk));
    Result<size_t> r = Internal("not read");
    co_await server_.OnWorker([&] {
      try {
        r = s.source->ReadAt(offset, chunk.get(), want);
      } catch (const std::exception& e) {
        r = Internal(e.what());
      }
    });
    if (!r.ok() || *r == 0) {
      OA_LOG_WARN("http stream source failed at offset {}: {}; closing the connection", offset,
                  r.ok() ? std::string("unexpected end") : r.status().ToString());
      co_return false;
    }
    Arm();
    auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(chunk.get(), *r), kTuple);
    if (ec) co_return false;
    offset += *r;
    left -= *r;
    *sent += *r;
  }
  co_return true;
}

asio::awaitable<bool> Connection::SendProduced(const Request& req, Response& resp, bool keep_alive,
                                               uint64_t* sent) {
  const bool chunked = version_ >= 11;
  BuildHead(req, resp, std::nullopt, keep_alive && chunked);
  Arm();
  auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(head_), kTuple);
  Disarm();
  if (ec) {
    server_.ReleaseStream();
    co_return false;
  }
  asio::steady_timer wake(strand_);
  StreamWriter writer(this);
  stream_ = &writer;
  stream_wake_ = &wake;
  chunked_stream_ = chunked;
  producer_done_ = false;
  producer_failed_ = false;
  // Shutdown ends the streams it finds on the strand; one starting after that pass sees stopping.
  if (server_.stopping()) writer.Close();
  try {
    // Detached: the thread's last acts are ProducerDone (which lets this coroutine go on) and
    // ReleaseStream (which lets shutdown go on); it touches neither this frame nor the
    // connection afterwards.
    std::thread([conn = this, server = &server_, producer = &resp.producer, w = &writer,
                 what = req.method + " " + req.raw_path] {
      bool failed = false;
      try {
        (*producer)(*w);
      } catch (const std::exception& e) {
        OA_LOG_ERROR("http producer for {} threw: {}", what, e.what());
        failed = true;
      } catch (...) {
        OA_LOG_ERROR("http producer for {} threw a non-exception", what);
        failed = true;
      }
      conn->ProducerDone(failed);
      server->ReleaseStream();
    }).detach();
  } catch (const std::exception& e) {  // std::system_error: out of threads
    OA_LOG_ERROR("http cannot start a producer thread for {} {}: {}", req.method, req.raw_path, e.what());
    stream_ = nullptr;
    stream_wake_ = nullptr;
    server_.ReleaseStream();
    Close();
    co_return false;
  }

  // Until the producer returns, keep a read pending: end of file (or a reset) means the client
  // is gone, and closing the socket fails the write it may be blocked in. Bytes that arrive are
  // kept for the next request (pipelining), up to one body buffer; beyond, stop watching and
  // rely on failed writes.
  bool client_gone = false;
  bool watching = true;
  while (!producer_done_) {
    if (watching && socket_.is_open() && buffer_.size() < kBodyBuffer) {
      auto [rec, got] = co_await socket_.async_read_some(
          buffer_.prepare(std::min(kHeaderBuffer, kBodyBuffer - buffer_.size())), kTuple);
      if (!rec) {
        buffer_.commit(got);
        continue;
      }
      watching = false;
      if (!producer_done_) {  // else the read was cancelled by ProducerDone
        client_gone = true;  // a client that half-closes counts as gone too
        writer.Close();
        Close();
      }
      continue;
    }
    wake.expires_at(asio::steady_timer::time_point::max());
    co_await wake.async_wait(kTuple);
  }
  stream_ = nullptr;
  stream_wake_ = nullptr;
  *sent = writer.bytes();
  if (producer_failed_ || client_gone || !socket_.is_open()) {
    Close();  // without the last chunk: the client must not take a broken stream as complete
    co_return false;
  }
  if (!chunked) co_return false;  // HTTP/1.0: the end of the connection ends the body
  Arm();
  auto [lec, ln] = co_await asio::async_write(socket_, asio::buffer(kLastChunk), kTuple);
  Disarm();
  co_return !lec;
}

void Connection::StartChunk(StreamWriter* w, std::string_view data) {
  asio::post(strand_, [this, w, data] {
    if (!socket_.is_open()) {
      w->ChunkDone(false);
      return;
    }
    std::array<asio::const_buffer, 3> bufs{asio::const_buffer(), asio::buffer(data), asio::const_buffer()};
    if (chunked_stream_) {
      auto [end, ec] = std::to_chars(chunk_head_, chunk_head_ + sizeof chunk_head_ - 2, data.size(), 16);
      *end++ = '\r';
      *end++ = '\n';
      bufs[0] = asio::buffer(chunk_head_, static_cast<size_t>(end - chunk_head_));
      bufs[2] = asio::buffer(kCrLf);
    }
    // Armed while the chunk is on its way: a client that stops reading is dropped after the idle
    // timeout. Between writes the stream has no deadline, however long the producer is quiet.
    Arm();
    asio::async_write(socket_, bufs, [this, w](error_code ec, size_t) {
      Disarm();
      w->ChunkDone(!ec);
    });
  });
}

void Connection::ProducerDone(bool failed) {
  asio::post(strand_, [this, failed] {
    producer_done_ = true;
    producer_failed_ = failed;
    if (stream_wake_) stream_wake_->cancel();
    error_code ec;
    socket_.cancel(ec);  // the watching read; no chunk write is pending once the producer returned
  });
}

asio::awaitable<bool> Connection::SendWebSocket(const Request& req, Response& resp, uint64_t* sent) {
  const ServerOptions& opts = server_.options();
  internal::WebSocketOptions wo;
  wo.max_message_bytes = opts.max_websocket_message_bytes;
  wo.idle_nanos = int64_t{std::max(1, opts.idle_timeout_seconds)} * 1'000'000'000;
  wo.deadline_ns = &deadline_ns_;
  // The handler's headers go into the 101 (Sec-WebSocket-Protocol, cookies), except those the
  // handshake and the framing own.
  Headers headers;
  for (const auto& [name, value] : resp.headers) {
    if (IEquals(name, "Content-Length") || IEquals(name, "Transfer-Encoding") ||
        IEquals(name, "Connection") || IEquals(name, "Upgrade") || IEquals(name, "X-Request-Id") ||
        IEquals(name, "Sec-WebSocket-Accept") || IEquals(name, "Sec-WebSocket-Extensions")) {
      continue;
    }
    if (!ValidHeaderName(name) || !ValidHeaderValue(value)) {
      OA_LOG_WARN("http dropped an invalid response header '{}' on {} {}", name, req.method, req.raw_path);
      continue;
    }
    headers.emplace(name, value);
  }
  std::unique_ptr<internal::WebSocketSession> session = internal::NewWebSocketSession(socket_, wo);
  // Set before the first suspension: Shutdown's pass over the connections runs on this strand
  // and either came before the stopping() check in Write or finds the session here.
  websocket_ = session.get();
  ServerImpl* server = &server_;
  co_await session->Run(req, version_, std::move(headers), resp.websocket,
                        [server] { server->ReleaseStream(); });
  websocket_ = nullptr;
  *sent = session->bytes_sent();
  resp.status = 101;  // the answer given (or, if the client left first, attempted)
  co_return false;    // the connection was the WebSocket's: it closes with it
}

asio::awaitable<void> Connection::Linger() {
  error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  if (ec) co_return;
  char scratch[16 * 1024];
  size_t total = 0;
  Arm(kLingerNanos);
  while (total < kLingerBytes) {
    auto [rec, n] = co_await socket_.async_read_some(asio::buffer(scratch), kTuple);
    if (rec) break;
    total += n;
  }
  Close();
}

// ---- ServerImpl -------------------------------------------------------------------------------

ServerImpl::ServerImpl(const ServerOptions& options, Router router)
    : options_(options),
      router_(std::move(router)),
      labels_([&] {
        std::vector<std::string> l = {"/healthz", "/metrics"};
        for (const auto& r : router_.Routes())
          if (std::find(l.begin(), l.end(), r.pattern) == l.end()) l.push_back(r.pattern);
        return l;
      }()),
      metrics_(labels_),
      control_(asio::make_strand(ioc_)),
      acceptor_(control_),
      sweep_timer_(control_) {
  for (size_t i = 0; i < labels_.size(); ++i) slots_.emplace(labels_[i], static_cast<int>(i + 1));
  healthz_slot_ = slots_.at("/healthz");
  metrics_slot_ = slots_.at("/metrics");
}

ServerImpl::~ServerImpl() {
  if (!started_) return;
  Shutdown(0);
  Wait();
  if (stopper_.joinable()) stopper_.join();
}

Status ServerImpl::Start() {
  const std::string& listen = options_.listen;
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return InvalidArgument("listen address '" + listen + "' must be host:port, e.g. 127.0.0.1:8080");
  }
  std::string host = listen.substr(0, colon);
  std::string port_text = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  auto [p, pec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || pec != std::errc() || p != port_text.data() + port_text.size() || port > 65535) {
    return InvalidArgument("listen address '" + listen + "' has an invalid port; use 0-65535");
  }
  if (host.empty()) host = "0.0.0.0";
  error_code ec;
  asio::ip::address addr = asio::ip::make_address(host, ec);
  if (ec) {
    tcp::resolver resolver(ioc_);
    auto results = resolver.resolve(host, port_text, ec);
    if (ec || results.empty()) {
      return InvalidArgument("listen address '" + listen + "': cannot resolve host '" + host + "'");
    }
    addr = results.begin()->endpoint().address();
  }
  tcp::endpoint ep(addr, static_cast<uint16_t>(port));
  auto fail = [&](const char* what) {
    return Unavailable(std::string("cannot ") + what + " " + listen + ": " + ec.message());
  };
  acceptor_.open(ep.protocol(), ec);
  if (ec) return fail("open a socket for");
  acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  acceptor_.bind(ep, ec);
  if (ec) return fail("bind");
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen on");
  port_ = acceptor_.local_endpoint(ec).port();
  std::string url_host = addr.is_unspecified() ? (addr.is_v6() ? "[::1]" : "127.0.0.1")
                         : addr.is_v6()        ? "[" + addr.to_string() + "]"
                                               : addr.to_string();
  url_ = "http://" + url_host + ":" + std::to_string(port_);

  int io_threads = options_.io_threads > 0 ? options_.io_threads
                                           : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  workers_ = std::make_unique<asio::thread_pool>(
      options_.worker_threads > 0 ? options_.worker_threads : 2 * cores);
  transfers_ = std::make_unique<asio::thread_pool>(std::max(1, options_.transfer_threads));
  work_.emplace(ioc_.get_executor());
  auto log_exception = [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      OA_LOG_ERROR("http server task failed: {}", ex.what());
    }
  };
  asio::co_spawn(control_, AcceptLoop(), log_exception);
  asio::co_spawn(control_, SweepLoop(), log_exception);
  for (int i = 0; i < io_threads; ++i) {
    io_threads_.emplace_back([this] {
      for (;;) {
        try {
          ioc_.run();
          return;
        } catch (const std::exception& e) {
          OA_LOG_ERROR("http io thread caught: {}", e.what());
        }
      }
    });
  }
  stopper_ = std::thread([this] { StopperMain(); });
  started_ = true;
  return Status::Ok();
}

asio::awaitable<void> ServerImpl::AcceptLoop() {
  asio::steady_timer backoff(control_);
  while (!stopping()) {
    Strand strand = asio::make_strand(ioc_);
    auto [ec, socket] = co_await acceptor_.async_accept(strand, kTuple);
    if (ec) {
      if (stopping() || ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
      // Out of descriptors and the like: back off instead of spinning on the listen queue.
      OA_LOG_WARN("http accept failed: {}", ec.message());
      backoff.expires_after(std::chrono::milliseconds(50));
      co_await backoff.async_wait(kTuple);
      continue;
    }
    if (stopping()) co_return;
    error_code opt_ec;
    socket.set_option(tcp::no_delay(true), opt_ec);
    auto conn = std::make_shared<Connection>(*this, std::move(socket));
    asio::co_spawn(strand, conn->Run(), [conn](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        OA_LOG_ERROR("http connection failed: {}", ex.what());
      }
    });
  }
}

asio::awaitable<void> ServerImpl::SweepLoop() {
  const int64_t idle_ms = int64_t{std::max(1, options_.idle_timeout_seconds)} * 1000;
  const auto period = std::chrono::milliseconds(std::clamp<int64_t>(idle_ms / 4, 50, 1000));
  while (!stopping()) {
    sweep_timer_.expires_after(period);
    auto [ec] = co_await sweep_timer_.async_wait(kTuple);
    if (ec) co_return;
    const int64_t now = MonotonicNanos();
    for (auto& sp : Snapshot()) {
      if (sp->deadline() >= now) continue;
      asio::post(sp->strand(), [sp, now] {
        if (sp->deadline() < now) sp->Close();
      });
    }
  }
}

std::vector<std::shared_ptr<Connection>> ServerImpl::Snapshot() {
  std::vector<std::shared_ptr<Connection>> out;
  std::lock_guard lock(mu_);
  out.reserve(conns_.size());
  for (Connection* c : conns_) {
    // Null when the connection is already in its destructor, waiting for mu_ to unregister.
    if (auto sp = c->weak_from_this().lock()) out.push_back(std::move(sp));
  }
  return out;
}

template <typename Fn>
void ServerImpl::ForEachConnection(Fn fn) {
  for (auto& sp : Snapshot()) asio::post(sp->strand(), [sp, fn] { fn(*sp); });
}

void ServerImpl::Shutdown(int grace_ms) {
  std::lock_guard lock(mu_);
  if (shutdown_requested_ || !started_) return;
  shutdown_requested_ = true;
  grace_ms_ = std::max(0, grace_ms);
  cv_.notify_all();
}

void ServerImpl::Wait() {
  std::unique_lock lock(mu_);
  if (!started_) return;
  cv_.wait(lock, [&] { return stopped_; });
}

// Shutdown runs here rather than in the caller so Shutdown() is safe from any thread, a handler
// or a signal-handling thread included, and never blocks it.
void ServerImpl::StopperMain() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return shutdown_requested_; });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms_);
  stopping_.store(true, std::memory_order_release);
  lock.unlock();

  asio::post(control_, [this] {
    error_code ec;
    acceptor_.close(ec);
    sweep_timer_.cancel();
  });
  ForEachConnection([](Connection& c) { c.OnShutdown(); });

  lock.lock();
  // A producer thread outlives its connection by a moment (ReleaseStream comes last).
  auto all_done = [&] { return conns_.empty() && streams_ == 0; };
  if (!cv_.wait_until(lock, deadline, all_done)) {
    OA_LOG_WARN("http shutdown: grace period over, closing {} connection(s)", conns_.size());
    lock.unlock();
    // Closing the socket also fails any body read a handler is blocked in, so it returns.
    ForEachConnection([](Connection& c) { c.Close(); });
    lock.lock();
    while (!cv_.wait_for(lock, std::chrono::seconds(5), all_done)) {
      OA_LOG_WARN("http shutdown: still waiting for {} handler(s) and {} producer(s) to return",
                  conns_.size(), streams_);
    }
  }
  lock.unlock();

  work_.reset();
  ioc_.stop();
  for (auto& t : io_threads_) t.join();
  workers_->join();
  transfers_->join();

  lock.lock();
  stopped_ = true;
  cv_.notify_all();
}

}  // namespace

Result<std::unique_ptr<Server>> Serve(const ServerOptions& options, Router router) {
  try {
    auto server = std::make_unique<ServerImpl>(options, std::move(router));
    OA_TRY(server->Start());
    return std::unique_ptr<Server>(std::move(server));
  } catch (const std::exception& e) {
    // Asio throws only for broken environments (no threads, no epoll); say so, don't crash.
    return Internal(std::string("starting the HTTP server: ") + e.what());
  }
}

}  // namespace openarts::http
