// Bucket names, object keys and obs:// URIs: tables of accepted and rejected inputs, each
// rejection checked for the rule its message names.
#include <gtest/gtest.h>

#include "objstore/objstore.h"

namespace openarts::objstore {
namespace {

struct Case {
  std::string input;
  const char* error;  // nullptr: accepted; otherwise a substring of the message
};

void Check(const std::vector<Case>& cases, Status (*fn)(std::string_view)) {
  for (const Case& c : cases) {
    Status s = fn(c.input);
    if (c.error == nullptr) {
      EXPECT_TRUE(s.ok()) << "'" << c.input << "': " << s.ToString();
    } else {
      EXPECT_EQ(s.code(), Code::kInvalidArgument) << "'" << c.input << "'";
      EXPECT_NE(s.message().find(c.error), std::string::npos)
          << "'" << c.input << "': " << s.message();
    }
  }
}

TEST(NamesTest, BucketNames) {
  Check(
      {
          {"abc", nullptr},
          {"my-bucket.v2", nullptr},
          {"0bucket9", nullptr},
          {std::string(63, 'a'), nullptr},
          {"1.2.3", nullptr},        // three groups: not an IP address
          {"1.2.3.4.5", nullptr},    // five groups: not one either
          {"ab", "3 to 63 characters"},
          {std::string(64, 'a'), "3 to 63 characters"},
          {"", "3 to 63 characters"},
          {"MyBucket", "use lowercase letters"},
          {"my_bucket", "found '_' at position 2"},
          {"my bucket", "found ' '"},
          {std::string("ab\0c", 4), "found 0x00"},
          {"-abc", "start and end"},
          {"abc-", "start and end"},
          {".abc", "start and end"},
          {"a..b", "two adjacent periods"},
          {"a.-b", "period next to a hyphen"},
          {"a-.b", "period next to a hyphen"},
          {"192.168.5.4", "IP address"},
          {"10.0.0.1", "IP address"},
      },
      &ValidateBucketName);
}

TEST(NamesTest, ObjectKeys) {
  Check(
      {
          {"a", nullptr},
          {"a/b/c.txt", nullptr},
          {"dir/", nullptr},  // folder marker
          {"a/.hidden", nullptr},
          {"a/..b/c...", nullptr},
          {"ключ/数据/é", nullptr},
          {"emoji-\xF0\x9F\x98\x80", nullptr},
          {"spaces and ?#%&=+ are fine", nullptr},
          {std::string(1024, 'k'), nullptr},
          {"", "must not be empty"},
          {std::string(1025, 'k'), "at most 1024 bytes (got 1025)"},
          {"/abs", "must not start with '/'"},
          {"a//b", "empty segment ('//')"},
          {"a/", nullptr},
          {".", "'.' segment"},
          {"a/./b", "'.' segment"},
          {"a/.", "'.' segment"},
          {"..", "'..' segment"},
          {"a/../b", "'..' segment"},
          {"../x", "'..' segment"},
          {"a/..", "'..' segment"},
          {"a/../", "'..' segment"},
          {std::string("a\0b", 3), "control characters (U+0000 at offset 1)"},
          {"tab\there", "control characters (U+0009"},
          {"new\nline", "control characters (U+000A"},
          {"del\x7f", "control characters (U+007F"},
          {"c1\xC2\x85", "control characters (U+0085"},
          {"bad\xFF", "valid UTF-8 (bad byte 0xFF at offset 3)"},
          {"trunc\xE4\xB8", "valid UTF-8"},
          {"overlong\xC0\xAF", "valid UTF-8"},
          {"overlong3\xE0\x80\xAF", "valid UTF-8"},
          {"surrogate\xED\xA0\x80", "valid UTF-8"},
          {"toolarge\xF4\x90\x80\x80", "valid UTF-8"},
          {"lone\x80", "valid UTF-8"},
      },
      &ValidateObjectKey);
}

TEST(NamesTest, ParseObsUri) {
  struct UriCase {
    std::string uri;
    std::string bucket, key;  // expected when error is null
    const char* error;
  };
  for (const UriCase& c : std::vector<UriCase>{
           {"obs://bucket", "bucket", "", nullptr},
           {"obs://bucket/", "bucket", "", nullptr},
           {"obs://bucket/a/b.txt", "bucket", "a/b.txt", nullptr},
           {"obs://bucket/job/output/V0001/", "bucket", "job/output/V0001/", nullptr},
           {"s3://bucket/a", "bucket", "a", nullptr},
           {"OBS://bucket/a", "bucket", "a", nullptr},
           {"S3://bucket/a", "bucket", "a", nullptr},
           {"obs://bucket/数据/x", "bucket", "数据/x", nullptr},
           {"", "", "", "must start with obs:// or s3://"},
           {"bucket/key", "", "", "must start with obs:// or s3://"},
           {"http://bucket/key", "", "", "must start with obs:// or s3://"},
           {"obs:/bucket/key", "", "", "must start with obs:// or s3://"},
           {"obs://", "", "", "names no bucket"},
           {"obs:///key", "", "", "names no bucket"},
           {"obs://Bucket/key", "", "", "lowercase"},
           {"obs://b/key", "", "", "3 to 63"},
           {"obs://bucket//key", "", "", "must not start with '/'"},
           {"obs://bucket/a//b", "", "", "empty segment"},
           {"obs://bucket/a/../b", "", "", "'..' segment"},
           {"obs://bucket/a\nb", "", "", "control characters"},
       }) {
    auto r = ParseObsUri(c.uri);
    if (c.error == nullptr) {
      ASSERT_TRUE(r.ok()) << c.uri << ": " << r.status().ToString();
      EXPECT_EQ(r->bucket, c.bucket) << c.uri;
      EXPECT_EQ(r->key, c.key) << c.uri;
      auto again = ParseObsUri(r->ToString());
      ASSERT_TRUE(again.ok()) << r->ToString();
      EXPECT_EQ(again->bucket, r->bucket);
      EXPECT_EQ(again->key, r->key);
    } else {
      EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << c.uri;
      EXPECT_NE(r.status().message().find(c.error), std::string::npos)
          << c.uri << ": " << r.status().message();
    }
  }
}

TEST(NamesTest, ObsUriToStringAndIsObsUri) {
  EXPECT_EQ((ObsUri{"bucket", ""}).ToString(), "obs://bucket");
  EXPECT_EQ((ObsUri{"bucket", "a/b/"}).ToString(), "obs://bucket/a/b/");
  EXPECT_EQ(ParseObsUri("s3://bucket/x")->ToString(), "obs://bucket/x");
  EXPECT_TRUE(IsObsUri("obs://b"));
  EXPECT_TRUE(IsObsUri("s3://"));
  EXPECT_TRUE(IsObsUri("S3://x"));
  EXPECT_FALSE(IsObsUri("obs:/x"));
  EXPECT_FALSE(IsObsUri("/local/path"));
  EXPECT_FALSE(IsObsUri("file:///x"));
  EXPECT_FALSE(IsObsUri(""));
}

TEST(NamesTest, LongUriIsQuotedShortly) {
  std::string uri = "obs://bucket/" + std::string(2000, 'a');
  auto r = ParseObsUri(uri);
  ASSERT_FALSE(r.ok());
  EXPECT_LT(r.status().message().size(), 400u);
}

}  // namespace
}  // namespace openarts::objstore
