#include "iam/iam.h"

#include <gtest/gtest.h>

#include <cctype>
#include <atomic>
#include <chrono>
#include <thread>

#include "base/crypto.h"
#include "base/log.h"
#include "iam/testing/iam_env.h"

namespace openarts::iam {
namespace {

using testing::IamEnv;
using namespace std::chrono_literals;

constexpr char kPassword[] = "correct-horse-1";

class IamTest : public ::testing::Test {
 protected:
  Iam& iam() { return env_.iam(); }
  User MakeUser(const std::string& name) {
    auto u = iam().CreateUser(User{.name = name}, kPassword);
    EXPECT_TRUE(u.ok()) << u.status().ToString();
    return u.ok() ? *u : User{};
  }
  void Bind(const std::string& type, const std::string& id, const std::string& role) {
    auto r = iam().GetRole(role);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_TRUE(iam().BindRole(env_.project().id, type, id, r->id).ok());
  }
  IamEnv env_;
};

TEST_F(IamTest, BootstrapGeneratesPasswordOnceAndIsIdempotent) {
  auto db = meta::Open({.url = "sqlite:" + (env_.dir() / "fresh.db").string()});
  ASSERT_TRUE(db.ok());
  FakeClock clock;
  auto fresh = Open(**db, clock, Options{.master_key_path = (env_.dir() / "k2").string()});
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  auto pw = (*fresh)->Bootstrap("cn-north-4", "");
  ASSERT_TRUE(pw.ok()) << pw.status().ToString();
  EXPECT_GE(pw->size(), 16u);
  bool letter = false, digit = false;
  for (char c : *pw) {
    ASSERT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << *pw;
    letter |= std::isalpha(static_cast<unsigned char>(c)) != 0;
    digit |= std::isdigit(static_cast<unsigned char>(c)) != 0;
  }
  EXPECT_TRUE(letter && digit);

  // The second start changes nothing and reveals nothing.
  auto again = (*fresh)->Bootstrap("cn-north-4", "");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, "");
  EXPECT_EQ((*fresh)->ListProjects()->size(), 1u);
  EXPECT_EQ((*fresh)->ListUsers()->size(), 1u);
  EXPECT_EQ((*fresh)->ListRoles()->size(), 4u);

  auto tok = (*fresh)->IssueToken("admin", *pw, "cn-north-4");
  ASSERT_TRUE(tok.ok()) << tok.status().ToString();
  EXPECT_TRUE(tok->principal.is_admin);
  EXPECT_EQ(tok->principal.project_name, "cn-north-4");
  EXPECT_EQ(tok->roles, (std::vector<std::string>{"ModelArts FullAccess", "Security Administrator"}));

  auto ws = (*fresh)->GetWorkspace("0");
  ASSERT_TRUE(ws.ok());
  EXPECT_EQ(ws->name, "default");
  EXPECT_EQ(ws->auth_type, AuthType::kPublic);
  EXPECT_EQ(ws->owner_name, "admin");
  EXPECT_EQ(ws->project_id, tok->principal.project_id);
}

TEST_F(IamTest, BootstrapRejectsWeakPasswordAndBadProjectName) {
  auto db = meta::Open({.url = "sqlite:" + (env_.dir() / "weak.db").string()});
  ASSERT_TRUE(db.ok());
  auto fresh = Open(**db, env_.clock(), Options{});
  ASSERT_TRUE(fresh.ok());
  auto weak = (*fresh)->Bootstrap("local", "short");
  EXPECT_EQ(weak.status().code(), Code::kInvalidArgument);
  EXPECT_NE(weak.status().message().find("at least 8 characters"), std::string::npos);
  EXPECT_EQ((*fresh)->Bootstrap("bad name!", "").status().code(), Code::kInvalidArgument);
}

TEST_F(IamTest, BuiltinRolesAreOrdinaryValidPolicies) {
  auto roles = iam().ListRoles();
  ASSERT_TRUE(roles.ok());
  std::vector<std::string> names;
  for (const auto& r : *roles) {
    EXPECT_TRUE(r.builtin);
    EXPECT_TRUE(ValidatePolicy(r.policy).ok()) << r.name;
    names.push_back(r.name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"ModelArts CommonOperations", "ModelArts FullAccess",
                                             "ModelArts ReadOnlyAccess", "Security Administrator"}));
  auto by_id = iam().GetRole((*roles)[0].id);
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->name, (*roles)[0].name);
  EXPECT_EQ(iam().GetRole("nope").status().code(), Code::kNotFound);
}

