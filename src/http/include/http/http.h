// http: the HTTP/1.1 server of the daemon (Boost.Beast/Asio on C++20 coroutines), its router,
// limits, access log and request metrics. No domain logic and no Beast types in this header:
// api/ registers plain handlers on a Router.
//
// Threading: network I/O runs on `io_threads` threads. Every handler runs on a bounded worker
// pool (it may block: SQLite, disk). Streaming request bodies are pulled by the handler through
// Request::body_stream, which blocks the worker, not the network thread. Streaming responses
// (Response::producer: live logs, Server-Sent Events) and WebSocket handlers
// (Response::websocket) run on a thread of their own each.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/encoding.h"
#include "base/io.h"
#include "base/json.h"
#include "base/status.h"

namespace openarts::http {

// Case-insensitive header map (names stored as given; lookups ignore case).
struct CaseLess {
  bool operator()(const std::string& a, const std::string& b) const;
};
using Headers = std::map<std::string, std::string, CaseLess>;

struct Request {
  std::string method;       // "GET", "PUT", ...
  std::string target;       // as received: "/v1/p/buckets/b/objects/a%20b?prefix=x"
  std::string raw_path;     // target before '?', still percent-encoded (for request signing)
  std::string path;         // percent-decoded path
  std::string raw_query;    // after '?', still encoded
  std::multimap<std::string, std::string> query;  // decoded
  Headers headers;
  std::map<std::string, std::string> params;      // from the route pattern: {bucket}, {key+}
  std::string body;         // the whole body, for routes without stream_body
  ByteSource* body_stream = nullptr;  // the body, for routes with stream_body (else nullptr)
  std::optional<uint64_t> content_length;
  std::string remote;       // "127.0.0.1:54321"
  std::string request_id;   // 32 hex, also sent back as X-Request-Id

  const std::string* Header(const std::string& name) const;
  std::optional<std::string> Query(const std::string& name) const;
  const std::string& Param(const std::string& name) const;  // "" if absent
  // True for a well-formed WebSocket opening handshake (RFC 6455 §4.2.1): GET with Host,
  // `Connection: upgrade`, `Upgrade: websocket`, a Sec-WebSocket-Key and
  // `Sec-WebSocket-Version: 13` (tokens and names compared case-insensitively).
  bool IsWebSocketUpgrade() const;
};

// A byte range of a RandomReader sent as the body (objects, files). Sent with sendfile(2)
// when the reader has a native fd.
struct StreamBody {
  std::shared_ptr<const RandomReader> source;
  uint64_t offset = 0;
  uint64_t length = 0;
};

// The body of a streaming response as its producer sees it. Owned by the server and valid only
// during the producer call. Thread-safe: helpers of the producer may write too (one chunk at a
// time) or wait for closed().
class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;
  // Sends `data` as one chunk and blocks until it is written to the socket (a client that stops
  // reading is dropped after ServerOptions::idle_timeout_seconds). Returns false, and sends
  // nothing more, once closed(): the producer should then return. Empty `data` sends nothing.
  virtual bool Write(std::string_view data) = 0;
  // True once the client has gone (a write failed, or the connection reached end of file: a
  // client that closes is noticed at once even while the producer is quiet) or the server is
  // shutting down.
  virtual bool closed() const = 0;
  // Waits up to `timeout_ms` for closed(), and returns it: the way for a producer to sleep
  // between polls of its source without delaying shutdown.
  virtual bool WaitClosed(int timeout_ms) = 0;
};

// Produces a streaming response body through ResponseWriter::Write; returning ends the body.
using Producer = std::function<void(ResponseWriter&)>;

