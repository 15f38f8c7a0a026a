// Client: authentication of each request and the typed methods of api/ROUTES.md.
#include "client/client.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstring>
#include <ctime>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/fs.h"
#include "base/sdk_hmac.h"
#include "transport.h"

namespace openarts::client {

using internal::HttpRequest;
using internal::HttpResponse;

// ---------------------------------------------------------------------------------------------
// Helpers


Result<std::string> FileMd5Hex(const std::filesystem::path& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open " + file.string(), errno);
  Hasher md5(Hasher::Kind::kMd5);
  std::string buf(1 << 20, '\0');
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return ErrnoStatus("read " + file.string(), err);
    }
    if (n == 0) break;
    md5.Update(buf.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  return HexEncode(md5.Final());
}

int64_t ParseTimeMillis(const Json& j) {
  if (j.is_number()) {
    double v = j.get<double>();
    // Seconds and milliseconds are both seen in the wild; no real ms timestamp is < 1e11 (1973).
    return static_cast<int64_t>(v < 1e11 ? v * 1000 : v);
  }
  if (!j.is_string()) return 0;
  const std::string s = j.get<std::string>();
  struct tm tm {};
  int frac_ms = 0;
  const char* p = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (p == nullptr) p = strptime(s.c_str(), "%Y-%m-%d %H:%M:%S", &tm);
  if (p == nullptr) {
    // All digits: a number sent as a string.
    if (!s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      return ParseTimeMillis(Json(std::stod(s)));
    }
    return 0;
  }
  if (*p == '.') {
    ++p;
    int digits = 0;
    while (std::isdigit(static_cast<unsigned char>(*p))) {
      if (digits < 3) frac_ms = frac_ms * 10 + (*p - '0');
      ++digits;
      ++p;
    }
    for (; digits < 3; ++digits) frac_ms *= 10;
  }
  int64_t offset_s = 0;
  if (*p == '+' || *p == '-') {
    int sign = *p == '-' ? -1 : 1;
    int hh = 0, mm = 0;
    if (std::sscanf(p + 1, "%2d:%2d", &hh, &mm) >= 1) offset_s = sign * (hh * 3600 + mm * 60);
  }
  return (static_cast<int64_t>(timegm(&tm)) - offset_s) * 1000 + frac_ms;
}

Status StatusFromHttp(long http_status, std::string_view body, bool debug, std::string_view method,
                      std::string_view url, std::string_view request_id_header) {
  std::string error_code, message, request_id(request_id_header);
  auto j = ParseJson(body);
  if (j.ok() && j->is_object()) {
    // Some gateways nest the error: {"error": {"code", "message"}}.
    const Json& e = j->contains("error") && (*j)["error"].is_object() ? (*j)["error"] : *j;
    auto str = [&](const char* k) {
      auto it = e.find(k);
      return it != e.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    error_code = str("error_code");
    if (error_code.empty()) error_code = str("code");
    message = str("error_msg");
    if (message.empty()) message = str("message");
    if (auto rid = str("request_id"); !rid.empty()) request_id = rid;
  }
  if (message.empty()) {
    std::string_view text = body.substr(0, std::min<size_t>(body.size(), 200));
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    message = text.empty() ? "the server answered HTTP " + std::to_string(http_status) : std::string(text);
  }
  Code code;
  switch (http_status) {
    case 400: code = Code::kInvalidArgument; break;
    case 401: code = Code::kUnauthenticated; break;
    case 403: code = Code::kPermissionDenied; break;
    case 404: code = Code::kNotFound; break;
    case 409: {
      // 409 carries both AlreadyExists and FailedPrecondition; the text tells them apart.
      std::string lower = message + " " + error_code;
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      code = lower.find("exist") != std::string::npos && lower.find("not exist") == std::string::npos
                 ? Code::kAlreadyExists
                 : Code::kFailedPrecondition;
      break;
    }
    case 413: code = Code::kResourceExhausted; break;
    case 429:
    case 502:
    case 503: code = Code::kUnavailable; break;
    case 504: code = Code::kDeadlineExceeded; break;
    default: code = http_status >= 500 ? Code::kInternal : Code::kInvalidArgument;
  }
  if (debug) {
    message += " [HTTP " + std::to_string(http_status);
    if (!method.empty()) message += " " + std::string(method) + " " + std::string(url);
    if (!error_code.empty()) message += ", error_code " + error_code;
    if (!request_id.empty()) message += ", request_id " + request_id;
    message += "]";
  }
  return Status(code, std::move(message));
}

namespace {

// Lenient readers: the shape is the contract, but a number sent as a string (or the other way
// round) should not break a listing.
std::string Str(const Json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  return it->dump();
}
int64_t Int(const Json& j, const char* key, int64_t def = 0) {
  if (!j.is_object()) return def;
  auto it = j.find(key);
  if (it == j.end()) return def;
  if (it->is_number()) return it->get<int64_t>();
  if (it->is_string()) {
    try {
      return std::stoll(it->get<std::string>());
    } catch (...) {
      return def;
    }
  }
  return def;
}
bool Bool(const Json& j, const char* key, bool def) {
  if (!j.is_object()) return def;
  auto it = j.find(key);
  if (it == j.end()) return def;
  if (it->is_boolean()) return it->get<bool>();
  if (it->is_string()) return it->get<std::string>() == "true";
  return def;
}
int64_t Time(const Json& j, const char* key) {
  if (!j.is_object()) return 0;
  auto it = j.find(key);
  return it == j.end() ? 0 : ParseTimeMillis(*it);
}
// The resource inside {"user": {...}} replies, or the reply itself when not wrapped.
const Json& Unwrap(const Json& j, const char* key) {
  if (j.is_object()) {
    auto it = j.find(key);
    if (it != j.end() && it->is_object()) return *it;
  }
  return j;
}
const Json& Array(const Json& j, const char* key) {
  static const Json kEmpty = Json::array();
  if (!j.is_object()) return kEmpty;
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : kEmpty;
}
std::string StripQuotes(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

Token ParseToken(const Json& body, std::string secret) {
  const Json& t = Unwrap(body, "token");
  Token tok;
  tok.token = std::move(secret);
  tok.expires_at = Time(t, "expires_at");
  tok.issued_at = Time(t, "issued_at");
  const Json& user = Unwrap(t, "user");
  if (&user != &t) {
    tok.user_id = Str(user, "id");
    tok.user_name = Str(user, "name");
    tok.domain_name = Str(Unwrap(user, "domain"), "name");
  }
  if (t.contains("project") && t["project"].is_object()) {
    tok.project_id = Str(t["project"], "id");
    tok.project_name = Str(t["project"], "name");
  }
  for (const auto& r : Array(t, "roles")) tok.roles.push_back(r.is_string() ? r.get<std::string>() : Str(r, "name"));
  return tok;
}
User ParseUser(const Json& j) {
  return {Str(j, "id"), Str(j, "name"), Str(j, "email"), Str(j, "description"),
          Bool(j, "enabled", true), Time(j, "create_time"), j};
}
Group ParseGroup(const Json& j) {
  return {Str(j, "id"), Str(j, "name"), Str(j, "description"), Time(j, "create_time"), j};
}
Role ParseRole(const Json& j) {
  return {Str(j, "id"), Str(j, "name"), Str(j, "description"), Bool(j, "builtin", false), j};
}
RoleBinding ParseBinding(const Json& j) {
  return {Str(j, "role_id"),      Str(j, "role_name"),      Str(j, "principal_type"),
          Str(j, "principal_id"), Str(j, "principal_name"), Str(j, "project_id"), j};
}
Credential ParseCredential(const Json& j) {
  return {Str(j, "access"), Str(j, "secret"), Str(j, "user_id"), Str(j, "status"),
          Str(j, "description"), Time(j, "create_time"), Time(j, "last_use_time"), j};
}
Workspace ParseWorkspace(const Json& j) {
  std::string owner = Str(j, "owner");
  if (owner.empty()) owner = Str(j, "owner_name");
  return {Str(j, "id"), Str(j, "name"), Str(j, "description"), Str(j, "auth_type"), owner,
          Str(j, "status"), Time(j, "create_time"), Time(j, "update_time"), j};
}
Quota ParseQuota(const Json& j) {
  Quota q;
  q.resource = Str(j, "resource");
  q.name_en = Str(j, "name_en");
  q.unit_en = Str(j, "unit_en");
  q.quota = Int(j, "quota", -1);
  q.min_quota = Int(j, "min_quota", -1);
  q.max_quota = Int(j, "max_quota", 0);
  if (j.contains("used_quota") && !j["used_quota"].is_null()) q.used_quota = Int(j, "used_quota");
  q.raw = j;
  return q;
}
Bucket ParseBucket(const Json& j) {
  return {Str(j, "name"), Str(j, "workspace_id"), Str(j, "owner"), Time(j, "create_time"), j};
}
ObjectInfo ParseObject(const Json& j) {
  return {Str(j, "key"), static_cast<uint64_t>(Int(j, "size")), StripQuotes(Str(j, "etag")),
          Time(j, "last_modified")};
}
Task ParseTask(const Json& j) {
  Task t;
  t.id = Str(j, "id");
  t.type = Str(j, "type");
  t.status = Str(j, "status");
  t.workspace_id = Str(j, "workspace_id");
  t.error = Str(j, "error");
  if (j.contains("progress") && j["progress"].is_number()) t.progress = j["progress"].get<double>();
  t.create_time = Time(j, "create_time");
  t.start_time = Time(j, "start_time");
  t.end_time = Time(j, "end_time");
  t.result = j.value("result", Json());
  t.raw = j;
  return t;
}
bool LooksLikeId(const std::string& s) {
  return s.size() == 32 && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
         });
}

std::string ObjectPath(const std::string& project, const std::string& bucket, const std::string& key) {
  return "/v1/" + PercentEncode(project) + "/buckets/" + PercentEncode(bucket) + "/objects/" +
         PercentEncode(key, /*keep_slash=*/true);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Requests

// What one API call needs besides the transport: a path relative to the server, the query,
// a JSON body or a file to stream, and whether to authenticate.
struct Call {
  std::string method = "GET";
  std::string path;   // encoded, starts with '/'
  std::string query;  // encoded, without '?'
  std::optional<Json> json;
  std::vector<std::pair<std::string, std::string>> headers;
  int upload_fd = -1;
  uint64_t upload_size = 0;
  int download_fd = -1;
  Hasher* download_md5 = nullptr;
  const ProgressFn* progress = nullptr;
  bool authenticate = true;
  // The server streams every object PUT (copies included) before hashing it, so AK/SK calls
  // to those routes sign UNSIGNED-PAYLOAD even without a body.
  bool unsigned_payload = false;
};

struct Client::Impl {
  explicit Impl(const Options& o) : transport(o) {}
  internal::Transport transport;

  static void AddQuery(std::string* q, const std::string& k, const std::string& v) {
    if (v.empty()) return;
    if (!q->empty()) *q += '&';
    *q += PercentEncode(k) + "=" + PercentEncode(v);
  }
};

namespace {

// Does one call through `transport`, authenticating it; on a 401 with a cached token, logs in
// again once and retries. Returns the response only when its status is 2xx (or 304).
Result<HttpResponse> Execute(Session& session, internal::Transport& transport, const Call& call,
                             const Session::LoginFn& login) {
  const Options& opt = session.options();
  std::string stale;
  for (int attempt = 0;; ++attempt) {
    HttpRequest req;
    req.method = call.method;
    req.url = session.base_url() + call.path + (call.query.empty() ? "" : "?" + call.query);
    req.headers = call.headers;
    bool has_body = call.json.has_value();
    if (has_body) {
      req.body = call.json->dump();
      req.headers.emplace_back("Content-Type", "application/json");
    }
    req.upload_fd = call.upload_fd;
    req.upload_size = call.upload_size;
    req.download_fd = call.download_fd;
    req.download_md5 = call.download_md5;
    req.streaming = call.upload_fd >= 0 || call.download_fd >= 0;
    req.progress = call.progress;
    if (call.upload_fd >= 0) req.headers.emplace_back("Content-Type", "application/octet-stream");

    std::string used_token;
    if (call.authenticate && session.uses_aksk()) {
      std::string date = FormatSdkDate(SystemClock().NowMillis());
      req.headers.emplace_back("Host", session.host_header());
      req.headers.emplace_back("X-Sdk-Date", date);
      sdk_hmac::SignInput in;
      in.method = call.method;
      in.raw_path = call.path;
      in.raw_query = call.query;
      std::vector<std::string> signed_headers = {"host", "x-sdk-date"};
      bool has_content_type = has_body || call.upload_fd >= 0;
      if (has_content_type) signed_headers.insert(signed_headers.begin(), "content-type");
      if (call.upload_fd >= 0 || call.unsigned_payload) {
        // Hashing a multi-GiB file before sending it would read it twice more; the gateway
        // convention lets the body go unsigned and says so.
        req.headers.emplace_back("X-Sdk-Content-Sha256", std::string(sdk_hmac::kUnsignedPayload));
        in.body_sha256_hex = std::string(sdk_hmac::kUnsignedPayload);
      } else {
        in.body_sha256_hex = HexEncode(Sha256(req.body));
      }
      in.headers = req.headers;
      req.headers.emplace_back("Authorization",
                               sdk_hmac::Authorization(opt.access_key, opt.secret_key, in, signed_headers));
    } else if (call.authenticate) {
      OA_ASSIGN_OR_RETURN(Token tok, session.CurrentToken(login, stale));
      used_token = tok.token;
      req.headers.emplace_back("X-Auth-Token", tok.token);
    }

    // Only the body of a 2xx response is the download: reset the file for each attempt.
    if (call.download_fd >= 0) {
      if (::ftruncate(call.download_fd, 0) != 0 || ::lseek(call.download_fd, 0, SEEK_SET) < 0) {
        return ErrnoStatus("truncate download file", errno);
      }
    }
    OA_ASSIGN_OR_RETURN(HttpResponse resp, transport.Perform(req));
    if ((resp.status >= 200 && resp.status < 300) || resp.status == 304) return resp;
    if (resp.status == 401 && !used_token.empty() && attempt == 0) {
      stale = used_token;  // expired or revoked behind our back: log in again once
      continue;
    }
    Status st = StatusFromHttp(resp.status, resp.body, opt.debug, call.method, req.url,
                               resp.Header("x-request-id"));
    if (resp.status == 401 && session.uses_aksk()) {
      return Status(st.code(), st.message() + " (check the profile's ak/sk with 'ma-cli configure')");
    }
    return st;
  }
}

Result<Json> BodyJson(const HttpResponse& resp) {
  if (resp.body.empty()) return Json::object();
  auto j = ParseJson(resp.body);
  if (!j.ok()) return Internal("the server sent a reply that is not JSON: " + resp.body.substr(0, 200));
  return j;
}

}  // namespace

Client::Client(std::shared_ptr<Session> session)
    : session_(std::move(session)), impl_(std::make_unique<Impl>(session_->options())) {}
Client::~Client() = default;

#define OA_CALL(resp_var, call_expr)                                                   \
  OA_ASSIGN_OR_RETURN(HttpResponse resp_var,                                           \
                      Execute(*session_, impl_->transport, call_expr, [this] { return Login(); }))

Result<Token> Client::Login() {
  const Options& o = session_->options();
  if (o.username.empty()) return FailedPrecondition("this profile uses AK/SK; there is no password to log in with");
  Call c;
  c.method = "POST";
  c.path = "/v3/auth/tokens";
  c.authenticate = false;
  Json password = {{"user", {{"name", o.username}, {"password", o.password}}}};
  Json identity = {{"methods", Json::array({"password"})}, {"password", password}};
  Json scope = {{"project", {{"name", o.project}}}};
  c.json = Json{{"auth", {{"identity", identity}, {"scope", scope}}}};
  OA_CALL(resp, c);
  std::string secret = resp.Header("x-subject-token");
  if (secret.empty()) return Internal("the login reply has no X-Subject-Token header");
  OA_ASSIGN_OR_RETURN(Json body, BodyJson(resp));
  Token tok = ParseToken(body, secret);
  // Without an expiry the cache could never tell a dead token; assume the documented 24 h.
  if (tok.expires_at == 0) tok.expires_at = SystemClock().NowMillis() + 24LL * 3600 * 1000;
  return tok;
}

Result<Token> Client::ValidateToken() {
  OA_ASSIGN_OR_RETURN(Token tok, session_->CurrentToken([this] { return Login(); }));
  Call c;
  c.path = "/v3/auth/tokens";
  c.headers.emplace_back("X-Subject-Token", tok.token);
  OA_CALL(resp, c);
  OA_ASSIGN_OR_RETURN(Json body, BodyJson(resp));
  return ParseToken(body, tok.token);
}

Status Client::RevokeToken() {
  if (session_->uses_aksk()) return Status::Ok();
  OA_ASSIGN_OR_RETURN(Token tok, session_->CurrentToken([this] { return Login(); }));
  Call c;
  c.method = "DELETE";
  c.path = "/v3/auth/tokens";
  c.headers.emplace_back("X-Subject-Token", tok.token);
  OA_CALL(resp, c);
  session_->ForgetToken();
  return Status::Ok();
}

Status Client::Verify() {
  if (!session_->uses_aksk()) session_->ForgetToken();
  OA_ASSIGN_OR_RETURN(std::string pid, ProjectId());
  (void)pid;
  return Status::Ok();
}

Result<std::string> Client::ProjectId() {
  if (std::string id = session_->project_id(); !id.empty()) return id;
  if (!session_->uses_aksk()) {
    OA_ASSIGN_OR_RETURN(Token tok, session_->CurrentToken([this] { return Login(); }));
    if (!tok.project_id.empty()) {
      session_->set_project_id(tok.project_id);
      return tok.project_id;
    }
  }
  OA_ASSIGN_OR_RETURN(auto projects, ListProjects());
  const std::string& want = session_->options().project;
  for (const auto& p : projects) {
    if (p.name == want || p.id == want) {
      session_->set_project_id(p.id);
      return p.id;
    }
  }
  return NotFound("project '" + want + "' does not exist on the server; set the right one with "
                  "'ma-cli configure --project NAME'");
}

Result<Json> Client::Fetch(const std::string& method, const std::string& path, const std::string& query,
                           std::optional<Json> body) {
  Call c;
  c.method = method;
  c.path = path;
  c.query = query;
  c.json = std::move(body);
  OA_CALL(resp, c);
  return BodyJson(resp);
}

Result<std::string> Client::V1(const std::string& rest) {
  OA_ASSIGN_OR_RETURN(std::string pid, ProjectId());
  return "/v1/" + PercentEncode(pid) + rest;
}

Result<std::string> Client::V2(const std::string& rest) {
  OA_ASSIGN_OR_RETURN(std::string pid, ProjectId());
  return "/v2/" + PercentEncode(pid) + rest;
}

// ---- training jobs ----

Result<Json> Client::CreateTrainingJob(const Json& body) {
  OA_ASSIGN_OR_RETURN(std::string path, V2("/training-jobs"));
  return Fetch("POST", path, "", body);
}

Result<Json> Client::GetTrainingJob(const std::string& id) {
  OA_ASSIGN_OR_RETURN(std::string path, V2("/training-jobs/" + PercentEncode(id)));
  return Fetch("GET", path);
}

Result<Json> Client::SearchTrainingJobs(const Json& request) {
  OA_ASSIGN_OR_RETURN(std::string path, V2("/training-job-searches"));
  return Fetch("POST", path, "", request);
}

Status Client::StopTrainingJob(const std::string& id) {
  OA_ASSIGN_OR_RETURN(std::string path, V2("/training-jobs/" + PercentEncode(id) + "/actions"));
  return Fetch("POST", path, "", Json{{"action_type", "terminate"}}).status();
}

Status Client::DeleteTrainingJob(const std::string& id) {
  OA_ASSIGN_OR_RETURN(std::string path, V2("/training-jobs/" + PercentEncode(id)));
  return Fetch("DELETE", path).status();
}

Result<Json> Client::TrainingJobEvents(const std::string& id, int offset, int limit) {
  OA_ASSIGN_OR_RETURN(std::string path, V2("/training-jobs/" + PercentEncode(id) + "/events"));
  return Fetch("GET", path, "offset=" + std::to_string(offset) + "&limit=" + std::to_string(limit));
}

Result<Json> Client::TrainingFlavors(const std::string& flavor_type) {
  OA_ASSIGN_OR_RETURN(std::string path, V2("/training-job-flavors"));
  return Fetch("GET", path, flavor_type.empty() ? "" : "flavor_type=" + PercentEncode(flavor_type));
}

Result<Json> Client::TrainingEngines() {
  OA_ASSIGN_OR_RETURN(std::string path, V2("/training-job-engines"));
  return Fetch("GET", path);
}

Result<Client::LogPage> Client::TrainingJobLog(const std::string& id, const std::string& task,
                                               uint64_t offset) {
  OA_ASSIGN_OR_RETURN(std::string path, V2("/training-jobs/" + PercentEncode(id) + "/tasks/" +
                                           PercentEncode(task) + "/logs"));
  Call c;
  c.path = path;
  c.query = "offset=" + std::to_string(offset);
  OA_CALL(resp, c);
  LogPage page;
  page.text = std::move(resp.body);
  page.next_offset = std::strtoull(resp.Header("x-log-next-offset").c_str(), nullptr, 10);
  page.end_offset = std::strtoull(resp.Header("x-log-end-offset").c_str(), nullptr, 10);
  page.finished = resp.Header("x-log-finished") == "true";
  return page;
}

// ---- datasets ----

namespace {

// "k=v&k2=v2" with each value percent-encoded; empty values are left out.
std::string Query(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string q;
  for (const auto& [k, v] : params) {
    if (v.empty()) continue;
    q += (q.empty() ? "" : "&") + k + "=" + PercentEncode(v);
  }
  return q;
}

std::string DatasetPath(const std::string& id) { return "/datasets/" + PercentEncode(id); }

// The id of a task-creating reply, or kInternal when the server sent none.
Result<std::string> TaskIdOf(const Json& reply) {
  std::string id = Str(reply, "task_id");
  if (id.empty()) return Internal("the server's reply has no task_id: " + reply.dump());
  return id;
}

}  // namespace

Result<Json> Client::CreateDataset(const Json& body) {
  OA_ASSIGN_OR_RETURN(std::string path, V2("/datasets"));
  return Fetch("POST", path, "", body);
}

Result<Json> Client::ListDatasets(const DatasetListQuery& q) {
  OA_ASSIGN_OR_RETURN(std::string path, V2("/datasets"));
  return Fetch("GET", path,
               Query({{"search_content", q.search},
                      {"dataset_type", q.type ? std::to_string(*q.type) : ""},
                      {"workspace_id", q.workspace_id},
                      {"offset", std::to_string(q.offset)},
                      {"limit", std::to_string(q.limit)}}));
}

Result<Json> Client::GetDataset(const std::string& id) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(DatasetPath(id)));
  return Fetch("GET", path);
}

Result<Json> Client::UpdateDataset(const std::string& id, const Json& patch) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(DatasetPath(id)));
  return Fetch("PUT", path, "", patch);
}