TEST_F(IamTest, LoginSuccessWrongPasswordUnknownUserAndDisabled) {
  User bob = MakeUser("bob");
  auto ok = iam().IssueToken("bob", kPassword, "local");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(ok->token.starts_with("oat_"));
  EXPECT_EQ(ok->token.size(), 47u);
  EXPECT_EQ(ok->expires_at - ok->issued_at, 24LL * 3600 * 1000);
  EXPECT_EQ(ok->principal.user_id, bob.id);
  EXPECT_FALSE(ok->principal.is_admin);
  EXPECT_TRUE(ok->roles.empty());

  auto wrong = iam().IssueToken("bob", "not-the-password", "local");
  auto unknown = iam().IssueToken("nobody", kPassword, "local");
  EXPECT_EQ(wrong.status().code(), Code::kUnauthenticated);
  EXPECT_EQ(unknown.status().code(), Code::kUnauthenticated);
  // Same message: a caller cannot tell which names exist.
  EXPECT_EQ(wrong.status().message(), unknown.status().message());
  EXPECT_EQ(wrong.status().message(), "the user name or password is wrong");

  EXPECT_EQ(iam().IssueToken("bob", kPassword, "nowhere").status().code(), Code::kNotFound);
  EXPECT_TRUE(iam().IssueToken("bob", kPassword, "").ok());  // default project

  ASSERT_TRUE(iam().UpdateUser(bob.id, {.enabled = false}).ok());
  EXPECT_EQ(iam().IssueToken("bob", kPassword, "local").status().code(), Code::kPermissionDenied);
  // Disabling also ended the tokens issued before.
  EXPECT_EQ(iam().ValidateToken(ok->token).status().message(), "token has been revoked");
  ASSERT_TRUE(iam().UpdateUser(bob.id, {.enabled = true}).ok());
  EXPECT_FALSE(iam().ValidateToken(ok->token).ok());  // re-enabling does not revive them
  EXPECT_TRUE(iam().IssueToken("bob", kPassword, "local").ok());
}

TEST_F(IamTest, TokenValidationExpiryAndRevocation) {
  auto tok = iam().IssueToken("admin", IamEnv::kAdminPassword, "local");
  ASSERT_TRUE(tok.ok());
  auto p = iam().ValidateToken(tok->token);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->user_name, "admin");
  EXPECT_EQ(p->auth_method, "token");
  EXPECT_TRUE(p->is_admin);

  auto desc = iam().DescribeToken(tok->token);
  ASSERT_TRUE(desc.ok());
  EXPECT_EQ(desc->expires_at, tok->expires_at);
  EXPECT_TRUE(desc->token.empty());
  EXPECT_EQ(desc->roles.size(), 2u);

  EXPECT_EQ(iam().ValidateToken("garbage").status().message(), "token is invalid");
  std::string forged = "oat_" + std::string(43, 'A');
  EXPECT_EQ(iam().ValidateToken(forged).status().message(), "token is invalid");

  env_.clock().Advance(24h - 1ms);
  EXPECT_TRUE(iam().ValidateToken(tok->token).ok());
  env_.clock().Advance(1ms);
  EXPECT_EQ(iam().ValidateToken(tok->token).status().message(), "token has expired");

  auto second = iam().IssueToken("admin", IamEnv::kAdminPassword, "local");
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(iam().RevokeToken(second->token).ok());
  EXPECT_EQ(iam().ValidateToken(second->token).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(iam().ValidateToken(second->token).status().message(), "token has been revoked");
  EXPECT_EQ(iam().RevokeToken(forged).code(), Code::kNotFound);
}