// One accepted WebSocket connection (RFC 6455) as its handler sees it. Owned by the server and
// valid only during the handler call. Thread-safe: one thread may Receive while another Sends
// (a relay), and Close or closed() may come from any of them.
class WebSocket {
 public:
  struct Message {
    std::string data;
    bool binary = false;  // else text (incoming text is checked to be UTF-8 by the server)
  };
  virtual ~WebSocket() = default;
  // Sends `data` as one message and blocks until it is written to the socket (a client that
  // stops reading is dropped after ServerOptions::idle_timeout_seconds). Text must be valid
  // UTF-8: clients fail the connection otherwise (send binary when unsure). Returns false, and
  // sends nothing, once closed().
  virtual bool Send(std::string_view data, bool binary = false) = 0;
  // The next message from the client, waiting up to `timeout_ms` (0: just look). nullopt on
  // timeout, or once closed() and every message received before has been taken: closed() tells
  // which. Messages are delivered whole, at most ServerOptions::max_websocket_message_bytes
  // (a larger one closes the connection with 1009).
  virtual std::optional<Message> Receive(int timeout_ms) = 0;
  // True once the connection is closing: the client sent a close frame or went away, a message
  // broke the size limit, Close() was called, or the server is shutting down (which sends 1001
  // going away). Never false again once true.
  virtual bool closed() const = 0;
  // Starts the closing handshake with `code` (1000 normal, 1008 policy violation, 1011 internal
  // error, 4000-4999 the application's) and `reason` (cut to 123 bytes). Returns at once;
  // afterwards Send returns false and Receive nullopt. Idempotent: only the first call counts.
  // A handler that returns without closing closes with 1000 (1011 if it threw).
  virtual void Close(uint16_t code = 1000, std::string_view reason = {}) = 0;
};

// Serves one WebSocket connection; returning ends it.
using WebSocketHandler = std::function<void(WebSocket&)>;

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  std::optional<StreamBody> stream;  // if set, `body` is ignored
  // If set, the body is streamed: once the handler returns, the server sends the status and
  // headers with `Transfer-Encoding: chunked` (HTTP/1.0: no framing, the connection closes at
  // the end), then calls `producer` on a thread of its own (never the handler pool: it may run
  // for hours) while the connection waits. Returning sends the final chunk; throwing closes the
  // connection without it, so the client sees a truncated body. No read or idle timeout applies
  // while it runs; a producer that may stay quiet for long should write keep-alives itself
  // (SseComment). `body` and `stream` are ignored. Not called for HEAD, 204 or 304 (headers
  // only), nor when ServerOptions::max_streams streams are open (503 with Retry-After instead).
  Producer producer;
  // If set, the request is upgraded to a WebSocket once the handler returns (so the handler
  // authenticates the caller first, as for any call): the server answers 101 Switching Protocols
  // with `headers` added (e.g. the Sec-WebSocket-Protocol the handler picked), then calls
  // `websocket` on a thread of its own, like a producer, while the connection relays messages;
  // the connection closes when it returns. `status`, `body`, `stream` and `producer` are
  // ignored. A request that is not a WebSocket upgrade (Request::IsWebSocketUpgrade) gets 426
  // Upgrade Required instead; when ServerOptions::max_streams streams (producers and WebSockets
  // together) are open, 503 with Retry-After. The access log line comes when the connection
  // ends: status 101, bytes sent, duration.
  WebSocketHandler websocket;
  // For the access log only: who made the call (never a secret).
  std::string log_principal;

  // Sets status, Content-Type: application/json and the serialised body.
  void SetJson(int status, const Json& j);
  // {"error_code": code, "error_msg": msg, "request_id": ...} — api/ fills request_id.
  void SetError(int status, std::string_view error_code, std::string_view error_msg);
  // A Server-Sent Events stream: sets `producer` and the headers Content-Type:
  // text/event-stream, Cache-Control: no-cache and X-Accel-Buffering: no (so a reverse proxy
  // does not buffer it). The producer writes SseEvent()s and SseComment()s.
  void SetEventStream(Producer producer);
};

// One Server-Sent Event, ready for ResponseWriter::Write: "id: ..\nevent: ..\ndata: ..\n\n".
// `data` is split into one "data:" line per line (at \r\n, \n or \r), so the client gets it
// back whole. Empty `event` (the client's default "message") and empty `id` are left out; CR,
// LF (and NUL in `id`) would break the framing and are dropped from them.
std::string SseEvent(std::string_view event, std::string_view data, std::string_view id = {});
// A comment (": text\n\n"), ignored by clients: the keep-alive of an idle stream.
std::string SseComment(std::string_view text = "keep-alive");

using Handler = std::function<void(Request&, Response&)>;

struct RouteOptions {
  // Hand the body to the handler as a stream (uploads) instead of buffering it.
  bool stream_body = false;
};