Status Client::DeleteDataset(const std::string& id) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(DatasetPath(id)));
  return Fetch("DELETE", path).status();
}

Result<std::string> Client::ImportDataset(const std::string& id, const Json& body) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(DatasetPath(id) + "/import-tasks"));
  OA_ASSIGN_OR_RETURN(Json reply, Fetch("POST", path, "", body));
  return TaskIdOf(reply);
}

Result<Json> Client::GetImportTask(const std::string& id, const std::string& task_id) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(DatasetPath(id) + "/import-tasks/" + PercentEncode(task_id)));
  return Fetch("GET", path);
}

Result<Json> Client::ListImportTasks(const std::string& id) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(DatasetPath(id) + "/import-tasks"));
  return Fetch("GET", path);
}

Result<std::string> Client::ExportDataset(const std::string& id, const Json& body) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(DatasetPath(id) + "/export-tasks"));
  OA_ASSIGN_OR_RETURN(Json reply, Fetch("POST", path, "", body));
  return TaskIdOf(reply);
}

Result<Json> Client::GetExportTask(const std::string& id, const std::string& task_id) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(DatasetPath(id) + "/export-tasks/" + PercentEncode(task_id)));
  return Fetch("GET", path);
}

Result<Json> Client::ListExportTasks(const std::string& id) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(DatasetPath(id) + "/export-tasks"));
  return Fetch("GET", path);
}

