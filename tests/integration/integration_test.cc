// The daemon in-process (server::Server on a temporary home and port 0), driven through its REST
// API with libcurl: login, the per-route authentication/authorization matrix, workspace ACLs,
// objects, AK/SK signing, token revocation, the bucket force-delete task and the HTTP statuses of
// the dataset errors.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/sdk_hmac.h"
#include "server/server.h"
#include "test_util.h"

namespace openarts::testing {
namespace {

constexpr char kAdminPassword[] = "Admin-Pass-123!";

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    home_ = new std::filesystem::path(MakeTempDir("inproc"));
    server::Config config;
    config.home = home_->string();
    config.listen = "127.0.0.1:0";
    config.admin_password = kAdminPassword;
    config.access_log = false;
    config.io_threads = 2;
    config.worker_threads = 4;
    config.shutdown_grace_seconds = 2;
    config.task_shim = OPENARTS_BINARY_DIR "/src/exec/openarts-task-shim";
    auto s = server::Server::Start(config);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s).value().release();
    client_ = new HttpClient(server_->url());
    admin_token_ = new std::string(Login(*client_, "admin", kAdminPassword));
    auto r = client_->Do("GET", "/v3/projects", Auth(*admin_token_));
    project_id_ = new std::string(r.json()["projects"][0]["id"].get<std::string>());
  }
  static void TearDownTestSuite() {
    delete server_;  // Stop()s
    server_ = nullptr;
    std::filesystem::remove_all(*home_);
    delete home_;
    delete client_;
    delete admin_token_;
    delete project_id_;
  }

  // A server that failed to start in SetUpTestSuite would otherwise show as skipped tests.
  void SetUp() override { ASSERT_NE(server_, nullptr) << "the in-process server did not start"; }

  const HttpClient& c() const { return *client_; }
  const std::string& admin() const { return *admin_token_; }
  std::string V1(const std::string& rest) const { return "/v1/" + *project_id_ + rest; }

  // Creates a user (as admin) and returns its id.
  std::string CreateUser(const std::string& name, const std::string& password = "User-Pass-1") {
    auto r = c().Do("POST", "/v3/users", Auth(admin()),
                    Json{{"user", {{"name", name}, {"password", password}}}}.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json()["user"]["id"].get<std::string>();
  }
  std::string RoleId(const std::string& name) {
    auto r = c().Do("GET", "/v3/roles", Auth(admin()));
    EXPECT_EQ(r.status, 200) << r.body;
    const Json roles = r.json();  // not a range over a temporary's member
    for (const auto& role : roles["roles"]) {
      if (role["name"] == name) return role["id"].get<std::string>();
    }
    ADD_FAILURE() << "no role " << name;
    return "";
  }
  void Bind(const std::string& user_id, const std::string& role_name) {
    auto r = c().Do("PUT", "/v3/projects/" + *project_id_ + "/users/" + user_id + "/roles/" +
                               RoleId(role_name),
                    Auth(admin()));
    ASSERT_EQ(r.status, 204) << r.body;
  }
  // A developer: user + ModelArts CommonOperations; returns its token.
  std::string Developer(const std::string& name, std::string* id = nullptr) {
    std::string uid = CreateUser(name);
    Bind(uid, "ModelArts CommonOperations");
    if (id) *id = uid;
    return Login(c(), name, "User-Pass-1");
  }
  void MakeBucket(const std::string& name, const std::string& token, const std::string& ws = "0") {
    auto r = c().Do("PUT", V1("/buckets/" + name), Auth(token),
                    Json{{"workspace_id", ws}}.dump());
    ASSERT_EQ(r.status, 201) << r.body;
  }
  HttpResponse PutObject(const std::string& bucket, const std::string& key,
                         const std::string& data, HeaderList headers = {}) {
    headers.emplace_back("X-Auth-Token", admin());
    return c().Do("PUT", V1("/buckets/" + bucket + "/objects/" + key), headers, data);
  }

  static std::filesystem::path* home_;
  static server::Server* server_;
  static HttpClient* client_;
  static std::string* admin_token_;
  static std::string* project_id_;
};

std::filesystem::path* ServerTest::home_ = nullptr;
server::Server* ServerTest::server_ = nullptr;
HttpClient* ServerTest::client_ = nullptr;
std::string* ServerTest::admin_token_ = nullptr;
std::string* ServerTest::project_id_ = nullptr;

