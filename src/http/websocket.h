// Private glue between server.cc and websocket.cc: the server side of one WebSocket connection.
// The connection's coroutine hands over its socket once the route's handler has set
// Response::websocket; the session answers the handshake and relays frames on the connection's
// strand while the WebSocketHandler runs on a thread of its own.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <cstdint>
#include <functional>
#include <memory>

#include "http/http.h"

namespace openarts::http::internal {

using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;
using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, Strand>;

struct WebSocketOptions {
  uint64_t max_message_bytes = 16 << 20;
  // Nothing heard from the client (a ping goes out every half of it) → the connection closes.
  int64_t idle_nanos = 60'000'000'000;
  // The connection's deadline, which the server's sweeper enforces by closing the socket: kept
  // `idle_nanos` ahead of the last frame received or write started.
  std::atomic<int64_t>* deadline_ns = nullptr;
};

// Everything here runs on the socket's strand.
class WebSocketSession {
 public:
  virtual ~WebSocketSession() = default;
  // Answers `req` (already read and routed; REQUIRES: req.IsWebSocketUpgrade(), `version` ≥ 11)
  // with 101 and `headers`, then runs `handler` on a thread of its own, whose last act is
  // `release()`, and relays frames until the handler has returned and the connection is closed.
  // If the handshake fails (the client went away), the handler never runs and `release()` is
  // called here. Returns whether the handshake succeeded.
  virtual boost::asio::awaitable<bool> Run(const Request& req, unsigned version, Headers headers,
                                           const WebSocketHandler& handler,
                                           std::function<void()> release) = 0;
  // The server is shutting down: the handler sees closed(), the client gets 1001 going away.
  virtual void GoingAway() = 0;
  // Message payload bytes sent so far, for the access log.
  virtual uint64_t bytes_sent() const = 0;
};

// `socket` must outlive the session, and Run must have returned before it is destroyed.
std::unique_ptr<WebSocketSession> NewWebSocketSession(Socket& socket, const WebSocketOptions& options);

}  // namespace openarts::http::internal