namespace {

// The sample listing's query (datasets and team labeling tasks); `worker_id` only for the latter.
std::string SampleQuery(const SampleListQuery& q, const std::string& worker_id = "") {
  return Query({{"sample_state", q.sample_state},
                {"label_name", q.label_name},
                {"sample_usage", q.sample_usage},
                {"hard", q.hard ? (*q.hard ? "true" : "false") : ""},
                {"search", q.search},
                {"worker_id", worker_id},
                {"marker", q.marker},
                {"offset", q.offset > 0 ? std::to_string(q.offset) : ""},
                {"limit", std::to_string(q.limit)}});
}

}  // namespace

Result<Json> Client::ListSamples(const std::string& id, const SampleListQuery& q) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(DatasetPath(id) + "/data-annotations/samples"));
  return Fetch("GET", path, SampleQuery(q));
}

Result<Json> Client::GetSample(const std::string& id, const std::string& sample_id) {
  OA_ASSIGN_OR_RETURN(std::string path,
                      V2(DatasetPath(id) + "/data-annotations/samples/" + PercentEncode(sample_id)));
  return Fetch("GET", path);
}

Result<Json> Client::UpdateSamples(const std::string& id, const Json& body) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(DatasetPath(id) + "/data-annotations/samples"));
  return Fetch("PUT", path, "", body);
}