// Replaces {name} / {name+} in a route pattern with values.
std::string Fill(std::string pattern, const std::map<std::string, std::string>& values) {
  std::string out;
  size_t i = 0;
  while (i < pattern.size()) {
    if (pattern[i] == '{') {
      size_t end = pattern.find('}', i);
      std::string name = pattern.substr(i + 1, end - i - 1);
      if (!name.empty() && name.back() == '+') name.pop_back();
      auto it = values.find(name);
      EXPECT_NE(it, values.end()) << "no test value for path parameter {" << name << "} in "
                                  << pattern << ": add one to the matrix";
      out += it == values.end() ? "x" : it->second;
      i = end + 1;
    } else {
      out += pattern[i++];
    }
  }
  return out;
}

TEST_F(ServerTest, LoginIssuesAProjectScopedToken) {
  auto r = c().Do("POST", "/v3/auth/tokens", {{"Content-Type", "application/json"}},
                  TokenBody("admin", kAdminPassword));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_FALSE(r.Header("X-Subject-Token").empty());
  Json token = r.json()["token"];
  EXPECT_EQ(token["user"]["name"], "admin");
  EXPECT_EQ(token["project"]["name"], "local");
  EXPECT_FALSE(token["expires_at"].get<std::string>().empty());
  // The token body never carries the token itself.
  EXPECT_EQ(r.body.find(r.Header("X-Subject-Token")), std::string::npos);

  auto wrong = c().Do("POST", "/v3/auth/tokens", {}, TokenBody("admin", "nope"));
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.json()["error_code"], "OA.AUTH.0401");
  EXPECT_FALSE(wrong.json()["request_id"].get<std::string>().empty());

  auto bad = c().Do("POST", "/v3/auth/tokens", {}, R"({"auth":{"identity":{"methods":["password"]}}})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.json()["error_msg"].get<std::string>().find("auth.identity.password"),
            std::string::npos)
      << bad.body;
}

TEST_F(ServerTest, HealthAndMetricsNeedNoCredentials) {
  EXPECT_EQ(c().Do("GET", "/healthz").status, 200);
  EXPECT_EQ(c().Do("GET", "/metrics").status, 200);
}

