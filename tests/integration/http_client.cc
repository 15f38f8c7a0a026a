#include "http_client.h"

#include <curl/curl.h>
#include <strings.h>

#include <mutex>

#include "base/crypto.h"

namespace openarts::testing {

bool CaseLess::operator()(const std::string& a, const std::string& b) const {
  return strcasecmp(a.c_str(), b.c_str()) < 0;
}

Json HttpResponse::json() const {
  auto j = ParseJson(body);
  return j.ok() ? *j : Json();
}

std::string HttpResponse::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

std::string HexMd5(const std::string& data) { return HexEncode(Md5(data)); }

namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  static_cast<HttpResponse*>(user)->body.append(data, size * n);
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* resp = static_cast<HttpResponse*>(user);
  std::string line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) resp->headers.clear();  // a 100 Continue before the real one
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    resp->headers[line.substr(0, colon)] = value;
  }
  return size * n;
}

size_t OnRead(char* buf, size_t size, size_t n, void* user) {
  return (*static_cast<BodyProducer*>(user))(buf, size * n);
}

HttpResponse Perform(CURL* curl, const std::string& method, const std::string& url,
                     const HeaderList& headers, HttpResponse& resp) {
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  if (method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  curl_slist* list = nullptr;
  // The server answers without 100-continue; do not make curl wait for one.
  list = curl_slist_append(list, "Expect:");
  for (const auto& [k, v] : headers) {
    list = curl_slist_append(list, (k + (v.empty() ? ";" : ": " + v)).c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &resp);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &resp);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = curl_easy_perform(curl);
  if (rc != CURLE_OK) {
    resp.error = curl_easy_strerror(rc);
    resp.status = 0;
  } else {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp.status);
  }
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  return resp;
}

}  // namespace

HttpResponse HttpClient::Do(const std::string& method, const std::string& target,
                            const HeaderList& headers, const std::string& body) const {
  GlobalInit();
  HttpResponse resp;
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl, CURLOPT_COPYPOSTFIELDS, body.c_str());
  }
  return Perform(curl, method, base_ + target, headers, resp);
}

HttpResponse HttpClient::Upload(const std::string& target, const HeaderList& headers,
                                uint64_t size, BodyProducer producer, int timeout_s) const {
  GlobalInit();
  HttpResponse resp;
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(timeout_s));
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, OnRead);
  curl_easy_setopt(curl, CURLOPT_READDATA, &producer);
  return Perform(curl, "PUT", base_ + target, headers, resp);
}

}  // namespace openarts::testing