Result<Json> Client::DeleteSamples(const std::string& id, const std::vector<std::string>& sample_ids) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(DatasetPath(id) + "/data-annotations/samples/delete"));
  return Fetch("POST", path, "", Json{{"samples", sample_ids}});
}

Status Client::BulkLabel(const std::string& id, const std::vector<std::string>& sample_ids,
                         const std::string& label, bool add) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(DatasetPath(id) + "/data-annotations/samples/labels"));
  return Fetch("POST", path, "",
               Json{{"samples", sample_ids}, {"label_name", label}, {"action", add ? "add" : "remove"}})
      .status();
}

Result<Json> Client::ListLabels(const std::string& id) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(DatasetPath(id) + "/data-annotations/labels"));
  return Fetch("GET", path);
}

Status Client::CreateLabels(const std::string& id, const Json& labels) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(DatasetPath(id) + "/data-annotations/labels"));
  return Fetch("POST", path, "", Json{{"labels", labels}}).status();
}

Status Client::RenameLabel(const std::string& id, const std::string& from, const std::string& to) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(DatasetPath(id) + "/data-annotations/labels"));
  Json label = {{"name", from}, {"property", {{"@modelarts:rename_to", to}}}};
  return Fetch("PUT", path, "", Json{{"labels", Json::array({label})}}).status();
}

Status Client::DeleteLabels(const std::string& id, const std::vector<std::string>& names, int delete_policy) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(DatasetPath(id) + "/data-annotations/labels/delete"));
  Json labels = Json::array();
  for (const auto& n : names) labels.push_back({{"name", n}});
  return Fetch("POST", path, "", Json{{"labels", labels}, {"delete_policy", delete_policy}}).status();
}

Result<Json> Client::PublishVersion(const std::string& id, const Json& body) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(DatasetPath(id) + "/versions"));
  return Fetch("POST", path, "", body);
}

Result<Json> Client::ListVersions(const std::string& id) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(DatasetPath(id) + "/versions"));
  return Fetch("GET", path);
}

Result<Json> Client::GetVersion(const std::string& id, const std::string& version_id) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(DatasetPath(id) + "/versions/" + PercentEncode(version_id)));
  return Fetch("GET", path);
}

Status Client::DeleteVersion(const std::string& id, const std::string& version_id) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(DatasetPath(id) + "/versions/" + PercentEncode(version_id)));
  return Fetch("DELETE", path).status();
}