// Values for every path parameter of every route; a new parameter name fails the test until it
// gets one here.
class MatrixTest : public ServerTest {
 protected:
  std::map<std::string, std::string> Values(const std::string& user_id,
                                            const std::string& access_key) {
    std::map<std::string, std::string> v;
    v["project_id"] = *project_id_;
    v["user_id"] = user_id;
    v["group_id"] = group_id_;
    v["role_id"] = RoleId("ModelArts ReadOnlyAccess");
    v["workspace_id"] = "0";
    v["bucket"] = "matrix-bucket";
    v["key"] = "dir/k.txt";
    v["task_id"] = task_id_;
    v["training_job_id"] = training_job_id_;
    v["dataset_id"] = dataset_id_;
    v["sample_id"] = sample_id_;
    v["version_id"] = version_id_;
    v["label_name"] = "cat";
    v["access_key"] = access_key;
    return v;
  }
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure() || !group_id_.empty()) return;
    auto g = c().Do("POST", "/v3/groups", Auth(admin()), R"({"group":{"name":"matrix-group"}})");
    ASSERT_EQ(g.status, 201) << g.body;
    group_id_ = g.json()["group"]["id"].get<std::string>();
    MakeBucket("matrix-bucket", admin());
    ASSERT_EQ(PutObject("matrix-bucket", "dir/k.txt", "hello").status, 200);
    MakeBucket("matrix-task-bucket", admin());
    auto t = c().Do("DELETE", V1("/buckets/matrix-task-bucket?force=true"), Auth(admin()));
    ASSERT_EQ(t.status, 202) << t.body;
    task_id_ = t.json()["task_id"].get<std::string>();
    // A training job, so its routes are called on something that exists.
    MakeBucket("matrix-train", admin());
    ASSERT_EQ(PutObject("matrix-train", "code/main.py", "print('hi')\n").status, 200);
    ASSERT_EQ(PutObject("matrix-train", "data/x", "x").status, 200);
    Json job = {{"metadata", {{"name", "matrix-job"}}},
                {"algorithm",
                 {{"code_dir", "obs://matrix-train/code/"},
                  {"boot_file", "main.py"},
                  {"engine", {{"engine_name", "PyTorch"},
                              {"engine_version", "pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64"}}},
                  {"inputs", Json::array({{{"name", "data_url"},
                                           {"remote", {{"obs", {{"obs_url", "obs://matrix-train/data/"}}}}}}})}}},
                {"spec", {{"resource", {{"flavor_id", "modelarts.vm.cpu.1u"}}}}}};
    auto j = c().Do("POST", "/v2/" + *project_id_ + "/training-jobs", Auth(admin()), job.dump());
    ASSERT_EQ(j.status, 201) << j.body;
    training_job_id_ = j.json()["metadata"]["id"].get<std::string>();
    // A dataset with an imported sample, a label and a version, so that the dataset routes are
    // called on things that exist.
    MakeBucket("matrix-data", admin());
    ASSERT_EQ(PutObject("matrix-data", "in/a.jpg", "not really a jpeg").status, 200);
    const std::string v2 = "/v2/" + *project_id_ + "/datasets";
    Json ds = {{"dataset_name", "matrix-dataset"},
               {"dataset_type", 0},
               {"data_sources", Json::array({Json{{"data_path", "obs://matrix-data/in/"}}})},
               {"work_path", "obs://matrix-data/out/"},
               {"labels", Json::array({Json{{"name", "cat"}}})},
               {"import_data", true}};
    auto d = c().Do("POST", v2, Auth(admin()), ds.dump());
    ASSERT_EQ(d.status, 201) << d.body;
    dataset_id_ = d.json()["dataset_id"].get<std::string>();
    const std::string import_task = d.json()["import_task_id"].get<std::string>();
    Json task;
    for (int i = 0; i < 200; ++i) {
      auto t = c().Do("GET", v2 + "/" + dataset_id_ + "/import-tasks/" + import_task, Auth(admin()));
      ASSERT_EQ(t.status, 200) << t.body;
      task = t.json();
      if (task["status"] == "COMPLETED" || task["status"] == "FAILED") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_EQ(task["status"], "COMPLETED") << task.dump();
    auto samples = c().Do("GET", v2 + "/" + dataset_id_ + "/data-annotations/samples", Auth(admin()));
    ASSERT_EQ(samples.status, 200) << samples.body;
    ASSERT_EQ(samples.json()["samples"].size(), 1u) << samples.body;
    sample_id_ = samples.json()["samples"][0]["sample_id"].get<std::string>();
    auto version = c().Do("POST", v2 + "/" + dataset_id_ + "/versions", Auth(admin()), "{}");
    ASSERT_EQ(version.status, 201) << version.body;
    version_id_ = version.json()["version_id"].get<std::string>();
  }
  static std::string group_id_, task_id_, training_job_id_, dataset_id_, sample_id_, version_id_;
};
std::string MatrixTest::group_id_, MatrixTest::task_id_, MatrixTest::training_job_id_, MatrixTest::dataset_id_,
    MatrixTest::sample_id_, MatrixTest::version_id_;

TEST_F(MatrixTest, EveryRouteRejectsAnonymousCalls) {
  ASSERT_GE(server_->routes().size(), 40u);
  auto values = Values("0123456789abcdef0123456789abcdef", "AKNOTREAL");
  for (const auto& route : server_->routes()) {
    auto target = Fill(route.pattern, values);
    auto r = c().Do(route.method, target, {}, route.method == "GET" ? "" : "{}");
    if (route.method == "POST" && route.pattern == "/v3/auth/tokens") {
      EXPECT_EQ(r.status, 400) << "anonymous login with a bad body";
      continue;
    }
    EXPECT_EQ(r.status, 401) << route.method << " " << route.pattern << ": " << r.body;
    EXPECT_EQ(r.json()["error_code"], "OA.AUTH.0401") << route.method << " " << route.pattern;
    // Garbage credentials are no better than none.
    auto bad = c().Do(route.method, target, Auth("not-a-token"), "{}");
    EXPECT_EQ(bad.status, 401) << route.method << " " << route.pattern;
  }
}