// Patterns: literal segments, "{name}" (one segment) and a final "{name+}" (the rest of the
// path, may contain '/'). Example: "/v1/{project_id}/buckets/{bucket}/objects/{key+}".
// Literal segments win over parameters when both match.
class Router {
 public:
  Router();
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;
  void Add(std::string method, std::string pattern, Handler handler, RouteOptions options = {});

  struct Match {
    const Handler* handler = nullptr;
    const RouteOptions* options = nullptr;
    const std::string* pattern = nullptr;  // the metric label
    std::map<std::string, std::string> params;
    bool path_matched = false;  // some route has this path (→ 405 rather than 404)
  };
  // HEAD falls back to the GET route when no HEAD route is registered.
  Match Find(std::string_view method, std::string_view path) const;

  struct RouteInfo {
    std::string method;
    std::string pattern;
  };
  std::vector<RouteInfo> Routes() const;
  // The methods some route accepts on `path` (HEAD included where GET is), sorted: the
  // `Allow` header of a 405.
  std::vector<std::string> AllowedMethods(std::string_view path) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct ServerOptions {
  std::string listen = "127.0.0.1:8080";  // "host:port"; port 0 picks a free port
  int io_threads = 0;                      // 0 = number of cores
  // Handlers of ordinary routes. Oversubscribing the cores costs small-request latency (measured
  // in docs/performance.md), so 0 = 2 × cores.
  int worker_threads = 0;
  // Handlers of stream_body routes (uploads), which hold their thread for the whole transfer;
  // a pool of their own keeps a burst of uploads from starving every other call.
  int transfer_threads = 16;
  // Streaming responses (Response::producer) and WebSockets open at once, one thread each;
  // beyond → 503.
  int max_streams = 256;
  // The largest WebSocket message accepted from a client; beyond, the connection is closed
  // with 1009 (message too big).
  uint64_t max_websocket_message_bytes = 16 * 1024 * 1024;
  size_t max_header_bytes = 16 * 1024;               // beyond → 431
  uint64_t max_body_bytes = 12 * 1024 * 1024;        // buffered bodies; beyond → 413
  uint64_t max_stream_body_bytes = 5ull << 30;       // streamed bodies (single PUT ≤ 5 GiB)
  int idle_timeout_seconds = 60;
  bool access_log = true;
};

// Routes, in the order they are tried, before the router: GET /healthz and GET /metrics are
// built in and unauthenticated.
class Server {
 public:
  virtual ~Server() = default;
  // The port actually bound (useful with port 0).
  virtual uint16_t port() const = 0;
  // "http://127.0.0.1:PORT"
  virtual std::string url() const = 0;
  // Stops accepting, lets in-flight requests finish (up to `grace_ms`), then closes. Open
  // streams are closed at once (ResponseWriter::closed()) and end when their producer returns;
  // open WebSockets are closed with 1001 going away (WebSocket::closed()) and end when their
  // handler returns and the client answers the close (at most a second later).
  // Idempotent; safe from any thread (including a signal-handling thread or a handler).
  // Returns at once: the shutdown runs on a server thread; Wait() blocks until it is done.
  virtual void Shutdown(int grace_ms = 10000) = 0;
  // Blocks until the server has stopped.
  virtual void Wait() = 0;
  // Prometheus text: openarts_http_requests_total{route,method,code},
  // openarts_http_request_duration_seconds histogram by route (a stream counts until its end),
  // openarts_http_in_flight, openarts_http_streams (streaming responses and WebSockets open
  // now).
  virtual std::string RenderMetrics() const = 0;
};

// Binds and starts serving. kInvalidArgument for a malformed listen address, kUnavailable if
// the address cannot be bound.
Result<std::unique_ptr<Server>> Serve(const ServerOptions& options, Router router);

// Parses a single "bytes=a-b" / "bytes=a-" / "bytes=-n" range against `size`.
// Returns nullopt if there is no usable Range (serve the whole thing); kInvalidArgument (→ 416)
// if the range cannot be satisfied.
struct ByteRange {
  uint64_t offset;
  uint64_t length;
};
Result<std::optional<ByteRange>> ParseRange(std::string_view header, uint64_t size);

// Percent-decoding of a path or query component (kInvalidArgument on a broken escape) and
// encoding: the shared base/encoding.h functions.
using ::openarts::PercentDecode;
using ::openarts::PercentEncode;

}  // namespace openarts::http
