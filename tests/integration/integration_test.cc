// The daemon in-process (server::Server on a temporary home and port 0), driven through its REST
// API with libcurl: login, the per-route authentication/authorization matrix, workspace ACLs,
// objects, AK/SK signing, token revocation, the bucket force-delete task and the HTTP statuses of
// the dataset and team labeling errors.
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
  std::string CreateUser(const std::string& name, const std::string& password = "User-Pass-1",
                         const std::string& email = "") {
    Json user = {{"name", name}, {"password", password}};
    if (!email.empty()) user["email"] = email;
    auto r = c().Do("POST", "/v3/users", Auth(admin()), Json{{"user", user}}.dump());
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
std::string Bmp(int w, int h, uint8_t r, uint8_t g, uint8_t b);  // below

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
    v["workforce_id"] = workforce_id_;
    v["worker_id"] = worker_id_;
    v["workforce_task_id"] = workforce_task_id_;
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
    ASSERT_EQ(PutObject("matrix-data", "in/a.jpg", Bmp(8, 8, 1, 2, 3)).status, 200);
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
    // A team and a team labeling task of the dataset, for the team labeling routes.
    CreateUser("matrix-lead", "User-Pass-1", "lead@matrix.test");
    CreateUser("matrix-labeler", "User-Pass-1", "labeler@matrix.test");
    auto team = c().Do("POST", "/v2/" + *project_id_ + "/workforces", Auth(admin()),
                       Json{{"workforce_name", "matrix-team"},
                            {"workers", {{{"email", "lead@matrix.test"}, {"role", 2}},
                                         {{"email", "labeler@matrix.test"}, {"role", 0}}}}}
                           .dump());
    ASSERT_EQ(team.status, 201) << team.body;
    workforce_id_ = team.json()["workforce_id"].get<std::string>();
    auto workers = c().Do("GET", "/v2/" + *project_id_ + "/workforces/" + workforce_id_ + "/workers", Auth(admin()));
    ASSERT_EQ(workers.status, 200) << workers.body;
    worker_id_ = workers.json()["workers"][1]["worker_id"].get<std::string>();
    auto wt = c().Do("POST", v2 + "/" + dataset_id_ + "/workforce-tasks", Auth(admin()),
                     Json{{"task_name", "matrix-task"}, {"workforce_id", workforce_id_}, {"all_samples", true}}.dump());
    ASSERT_EQ(wt.status, 201) << wt.body;
    workforce_task_id_ = wt.json()["task_id"].get<std::string>();
  }
  static std::string group_id_, task_id_, training_job_id_, dataset_id_, sample_id_, version_id_, workforce_id_,
      worker_id_, workforce_task_id_;
};
std::string MatrixTest::group_id_, MatrixTest::task_id_, MatrixTest::training_job_id_, MatrixTest::dataset_id_,
    MatrixTest::sample_id_, MatrixTest::version_id_, MatrixTest::workforce_id_, MatrixTest::worker_id_,
    MatrixTest::workforce_task_id_;

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
      {"GET /v2/{project_id}/workforces/worker-tasks", 200},  // their own team labeling tasks (none)
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

// A 24-bit BMP of w x h pixels of one colour.
std::string Bmp(int w, int h, uint8_t r, uint8_t g, uint8_t b) {
  const int row = (w * 3 + 3) / 4 * 4;
  std::string out(54 + static_cast<size_t>(row) * h, '\0');
  auto put32 = [&](size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) out[at + i] = static_cast<char>(v >> (8 * i));
  };
  out[0] = 'B';
  out[1] = 'M';
  put32(2, static_cast<uint32_t>(out.size()));
  put32(10, 54);
  put32(14, 40);
  put32(18, static_cast<uint32_t>(w));
  put32(22, static_cast<uint32_t>(h));
  out[26] = 1;
  out[28] = 24;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      size_t at = 54 + static_cast<size_t>(y) * row + static_cast<size_t>(x) * 3;
      out[at] = static_cast<char>(b);
      out[at + 1] = static_cast<char>(g);
      out[at + 2] = static_cast<char>(r);
    }
  }
  return out;
}