TEST_F(MatrixTest, AUserWithoutRolesIsForbiddenExceptSelfService) {
  std::string uid = CreateUser("norole");
  std::string token = Login(c(), "norole", "User-Pass-1");
  std::string spare_token = Login(c(), "norole", "User-Pass-1");
  auto cred = c().Do("POST", "/v3.0/OS-CREDENTIAL/credentials", Auth(token), "");
  ASSERT_EQ(cred.status, 201) << cred.body;
  const std::string own_ak = cred.json()["credential"]["access"].get<std::string>();
  auto values = Values(uid, own_ak);

  // What any authenticated user may do on their own behalf, and the status it answers.
  const std::map<std::string, int> self_service = {
      {"GET /v3/auth/tokens", 200},
      {"DELETE /v3/auth/tokens", 204},  // revokes spare_token, not the caller's
      {"GET /v3/projects", 200},
      {"GET /v3/users/{user_id}", 200},  // themselves
      {"POST /v3.0/OS-CREDENTIAL/credentials", 201},
      {"GET /v3.0/OS-CREDENTIAL/credentials", 200},
      {"DELETE /v3.0/OS-CREDENTIAL/credentials/{access_key}", 204},  // their own
  };
  for (const auto& route : server_->routes()) {
    const std::string name = route.method + " " + route.pattern;
    if (name == "POST /v3/auth/tokens") continue;  // public
    HeaderList headers = Auth(token);
    if (name == "DELETE /v3/auth/tokens") headers.emplace_back("X-Subject-Token", spare_token);
    const std::string body =
        route.pattern.find("/objects/") != std::string::npos ? "data" : "{}";
    auto r = c().Do(route.method, Fill(route.pattern, values), headers,
                    route.method == "GET" || route.method == "DELETE" ? "" : body);
    auto it = self_service.find(name);
    if (it != self_service.end()) {
      EXPECT_EQ(r.status, it->second) << name << ": " << r.body;
    } else {
      EXPECT_EQ(r.status, 403) << name << ": " << r.body;
      EXPECT_EQ(r.json()["error_code"], "OA.AUTH.0403") << name;
    }
  }
  // The caller's own token survived the self-service revocation of the spare one.
  EXPECT_EQ(c().Do("GET", "/v3/projects", Auth(token)).status, 200);
  EXPECT_EQ(c().Do("GET", "/v3/projects", Auth(spare_token)).status, 401);
}

