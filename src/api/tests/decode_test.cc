// The request-body decoders, table-driven: every bad input and the message that names its field.
#include "api/decode.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace openarts::api {
namespace {

struct BadCase {
  std::string body;
  std::string message_has;  // a substring of the error message
};

using Decoder = std::function<Status(std::string_view)>;

template <typename Fn>
Decoder Wrap(Fn fn) {
  return [fn](std::string_view body) { return fn(body).status(); };
}

void ExpectAllRejected(const Decoder& decode, const std::vector<BadCase>& cases) {
  for (const auto& c : cases) {
    Status s = decode(c.body);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << "body: " << c.body;
    EXPECT_NE(s.message().find(c.message_has), std::string::npos)
        << "body: " << c.body << "\nmessage: " << s.message() << "\nwanted: " << c.message_has;
  }
}

constexpr char kGoodToken[] = R"({"auth":{"identity":{"methods":["password"],
  "password":{"user":{"name":"alice","password":"pw","domain":{"name":"acme"}}}},
  "scope":{"project":{"name":"cn-north-4"}}}})";

TEST(DecodeTokenRequest, AcceptsTheSpecBody) {
  auto r = DecodeTokenRequest(kGoodToken);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->user_name, "alice");
  EXPECT_EQ(r->password, "pw");
  EXPECT_EQ(r->domain_name, "acme");
  EXPECT_EQ(r->project_name, "cn-north-4");
}

TEST(DecodeTokenRequest, DomainAndScopeAreOptional) {
  auto r = DecodeTokenRequest(
      R"({"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"a","password":"b"}}}}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->domain_name, "");
  EXPECT_EQ(r->project_name, "");
}

TEST(DecodeTokenRequest, RejectsBadBodiesNamingTheField) {
  const std::string id = R"("identity":{"methods":["password"],"password":{"user":{"name":"a","password":"b"}}})";
  ExpectAllRejected(Wrap(DecodeTokenRequest), {
      {"", "request body is required"},
      {"   ", "request body is required"},
      {"{", "not valid JSON"},
      {"[]", "must be a JSON object"},
      {"{}", "'auth'"},
      {R"({"auth":1})", "'auth'"},
      {R"({"auth":{}})", "'auth.identity'"},
      {R"({"auth":{"identity":{}}})", "'auth.identity.methods'"},
      {R"({"auth":{"identity":{"methods":"password"}}})", "'auth.identity.methods'"},
      {R"({"auth":{"identity":{"methods":[1]}}})", "'auth.identity.methods'"},
      {R"({"auth":{"identity":{"methods":["token"]}}})", "must contain \"password\""},
      {R"({"auth":{"identity":{"methods":["password"]}}})", "'auth.identity.password'"},
      {R"({"auth":{"identity":{"methods":["password"],"password":{}}}})",
       "'auth.identity.password.user'"},
      {R"({"auth":{"identity":{"methods":["password"],"password":{"user":{}}}}})",
       "'auth.identity.password.user.name'"},
      {R"({"auth":{"identity":{"methods":["password"],"password":{"user":{"name":7}}}}})",
       "'auth.identity.password.user.name' must be a string"},
      {R"({"auth":{"identity":{"methods":["password"],"password":{"user":{"name":""}}}}})",
       "'auth.identity.password.user.name' must not be empty"},
      {R"({"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"a"}}}}})",
       "'auth.identity.password.user.password'"},
      {R"({"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"a","password":"b","domain":"x"}}}}})",
       "'auth.identity.password.user.domain'"},
      {R"({"auth":{)" + id + R"(,"scope":{"domain":{"name":"x"}}}})", "'auth.scope.project'"},
      {R"({"auth":{)" + id + R"(,"scope":{"project":{}}}})", "'auth.scope.project.name'"},
      {R"({"auth":{)" + id + R"(,"scope":{"project":{"name":5}}}})", "'auth.scope.project.name'"},
  });
}

