#include <gtest/gtest.h>

#include <algorithm>

#include "iam/iam.h"
#include "iam/testing/iam_env.h"

namespace openarts::iam {
namespace {

using testing::IamEnv;

class WorkspaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto role = iam().GetRole("ModelArts CommonOperations");
    ASSERT_TRUE(role.ok());
    for (auto* who : {&owner_, &granted_, &other_}) {
      static int n = 0;
      auto u = iam().CreateUser(User{.name = "user" + std::to_string(n++)}, "password-123");
      ASSERT_TRUE(u.ok()) << u.status().ToString();
      *who = env_.As(*u);
      ASSERT_TRUE(iam().BindRole(env_.project().id, "user", u->id, role->id).ok());
    }
  }
  Iam& iam() { return env_.iam(); }
  Workspace Create(const std::string& name, AuthType auth,
                   std::optional<std::vector<std::string>> grants = std::nullopt) {
    auto ws = iam().CreateWorkspace(owner_, WorkspaceSpec{.name = name, .auth_type = auth,
                                                          .grants = std::move(grants)});
    EXPECT_TRUE(ws.ok()) << ws.status().ToString();
    return ws.ok() ? *ws : Workspace{};
  }
  IamEnv env_;
  Principal owner_, granted_, other_;
};

TEST_F(WorkspaceTest, AclMatrix) {
  Workspace pub = Create("ws-public", AuthType::kPublic);
  Workspace priv = Create("ws-private", AuthType::kPrivate);
  Workspace internal = Create("ws-internal", AuthType::kInternal, std::vector{granted_.user_id});
  EXPECT_EQ(internal.grant_user_ids, std::vector{granted_.user_id});
  EXPECT_EQ(pub.owner_name, owner_.user_name);
  EXPECT_EQ(pub.id.size(), 32u);

  struct Case {
    const Workspace* ws;
    const Principal* who;
    bool allowed;
  } cases[] = {
      {&pub, &owner_, true},       {&pub, &granted_, true},       {&pub, &other_, true},
      {&priv, &owner_, true},      {&priv, &granted_, false},     {&priv, &other_, false},
      {&internal, &owner_, true},  {&internal, &granted_, true},  {&internal, &other_, false},
  };
  for (const auto& c : cases) {
    Status s = iam().Authorize(*c.who, "modelarts:workspace:get", c.ws->id);
    EXPECT_EQ(s.ok(), c.allowed) << c.ws->name << " as " << c.who->user_name << ": "
                                 << s.ToString();
    if (!c.allowed) {
      EXPECT_EQ(s.code(), Code::kPermissionDenied);
      EXPECT_NE(s.message().find(c.ws->name), std::string::npos) << s.message();
    }
  }
  for (const Workspace* ws : {&pub, &priv, &internal}) {
    EXPECT_TRUE(iam().Authorize(env_.admin(), "modelarts:workspace:get", ws->id).ok());
  }
  // Policy AND ACL: the owner of a workspace is still bound by the role's Deny.
  EXPECT_EQ(iam().Authorize(owner_, "modelarts:pool:create", priv.id).code(),
            Code::kPermissionDenied);
  EXPECT_EQ(iam().Authorize(owner_, "modelarts:workspace:get", "feedfeedfeedfeedfeedfeedfeedfeed")
                .code(),
            Code::kNotFound);

  auto ids = [](const std::vector<Workspace>& v) {
    std::vector<std::string> out;
    for (const auto& w : v) out.push_back(w.name);
    std::sort(out.begin(), out.end());
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids(*iam().ListWorkspaces(owner_)),
            (V{"default", "ws-internal", "ws-private", "ws-public"}));
  EXPECT_EQ(ids(*iam().ListWorkspaces(granted_)), (V{"default", "ws-internal", "ws-public"}));
  EXPECT_EQ(ids(*iam().ListWorkspaces(other_)), (V{"default", "ws-public"}));
  EXPECT_EQ(ids(*iam().ListWorkspaces(env_.admin())),
            (V{"default", "ws-internal", "ws-private", "ws-public"}));
  auto visible = iam().VisibleWorkspaces(other_);
  ASSERT_TRUE(visible.ok());
  EXPECT_EQ(visible->front(), "0");
  EXPECT_EQ(visible->size(), 2u);
}