TEST_F(ServerTest, WorkspaceAcl) {
  std::string a_id, b_id;
  std::string a = Developer("ws-alice", &a_id);
  std::string b = Developer("ws-bob", &b_id);
  std::string carol = Developer("ws-carol");

  auto priv = c().Do("POST", V1("/workspaces"), Auth(a),
                     R"({"name":"alice-private","auth_type":"PRIVATE"})");
  ASSERT_EQ(priv.status, 201) << priv.body;
  const std::string priv_id = priv.json()["id"].get<std::string>();
  EXPECT_EQ(priv.json()["owner"], "ws-alice");

  EXPECT_EQ(c().Do("GET", V1("/workspaces/" + priv_id), Auth(a)).status, 200);
  EXPECT_EQ(c().Do("GET", V1("/workspaces/" + priv_id), Auth(b)).status, 403);
  EXPECT_EQ(c().Do("GET", V1("/workspaces/" + priv_id), Auth(admin())).status, 200);
  auto names = [&](const std::string& token) {
    std::set<std::string> out;
    auto r = c().Do("GET", V1("/workspaces"), Auth(token));
    EXPECT_EQ(r.status, 200) << r.body;
    const Json list = r.json();
    for (const auto& w : list["workspaces"]) out.insert(w["name"].get<std::string>());
    return out;
  };
  EXPECT_TRUE(names(a).count("alice-private"));
  EXPECT_FALSE(names(b).count("alice-private"));

  auto internal = c().Do("POST", V1("/workspaces"), Auth(a),
                         Json{{"name", "alice-internal"},
                              {"auth_type", "INTERNAL"},
                              {"grants", {{{"user_id", b_id}}}}}
                             .dump());
  ASSERT_EQ(internal.status, 201) << internal.body;
  const std::string internal_id = internal.json()["id"].get<std::string>();
  EXPECT_EQ(c().Do("GET", V1("/workspaces/" + internal_id), Auth(b)).status, 200);
  EXPECT_TRUE(names(b).count("alice-internal"));
  EXPECT_EQ(c().Do("GET", V1("/workspaces/" + internal_id), Auth(carol)).status, 403);
  EXPECT_FALSE(names(carol).count("alice-internal"));

  // A bucket in a private workspace is invisible to others, and its objects too.
  MakeBucket("alice-bucket", a, priv_id);
  EXPECT_EQ(c().Do("GET", V1("/buckets/alice-bucket"), Auth(b)).status, 403);
  EXPECT_EQ(c().Do("GET", V1("/buckets/alice-bucket/objects"), Auth(b)).status, 403);
  auto buckets = c().Do("GET", V1("/buckets"), Auth(b));
  EXPECT_EQ(buckets.body.find("alice-bucket"), std::string::npos);
  // Copying out of it is reading it.
  MakeBucket("bob-bucket", b);
  auto put = c().Do("PUT", V1("/buckets/alice-bucket/objects/secret"), Auth(a), "s3cret");
  ASSERT_EQ(put.status, 200) << put.body;
  HeaderList copy = Auth(b);
  copy.emplace_back("X-OA-Copy-Source", "/alice-bucket/secret");
  EXPECT_EQ(c().Do("PUT", V1("/buckets/bob-bucket/objects/stolen"), copy).status, 403);

  // Quotas: readable by the owner; updates validated.
  auto quotas = c().Do("GET", V1("/workspaces/" + priv_id + "/quotas"), Auth(a));
  EXPECT_EQ(quotas.status, 200) << quotas.body;

  EXPECT_EQ(c().Do("DELETE", V1("/workspaces/" + internal_id), Auth(a)).status, 204);
  EXPECT_EQ(c().Do("GET", V1("/workspaces/" + internal_id), Auth(a)).status, 404);
  auto bad = c().Do("POST", V1("/workspaces"), Auth(a), R"({"name":"x1","auth_type":"OPEN"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("auth_type"), std::string::npos);
}

TEST_F(ServerTest, ObjectRoundTripRangeCopyAndList) {
  MakeBucket("round-trip", admin());
  std::string data;
  for (int i = 0; i < 100000; ++i) data.push_back(static_cast<char>('a' + i % 26));
  const std::string md5_b64 = [&] {
    // base64 of the raw MD5, as Content-MD5 wants.
    static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string raw = Md5(data), out;
    for (size_t i = 0; i < raw.size(); i += 3) {
      uint32_t n = uint8_t(raw[i]) << 16;
      if (i + 1 < raw.size()) n |= uint8_t(raw[i + 1]) << 8;
      if (i + 2 < raw.size()) n |= uint8_t(raw[i + 2]);
      out += tbl[(n >> 18) & 63];
      out += tbl[(n >> 12) & 63];
      out += i + 1 < raw.size() ? tbl[(n >> 6) & 63] : '=';
      out += i + 2 < raw.size() ? tbl[n & 63] : '=';
    }
    return out;
  }();

  auto put = PutObject("round-trip", "data/a%20b.txt", data, {{"Content-MD5", md5_b64}});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.json()["etag"], HexMd5(data));
  EXPECT_EQ(put.json()["key"], "data/a b.txt");
  EXPECT_EQ(put.Header("ETag"), "\"" + HexMd5(data) + "\"");

  auto bad_md5 = PutObject("round-trip", "data/bad", data, {{"Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="}});
  EXPECT_EQ(bad_md5.status, 400) << bad_md5.body;
  EXPECT_EQ(PutObject("round-trip", "data/bad", data, {{"Content-MD5", "???"}}).status, 400);

  const std::string url = V1("/buckets/round-trip/objects/data/a%20b.txt");
  auto get = c().Do("GET", url, Auth(admin()));
  ASSERT_EQ(get.status, 200);
  EXPECT_EQ(get.body, data);
  EXPECT_FALSE(get.Header("Last-Modified").empty());

  HeaderList range = Auth(admin());
  range.emplace_back("Range", "bytes=2-5");
  auto part = c().Do("GET", url, range);
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.body, data.substr(2, 4));
  EXPECT_EQ(part.Header("Content-Range"), "bytes 2-5/100000");

  HeaderList suffix = Auth(admin());
  suffix.emplace_back("Range", "bytes=-3");
  EXPECT_EQ(c().Do("GET", url, suffix).body, data.substr(data.size() - 3));

  HeaderList beyond = Auth(admin());
  beyond.emplace_back("Range", "bytes=200000-");
  auto unsat = c().Do("GET", url, beyond);
  EXPECT_EQ(unsat.status, 416);
  EXPECT_EQ(unsat.Header("Content-Range"), "bytes */100000");

  HeaderList inm = Auth(admin());
  inm.emplace_back("If-None-Match", "\"" + HexMd5(data) + "\"");
  EXPECT_EQ(c().Do("GET", url, inm).status, 304);

  auto head = c().Do("HEAD", url, Auth(admin()));
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.Header("Content-Length"), "100000");
  EXPECT_TRUE(head.body.empty());

  HeaderList copy = Auth(admin());
  copy.emplace_back("X-OA-Copy-Source", "/round-trip/data/a%20b.txt");
  auto copied = c().Do("PUT", V1("/buckets/round-trip/objects/copy/c.txt"), copy);
  ASSERT_EQ(copied.status, 200) << copied.body;
  EXPECT_EQ(copied.json()["etag"], HexMd5(data));
  EXPECT_EQ(c().Do("GET", V1("/buckets/round-trip/objects/copy/c.txt"), Auth(admin())).body, data);

  ASSERT_EQ(PutObject("round-trip", "top.txt", "x").status, 200);
  auto list = c().Do("GET", V1("/buckets/round-trip/objects?delimiter=%2F"), Auth(admin()));
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.json()["common_prefixes"], Json({"copy/", "data/"}));
  ASSERT_EQ(list.json()["objects"].size(), 1u);
  EXPECT_EQ(list.json()["objects"][0]["key"], "top.txt");
  auto page = c().Do("GET", V1("/buckets/round-trip/objects?max_keys=1"), Auth(admin()));
  EXPECT_EQ(page.json()["is_truncated"], true);
  EXPECT_EQ(c().Do("GET", V1("/buckets/round-trip/objects?max_keys=5000"), Auth(admin())).status,
            400);

  EXPECT_EQ(c().Do("DELETE", V1("/buckets/round-trip"), Auth(admin())).status, 409);
  EXPECT_EQ(c().Do("DELETE", url, Auth(admin())).status, 204);
  EXPECT_EQ(c().Do("GET", url, Auth(admin())).status, 404);
  EXPECT_EQ(c().Do("DELETE", url, Auth(admin())).status, 404);
}