TEST(DecodeUserCreate, AcceptsAndRejects) {
  auto r = DecodeUserCreate(R"({"user":{"name":"bob","password":"pw","email":"b@x","enabled":false}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->name, "bob");
  EXPECT_EQ(r->email.value_or(""), "b@x");
  EXPECT_EQ(r->enabled, std::optional<bool>(false));
  EXPECT_FALSE(r->description.has_value());
  ExpectAllRejected(Wrap(DecodeUserCreate), {
      {"", "request body is required"},
      {R"({"name":"bob"})", "'user'"},
      {R"({"user":[]})", "'user'"},
      {R"({"user":{"password":"x"}})", "'user.name' is required"},
      {R"({"user":{"name":"","password":"x"}})", "'user.name' must not be empty"},
      {R"({"user":{"name":"bob"}})", "'user.password' is required"},
      {R"({"user":{"name":"bob","password":""}})", "'user.password' must not be empty"},
      {R"({"user":{"name":"bob","password":"x","email":1}})", "'user.email' must be a string"},
      {R"({"user":{"name":"bob","password":"x","enabled":"yes"}})", "'user.enabled'"},
  });
}

TEST(DecodeUserPatch, AcceptsAndRejects) {
  auto r = DecodeUserPatch(R"({"user":{"description":"d"}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->description.value_or(""), "d");
  EXPECT_FALSE(r->password.has_value());
  ExpectAllRejected(Wrap(DecodeUserPatch), {
      {"{}", "'user'"},
      {R"({"user":{"name":"x"}})", "'user.name' cannot be changed"},
      {R"({"user":{"password":""}})", "'user.password' must not be empty"},
      {R"({"user":{"enabled":1}})", "'user.enabled'"},
  });
}

TEST(DecodeGroup, CreateNeedsAName) {
  ASSERT_TRUE(DecodeGroupCreate(R"({"group":{"name":"g"}})").ok());
  ASSERT_TRUE(DecodeGroupPatch(R"({"group":{"description":"d"}})").ok());
  ExpectAllRejected(Wrap(DecodeGroupCreate), {
      {"{}", "'group'"},
      {R"({"group":{}})", "'group.name' is required"},
      {R"({"group":{"name":""}})", "'group.name' must not be empty"},
      {R"({"group":{"name":"g","description":[]}})", "'group.description'"},
  });
}

TEST(DecodeCredentialCreate, EmptyBodyMeansForMe) {
  auto r = DecodeCredentialCreate("");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->user_id, "");
  r = DecodeCredentialCreate(R"({"credential":{"user_id":"u1","description":"ci"}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->user_id, "u1");
  EXPECT_EQ(r->description, "ci");
  ExpectAllRejected(Wrap(DecodeCredentialCreate), {
      {"[1]", "must be a JSON object"},
      {R"({"credential":"x"})", "'credential'"},
      {R"({"credential":{"user_id":1}})", "'credential.user_id' must be a string"},
      {R"({"credential":{"description":{}}})", "'credential.description'"},
  });
}

TEST(DecodeWorkspace, AcceptsGrantsByIdOrName) {
  auto r = DecodeWorkspaceCreate(
      R"({"name":"team-a","auth_type":"INTERNAL","grants":[{"user_id":"u1"},{"user_name":"bob"}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->auth_type.value_or(""), "INTERNAL");
  ASSERT_TRUE(r->grants.has_value());
  EXPECT_EQ(*r->grants, (std::vector<std::string>{"u1", "bob"}));
  auto u = DecodeWorkspaceUpdate(R"({"description":"new"})");
  ASSERT_TRUE(u.ok());
  EXPECT_FALSE(u->name.has_value());
}

TEST(DecodeWorkspace, RejectsNamingTheField) {
  ExpectAllRejected(Wrap(DecodeWorkspaceCreate), {
      {"{}", "'name' is required"},
      {R"({"name":1})", "'name' must be a string"},
      {R"({"name":"abcd","auth_type":"SECRET"})", "'auth_type' must be PUBLIC, PRIVATE or INTERNAL"},
      {R"({"name":"abcd","grants":{}})", "'grants'"},
      {R"({"name":"abcd","grants":["bob"]})", "'grants[0]' must be an object"},
      {R"({"name":"abcd","grants":[{"user_id":"a"},{}]})", "'grants[1]' needs 'user_id' or 'user_name'"},
      {R"({"name":"abcd","grants":[{"user_id":5}]})", "'grants[0].user_id'"},
      {R"({"name":"abcd","description":true})", "'description'"},
  });
}

TEST(DecodeQuotaUpdate, AcceptsAndRejects) {
  auto r = DecodeQuotaUpdate(R"({"quotas":[{"resource":"notebook","quota":5}]})");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].first, "notebook");
  EXPECT_EQ((*r)[0].second, 5);
  ExpectAllRejected(Wrap(DecodeQuotaUpdate), {
      {"{}", "'quotas' is required"},
      {R"({"quotas":[1]})", "'quotas[0]' must be an object"},
      {R"({"quotas":[{"quota":1}]})", "'quotas[0].resource' is required"},
      {R"({"quotas":[{"resource":"a","quota":"1"}]})", "'quotas[0].quota'"},
      {R"({"quotas":[{"resource":"a"}]})", "'quotas[0].quota' is required"},
  });
}

TEST(DecodeBucketCreate, DefaultsToWorkspaceZero) {
  auto r = DecodeBucketCreate("");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->workspace_id, "0");
  r = DecodeBucketCreate(R"({"workspace_id":"abc"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->workspace_id, "abc");
  ExpectAllRejected(Wrap(DecodeBucketCreate), {
      {"nope", "not valid JSON"},
      {R"({"workspace_id":0})", "'workspace_id' must be a string"},
      {R"({"workspace_id":""})", "'workspace_id' must not be empty"},
  });
}

TEST(DecodeBase64, RoundTripsAndRejects) {
  EXPECT_EQ(DecodeBase64("Zm9vYmFy", "x").value(), "foobar");
  EXPECT_EQ(DecodeBase64("Zm9vYg==", "x").value(), "foob");
  EXPECT_EQ(DecodeBase64("Zm9vYmE=", "x").value(), "fooba");
  EXPECT_EQ(DecodeBase64("", "x").value(), "");
  // MD5("") = d41d8cd98f00b204e9800998ecf8427e
  EXPECT_EQ(DecodeBase64("1B2M2Y8AsgTpgAmY7PhCfg==", "x").value().size(), 16u);
  for (const char* bad : {"Zm9", "Zm9v=mFy", "Zm==Zm9v", "Z===", "Zm9v!mFy", "Zm9vYmFy\n"}) {
    auto r = DecodeBase64(bad, "header 'Content-MD5'");
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("header 'Content-MD5'"), std::string::npos);
  }
}

TEST(Decoders, SurviveHostileInputs) {
  const std::vector<std::string> inputs = {
      std::string(20000, '['),
      std::string("{\"auth\":") + std::string(5000, '[') ,
      "{\"user\":{\"name\":\"\xff\xfe\",\"password\":\"x\"}}",
      std::string("\0\0\0", 3),
      "{\"quotas\":[{\"resource\":\"a\",\"quota\":1e400}]}",
      "{\"quotas\":[{\"resource\":\"a\",\"quota\":18446744073709551615}]}",
  };
  for (const auto& in : inputs) {
    (void)DecodeTokenRequest(in);
    (void)DecodeUserCreate(in);
    (void)DecodeUserPatch(in);
    (void)DecodeGroupCreate(in);
    (void)DecodeCredentialCreate(in);
    (void)DecodeWorkspaceCreate(in);
    (void)DecodeQuotaUpdate(in);
    (void)DecodeBucketCreate(in);
  }
}

}  // namespace
}  // namespace openarts::api
