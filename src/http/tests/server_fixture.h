// The server fixture and clients shared by the http/ server tests: a libcurl Fetch, a raw socket
// client for what curl will not send, and ServerTest (a server on port 0, per-test temp dir).
#pragma once

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/ids.h"
#include "http/http.h"

namespace openarts::http {

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};
inline CurlGlobal curl_global;

struct Reply {
  long status = 0;
  std::string body;
  Headers headers;
  double seconds = 0;
  long connects = 0;
  CURLcode code = CURLE_OK;
};

struct Upload {
  uint64_t size = 0;
  bool chunked = false;  // unknown length → Transfer-Encoding: chunked
  uint64_t sent = 0;
};

// Deterministic body bytes, so the server can check every byte without the client buffering.
inline char PatternByte(uint64_t i) { return static_cast<char>((i * 7 + (i >> 12)) & 0xFF); }

inline size_t WriteCb(char* p, size_t s, size_t n, void* ud) {
  static_cast<Reply*>(ud)->body.append(p, s * n);
  return s * n;
}
inline size_t HeaderCb(char* p, size_t s, size_t n, void* ud) {
  std::string line(p, s * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    static_cast<Reply*>(ud)->headers[line.substr(0, colon)] = value;
  }
  return s * n;
}
inline size_t ReadCb(char* buf, size_t s, size_t n, void* ud) {
  auto* u = static_cast<Upload*>(ud);
  size_t want = std::min<uint64_t>(s * n, u->size - u->sent);
  for (size_t i = 0; i < want; ++i) buf[i] = PatternByte(u->sent + i);
  u->sent += want;
  return want;
}

struct FetchOptions {
  std::string method = "GET";
  std::string body;
  std::vector<std::string> headers;
  Upload* upload = nullptr;
  CURL* reuse = nullptr;  // keep-alive across calls
  long expect_timeout_ms = 0;
};

inline Reply Fetch(const std::string& url, FetchOptions o = {}) {
  Reply r;
  CURL* c = o.reuse ? o.reuse : curl_easy_init();
  curl_easy_reset(c);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, WriteCb);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, HeaderCb);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (o.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (o.upload) {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadCb);
    curl_easy_setopt(c, CURLOPT_READDATA, o.upload);
    if (!o.upload->chunked) {
      curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(o.upload->size));
    }
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, o.method.c_str());
  } else if (!o.body.empty() || o.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, o.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(o.body.size()));
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, o.method.c_str());
  } else if (o.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, o.method.c_str());
  }
  if (o.expect_timeout_ms) curl_easy_setopt(c, CURLOPT_EXPECT_100_TIMEOUT_MS, o.expect_timeout_ms);
  curl_slist* list = nullptr;
  for (const auto& h : o.headers) list = curl_slist_append(list, h.c_str());
  if (list) curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  auto t0 = std::chrono::steady_clock::now();
  r.code = curl_easy_perform(c);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &r.connects);
  if (list) curl_slist_free_all(list);
  if (!o.reuse) curl_easy_cleanup(c);
  return r;
}

// Raw socket for what curl will not send (malformed requests, pipelining, half bodies).
class RawClient {
 public:
  explicit RawClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return connected_; }
  void Send(std::string_view s) {
    while (!s.empty()) {
      ssize_t n = ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      s.remove_prefix(n);
    }
  }
  // Reads until the peer closes or `timeout` passes; *closed says which.
  std::string ReadUntilClose(std::chrono::milliseconds timeout, bool* closed = nullptr) {
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[65536];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        if (closed) *closed = true;
        return out;
      }
      out.append(buf, n);
    }
    if (closed) *closed = false;
    return out;
  }
  // Appends what arrives to *out until it contains `needle` (true), the peer closes or
  // `timeout` passes (false).
  bool ReadUntil(std::string* out, std::string_view needle, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out->find(needle) == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char buf[65536];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return false;
      out->append(buf, n);
    }
    return true;
  }
  void Close() {
    ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

inline size_t Count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

inline long VmRssKb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// A file-backed RandomReader; `native` decides whether sendfile may be used.
class FileReader : public RandomReader {
 public:
  FileReader(const std::string& path, bool native) : fd_(::open(path.c_str(), O_RDONLY)), native_(native) {
    size_ = static_cast<uint64_t>(::lseek(fd_, 0, SEEK_END));
  }
  ~FileReader() override { ::close(fd_); }
  uint64_t Size() const override { return size_; }
  Result<size_t> ReadAt(uint64_t off, char* buf, size_t n) const override {
    ssize_t r = ::pread(fd_, buf, n, static_cast<off_t>(off));
    if (r < 0) return Internal("pread failed");
    return static_cast<size_t>(r);
  }
  int NativeFd() const override { return native_ ? fd_ : -1; }

 private:
  int fd_;
  bool native_;
  uint64_t size_ = 0;
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("http_test_" + NewId());
    std::filesystem::create_directories(dir_);
    options_.listen = "127.0.0.1:0";
    options_.io_threads = 2;
    options_.worker_threads = 4;
    options_.access_log = false;
  }
  void TearDown() override {
    if (server_) {
      server_->Shutdown(1000);
      server_->Wait();
      server_.reset();
    }
    std::filesystem::remove_all(dir_);
  }
  void Start() {
    auto s = Serve(options_, std::move(router_));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s).value();
    url_ = server_->url();
  }
  // Polls `cond` until it holds (true) or `timeout` passes (false).
  static bool WaitFor(const std::function<bool()>& cond,
                      std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!cond()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
  }
  std::string MakeFile(size_t size) {
    std::string data(size, '\0');
    for (size_t i = 0; i < size; ++i) data[i] = PatternByte(i);
    auto path = (dir_ / NewId()).string();
    std::ofstream(path, std::ios::binary).write(data.data(), data.size());
    return path;
  }

  std::filesystem::path dir_;
  ServerOptions options_;
  Router router_;
  std::unique_ptr<Server> server_;
  std::string url_;
};

}  // namespace openarts::http
