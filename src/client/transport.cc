#include "transport.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <strings.h>

#include "base/fs.h"

namespace openarts::client::internal {

namespace {

struct Exchange {
  CURL* curl = nullptr;
  const HttpRequest* req = nullptr;
  HttpResponse* resp = nullptr;
  uint64_t uploaded = 0;
  int write_errno = 0;
  int read_errno = 0;

  void Report(uint64_t done, uint64_t total) {
    if (req->progress && *req->progress) (*req->progress)(done, total);
  }
};

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  std::string_view line(data, size * n);
  // A new status line (after "100 Continue" or a redirect) starts a fresh header set.
  if (line.starts_with("HTTP/")) {
    ex->resp->headers.clear();
    return size * n;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  ex->resp->headers[name] = std::string(value);
  return size * n;
}

size_t OnWrite(char* data, size_t size, size_t n, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  size_t len = size * n;
  long code = 0;
  curl_easy_getinfo(ex->curl, CURLINFO_RESPONSE_CODE, &code);
  // Only a successful body is the object; an error body is the JSON that explains it.
  if (ex->req->download_fd < 0 || code < 200 || code >= 300) {
    ex->resp->body.append(data, len);
    return len;
  }
  size_t off = 0;
  while (off < len) {
    ssize_t w = ::write(ex->req->download_fd, data + off, len - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      ex->write_errno = errno;
      return 0;  // makes curl abort with CURLE_WRITE_ERROR
    }
    off += static_cast<size_t>(w);
  }
  if (ex->req->download_md5) ex->req->download_md5->Update(data, len);
  ex->resp->downloaded += len;
  curl_off_t total = -1;
  curl_easy_getinfo(ex->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &total);
  ex->Report(ex->resp->downloaded, total > 0 ? static_cast<uint64_t>(total) : 0);
  return len;
}

size_t OnRead(char* buf, size_t size, size_t n, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  for (;;) {
    ssize_t r = ::read(ex->req->upload_fd, buf, size * n);
    if (r < 0) {
      if (errno == EINTR) continue;
      ex->read_errno = errno;
      return CURL_READFUNC_ABORT;
    }
    ex->uploaded += static_cast<uint64_t>(r);
    ex->Report(ex->uploaded, ex->req->upload_size);
    return static_cast<size_t>(r);
  }
}

// curl rewinds the body when it must resend it (a redirect, a retried connection).
int OnSeek(void* user, curl_off_t offset, int origin) {
  auto* ex = static_cast<Exchange*>(user);
  if (::lseek(ex->req->upload_fd, offset, origin) < 0) return CURL_SEEKFUNC_CANTSEEK;
  if (origin == SEEK_SET) ex->uploaded = static_cast<uint64_t>(offset);
  return CURL_SEEKFUNC_OK;
}

}  // namespace

Transport::Transport(const Options& options) : options_(options), curl_(curl_easy_init()) {
  OA_CHECK(curl_ != nullptr);
}

Transport::~Transport() { curl_easy_cleanup(curl_); }

Result<HttpResponse> Transport::Perform(const HttpRequest& req) {
  // curl_easy_reset clears options but keeps the connection cache: keep-alive survives.
  curl_easy_reset(curl_);
  HttpResponse resp;
  Exchange ex{curl_, &req, &resp};

  curl_easy_setopt(curl_, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);  // worker threads: no SIGALRM for DNS timeouts
  curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, options_.connect_timeout_ms);
  if (!req.streaming) curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, options_.request_timeout_ms);
  curl_easy_setopt(curl_, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl_, CURLOPT_LOW_SPEED_TIME, std::max(1L, options_.stall_timeout_ms / 1000));
  curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
  curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
  if (!options_.ca_file.empty()) curl_easy_setopt(curl_, CURLOPT_CAINFO, options_.ca_file.c_str());
  curl_easy_setopt(curl_, CURLOPT_USERAGENT, "ma-cli/0.1 (OpenArts)");
  curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &ex);
  curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, OnWrite);
  curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &ex);
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, errbuf);

  struct curl_slist* headers = nullptr;
  for (const auto& [k, v] : req.headers) {
    // "Name;" is curl's way to send a header with an empty value.
    std::string line = v.empty() ? k + ";" : k + ": " + v;
    headers = curl_slist_append(headers, line.c_str());
  }
  // curl would otherwise wait up to a second for "100 Continue" before every upload body.
  headers = curl_slist_append(headers, "Expect:");
  // POSTFIELDS makes curl add a form Content-Type to bodiless PUT/DELETE/POST; the API would
  // see a content type that nobody signed or meant.
  bool has_content_type = false;
  for (const auto& [k, v] : req.headers) has_content_type = has_content_type || strcasecmp(k.c_str(), "content-type") == 0;
  if (!has_content_type) headers = curl_slist_append(headers, "Content-Type:");
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);

  if (req.upload_fd >= 0) {
    if (::lseek(req.upload_fd, 0, SEEK_SET) < 0) {
      curl_slist_free_all(headers);
      return ErrnoStatus("rewind upload file", errno);
    }
    curl_easy_setopt(curl_, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl_, CURLOPT_READFUNCTION, OnRead);
    curl_easy_setopt(curl_, CURLOPT_READDATA, &ex);
    curl_easy_setopt(curl_, CURLOPT_SEEKFUNCTION, OnSeek);
    curl_easy_setopt(curl_, CURLOPT_SEEKDATA, &ex);
    curl_easy_setopt(curl_, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(req.upload_size));
    curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  } else if (req.method == "HEAD") {
    curl_easy_setopt(curl_, CURLOPT_NOBODY, 1L);
  } else if (req.method == "GET") {
    curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
  } else {
    // POSTFIELDS with an explicit size sends exactly `body` (possibly empty) with a
    // Content-Length, for every method.
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }

  CURLcode rc = curl_easy_perform(curl_);
  curl_slist_free_all(headers);
  if (ex.write_errno != 0) return ErrnoStatus("write downloaded data", ex.write_errno);
  if (ex.read_errno != 0) return ErrnoStatus("read upload file", ex.read_errno);
  if (rc != CURLE_OK) {
    std::string detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    std::string where = req.method + " " + req.url;
    switch (rc) {
      case CURLE_OPERATION_TIMEDOUT:
        return DeadlineExceeded(where + " timed out: " + detail);
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_CONNECT:
      case CURLE_COULDNT_RESOLVE_PROXY:
        return Unavailable("cannot reach the server at " + req.url + " (" + detail +
                           "); check that it is running and that the profile's server URL is "
                           "right ('ma-cli configure --server URL')");
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CACERT_BADFILE:
      case CURLE_SSL_CONNECT_ERROR:
        return Unavailable("TLS failure talking to " + req.url + " (" + detail +
                           "); give the CA with 'ma-cli configure --ca-file PEM'");
      default:
        return Unavailable(where + " failed: " + detail);
    }
  }
  curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &resp.status);
  return resp;
}

}  // namespace openarts::client::internal