TEST_F(ServerTest, AkSkSignedRequests) {
  auto cred = c().Do("POST", "/v3.0/OS-CREDENTIAL/credentials", Auth(admin()),
                     R"({"credential":{"description":"it"}})");
  ASSERT_EQ(cred.status, 201) << cred.body;
  const std::string ak = cred.json()["credential"]["access"].get<std::string>();
  const std::string sk = cred.json()["credential"]["secret"].get<std::string>();
  auto listed = c().Do("GET", "/v3.0/OS-CREDENTIAL/credentials", Auth(admin()));
  EXPECT_EQ(listed.body.find(sk), std::string::npos) << "a listed credential shows its secret";

  const std::string host = c().base().substr(std::string("http://").size());
  auto sign = [&](const std::string& method, const std::string& path, const std::string& query,
                  const std::string& body_hash, HeaderList extra = {}) {
    HeaderList headers = {{"Host", host}, {"X-Sdk-Date", FormatSdkDate(SystemClock().NowMillis())}};
    for (auto& h : extra) headers.push_back(h);
    sdk_hmac::SignInput in{method, path, query,
                           std::vector<std::pair<std::string, std::string>>(headers.begin(),
                                                                            headers.end()),
                           body_hash};
    std::vector<std::string> signed_headers = {"host", "x-sdk-date"};
    headers.emplace_back("Authorization", sdk_hmac::Authorization(ak, sk, in, signed_headers));
    return headers;
  };
  const std::string empty_hash = HexEncode(Sha256(""));
  const std::string path = V1("/buckets");
  auto ok = c().Do("GET", path + "?workspace_id=0", sign("GET", path, "workspace_id=0", empty_hash));
  EXPECT_EQ(ok.status, 200) << ok.body;

  // Tampered: the query changed after signing.
  auto tampered =
      c().Do("GET", path + "?workspace_id=1", sign("GET", path, "workspace_id=0", empty_hash));
  EXPECT_EQ(tampered.status, 401) << tampered.body;
  // Tampered body on a buffered route.
  const std::string body = R"({"workspace_id":"0"})";
  const std::string bucket_path = V1("/buckets/signed-bucket");
  auto forged = c().Do("PUT", bucket_path,
                       sign("PUT", bucket_path, "", HexEncode(Sha256("{}"))), body);
  EXPECT_EQ(forged.status, 401) << forged.body;
  auto created = c().Do("PUT", bucket_path, sign("PUT", bucket_path, "", HexEncode(Sha256(body))),
                        body);
  EXPECT_EQ(created.status, 201) << created.body;

  // Streamed uploads are signed with UNSIGNED-PAYLOAD, and must say so.
  const std::string obj = bucket_path + "/objects/o.bin";
  auto unsigned_ok = c().Do("PUT", obj,
                            sign("PUT", obj, "", "UNSIGNED-PAYLOAD",
                                 {{"X-Sdk-Content-Sha256", "UNSIGNED-PAYLOAD"}}),
                            "payload");
  EXPECT_EQ(unsigned_ok.status, 200) << unsigned_ok.body;
  auto undeclared = c().Do("PUT", obj, sign("PUT", obj, "", HexEncode(Sha256("payload"))),
                           "payload");
  EXPECT_EQ(undeclared.status, 401);
  EXPECT_NE(undeclared.body.find("UNSIGNED-PAYLOAD"), std::string::npos) << undeclared.body;

  EXPECT_EQ(c().Do("DELETE", "/v3.0/OS-CREDENTIAL/credentials/" + ak, Auth(admin())).status, 204);
  auto after = c().Do("GET", path, sign("GET", path, "", empty_hash));
  EXPECT_EQ(after.status, 401);
}

