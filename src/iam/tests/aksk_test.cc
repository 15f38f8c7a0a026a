#include <gtest/gtest.h>

#include <cctype>
#include <chrono>

#include "base/crypto.h"
#include "base/sdk_hmac.h"
#include "iam/iam.h"
#include "iam/testing/iam_env.h"
#include "secret_box.h"

namespace openarts::iam {
namespace {

using testing::IamEnv;
using namespace std::chrono_literals;

class AkskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto u = iam().CreateUser(User{.name = "robot"}, "password-123");
    ASSERT_TRUE(u.ok());
    user_ = *u;
    auto c = iam().CreateCredential(user_.id, "ci pipeline");
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    cred_ = *c;
  }
  Iam& iam() { return env_.iam(); }

  // A request as ma-cli would sign it, dated `skew` away from the server's clock.
  SignedRequest Signed(std::chrono::milliseconds skew = 0ms, std::string sk = "") {
    sdk_hmac::SignInput in;
    in.method = "GET";
    in.raw_path = "/v1/" + env_.project().id + "/workspaces";
    in.raw_query = "limit=10";
    in.headers = {{"Host", "127.0.0.1:8080"},
                  {"X-Sdk-Date", FormatSdkDate(env_.clock().NowMillis() + skew.count())}};
    in.body_sha256_hex = HexEncode(Sha256(""));
    std::string auth = sdk_hmac::Authorization(cred_.access_key, sk.empty() ? cred_.secret : sk,
                                               in, {"host", "x-sdk-date"});
    SignedRequest r{in.method, in.raw_path, in.raw_query, in.headers, in.body_sha256_hex};
    r.headers.emplace_back("Authorization", auth);
    return r;
  }

  IamEnv env_;
  User user_;
  Credential cred_;
};

TEST_F(AkskTest, CredentialShape) {
  EXPECT_EQ(cred_.access_key.size(), 20u);
  for (char c : cred_.access_key) {
    EXPECT_TRUE(std::isupper(static_cast<unsigned char>(c)) || std::isdigit(c)) << c;
  }
  EXPECT_EQ(cred_.secret.size(), 40u);
  EXPECT_EQ(cred_.status, "active");
  EXPECT_EQ(cred_.description, "ci pipeline");

  auto got = iam().GetCredential(cred_.access_key);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->secret.empty());  // the secret is shown once, at creation
  EXPECT_EQ(iam().ListCredentials(user_.id)->size(), 1u);
  EXPECT_EQ(iam().ListCredentials("")->size(), 1u);
  EXPECT_TRUE(iam().ListCredentials(env_.admin().user_id)->empty());
  EXPECT_TRUE(iam().CreateCredential(user_.id, "").ok());
  EXPECT_EQ(iam().CreateCredential(user_.id, "").status().code(), Code::kResourceExhausted);
  EXPECT_EQ(iam().CreateCredential("nobody", "").status().code(), Code::kNotFound);
}

TEST_F(AkskTest, SecretIsSealedAtRest) {
  auto rows = env_.db().Query("SELECT * FROM credentials");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  for (const auto& col : (*rows)[0].cols) {
    if (const auto* s = std::get_if<std::string>(&col)) {
      EXPECT_EQ(s->find(cred_.secret), std::string::npos) << "secret stored in clear";
      EXPECT_EQ(s->find(HexEncode(cred_.secret)), std::string::npos) << "secret stored as hex";
    }
  }
  auto key = ReadFile(env_.dir() / "master.key");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->size(), 32u);
  EXPECT_EQ(std::filesystem::status(env_.dir() / "master.key").permissions() &
                std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST_F(AkskTest, SecretBoxRejectsTamperingAndOtherKeys) {
  SecretBox box(RandomBytes(32)), other(RandomBytes(32));
  std::string sealed = box.Seal("s3cret", "AK1");
  EXPECT_EQ(*box.Unseal(sealed, "AK1"), "s3cret");
  EXPECT_FALSE(box.Unseal(sealed, "AK2").ok());  // bound to its access key
  EXPECT_FALSE(other.Unseal(sealed, "AK1").ok());
  std::string flipped = sealed;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  EXPECT_FALSE(box.Unseal(flipped, "AK1").ok());
  EXPECT_FALSE(box.Unseal("v1:00", "AK1").ok());
  EXPECT_FALSE(box.Unseal("garbage", "AK1").ok());
}

TEST_F(AkskTest, SignedRequestVerifies) {
  auto p = iam().VerifySignature(Signed());
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->user_id, user_.id);
  EXPECT_EQ(p->user_name, "robot");
  EXPECT_EQ(p->auth_method, "aksk");
  EXPECT_EQ(p->access_key, cred_.access_key);
  EXPECT_EQ(p->project_id, env_.project().id);
  EXPECT_FALSE(p->is_admin);
  EXPECT_EQ(iam().GetCredential(cred_.access_key)->last_use_time, env_.clock().NowMillis());

  // last_use_time is written at most once a minute.
  const int64_t first = env_.clock().NowMillis();
  env_.clock().Advance(30s);
  ASSERT_TRUE(iam().VerifySignature(Signed()).ok());
  EXPECT_EQ(iam().GetCredential(cred_.access_key)->last_use_time, first);
  env_.clock().Advance(31s);
  ASSERT_TRUE(iam().VerifySignature(Signed()).ok());
  EXPECT_EQ(iam().GetCredential(cred_.access_key)->last_use_time, env_.clock().NowMillis());

  // Survives a restart: the sealed secret opens under the same master key file.
  env_.Reopen();
  EXPECT_TRUE(iam().VerifySignature(Signed()).ok());
}