TEST_F(IamTest, TokensAreStoredHashedAndSurviveReopen) {
  auto tok = iam().IssueToken("admin", IamEnv::kAdminPassword, "local");
  ASSERT_TRUE(tok.ok());
  auto revoked = iam().IssueToken("admin", IamEnv::kAdminPassword, "local");
  ASSERT_TRUE(revoked.ok());
  ASSERT_TRUE(iam().RevokeToken(revoked->token).ok());

  auto rows = env_.db().Query("SELECT token_hash FROM tokens");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  for (const auto& r : *rows) {
    EXPECT_NE(r.Str(0), tok->token);
    EXPECT_EQ(r.Str(0).size(), 64u);
  }
  EXPECT_EQ(env_.db().Query("SELECT 1 FROM tokens WHERE token_hash = $1",
                            {HexEncode(Sha256(tok->token))})
                ->size(),
            1u);

  env_.Reopen();
  auto p = iam().ValidateToken(tok->token);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->user_name, "admin");
  EXPECT_EQ(p->project_name, "local");
  EXPECT_EQ(iam().ValidateToken(revoked->token).status().message(), "token has been revoked");
  env_.clock().Advance(25h);
  EXPECT_EQ(iam().ValidateToken(tok->token).status().message(), "token has expired");
}

TEST_F(IamTest, ExpiredTokensArePurgedOpportunistically) {
  auto old = iam().IssueToken("admin", IamEnv::kAdminPassword, "local");
  ASSERT_TRUE(old.ok());
  env_.clock().Advance(25h);
  auto fresh = iam().IssueToken("admin", IamEnv::kAdminPassword, "local");  // triggers the purge
  ASSERT_TRUE(fresh.ok());
  auto rows = env_.db().Query("SELECT token_hash FROM tokens");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].Str(0), HexEncode(Sha256(fresh->token)));
  EXPECT_EQ(iam().ValidateToken(old->token).status().message(), "token is invalid");
  EXPECT_TRUE(iam().ValidateToken(fresh->token).ok());
}

TEST_F(IamTest, ValidationDoesNotHitTheDatabaseWhenCached) {
  auto tok = iam().IssueToken("admin", IamEnv::kAdminPassword, "local");
  ASSERT_TRUE(tok.ok());
  ASSERT_TRUE(iam().ValidateToken(tok->token).ok());
  // Remove the row behind the cache's back: a cached token still validates (until the refresh
  // interval), proving the hot path does not read the database.
  ASSERT_TRUE(env_.db().Exec("DELETE FROM tokens").ok());
  EXPECT_TRUE(iam().ValidateToken(tok->token).ok());
  env_.clock().Advance(6s);  // past the refresh interval the database is consulted again
  EXPECT_EQ(iam().ValidateToken(tok->token).status().message(), "token is invalid");
}

TEST_F(IamTest, PasswordChangeRevokesTokensAndPolicyIsEnforced) {
  User bob = MakeUser("bob");
  auto tok = iam().IssueToken("bob", kPassword, "local");
  ASSERT_TRUE(tok.ok());
  EXPECT_EQ(iam().UpdateUser(bob.id, {.password = std::string("short")}).status().code(),
            Code::kInvalidArgument);
  EXPECT_TRUE(iam().ValidateToken(tok->token).ok());
  auto updated = iam().UpdateUser(bob.id, {.password = std::string("new-password-2"),
                                           .email = std::string("bob@example.com")});
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->email, "bob@example.com");
  EXPECT_EQ(iam().ValidateToken(tok->token).status().message(), "token has been revoked");
  EXPECT_EQ(iam().IssueToken("bob", kPassword, "local").status().code(), Code::kUnauthenticated);
  auto fresh = iam().IssueToken("bob", "new-password-2", "local");
  ASSERT_TRUE(fresh.ok());  // issued in the same millisecond as the change, and still valid
  EXPECT_TRUE(iam().ValidateToken(fresh->token).ok());
  env_.Reopen();
  EXPECT_FALSE(iam().ValidateToken(tok->token).ok());
  EXPECT_TRUE(iam().ValidateToken(fresh->token).ok());
}

