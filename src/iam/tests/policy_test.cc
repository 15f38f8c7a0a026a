#include "policy.h"

#include <gtest/gtest.h>

namespace openarts::iam {
namespace {

PolicySet Compile(const std::string& text) {
  auto doc = ParseJson(text);
  EXPECT_TRUE(doc.ok()) << doc.status().ToString();
  auto stmts = CompilePolicy(*doc, "test");
  EXPECT_TRUE(stmts.ok()) << stmts.status().ToString();
  PolicySet set;
  if (stmts.ok()) set.Add(std::move(*stmts));
  return set;
}

TEST(GlobMatchTest, Table) {
  struct Case {
    const char* pattern;
    const char* text;
    bool ci, match;
  } cases[] = {
      {"*", "", false, true},
      {"*", "anything", false, true},
      {"modelarts:*:*", "modelarts:trainjob:create", false, true},
      {"modelarts:*:get*", "modelarts:dataset:getdataset", false, true},
      {"modelarts:*:get*", "modelarts:dataset:listdatasets", false, false},
      {"a*b*c", "axxbyyc", false, true},
      {"a*b*c", "axxbyy", false, false},
      {"a?c", "abc", false, true},
      {"a?c", "ac", false, false},
      {"ABC", "abc", true, true},
      {"ABC", "abc", false, false},
      {"*:*", "nocolon", false, false},
      {"**a", "a", false, true},
      {"", "", false, true},
      {"", "x", false, false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(GlobMatch(c.pattern, c.text, c.ci), c.match) << c.pattern << " vs " << c.text;
  }
  // Pathological input stays fast (linear-ish, no exponential backtracking).
  std::string text(2000, 'a');
  EXPECT_FALSE(GlobMatch("*a*a*a*a*a*a*a*a*b", text, false));
}

TEST(PolicyTest, AllowDenyAndImplicitDeny) {
  PolicySet set = Compile(R"({"Version":"1.1","Statement":[
      {"Effect":"Allow","Action":["modelarts:*:*"]},
      {"Effect":"Deny","Action":["modelarts:pool:create","modelarts:pool:update"]}]})");
  EvalContext ctx;
  struct Case {
    const char* action;
    Decision::Effect effect;
  } cases[] = {
      {"modelarts:trainJob:create", Decision::Effect::kAllow},
      {"MODELARTS:TRAINJOB:CREATE", Decision::Effect::kAllow},  // actions match case-insensitively
      {"modelarts:pool:create", Decision::Effect::kDeny},       // Deny wins over the Allow
      {"modelarts:Pool:Update", Decision::Effect::kDeny},
      {"modelarts:pool:list", Decision::Effect::kAllow},
      {"obs:object:GetObject", Decision::Effect::kImplicitDeny},
      {"iam:users:create", Decision::Effect::kImplicitDeny},
  };
  for (const auto& c : cases) {
    Decision d = set.Evaluate(c.action, ctx);
    EXPECT_EQ(d.effect, c.effect) << c.action;
    if (d.effect == Decision::Effect::kDeny) {
      ASSERT_NE(d.statement, nullptr);
      EXPECT_EQ(d.statement->source, "test Statement[1]");
    }
  }
}

TEST(PolicyTest, SingleStringActionAndWildcardInsideSegment) {
  PolicySet set = Compile(
      R"({"Version":"1.1","Statement":[{"Effect":"Allow","Action":"modelarts:train*:l?st"}]})");
  EvalContext ctx;
  EXPECT_TRUE(set.Evaluate("modelarts:trainJob:list", ctx).allowed());
  EXPECT_TRUE(set.Evaluate("modelarts:trainJobVersion:list", ctx).allowed());
  EXPECT_FALSE(set.Evaluate("modelarts:trainJob:create", ctx).allowed());
}

TEST(PolicyTest, Conditions) {
  ConditionContext extra = {{"modelarts:poolType", "public"}, {"modelarts:flag", "TRUE"},
                            {"modelarts:empty", ""}};
  EvalContext ctx{"alice", "uid-1", "cn-north-4", "2026-01-01T00:00:00.000Z", &extra};
  EvalContext bare{"alice", "uid-1", "cn-north-4", "", nullptr};
  struct Case {
    std::string condition;
    bool with_extra, allowed;
  } cases[] = {
      {R"({"StringEquals":{"g:UserName":["bob","alice"]}})", true, true},
      {R"({"StringEquals":{"g:UserName":"bob"}})", true, false},
      {R"({"StringEquals":{"G:USERNAME":["alice"]}})", true, true},  // keys case-insensitive
      {R"({"StringEquals":{"g:UserName":["Alice"]}})", true, false},  // values are not
      {R"({"StringNotEquals":{"g:UserName":["bob"]}})", true, true},
      {R"({"StringNotEquals":{"g:UserName":["alice"]}})", true, false},
      {R"({"StringNotEquals":{"modelarts:missing":["x"]}})", true, true},
      {R"({"Like":{"g:ProjectName":["cn-*-4"]}})", true, true},
      {R"({"Like":{"g:ProjectName":["ap-*"]}})", true, false},
      {R"({"StartWith":{"g:UserId":["uid-"]}})", true, true},
      {R"({"EndWith":{"g:UserId":["-2"]}})", true, false},
      {R"({"StringEquals":{"modelarts:poolType":["public"]}})", true, true},
      {R"({"StringEquals":{"modelarts:poolType":["public"]}})", false, false},  // absent key
      {R"({"StringEqualsIfExists":{"modelarts:poolType":["dedicated"]}})", false, true},
      {R"({"StringEqualsIfExists":{"modelarts:poolType":["dedicated"]}})", true, false},
      {R"({"Bool":{"modelarts:flag":[true]}})", true, true},
      {R"({"Bool":{"modelarts:flag":"false"}})", true, false},
      {R"({"IsNullOrEmpty":{"modelarts:empty":[true]}})", true, true},
      {R"({"IsNullOrEmpty":{"modelarts:missing":true}})", true, true},
      {R"({"IsNullOrEmpty":{"g:UserName":[true]}})", true, false},
      {R"({"IsNullOrEmpty":{"g:UserName":[false]}})", true, true},
      {R"({"StartWith":{"g:CurrentTime":["2026-"]}})", true, true},
      // AND across operators and keys.
      {R"({"StringEquals":{"g:UserName":["alice"]},"Like":{"g:ProjectName":["x*"]}})", true,
       false},
      {R"({"StringEquals":{"g:UserName":["alice"],"modelarts:poolType":["public"]}})", true, true},
  };
  for (const auto& c : cases) {
    PolicySet set = Compile(R"({"Version":"1.1","Statement":[{"Effect":"Allow",
        "Action":["modelarts:*:*"],"Condition":)" + c.condition + "}]}");
    EXPECT_EQ(set.Evaluate("modelarts:notebook:create", c.with_extra ? ctx : bare).allowed(),
              c.allowed)
        << c.condition << (c.with_extra ? " (with context)" : " (bare)");
  }
}