// Sample content and thumbnails over HTTP: streamed bytes, ETag revalidation, a JPEG thumbnail —
// and a dataset cannot be used to read a bucket its user may not read (a manifest may name any
// object).
TEST_F(ServerTest, SampleContentNeedsReadAccessToTheSourceBucket) {
  std::string alice = Developer("content-alice");
  std::string bob = Developer("content-bob");
  auto ws = c().Do("POST", V1("/workspaces"), Auth(alice), R"({"name":"content-private","auth_type":"PRIVATE"})");
  ASSERT_EQ(ws.status, 201) << ws.body;
  MakeBucket("content-secret", alice, ws.json()["id"].get<std::string>());
  ASSERT_EQ(PutObject("content-secret", "secret.txt", "alice's secret").status, 200);
  MakeBucket("content-data", bob);
  const std::string image = Bmp(64, 16, 10, 200, 30);
  ASSERT_EQ(PutObject("content-data", "in/wide.bmp", image).status, 200);
  ASSERT_EQ(PutObject("content-data", "m/x.manifest",
                      "{\"source\":\"s3://content-data/in/wide.bmp\"}\n"
                      "{\"source\":\"s3://content-secret/secret.txt\"}\n").status,
            200);
  const std::string v2 = "/v2/" + *project_id_ + "/datasets";
  auto created = c().Do("POST", v2, Auth(bob),
                        Json{{"dataset_name", "content-ds"},
                             {"dataset_type", 0},
                             {"data_sources", Json::array({Json{{"data_path", "obs://content-data/in/"}}})},
                             {"work_path", "obs://content-data/out/"}}.dump());
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string ds = v2 + "/" + created.json()["dataset_id"].get<std::string>();
  auto imp = c().Do("POST", ds + "/import-tasks", Auth(bob), R"({"import_path":"obs://content-data/m/x.manifest"})");
  ASSERT_EQ(imp.status, 201) << imp.body;
  std::string status;
  for (int i = 0; i < 200 && status != "COMPLETED" && status != "FAILED"; ++i) {
    if (i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    status = c().Do("GET", ds + "/import-tasks/" + imp.json()["task_id"].get<std::string>(), Auth(bob))
                 .json()
                 .value("status", "");
  }
  ASSERT_EQ(status, "COMPLETED");
  std::map<std::string, std::string> ids;
  const Json samples = c().Do("GET", ds + "/data-annotations/samples?limit=10", Auth(bob)).json();
  for (const auto& smp : samples["samples"]) {
    std::string src = smp["source"].get<std::string>();
    ids[src.substr(src.rfind('/') + 1)] = smp["sample_id"].get<std::string>();
  }
  ASSERT_EQ(ids.size(), 2u) << samples.dump();
  const std::string ann = ds + "/data-annotations/samples/";

  auto content = c().Do("GET", ann + ids["wide.bmp"] + "/content", Auth(bob));
  ASSERT_EQ(content.status, 200) << content.body;
  EXPECT_EQ(content.body, image);
  const std::string etag = content.Header("ETag");
  ASSERT_FALSE(etag.empty());
  HeaderList revalidate = Auth(bob);
  revalidate.emplace_back("If-None-Match", etag);
  EXPECT_EQ(c().Do("GET", ann + ids["wide.bmp"] + "/content", revalidate).status, 304);

  auto thumb = c().Do("GET", ann + ids["wide.bmp"] + "/thumbnail?size=32", Auth(bob));
  ASSERT_EQ(thumb.status, 200) << thumb.body;
  EXPECT_EQ(thumb.Header("Content-Type"), "image/jpeg");
  ASSERT_GT(thumb.body.size(), 4u);
  EXPECT_EQ(thumb.body.substr(0, 3), "\xFF\xD8\xFF");  // a JPEG
  EXPECT_EQ(c().Do("GET", ann + ids["wide.bmp"] + "/thumbnail?size=8", Auth(bob)).status, 400);

  // The dataset names alice's object, but bob may not read her bucket.
  auto secret = c().Do("GET", ann + ids["secret.txt"] + "/content", Auth(bob));
  EXPECT_EQ(secret.status, 403) << secret.body;
  EXPECT_EQ(secret.body.find("alice's secret"), std::string::npos);
  EXPECT_EQ(c().Do("GET", ann + ids["secret.txt"] + "/thumbnail", Auth(bob)).status, 403);
}

// Team labeling over HTTP: members without any IAM grant see and label only their share; the
// ModelArts codes of spec §8 answer with the documented statuses.
TEST_F(ServerTest, TeamLabelingMembersNeedNoGrantAndSeeOnlyTheirShare) {
  MakeBucket("team-data", admin());
  ASSERT_EQ(PutObject("team-data", "in/a.txt", "one\ntwo\nthree\nfour\n").status, 200);
  const std::string v2 = "/v2/" + *project_id_;
  Json body = {{"dataset_name", "team-texts"},
               {"dataset_type", 100},
               {"data_sources", Json::array({Json{{"data_path", "obs://team-data/in/"}}})},
               {"work_path", "obs://team-data/out/"},
               {"import_data", true}};
  auto d = c().Do("POST", v2 + "/datasets", Auth(admin()), body.dump());
  ASSERT_EQ(d.status, 201) << d.body;
  const std::string ds = v2 + "/datasets/" + d.json()["dataset_id"].get<std::string>();
  const std::string import_url = ds + "/import-tasks/" + d.json()["import_task_id"].get<std::string>();
  std::string status;
  for (int i = 0; i < 200 && status != "COMPLETED" && status != "FAILED"; ++i) {
    if (i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    status = c().Do("GET", import_url, Auth(admin())).json().value("status", "");
  }
  ASSERT_EQ(status, "COMPLETED");
  CreateUser("team-lead", "User-Pass-1", "lead@team.test");
  CreateUser("team-ann", "User-Pass-1", "ann@team.test");
  CreateUser("team-bob", "User-Pass-1", "bob@team.test");
  const std::string ann = Login(c(), "team-ann", "User-Pass-1");
  auto expect = [&](const HttpResponse& r, int code, const std::string& text) {
    EXPECT_EQ(r.status, code) << r.body;
    EXPECT_NE(r.json().value("error_msg", "").find(text), std::string::npos) << r.body;
  };
  Json two_managers = {{"workforce_name", "team-x"},
                       {"workers", {{{"email", "lead@team.test"}, {"role", 2}}, {{"email", "ann@team.test"}, {"role", 2}}}}};
  expect(c().Do("POST", v2 + "/workforces", Auth(admin()), two_managers.dump()), 400, "ModelArts.4617");
  auto team = c().Do("POST", v2 + "/workforces", Auth(admin()),
                     Json{{"workforce_name", "team-x"},
                          {"workers", {{{"email", "lead@team.test"}, {"role", 2}},
                                       {{"email", "ann@team.test"}},
                                       {{"email", "bob@team.test"}}}}}
                         .dump());
  ASSERT_EQ(team.status, 201) << team.body;
  const std::string team_url = v2 + "/workforces/" + team.json()["workforce_id"].get<std::string>();
  expect(c().Do("POST", team_url + "/workers", Auth(admin()), R"({"workers":[{"email":"ANN@team.test"}]})"), 409,
         "already in team");
  expect(c().Do("POST", team_url + "/workers", Auth(admin()), R"({"workers":[{"email":"who@team.test"}]})"), 400,
         "no platform user has the e-mail");
  EXPECT_EQ(c().Do("GET", v2 + "/workforces", Auth(ann)).status, 403);  // teams are the owner's business
  auto task = c().Do("POST", ds + "/workforce-tasks", Auth(admin()),
                     Json{{"task_name", "round1"}, {"workforce_id", team.json()["workforce_id"]}}.dump());
  ASSERT_EQ(task.status, 201) << task.body;
  EXPECT_EQ(task.json()["sample_count"], 4);
  const std::string task_url = ds + "/workforce-tasks/" + task.json()["task_id"].get<std::string>();

  // Ann: no IAM grant at all, yet her share (2 of 4), and only hers.
  auto mine = c().Do("GET", task_url + "/data-annotations/samples", Auth(ann));
  ASSERT_EQ(mine.status, 200) << mine.body;
  EXPECT_EQ(mine.json()["sample_count"], 2);
  const Json all = c().Do("GET", task_url + "/data-annotations/samples", Auth(admin())).json();
  ASSERT_EQ(all["sample_count"], 4);
  std::string theirs;
  for (const auto& s : all["samples"]) {
    if (s["labelers"][0]["email"] == "bob@team.test") theirs = s["sample_id"].get<std::string>();
  }
  ASSERT_FALSE(theirs.empty());
  expect(c().Do("GET", task_url + "/data-annotations/samples/" + theirs, Auth(ann)), 403, "another labeler's share");
  expect(c().Do("PUT", task_url + "/data-annotations/samples", Auth(ann),
                Json{{"samples", {{{"sample_id", theirs}, {"labels", {{{"name", "pos"}}}}}}}}.dump()),
         403, "another labeler's share");
  const std::string own = mine.json()["samples"][0]["sample_id"].get<std::string>();
  auto labeled = c().Do("PUT", task_url + "/data-annotations/samples", Auth(ann),
                        Json{{"samples", {{{"sample_id", own}, {"labels", {{{"name", "pos"}}}}}}}}.dump());
  EXPECT_EQ(labeled.status, 200) << labeled.body;
  EXPECT_EQ(c().Do("POST", task_url + "/data-annotations/samples/submit", Auth(ann), "").json()["submitted_sample_count"],
            1);
  // Ann cannot review; the dataset itself stays closed to her.
  EXPECT_EQ(c().Do("POST", task_url + "/data-annotations/samples/review", Auth(ann),
                   Json{{"samples", {own}}, {"comment", {{"result", "accept"}}}}.dump())
                .status,
            403);
  EXPECT_EQ(c().Do("GET", ds + "/data-annotations/samples", Auth(ann)).status, 403);
  auto reviewed = c().Do("POST", task_url + "/data-annotations/samples/review", Auth(admin()),
                         Json{{"samples", {own}}, {"comment", {{"result", "accept"}, {"score", "A"}}}}.dump());
  ASSERT_EQ(reviewed.status, 200) << reviewed.body;
  EXPECT_EQ(c().Do("GET", ds + "/data-annotations/samples/" + own, Auth(admin())).json()["labels"][0]["name"], "pos");
  auto metrics = c().Do("GET", task_url + "/metrics", Auth(ann));
  ASSERT_EQ(metrics.status, 200) << metrics.body;
  ASSERT_EQ(metrics.json()["members"].size(), 1u);
  EXPECT_EQ(metrics.json()["members"][0]["accepted"], 1);

  std::string ann_worker;
  const Json workers = c().Do("GET", team_url + "/workers", Auth(admin())).json();
  for (const auto& w : workers["workers"]) {
    if (w["email"] == "ann@team.test") ann_worker = w["worker_id"].get<std::string>();
  }
  expect(c().Do("DELETE", team_url + "/workers/" + ann_worker, Auth(admin())), 409, "ModelArts.4628");
  expect(c().Do("DELETE", team_url, Auth(admin())), 409, "ModelArts.4615");
  expect(c().Do("GET", task_url + "/data-annotations/samples?sample_state=__AUTO_ANNOTATION__", Auth(ann)), 400,
         "sample_state");
  EXPECT_EQ(c().Do("DELETE", task_url, Auth(ann)).status, 403);
  EXPECT_EQ(c().Do("DELETE", task_url, Auth(admin())).status, 204);
  EXPECT_EQ(c().Do("DELETE", team_url, Auth(admin())).status, 204);
}

TEST_F(ServerTest, WrongProjectInThePathIsNotFound) {
  auto r = c().Do("GET", "/v1/not-my-project/workspaces", Auth(admin()));
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find(*project_id_), std::string::npos) << "the message names the right id";
}

}  // namespace
}  // namespace openarts::testing