TEST_F(WorkspaceTest, AclChangesApplyImmediately) {
  Workspace ws = Create("team-space", AuthType::kInternal, std::vector{granted_.user_id});
  EXPECT_TRUE(iam().Authorize(granted_, "modelarts:trainJob:list", ws.id).ok());
  EXPECT_FALSE(iam().Authorize(other_, "modelarts:trainJob:list", ws.id).ok());
  // Grants accept user names as well as ids.
  auto upd = iam().UpdateWorkspace(ws.id, WorkspaceSpec{.grants = std::vector{other_.user_name}});
  ASSERT_TRUE(upd.ok()) << upd.status().ToString();
  EXPECT_EQ(upd->grant_user_ids, std::vector{other_.user_id});
  EXPECT_FALSE(iam().Authorize(granted_, "modelarts:trainJob:list", ws.id).ok());
  EXPECT_TRUE(iam().Authorize(other_, "modelarts:trainJob:list", ws.id).ok());
  // Leaving INTERNAL drops the grant list.
  upd = iam().UpdateWorkspace(ws.id, WorkspaceSpec{.description = std::string("now private"),
                                                   .auth_type = AuthType::kPrivate});
  ASSERT_TRUE(upd.ok());
  EXPECT_TRUE(upd->grant_user_ids.empty());
  EXPECT_EQ(upd->description, "now private");
  EXPECT_FALSE(iam().Authorize(other_, "modelarts:trainJob:list", ws.id).ok());
  ASSERT_TRUE(iam().DeleteWorkspace(ws.id).ok());
  EXPECT_EQ(iam().Authorize(owner_, "modelarts:trainJob:list", ws.id).code(), Code::kNotFound);
  EXPECT_EQ(iam().DeleteWorkspace(ws.id).code(), Code::kNotFound);
  EXPECT_EQ(iam().GetWorkspace(ws.id).status().code(), Code::kNotFound);
}

TEST_F(WorkspaceTest, ValidationMessages) {
  struct Case {
    WorkspaceSpec spec;
    std::string message_part;
  } cases[] = {
      {WorkspaceSpec{}, "workspace name is required"},
      {WorkspaceSpec{.name = "abc"}, "must be 4-64 characters"},
      {WorkspaceSpec{.name = std::string(65, 'a')}, "must be 4-64 characters"},
      {WorkspaceSpec{.name = "has space"}, "may contain only letters, digits, '-' and '_'"},
      {WorkspaceSpec{.name = "café-ws"}, "may contain only letters"},
      {WorkspaceSpec{.name = "default"}, "'default' is reserved"},
      {WorkspaceSpec{.name = "DEFAULT"}, "'default' is reserved"},
      {WorkspaceSpec{.name = "good-name", .description = std::string(257, 'd')},
       "description must be at most 256 characters"},
      {WorkspaceSpec{.name = "good-name", .auth_type = AuthType::kPublic,
                     .grants = std::vector<std::string>{"x"}},
       "grants are only allowed when auth_type is INTERNAL"},
      {WorkspaceSpec{.name = "good-name", .auth_type = AuthType::kInternal,
                     .grants = std::vector<std::string>(501, "x")},
       "at most 500"},
      {WorkspaceSpec{.name = "good-name", .auth_type = AuthType::kInternal,
                     .grants = std::vector<std::string>{"ghost"}},
       "grants[0]: user 'ghost' does not exist"},
      {WorkspaceSpec{.name = "good-name", .enterprise_project_id = std::string("bad id")},
       "enterprise_project_id"},
  };
  for (const auto& c : cases) {
    auto r = iam().CreateWorkspace(owner_, c.spec);
    ASSERT_FALSE(r.ok()) << c.message_part;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_NE(r.status().message().find(c.message_part), std::string::npos)
        << r.status().message();
  }
  // 256 characters of description are fine, counted as characters, not bytes.
  std::string desc;
  for (int i = 0; i < 256; ++i) desc += "\xC3\xA9";  // é
  auto ok = iam().CreateWorkspace(owner_, WorkspaceSpec{.name = "Name_4-ok", .description = desc});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->enterprise_project_id, "0");
  EXPECT_EQ(ok->status, "NORMAL");
  EXPECT_EQ(iam().CreateWorkspace(owner_, WorkspaceSpec{.name = "Name_4-ok"}).status().code(),
            Code::kAlreadyExists);
  EXPECT_EQ(iam().UpdateWorkspace(ok->id, WorkspaceSpec{.name = "default"}).status().code(),
            Code::kInvalidArgument);
}