TEST(PolicyTest, ConditionalDenyForbidsPublicPools) {
  // The spec's example: forbid public resource pools, otherwise allow everything.
  PolicySet set = Compile(R"({"Version":"1.1","Statement":[
      {"Effect":"Allow","Action":["modelarts:*:*"]},
      {"Effect":"Deny","Action":["modelarts:trainJob:create","modelarts:notebook:create",
        "modelarts:service:create"],
       "Condition":{"StringEquals":{"modelarts:poolType":["public"]}}}]})");
  ConditionContext pub = {{"modelarts:poolType", "public"}};
  ConditionContext ded = {{"modelarts:poolType", "dedicated"}};
  EvalContext with_pub{"u", "i", "p", "", &pub}, with_ded{"u", "i", "p", "", &ded};
  EXPECT_EQ(set.Evaluate("modelarts:trainJob:create", with_pub).effect, Decision::Effect::kDeny);
  EXPECT_TRUE(set.Evaluate("modelarts:trainJob:create", with_ded).allowed());
  EXPECT_TRUE(set.Evaluate("modelarts:trainJob:list", with_pub).allowed());
}

TEST(PolicyTest, ValidationErrorsNameTheFieldAndTheFix) {
  struct Case {
    std::string doc, message_part;
  } cases[] = {
      {R"([])", "must be a JSON object"},
      {R"({"Statement":[]})", "Version must be \"1.1\""},
      {R"({"Version":"1.0","Statement":[]})", "Version must be \"1.1\""},
      {R"({"Version":"1.1"})", "Statement must be a non-empty array"},
      {R"({"Version":"1.1","Statement":[]})", "Statement must be a non-empty array"},
      {R"({"Version":"1.1","Statement":[],"Extra":1})", "field 'Extra' is not known"},
      {R"({"Version":"1.1","Statement":[1]})", "Statement[0] must be an object"},
      {R"({"Version":"1.1","Statement":[{"Action":["a:b:c"]}]})", "Statement[0].Effect is required"},
      {R"({"Version":"1.1","Statement":[{"Effect":"allow","Action":["a:b:c"]}]})",
       "Statement[0].Effect must be \"Allow\" or \"Deny\""},
      {R"({"Version":"1.1","Statement":[{"Effect":"Allow"}]})", "Statement[0].Action is required"},
      {R"({"Version":"1.1","Statement":[{"Effect":"Allow","Action":[]}]})",
       "Statement[0].Action must not be empty"},
      {R"({"Version":"1.1","Statement":[{"Effect":"Allow","Action":["modelarts:pool"]}]})",
       "Statement[0].Action[0] 'modelarts:pool' must have the form service:resource:operation"},
      {R"({"Version":"1.1","Statement":[{"Effect":"Allow","Action":["a::c"]}]})",
       "must have the form"},
      {R"({"Version":"1.1","Statement":[{"Effect":"Allow","Action":["a:b:c:d"]}]})",
       "must have the form"},
      {R"({"Version":"1.1","Statement":[{"Effect":"Allow","Action":["a:b c:d"]}]})",
       "may contain only"},
      {R"({"Version":"1.1","Statement":[{"Effect":"Allow","Action":[7]}]})",
       "Statement[0].Action[0] must be a string"},
      {R"({"Version":"1.1","Statement":[{"Effect":"Allow","Action":["a:b:c"],"Resource":["obs:*:*:bucket:x"]}]})",
       "Resource 'obs:*:*:bucket:x' is not supported"},
      {R"({"Version":"1.1","Statement":[{"Effect":"Allow","Action":["a:b:c"],"Sid":"x"}]})",
       "field 'Sid' is not known"},
      {R"({"Version":"1.1","Statement":[{"Effect":"Allow","Action":["a:b:c"],"Condition":[]}]})",
       "Condition must be an object"},
      {R"({"Version":"1.1","Statement":[{"Effect":"Allow","Action":["a:b:c"],"Condition":{}}]})",
       "Condition must not be empty"},
      {R"({"Version":"1.1","Statement":[{"Effect":"Allow","Action":["a:b:c"],"Condition":{"NumericEquals":{"a:b":["1"]}}}]})",
       "operator 'NumericEquals' is not supported"},
      {R"({"Version":"1.1","Statement":[{"Effect":"Allow","Action":["a:b:c"],"Condition":{"StringEquals":{"nokey":["1"]}}}]})",
       "condition key must look like"},
      {R"({"Version":"1.1","Statement":[{"Effect":"Allow","Action":["a:b:c"],"Condition":{"StringEquals":{"a:b":[]}}}]})",
       "StringEquals.a:b must not be empty"},
      {R"({"Version":"1.1","Statement":[{"Effect":"Allow","Action":["a:b:c"],"Condition":{"Bool":{"a:b":["yes"]}}}]})",
       "values must be true or false"},
      {R"({"Version":"1.1","Statement":[{"Effect":"Allow","Action":["a:b:c"],"Condition":{"IsNullOrEmpty":{"a:b":[true,false]}}}]})",
       "exactly one value"},
      {R"({"Version":"1.1","Statement":[{"Effect":"Allow","Action":["a:b:c"],"Condition":{"StringEquals":{"a:b":[{"x":1}]}}}]})",
       "must be a string"},
  };
  for (const auto& c : cases) {
    auto doc = ParseJson(c.doc);
    ASSERT_TRUE(doc.ok()) << c.doc;
    auto r = CompilePolicy(*doc);
    ASSERT_FALSE(r.ok()) << c.doc;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_NE(r.status().message().find(c.message_part), std::string::npos)
        << c.doc << "\n  -> " << r.status().message();
  }
}

TEST(PolicyTest, ResourceStarIsAccepted) {
  auto doc = ParseJson(
      R"({"Version":"1.1","Statement":[{"Effect":"Allow","Action":["a:b:c"],"Resource":["*"]}]})");
  ASSERT_TRUE(doc.ok());
  EXPECT_TRUE(CompilePolicy(*doc).ok());
}

TEST(PolicyTest, LimitsAreEnforced) {
  Json doc = {{"Version", "1.1"}, {"Statement", Json::array()}};
  for (int i = 0; i < 101; ++i) {
    doc["Statement"].push_back({{"Effect", "Allow"}, {"Action", {"a:b:c"}}});
  }
  auto r = CompilePolicy(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("at most 100"), std::string::npos);
}

}  // namespace
}  // namespace openarts::iam
