// The one Status → HTTP mapping and the error body shape (api/ROUTES.md).
#include <gtest/gtest.h>

#include "api/api.h"
#include "base/json.h"

namespace openarts::api {
namespace {

TEST(HttpStatusFor, FollowsTheRouteMap) {
  const std::pair<Code, int> table[] = {
      {Code::kInvalidArgument, 400},   {Code::kUnauthenticated, 401},
      {Code::kPermissionDenied, 403},  {Code::kNotFound, 404},
      {Code::kAlreadyExists, 409},     {Code::kFailedPrecondition, 409},
      {Code::kResourceExhausted, 413}, {Code::kUnavailable, 503},
      {Code::kDeadlineExceeded, 504},  {Code::kCancelled, 409},
      {Code::kInternal, 500},
  };
  for (const auto& [code, http] : table) {
    EXPECT_EQ(HttpStatusFor(code), http) << CodeName(code);
    // Every error code ends in its HTTP status, ModelArts style ("OA.AUTH.0401").
    const std::string ec(ErrorCodeFor(code));
    EXPECT_EQ(ec.substr(0, 3), "OA.") << ec;
    EXPECT_EQ(std::stoi(ec.substr(ec.size() - 3)), http) << ec;
  }
}

TEST(WriteError, FillsTheErrorBody) {
  http::Request req;
  req.request_id = "0123456789abcdef0123456789abcdef";
  http::Response resp;
  WriteError(req, resp, NotFound("bucket 'b' does not exist"));
  EXPECT_EQ(resp.status, 404);
  auto body = ParseJson(resp.body);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ((*body)["error_code"], "OA.NOTFOUND.0404");
  EXPECT_EQ((*body)["error_msg"], "bucket 'b' does not exist");
  EXPECT_EQ((*body)["request_id"], req.request_id);
  EXPECT_EQ(resp.headers["Content-Type"], "application/json");
}

TEST(WriteError, SurvivesInvalidUtf8InMessages) {
  http::Request req;
  http::Response resp;
  WriteError(req, resp, InvalidArgument("key '\xff\xfe' is not valid UTF-8"));
  EXPECT_EQ(resp.status, 400);
  EXPECT_TRUE(ParseJson(resp.body).ok());
}

TEST(WriteError, ChallengesOn401) {
  http::Request req;
  http::Response resp;
  WriteError(req, resp, Unauthenticated("token has expired"));
  EXPECT_EQ(resp.status, 401);
  EXPECT_NE(resp.headers["WWW-Authenticate"].find("SDK-HMAC-SHA256"), std::string::npos);
}

}  // namespace
}  // namespace openarts::api