// ---- team labeling ----

namespace {

std::string WorkforcePath(const std::string& id) { return "/workforces/" + PercentEncode(id); }
std::string TeamTaskPath(const std::string& dataset_id, const std::string& task_id) {
  return DatasetPath(dataset_id) + "/workforce-tasks/" + PercentEncode(task_id);
}

}  // namespace

Result<Json> Client::CreateWorkforce(const Json& body) {
  OA_ASSIGN_OR_RETURN(std::string path, V2("/workforces"));
  return Fetch("POST", path, "", body);
}

Result<Json> Client::ListWorkforces(int offset, int limit) {
  OA_ASSIGN_OR_RETURN(std::string path, V2("/workforces"));
  return Fetch("GET", path, Query({{"offset", std::to_string(offset)}, {"limit", std::to_string(limit)}}));
}

Result<Json> Client::GetWorkforce(const std::string& id) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(WorkforcePath(id)));
  return Fetch("GET", path);
}

Result<Json> Client::UpdateWorkforce(const std::string& id, const Json& patch) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(WorkforcePath(id)));
  return Fetch("PUT", path, "", patch);
}

Status Client::DeleteWorkforce(const std::string& id) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(WorkforcePath(id)));
  return Fetch("DELETE", path).status();
}

Result<Json> Client::AddWorkers(const std::string& workforce_id, const Json& workers) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(WorkforcePath(workforce_id) + "/workers"));
  return Fetch("POST", path, "", Json{{"workers", workers}});
}

Result<Json> Client::ListWorkers(const std::string& workforce_id) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(WorkforcePath(workforce_id) + "/workers"));
  return Fetch("GET", path);
}

Status Client::DeleteWorker(const std::string& workforce_id, const std::string& worker_id) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(WorkforcePath(workforce_id) + "/workers/" + PercentEncode(worker_id)));
  return Fetch("DELETE", path).status();
}

Result<Json> Client::ListMyWorkforceTasks() {
  OA_ASSIGN_OR_RETURN(std::string path, V2("/workforces/worker-tasks"));
  return Fetch("GET", path);
}

Result<Json> Client::CreateWorkforceTask(const std::string& dataset_id, const Json& body) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(DatasetPath(dataset_id) + "/workforce-tasks"));
  return Fetch("POST", path, "", body);
}

Result<Json> Client::ListWorkforceTasks(const std::string& dataset_id) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(DatasetPath(dataset_id) + "/workforce-tasks"));
  return Fetch("GET", path);
}

Result<Json> Client::GetWorkforceTask(const std::string& dataset_id, const std::string& task_id) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(TeamTaskPath(dataset_id, task_id)));
  return Fetch("GET", path);
}

Status Client::DeleteWorkforceTask(const std::string& dataset_id, const std::string& task_id) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(TeamTaskPath(dataset_id, task_id)));
  return Fetch("DELETE", path).status();
}

Result<Json> Client::ListWorkforceTaskSamples(const std::string& dataset_id, const std::string& task_id,
                                              const SampleListQuery& q, const std::string& worker_id) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(TeamTaskPath(dataset_id, task_id) + "/data-annotations/samples"));
  return Fetch("GET", path, SampleQuery(q, worker_id));
}

Result<Json> Client::GetWorkforceTaskSample(const std::string& dataset_id, const std::string& task_id,
                                            const std::string& sample_id, const std::string& worker_id) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(TeamTaskPath(dataset_id, task_id) + "/data-annotations/samples/" +
                                           PercentEncode(sample_id)));
  return Fetch("GET", path, Query({{"worker_id", worker_id}}));
}

Result<Json> Client::LabelWorkforceTaskSamples(const std::string& dataset_id, const std::string& task_id,
                                               const Json& body) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(TeamTaskPath(dataset_id, task_id) + "/data-annotations/samples"));
  return Fetch("PUT", path, "", body);
}

Result<Json> Client::SubmitWorkforceTaskSamples(const std::string& dataset_id, const std::string& task_id,
                                                const std::vector<std::string>& sample_ids) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(TeamTaskPath(dataset_id, task_id) + "/data-annotations/samples/submit"));
  return Fetch("POST", path, "", sample_ids.empty() ? Json::object() : Json{{"samples", sample_ids}});
}

Result<Json> Client::ReviewWorkforceTaskSamples(const std::string& dataset_id, const std::string& task_id,
                                                const Json& body) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(TeamTaskPath(dataset_id, task_id) + "/data-annotations/samples/review"));
  return Fetch("POST", path, "", body);
}

Result<Json> Client::WorkforceTaskMetrics(const std::string& dataset_id, const std::string& task_id) {
  OA_ASSIGN_OR_RETURN(std::string path, V2(TeamTaskPath(dataset_id, task_id) + "/metrics"));
  return Fetch("GET", path);
}

namespace {

template <typename T>
std::vector<T> ParseEach(const Json& body, const char* field, T (*parse)(const Json&)) {
  std::vector<T> out;
  for (const auto& item : Array(body, field)) out.push_back(parse(item));
  return out;
}

// The first element whose name (else id) is `name_or_id`, or kNotFound naming the list command.
template <typename T>
Result<T> FindByNameOrId(std::vector<T> items, const std::string& name_or_id, const std::string& what) {
  for (auto& i : items) if (i.name == name_or_id) return std::move(i);
  for (auto& i : items) if (i.id == name_or_id) return std::move(i);
  return NotFound(what + " '" + name_or_id + "' does not exist (see 'ma-cli " + what + " list')");
}

Json UserBody(const UserSpec& s, bool with_name) {
  Json u = Json::object();
  if (with_name) u["name"] = s.name;
  if (s.password) u["password"] = *s.password;
  if (s.email) u["email"] = *s.email;
  if (s.description) u["description"] = *s.description;
  if (s.enabled) u["enabled"] = *s.enabled;
  return Json{{"user", u}};
}

Json WorkspaceBody(const WorkspaceSpec& s) {
  Json j = Json::object();
  if (s.name) j["name"] = *s.name;
  if (s.description) j["description"] = *s.description;
  if (s.auth_type) j["auth_type"] = *s.auth_type;
  if (s.enterprise_project_id) j["enterprise_project_id"] = *s.enterprise_project_id;
  if (s.grants) {
    Json g = Json::array();
    for (const auto& who : *s.grants) g.push_back(LooksLikeId(who) ? Json{{"user_id", who}} : Json{{"user_name", who}});
    j["grants"] = g;
  }
  return j;
}

std::string BindingPath(const std::string& project, PrincipalType type, const std::string& principal,
                        const std::string& role) {
  return "/v3/projects/" + PercentEncode(project) + (type == PrincipalType::kUser ? "/users/" : "/groups/") +
         PercentEncode(principal) + "/roles/" + PercentEncode(role);
}

Project ParseProject(const Json& j) { return {Str(j, "id"), Str(j, "name")}; }

}  // namespace

// ---- IAM ----

Result<std::vector<Project>> Client::ListProjects() {
  OA_ASSIGN_OR_RETURN(Json body, Fetch("GET", "/v3/projects"));
  return ParseEach(body, "projects", ParseProject);
}