TEST_F(IamTest, UsersCrudAndValidation) {
  EXPECT_EQ(iam().CreateUser(User{.name = "carol"}, "short").status().message(),
            "password must be at least 8 characters");
  EXPECT_EQ(iam().CreateUser(User{.name = "has space"}, kPassword).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(iam().CreateUser(User{.name = ""}, kPassword).status().code(), Code::kInvalidArgument);
  User carol = MakeUser("carol");
  EXPECT_EQ(carol.id.size(), 32u);
  EXPECT_EQ(iam().CreateUser(User{.name = "carol"}, kPassword).status().code(),
            Code::kAlreadyExists);
  EXPECT_EQ(iam().FindUserByName("carol")->id, carol.id);
  EXPECT_EQ(iam().GetUser(carol.id)->name, "carol");
  EXPECT_EQ(iam().ListUsers()->size(), 2u);
  EXPECT_EQ(iam().GetUser("missing").status().code(), Code::kNotFound);

  auto admin = iam().FindUserByName("admin");
  ASSERT_TRUE(admin.ok());
  EXPECT_EQ(iam().DeleteUser(admin->id).code(), Code::kFailedPrecondition);
  EXPECT_EQ(iam().UpdateUser(admin->id, {.enabled = false}).status().code(),
            Code::kFailedPrecondition);
  ASSERT_TRUE(iam().DeleteUser(carol.id).ok());
  EXPECT_EQ(iam().GetUser(carol.id).status().code(), Code::kNotFound);
  EXPECT_EQ(iam().DeleteUser(carol.id).code(), Code::kNotFound);
}

TEST_F(IamTest, BuiltinRolesAllowAndDenyRepresentativeActions) {
  // Principals are made directly (no login) to keep Argon2 out of this table test.
  struct Expect {
    const char* action;
    bool allowed;
  };
  struct Case {
    const char* role;
    std::vector<Expect> expects;
  } cases[] = {
      {"ModelArts FullAccess",
       {{"modelarts:pool:create", true}, {"modelarts:trainJob:create", true},
        {"obs:object:PutObject", true}, {"iam:users:create", false}}},
      {"ModelArts CommonOperations",
       {{"modelarts:pool:create", false}, {"modelarts:pool:update", false},
        {"modelarts:pool:delete", false}, {"modelarts:pool:list", true},
        {"modelarts:trainJob:create", true}, {"modelarts:notebook:delete", true},
        {"obs:bucket:CreateBucket", true}, {"iam:users:list", false}}},
      {"ModelArts ReadOnlyAccess",
       {{"modelarts:trainJob:create", false}, {"modelarts:trainJob:list", true},
        {"modelarts:dataset:getDataset", true}, {"modelarts:workspace:getQuotas", true},
        {"obs:object:GetObject", true}, {"obs:bucket:HeadBucket", true},
        {"obs:object:PutObject", false}, {"modelarts:*:delete", false}}},
      {"Security Administrator",
       {{"iam:users:create", true}, {"iam:credentials:delete", true},
        {"modelarts:trainJob:list", false}}},
  };
  int n = 0;
  for (const auto& c : cases) {
    User u = MakeUser("user" + std::to_string(n++));
    Principal p = env_.As(u);
    for (const auto& e : c.expects) {
      EXPECT_EQ(iam().Authorize(p, e.action).code(), Code::kPermissionDenied)
          << "unbound user must be denied " << e.action;
    }
    Bind("user", u.id, c.role);
    for (const auto& e : c.expects) {
      Status s = iam().Authorize(p, e.action);
      EXPECT_EQ(s.ok(), e.allowed) << c.role << " " << e.action << ": " << s.ToString();
      if (!s.ok()) {
        EXPECT_EQ(s.code(), Code::kPermissionDenied);
        EXPECT_NE(s.message().find(e.action), std::string::npos) << s.message();
      }
    }
  }
  // The administrator is allowed everything, bound or not.
  EXPECT_TRUE(iam().Authorize(env_.admin(), "anything:at:all").ok());
}

TEST_F(IamTest, RoleViaGroupAndImmediateInvalidation) {
  User dev = MakeUser("dev");
  Principal p = env_.As(dev);
  auto group = iam().CreateGroup(Group{.name = "developers", .description = "devs"});
  ASSERT_TRUE(group.ok());
  EXPECT_EQ(iam().CreateGroup(Group{.name = "developers"}).status().code(), Code::kAlreadyExists);
  Bind("group", group->id, "ModelArts CommonOperations");
  EXPECT_FALSE(iam().Authorize(p, "modelarts:trainJob:create").ok());  // not a member yet

  ASSERT_TRUE(iam().AddGroupMember(group->id, dev.id).ok());
  ASSERT_TRUE(iam().AddGroupMember(group->id, dev.id).ok());  // idempotent
  EXPECT_TRUE(iam().Authorize(p, "modelarts:trainJob:create").ok());
  EXPECT_FALSE(iam().Authorize(p, "modelarts:pool:create").ok());
  auto members = iam().ListGroupMembers(group->id);
  ASSERT_TRUE(members.ok());
  ASSERT_EQ(members->size(), 1u);
  EXPECT_EQ((*members)[0].name, "dev");

  // A direct FullAccess binding does not lift CommonOperations' explicit Deny.
  Bind("user", dev.id, "ModelArts FullAccess");
  EXPECT_FALSE(iam().Authorize(p, "modelarts:pool:create").ok());

  auto bindings = iam().ListRoleBindings();
  ASSERT_TRUE(bindings.ok());
  bool saw_group = false;
  for (const auto& b : *bindings) {
    if (b.principal_type == "group") {
      saw_group = true;
      EXPECT_EQ(b.principal_name, "developers");
      EXPECT_EQ(b.role_name, "ModelArts CommonOperations");
    }
  }
  EXPECT_TRUE(saw_group);

  ASSERT_TRUE(iam().RemoveGroupMember(group->id, dev.id).ok());
  EXPECT_TRUE(iam().Authorize(p, "modelarts:pool:create").ok());  // only FullAccess now
  auto full = iam().GetRole("ModelArts FullAccess");
  ASSERT_TRUE(iam().UnbindRole(env_.project().id, "user", dev.id, full->id).ok());
  EXPECT_EQ(iam().UnbindRole(env_.project().id, "user", dev.id, full->id).code(), Code::kNotFound);
  EXPECT_FALSE(iam().Authorize(p, "modelarts:trainJob:create").ok());

  ASSERT_TRUE(iam().AddGroupMember(group->id, dev.id).ok());
  EXPECT_TRUE(iam().Authorize(p, "modelarts:trainJob:create").ok());
  ASSERT_TRUE(iam().DeleteGroup(group->id).ok());
  EXPECT_FALSE(iam().Authorize(p, "modelarts:trainJob:create").ok());
  EXPECT_EQ(iam().GetGroup(group->id).status().code(), Code::kNotFound);

  EXPECT_EQ(iam().BindRole(env_.project().id, "robot", dev.id, full->id).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(iam().BindRole(env_.project().id, "user", "nobody", full->id).code(), Code::kNotFound);
  EXPECT_EQ(iam().BindRole("no-project", "user", dev.id, full->id).code(), Code::kNotFound);
}

TEST_F(IamTest, GroupUpdateAndList) {
  auto g = iam().CreateGroup(Group{.name = "ops"});
  ASSERT_TRUE(g.ok());
  auto u = iam().UpdateGroup(g->id, std::string("operators"), std::string("run things"));
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->name, "operators");
  EXPECT_EQ(u->description, "run things");
  EXPECT_EQ(iam().ListGroups()->size(), 1u);
  EXPECT_EQ(iam().UpdateGroup("missing", std::nullopt, std::nullopt).status().code(),
            Code::kNotFound);
}

TEST_F(IamTest, ConcurrentReadersWhileGrantsChange) {
  User dev = MakeUser("dev");
  Principal p = env_.As(dev);
  auto group = iam().CreateGroup(Group{.name = "devs"});
  ASSERT_TRUE(group.ok());
  Bind("group", group->id, "ModelArts CommonOperations");
  auto tok = iam().IssueToken("dev", kPassword, "local");
  ASSERT_TRUE(tok.ok());

  // Thousands of denials would each log a line; the decisions, not the log, are under test.
  auto level = spdlog::get_level();
  spdlog::set_level(spdlog::level::warn);
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        if (!iam().ValidateToken(tok->token).ok()) failures.fetch_add(1);
        Status s = iam().Authorize(p, "modelarts:trainJob:create", "0");
        // Either answer is fine mid-change; anything but allow/deny is not.
        if (!s.ok() && s.code() != Code::kPermissionDenied) failures.fetch_add(1);
        if (iam().Authorize(p, "modelarts:pool:create", "0").ok()) failures.fetch_add(1);
      }
    });
  }
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(iam().AddGroupMember(group->id, dev.id).ok());
    ASSERT_TRUE(iam().RemoveGroupMember(group->id, dev.id).ok());
  }
  stop = true;
  for (auto& th : readers) th.join();
  spdlog::set_level(level);
  EXPECT_EQ(failures.load(), 0);
  // After the last change (removed), no stale allow survives.
  EXPECT_EQ(iam().Authorize(p, "modelarts:trainJob:create", "0").code(), Code::kPermissionDenied);
}

}  // namespace
}  // namespace openarts::iam