TEST_F(ServerTest, RevokedTokensStopWorking) {
  CreateUser("revokee");
  std::string token = Login(c(), "revokee", "User-Pass-1");
  auto check = c().Do("GET", "/v3/auth/tokens", Auth(token));
  ASSERT_EQ(check.status, 200) << check.body;
  EXPECT_EQ(check.json()["token"]["user"]["name"], "revokee");
  EXPECT_EQ(c().Do("DELETE", "/v3/auth/tokens", Auth(token)).status, 204);
  auto after = c().Do("GET", "/v3/projects", Auth(token));
  EXPECT_EQ(after.status, 401);
  EXPECT_NE(after.json()["error_msg"].get<std::string>().find("revoked"), std::string::npos)
      << after.body;
}

TEST_F(ServerTest, ForceDeletingABucketRunsATask) {
  MakeBucket("doomed", admin());
  for (int i = 0; i < 25; ++i) {
    ASSERT_EQ(PutObject("doomed", "d" + std::to_string(i % 4) + "/o" + std::to_string(i), "x").status,
              200);
  }
  auto r = c().Do("DELETE", V1("/buckets/doomed?force=true"), Auth(admin()));
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string task_id = r.json()["task_id"].get<std::string>();
  Json task;
  for (int i = 0; i < 200; ++i) {
    auto t = c().Do("GET", V1("/tasks/" + task_id), Auth(admin()));
    ASSERT_EQ(t.status, 200) << t.body;
    task = t.json();
    if (task["status"] == "Succeeded" || task["status"] == "Failed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(task["status"], "Succeeded") << task.dump();
  EXPECT_EQ(c().Do("GET", V1("/buckets/doomed"), Auth(admin())).status, 404);
  auto list = c().Do("GET", V1("/tasks?type=objstore.delete_bucket"), Auth(admin()));
  EXPECT_NE(list.body.find(task_id), std::string::npos);
  EXPECT_EQ(c().Do("GET", V1("/tasks?status=Sleeping"), Auth(admin())).status, 400);
  // Finished tasks cannot be cancelled.
  EXPECT_EQ(c().Do("POST", V1("/tasks/" + task_id + "/cancel"), Auth(admin())).status, 409);
}

// The dataset errors api/openapi.yaml promises: the HTTP status of each ModelArts code.
TEST_F(ServerTest, DatasetErrorsUseTheDocumentedStatuses) {
  MakeBucket("status-data", admin());
  ASSERT_EQ(PutObject("status-data", "in/a.txt", "hello world\n").status, 200);
  const std::string v2 = "/v2/" + *project_id_ + "/datasets";
  auto create = [&](const std::string& name, int type) {
    Json body = {{"dataset_name", name},
                 {"dataset_type", type},
                 {"data_sources", Json::array({Json{{"data_path", "obs://status-data/in/"}}})},
                 {"work_path", "obs://status-data/out-" + name + "/"},
                 {"labels", Json::array({Json{{"name", "a"}}})}};
    auto r = c().Do("POST", v2, Auth(admin()), body.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json().value("dataset_id", "");
  };
  auto expect = [&](const HttpResponse& r, int status, const std::string& code) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_NE(r.json().value("error_msg", "").find(code), std::string::npos) << r.body;
  };
  const std::string id = create("status-cls", 100);
  const std::string ds = v2 + "/" + id;
  ASSERT_EQ(id.size(), 32u);
  auto dup = c().Do("POST", v2, Auth(admin()),
                    Json{{"dataset_name", "status-cls"},
                         {"data_sources", Json::array({Json{{"data_path", "obs://status-data/in/"}}})},
                         {"work_path", "obs://status-data/o2/"}}.dump());
  EXPECT_EQ(dup.status, 409) << dup.body;
  expect(c().Do("POST", ds + "/data-annotations/labels", Auth(admin()), R"({"labels":[{"name":"a"}]})"), 409,
         "ModelArts.4411");
  expect(c().Do("PUT", ds + "/data-annotations/labels", Auth(admin()),
                R"({"labels":[{"name":"zz","property":{"@modelarts:rename_to":"y"}}]})"),
         404, "ModelArts.4410");
  expect(c().Do("GET", ds + "/data-annotations/samples?label_name=zz", Auth(admin())), 404, "ModelArts.4410");
  expect(c().Do("GET", ds + "/data-annotations/samples?sample_state=bogus", Auth(admin())), 400, "sample_state");
  expect(c().Do("POST", ds + "/export-tasks", Auth(admin()), R"({"path":"obs://status-data/in/x/"})"), 400,
         "ModelArts.4358");
  expect(c().Do("POST", ds + "/export-tasks", Auth(admin()), R"({"path":"obs://status-data/e/","export_type":9})"),
         400, "ModelArts.4384");
  auto exp = c().Do("POST", ds + "/export-tasks", Auth(admin()), R"({"path":"obs://status-data/e/"})");
  ASSERT_EQ(exp.status, 201) << exp.body;
  // An export task is not an import task, and the other way round.
  const std::string export_id = exp.json()["task_id"].get<std::string>();
  EXPECT_EQ(c().Do("GET", ds + "/import-tasks/" + export_id, Auth(admin())).status, 404);
  auto imp = c().Do("POST", ds + "/import-tasks", Auth(admin()), R"({"import_path":"obs://status-data/in/"})");
  ASSERT_EQ(imp.status, 201) << imp.body;
  expect(c().Do("GET", ds + "/export-tasks/" + imp.json()["task_id"].get<std::string>(), Auth(admin())), 404,
         "ModelArts.4359");
  EXPECT_EQ(c().Do("GET", ds + "/versions/nope", Auth(admin())).status, 404);
  // Publishing waits for the import (ModelArts.4343 while it runs).
  const std::string import_url = ds + "/import-tasks/" + imp.json()["task_id"].get<std::string>();
  std::string status;
  for (int i = 0; i < 200 && status != "COMPLETED" && status != "FAILED"; ++i) {
    if (i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    status = c().Do("GET", import_url, Auth(admin())).json().value("status", "");
  }
  ASSERT_EQ(status, "COMPLETED");
  auto v1 = c().Do("POST", ds + "/versions", Auth(admin()), "");
  EXPECT_EQ(v1.status, 201) << v1.body;
  expect(c().Do("POST", ds + "/versions", Auth(admin()), "{}"), 409, "ModelArts.4370");
  const std::string ner = create("status-ner", 101);
  expect(c().Do("POST", v2 + "/" + ner + "/versions", Auth(admin()), R"({"train_evaluate_sample_ratio":"0.8"})"), 400,
         "ModelArts.4342");
  EXPECT_EQ(c().Do("DELETE", ds + "/versions/" + v1.json()["version_id"].get<std::string>(), Auth(admin())).status,
            204);
  EXPECT_EQ(c().Do("DELETE", ds, Auth(admin())).status, 204);
  EXPECT_EQ(c().Do("GET", ds, Auth(admin())).status, 404);
}

TEST_F(ServerTest, WrongProjectInThePathIsNotFound) {
  auto r = c().Do("GET", "/v1/not-my-project/workspaces", Auth(admin()));
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find(*project_id_), std::string::npos) << "the message names the right id";
}

}  // namespace
}  // namespace openarts::testing