Result<std::vector<User>> Client::ListUsers() {
  OA_ASSIGN_OR_RETURN(Json body, Fetch("GET", "/v3/users"));
  return ParseEach(body, "users", ParseUser);
}

Result<User> Client::GetUser(const std::string& id) {
  OA_ASSIGN_OR_RETURN(Json body, Fetch("GET", "/v3/users/" + PercentEncode(id)));
  return ParseUser(Unwrap(body, "user"));
}

Result<User> Client::CreateUser(const UserSpec& spec) {
  OA_ASSIGN_OR_RETURN(Json body, Fetch("POST", "/v3/users", "", UserBody(spec, true)));
  return ParseUser(Unwrap(body, "user"));
}

Result<User> Client::UpdateUser(const std::string& id, const UserSpec& patch) {
  OA_ASSIGN_OR_RETURN(Json body, Fetch("PATCH", "/v3/users/" + PercentEncode(id), "", UserBody(patch, false)));
  return ParseUser(Unwrap(body, "user"));
}

Status Client::DeleteUser(const std::string& id) {
  return Fetch("DELETE", "/v3/users/" + PercentEncode(id)).status();
}

Result<User> Client::FindUser(const std::string& name_or_id) {
  OA_ASSIGN_OR_RETURN(auto users, ListUsers());
  return FindByNameOrId(std::move(users), name_or_id, "user");
}

Result<std::vector<Group>> Client::ListGroups() {
  OA_ASSIGN_OR_RETURN(Json body, Fetch("GET", "/v3/groups"));
  return ParseEach(body, "groups", ParseGroup);
}

Result<Group> Client::CreateGroup(const std::string& name, const std::string& description) {
  Json g = {{"name", name}};
  if (!description.empty()) g["description"] = description;
  OA_ASSIGN_OR_RETURN(Json body, Fetch("POST", "/v3/groups", "", Json{{"group", g}}));
  return ParseGroup(Unwrap(body, "group"));
}

Status Client::DeleteGroup(const std::string& id) {
  return Fetch("DELETE", "/v3/groups/" + PercentEncode(id)).status();
}

Result<std::vector<User>> Client::ListGroupMembers(const std::string& group_id) {
  OA_ASSIGN_OR_RETURN(Json body, Fetch("GET", "/v3/groups/" + PercentEncode(group_id) + "/users"));
  return ParseEach(body, "users", ParseUser);
}

Status Client::AddGroupMember(const std::string& group_id, const std::string& user_id) {
  return Fetch("PUT", "/v3/groups/" + PercentEncode(group_id) + "/users/" + PercentEncode(user_id)).status();
}

Status Client::RemoveGroupMember(const std::string& group_id, const std::string& user_id) {
  return Fetch("DELETE", "/v3/groups/" + PercentEncode(group_id) + "/users/" + PercentEncode(user_id)).status();
}

Result<Group> Client::FindGroup(const std::string& name_or_id) {
  OA_ASSIGN_OR_RETURN(auto groups, ListGroups());
  return FindByNameOrId(std::move(groups), name_or_id, "group");
}

Result<std::vector<Role>> Client::ListRoles() {
  OA_ASSIGN_OR_RETURN(Json body, Fetch("GET", "/v3/roles"));
  return ParseEach(body, "roles", ParseRole);
}

Result<Role> Client::FindRole(const std::string& name_or_id) {
  OA_ASSIGN_OR_RETURN(auto roles, ListRoles());
  // Role names have spaces and capitals ("ModelArts FullAccess"); forgive the case typed.
  auto lower = [](std::string s) {
    for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
  };
  for (auto& r : roles) {
    if (r.name != name_or_id && r.id != name_or_id && lower(r.name) == lower(name_or_id)) return std::move(r);
  }
  return FindByNameOrId(std::move(roles), name_or_id, "role");
}

Result<std::vector<RoleBinding>> Client::ListRoleBindings() {
  OA_ASSIGN_OR_RETURN(Json body, Fetch("GET", "/v3/role-bindings"));
  return ParseEach(body, "bindings", ParseBinding);
}

Status Client::BindRole(PrincipalType type, const std::string& principal_id, const std::string& role_id) {
  OA_ASSIGN_OR_RETURN(std::string pid, ProjectId());
  return Fetch("PUT", BindingPath(pid, type, principal_id, role_id)).status();
}

Status Client::UnbindRole(PrincipalType type, const std::string& principal_id, const std::string& role_id) {
  OA_ASSIGN_OR_RETURN(std::string pid, ProjectId());
  return Fetch("DELETE", BindingPath(pid, type, principal_id, role_id)).status();
}

Result<Credential> Client::CreateCredential(const std::string& user_id, const std::string& description) {
  Json cred = Json::object();
  if (!user_id.empty()) cred["user_id"] = user_id;
  if (!description.empty()) cred["description"] = description;
  OA_ASSIGN_OR_RETURN(Json body, Fetch("POST", "/v3.0/OS-CREDENTIAL/credentials", "", Json{{"credential", cred}}));
  return ParseCredential(Unwrap(body, "credential"));
}

Result<std::vector<Credential>> Client::ListCredentials(const std::string& user_id) {
  std::string query;
  Impl::AddQuery(&query, "user_id", user_id);
  OA_ASSIGN_OR_RETURN(Json body, Fetch("GET", "/v3.0/OS-CREDENTIAL/credentials", query));
  return ParseEach(body, "credentials", ParseCredential);
}

Status Client::DeleteCredential(const std::string& access_key) {
  return Fetch("DELETE", "/v3.0/OS-CREDENTIAL/credentials/" + PercentEncode(access_key)).status();
}

// ---- workspaces ----

Result<std::vector<Workspace>> Client::ListWorkspaces() {
  OA_ASSIGN_OR_RETURN(std::string path, V1("/workspaces"));
  OA_ASSIGN_OR_RETURN(Json body, Fetch("GET", path));
  return ParseEach(body, "workspaces", ParseWorkspace);
}

Result<Workspace> Client::GetWorkspace(const std::string& id) {
  OA_ASSIGN_OR_RETURN(std::string path, V1("/workspaces/" + PercentEncode(id)));
  OA_ASSIGN_OR_RETURN(Json body, Fetch("GET", path));
  return ParseWorkspace(Unwrap(body, "workspace"));
}

Result<Workspace> Client::FindWorkspace(const std::string& name_or_id) {
  if (name_or_id == "0" || LooksLikeId(name_or_id)) return GetWorkspace(name_or_id);
  OA_ASSIGN_OR_RETURN(auto all, ListWorkspaces());
  return FindByNameOrId(std::move(all), name_or_id, "workspace");
}

Result<Workspace> Client::CreateWorkspace(const WorkspaceSpec& spec) {
  OA_ASSIGN_OR_RETURN(std::string path, V1("/workspaces"));
  OA_ASSIGN_OR_RETURN(Json body, Fetch("POST", path, "", WorkspaceBody(spec)));
  return ParseWorkspace(Unwrap(body, "workspace"));
}