TEST_F(AkskTest, FailureModes) {
  auto expect_fail = [&](const SignedRequest& r, const std::string& part) {
    auto p = iam().VerifySignature(r);
    ASSERT_FALSE(p.ok()) << part;
    EXPECT_EQ(p.status().code(), Code::kUnauthenticated);
    EXPECT_NE(p.status().message().find(part), std::string::npos) << p.status().message();
  };
  expect_fail(Signed(0ms, std::string(40, 'x')),
              "Incorrect IAM authentication information: verify aksk signature fail");
  SignedRequest tampered = Signed();
  tampered.raw_query = "limit=1000";
  expect_fail(tampered, "verify aksk signature fail");
  tampered = Signed();
  tampered.body_sha256_hex = HexEncode(Sha256("x"));
  expect_fail(tampered, "verify aksk signature fail");

  EXPECT_TRUE(iam().VerifySignature(Signed(-15min)).ok());
  EXPECT_TRUE(iam().VerifySignature(Signed(15min)).ok());
  expect_fail(Signed(-15min - 1s), "signature expired, signature time:");
  expect_fail(Signed(16min), "server time:" + FormatSdkDate(env_.clock().NowMillis()));

  SignedRequest no_auth = Signed();
  no_auth.headers.pop_back();
  expect_fail(no_auth, "Authorization header is missing");
  SignedRequest bad_date = Signed();
  bad_date.headers[1].second = "yesterday";
  expect_fail(bad_date, "X-Sdk-Date header 'yesterday'");

  // The date must itself be signed, or a replay could move it.
  sdk_hmac::SignInput in{"GET", "/", "", {{"X-Sdk-Date", FormatSdkDate(env_.clock().NowMillis())}},
                         HexEncode(Sha256(""))};
  SignedRequest unsigned_date{in.method, in.raw_path, in.raw_query, in.headers,
                              in.body_sha256_hex};
  unsigned_date.headers.emplace_back(
      "authorization", sdk_hmac::Authorization(cred_.access_key, cred_.secret, in, {"host"}));
  expect_fail(unsigned_date, "SignedHeaders must include x-sdk-date");

  SignedRequest unknown = Signed();
  unknown.headers.back().second = "SDK-HMAC-SHA256 Access=NOSUCHKEY0000000000, "
                                  "SignedHeaders=host;x-sdk-date, Signature=" +
                                  std::string(64, '0');
  expect_fail(unknown, "access key 'NOSUCHKEY0000000000' does not exist");

  // Disabled user, then deleted key.
  ASSERT_TRUE(iam().UpdateUser(user_.id, {.enabled = false}).ok());
  expect_fail(Signed(), "disabled or deleted");
  ASSERT_TRUE(iam().UpdateUser(user_.id, {.enabled = true}).ok());
  EXPECT_TRUE(iam().VerifySignature(Signed()).ok());
  ASSERT_TRUE(iam().DeleteCredential(cred_.access_key).ok());
  expect_fail(Signed(), "does not exist");
  EXPECT_EQ(iam().DeleteCredential(cred_.access_key).code(), Code::kNotFound);
}

TEST_F(AkskTest, DeletingTheUserDeletesTheirKeys) {
  ASSERT_TRUE(iam().VerifySignature(Signed()).ok());
  ASSERT_TRUE(iam().DeleteUser(user_.id).ok());
  EXPECT_EQ(iam().VerifySignature(Signed()).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(iam().GetCredential(cred_.access_key).status().code(), Code::kNotFound);
}

TEST_F(AkskTest, WrongMasterKeyFileIsRejected) {
  auto db = meta::Open({.url = "sqlite::memory:"});
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(WriteFileAtomic(env_.dir() / "short.key", "tooshort", 0600).ok());
  auto r = Open(**db, env_.clock(), Options{.master_key_path = (env_.dir() / "short.key").string()});
  EXPECT_EQ(r.status().code(), Code::kFailedPrecondition);
}

}  // namespace
}  // namespace openarts::iam