TEST_F(WorkspaceTest, DefaultWorkspaceIsProtected) {
  EXPECT_EQ(iam().DeleteWorkspace("0").code(), Code::kFailedPrecondition);
  EXPECT_EQ(iam().UpdateWorkspace("0", WorkspaceSpec{.name = "renamed"}).status().code(),
            Code::kFailedPrecondition);
  EXPECT_EQ(
      iam().UpdateWorkspace("0", WorkspaceSpec{.auth_type = AuthType::kPrivate}).status().code(),
      Code::kFailedPrecondition);
  auto desc = iam().UpdateWorkspace("0", WorkspaceSpec{.description = std::string("shared")});
  ASSERT_TRUE(desc.ok()) << desc.status().ToString();
  EXPECT_EQ(desc->description, "shared");
  EXPECT_TRUE(iam().Authorize(other_, "modelarts:dataset:listDatasets", "0").ok());
}

TEST_F(WorkspaceTest, Quotas) {
  Workspace ws = Create("quota-space", AuthType::kPublic);
  auto q = iam().GetQuotas(ws.id);
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->size(), 5u);
  for (const auto& item : *q) EXPECT_EQ(item.quota, -1) << item.resource;

  ASSERT_TRUE(iam().SetQuotas(ws.id, {{"notebook", 5}, {"train_job", -1}}).ok());
  ASSERT_TRUE(iam().SetQuotas(ws.id, {{"notebook", 7}}).ok());  // update in place
  q = iam().GetQuotas(ws.id);
  ASSERT_TRUE(q.ok());
  for (const auto& item : *q) {
    if (item.resource == "notebook") {
      EXPECT_EQ(item.quota, 7);
      EXPECT_EQ(item.min_quota, 0);
      EXPECT_EQ(item.max_quota, 1000);
      EXPECT_EQ(item.update_time, env_.clock().NowMillis());
      EXPECT_EQ(item.name_en, "Notebook instances");
    }
  }
  auto bad = iam().SetQuotas(ws.id, {{"notebook", 1}, {"gpus", 3}});
  EXPECT_EQ(bad.code(), Code::kInvalidArgument);
  EXPECT_NE(bad.message().find("quotas[1].resource 'gpus' is not known"), std::string::npos);
  bad = iam().SetQuotas(ws.id, {{"service", 1001}});
  EXPECT_NE(bad.message().find("between 0 and 1000"), std::string::npos) << bad.message();
  EXPECT_EQ(iam().SetQuotas(ws.id, {{"service", -2}}).code(), Code::kInvalidArgument);
  // Nothing of a rejected request was applied.
  auto after = iam().GetQuotas(ws.id);
  ASSERT_TRUE(after.ok());
  for (const auto& item : *after) {
    if (item.resource == "notebook") {
      EXPECT_EQ(item.quota, 7);
    }
  }
  EXPECT_EQ(iam().GetQuotas("nope").status().code(), Code::kNotFound);
}

TEST_F(WorkspaceTest, AclSurvivesReopenAndPolicyRefresh) {
  Workspace ws = Create("persist-ws", AuthType::kPrivate);
  env_.Reopen();
  EXPECT_TRUE(iam().Authorize(owner_, "modelarts:notebook:list", ws.id).ok());
  EXPECT_FALSE(iam().Authorize(other_, "modelarts:notebook:list", ws.id).ok());
}

}  // namespace
}  // namespace openarts::iam