Result<Workspace> Client::UpdateWorkspace(const std::string& id, const WorkspaceSpec& spec) {
  OA_ASSIGN_OR_RETURN(std::string path, V1("/workspaces/" + PercentEncode(id)));
  OA_ASSIGN_OR_RETURN(Json body, Fetch("PUT", path, "", WorkspaceBody(spec)));
  return ParseWorkspace(Unwrap(body, "workspace"));
}

Status Client::DeleteWorkspace(const std::string& id) {
  OA_ASSIGN_OR_RETURN(std::string path, V1("/workspaces/" + PercentEncode(id)));
  return Fetch("DELETE", path).status();
}

Result<std::vector<Quota>> Client::GetQuotas(const std::string& workspace_id) {
  OA_ASSIGN_OR_RETURN(std::string path, V1("/workspaces/" + PercentEncode(workspace_id) + "/quotas"));
  OA_ASSIGN_OR_RETURN(Json body, Fetch("GET", path));
  return ParseEach(body, "quotas", ParseQuota);
}

Status Client::SetQuotas(const std::string& workspace_id,
                         const std::vector<std::pair<std::string, int64_t>>& quotas) {
  OA_ASSIGN_OR_RETURN(std::string path, V1("/workspaces/" + PercentEncode(workspace_id) + "/quotas"));
  Json arr = Json::array();
  for (const auto& [r, q] : quotas) arr.push_back({{"resource", r}, {"quota", q}});
  return Fetch("PUT", path, "", Json{{"quotas", arr}}).status();
}

// ---- object storage ----

Result<std::vector<Bucket>> Client::ListBuckets(const std::string& workspace_id) {
  OA_ASSIGN_OR_RETURN(std::string path, V1("/buckets"));
  std::string query;
  Impl::AddQuery(&query, "workspace_id", workspace_id);
  OA_ASSIGN_OR_RETURN(Json body, Fetch("GET", path, query));
  return ParseEach(body, "buckets", ParseBucket);
}

Result<Bucket> Client::CreateBucket(const std::string& name, const std::string& workspace_id) {
  OA_ASSIGN_OR_RETURN(std::string path, V1("/buckets/" + PercentEncode(name)));
  Json req = workspace_id.empty() ? Json::object() : Json{{"workspace_id", workspace_id}};
  OA_ASSIGN_OR_RETURN(Json body, Fetch("PUT", path, "", req));
  Bucket b = ParseBucket(Unwrap(body, "bucket"));
  if (b.name.empty()) b.name = name;
  return b;
}

Result<Bucket> Client::GetBucket(const std::string& name) {
  OA_ASSIGN_OR_RETURN(std::string path, V1("/buckets/" + PercentEncode(name)));
  OA_ASSIGN_OR_RETURN(Json body, Fetch("GET", path));
  return ParseBucket(Unwrap(body, "bucket"));
}

Status Client::DeleteBucket(const std::string& name) {
  OA_ASSIGN_OR_RETURN(std::string path, V1("/buckets/" + PercentEncode(name)));
  return Fetch("DELETE", path).status();
}

Result<std::string> Client::ForceDeleteBucket(const std::string& name) {
  OA_ASSIGN_OR_RETURN(std::string path, V1("/buckets/" + PercentEncode(name)));
  OA_ASSIGN_OR_RETURN(Json body, Fetch("DELETE", path, "force=true"));
  // 204 means there was nothing to delete in the background.
  return Str(body, "task_id");
}

Result<ObjectList> Client::ListObjects(const std::string& bucket, const ListObjectsOptions& options) {
  OA_ASSIGN_OR_RETURN(std::string pid, ProjectId());
  Call c;
  c.path = "/v1/" + PercentEncode(pid) + "/buckets/" + PercentEncode(bucket) + "/objects";
  Impl::AddQuery(&c.query, "prefix", options.prefix);
  Impl::AddQuery(&c.query, "delimiter", options.delimiter);
  Impl::AddQuery(&c.query, "marker", options.marker);
  Impl::AddQuery(&c.query, "max_keys", std::to_string(options.max_keys));
  OA_CALL(resp, c);
  OA_ASSIGN_OR_RETURN(Json body, BodyJson(resp));
  ObjectList out;
  for (const auto& o : Array(body, "objects")) out.objects.push_back(ParseObject(o));
  for (const auto& p : Array(body, "common_prefixes")) {
    out.common_prefixes.push_back(p.is_string() ? p.get<std::string>() : Str(p, "prefix"));
  }
  out.is_truncated = Bool(body, "is_truncated", false);
  out.next_marker = Str(body, "next_marker");
  if (out.is_truncated && out.next_marker.empty() && !out.objects.empty()) {
    out.next_marker = out.objects.back().key;
  }
  return out;
}

Result<std::vector<ObjectInfo>> Client::ListAllObjects(const std::string& bucket, const std::string& prefix) {
  std::vector<ObjectInfo> all;
  ListObjectsOptions o;
  o.prefix = prefix;
  for (;;) {
    OA_ASSIGN_OR_RETURN(ObjectList page, ListObjects(bucket, o));
    for (auto& obj : page.objects) all.push_back(std::move(obj));
    if (!page.is_truncated || page.next_marker.empty() || page.next_marker == o.marker) break;
    o.marker = page.next_marker;
  }
  return all;
}

namespace {
ObjectInfo InfoFromHeaders(const HttpResponse& resp, const std::string& key) {
  ObjectInfo info;
  info.key = key;
  info.etag = StripQuotes(resp.Header("etag"));
  std::string len = resp.Header("content-length");
  if (!len.empty()) info.size = std::strtoull(len.c_str(), nullptr, 10);
  std::string lm = resp.Header("last-modified");
  if (!lm.empty()) {
    time_t t = curl_getdate(lm.c_str(), nullptr);
    if (t > 0) info.last_modified = static_cast<int64_t>(t) * 1000;
  }
  return info;
}
Status NoSuchObject(const Status& st, const std::string& bucket, const std::string& key) {
  // HEAD replies carry no body, so the message would otherwise be a bare "HTTP 404".
  if (st.code() != Code::kNotFound) return st;
  return NotFound("object 'obs://" + bucket + "/" + key + "' does not exist");
}
}  // namespace

Result<ObjectInfo> Client::HeadObject(const std::string& bucket, const std::string& key) {
  OA_ASSIGN_OR_RETURN(std::string pid, ProjectId());
  Call c;
  c.method = "HEAD";
  c.path = ObjectPath(pid, bucket, key);
  auto resp = Execute(*session_, impl_->transport, c, [this] { return Login(); });
  if (!resp.ok()) return NoSuchObject(resp.status(), bucket, key);
  return InfoFromHeaders(*resp, key);
}

Result<ObjectInfo> Client::PutObjectFromFile(const std::string& bucket, const std::string& key,
                                             const std::filesystem::path& file, std::string md5_hex,
                                             const ProgressFn& progress) {
  OA_ASSIGN_OR_RETURN(std::string pid, ProjectId());
  if (md5_hex.empty()) {
    OA_ASSIGN_OR_RETURN(md5_hex, FileMd5Hex(file));
  }
  OA_ASSIGN_OR_RETURN(std::string md5_raw, HexDecode(md5_hex));
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open " + file.string(), errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return ErrnoStatus("stat " + file.string(), err);
  }
  Call c;
  c.method = "PUT";
  c.path = ObjectPath(pid, bucket, key);
  c.headers.emplace_back("Content-MD5", Base64Encode(md5_raw));
  c.upload_fd = fd;
  c.upload_size = static_cast<uint64_t>(st.st_size);
  c.progress = &progress;
  auto resp = Execute(*session_, impl_->transport, c, [this] { return Login(); });
  ::close(fd);
  if (!resp.ok()) return resp.status();
  ObjectInfo info;
  info.key = key;
  info.size = c.upload_size;
  auto body = ParseJson(resp->body);
  info.etag = body.ok() ? StripQuotes(Str(*body, "etag")) : "";
  if (info.etag.empty()) info.etag = StripQuotes(resp->Header("etag"));
  if (info.etag.empty()) info.etag = md5_hex;
  return info;
}

Result<ObjectInfo> Client::PutObjectFromString(const std::string& bucket, const std::string& key,
                                               const std::string& data) {
  OA_ASSIGN_OR_RETURN(std::string pid, ProjectId());
  // Small bodies go through a memory file so that there is one upload path to get right.
  int fd = ::memfd_create("ma-cli-put", MFD_CLOEXEC);
  if (fd < 0) return ErrnoStatus("memfd_create", errno);
  if (::write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size())) {
    int err = errno;
    ::close(fd);
    return ErrnoStatus("write memfd", err);
  }
  std::string md5_hex = HexEncode(Md5(data));
  Call c;
  c.method = "PUT";
  c.path = ObjectPath(pid, bucket, key);
  c.headers.emplace_back("Content-MD5", Base64Encode(Md5(data)));
  c.upload_fd = fd;
  c.upload_size = data.size();
  auto resp = Execute(*session_, impl_->transport, c, [this] { return Login(); });
  ::close(fd);
  if (!resp.ok()) return resp.status();
  return ObjectInfo{key, data.size(), md5_hex, 0};
}

Result<ObjectInfo> Client::GetObjectToFile(const std::string& bucket, const std::string& key,
                                           const std::filesystem::path& file, const ProgressFn& progress) {
  OA_ASSIGN_OR_RETURN(std::string pid, ProjectId());
  auto dir = file.parent_path();
  if (!dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Internal("create directory " + dir.string() + ": " + ec.message());
  }
  // A fixed temporary name: a download killed half-way leaves one file that the next run
  // overwrites, not a growing pile of random names.
  auto tmp = (dir.empty() ? std::filesystem::path(".") : dir) /
             ("." + file.filename().string() + ".ma-cli-download");
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return ErrnoStatus("create " + tmp.string(), errno);
  Hasher md5(Hasher::Kind::kMd5);
  Call c;
  c.path = ObjectPath(pid, bucket, key);
  c.download_fd = fd;
  c.download_md5 = &md5;
  c.progress = &progress;
  auto resp = Execute(*session_, impl_->transport, c, [this] { return Login(); });
  auto fail = [&](Status st) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return st;
  };
  if (!resp.ok()) return fail(NoSuchObject(resp.status(), bucket, key));
  ObjectInfo info = InfoFromHeaders(*resp, key);
  info.size = resp->downloaded;
  std::string got = HexEncode(md5.Final());
  std::string want = info.etag;
  for (auto& ch : want) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  // Only a 32-hex ETag is an MD5 of the content (multipart ETags are not).
  if (want.size() == 32 && want.find_first_not_of("0123456789abcdef") == std::string::npos && want != got) {
    return fail(Internal("download of obs://" + bucket + "/" + key + " is corrupt: MD5 " + got +
                         " does not match the ETag " + want + "; run the copy again"));
  }
  if (::fsync(fd) != 0) return fail(ErrnoStatus("fsync " + tmp.string(), errno));
  ::close(fd);
  // The directory is not fsynced per file: a crash may lose the rename, never expose a partial
  // file, and the next run downloads it again.
  if (::rename(tmp.c_str(), file.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return ErrnoStatus("rename to " + file.string(), err);
  }
  if (info.etag.empty()) info.etag = got;
  return info;
}

Result<std::string> Client::GetObjectToString(const std::string& bucket, const std::string& key) {
  OA_ASSIGN_OR_RETURN(std::string pid, ProjectId());
  Call c;
  c.path = ObjectPath(pid, bucket, key);
  auto resp = Execute(*session_, impl_->transport, c, [this] { return Login(); });
  if (!resp.ok()) return NoSuchObject(resp.status(), bucket, key);
  return std::move(resp->body);
}

Status Client::DeleteObject(const std::string& bucket, const std::string& key) {
  OA_ASSIGN_OR_RETURN(std::string pid, ProjectId());
  Call c;
  c.method = "DELETE";
  c.path = ObjectPath(pid, bucket, key);
  auto resp = Execute(*session_, impl_->transport, c, [this] { return Login(); });
  if (!resp.ok()) return NoSuchObject(resp.status(), bucket, key);
  return Status::Ok();
}

Result<ObjectInfo> Client::CopyObject(const std::string& src_bucket, const std::string& src_key,
                                      const std::string& dst_bucket, const std::string& dst_key) {
  OA_ASSIGN_OR_RETURN(std::string pid, ProjectId());
  Call c;
  c.method = "PUT";
  c.path = ObjectPath(pid, dst_bucket, dst_key);
  // Encoded like a path (as S3's x-amz-copy-source), so keys with spaces or '?' survive.
  c.unsigned_payload = true;
  c.headers.emplace_back("X-OA-Copy-Source",
                         "/" + PercentEncode(src_bucket) + "/" + PercentEncode(src_key, true));
  OA_CALL(resp, c);
  ObjectInfo info;
  info.key = dst_key;
  auto body = ParseJson(resp.body);
  if (body.ok()) {
    info.size = static_cast<uint64_t>(Int(*body, "size"));
    info.etag = StripQuotes(Str(*body, "etag"));
  }
  if (info.etag.empty()) info.etag = StripQuotes(resp.Header("etag"));
  return info;
}

// ---- tasks ----

Result<std::vector<Task>> Client::ListTasks(const TaskFilter& filter) {
  OA_ASSIGN_OR_RETURN(std::string path, V1("/tasks"));
  std::string query;
  Impl::AddQuery(&query, "workspace_id", filter.workspace_id);
  Impl::AddQuery(&query, "status", filter.status);
  Impl::AddQuery(&query, "type", filter.type);
  OA_ASSIGN_OR_RETURN(Json body, Fetch("GET", path, query));
  return ParseEach(body, "tasks", ParseTask);
}

Result<Task> Client::GetTask(const std::string& id) {
  OA_ASSIGN_OR_RETURN(std::string path, V1("/tasks/" + PercentEncode(id)));
  OA_ASSIGN_OR_RETURN(Json body, Fetch("GET", path));
  return ParseTask(Unwrap(body, "task"));
}

Status Client::CancelTask(const std::string& id) {
  OA_ASSIGN_OR_RETURN(std::string path, V1("/tasks/" + PercentEncode(id) + "/cancel"));
  return Fetch("POST", path, "", Json::object()).status();
}

}  // namespace openarts::client
