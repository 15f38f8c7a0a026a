#include <gtest/gtest.h>

#include <filesystem>

#include "base/base.h"

namespace openarts {
namespace {

Result<int> Half(int x) {
  if (x % 2) return InvalidArgument("field 'x' must be even");
  return x / 2;
}

Result<int> Quarter(int x) {
  OA_ASSIGN_OR_RETURN(int h, Half(x));
  OA_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(StatusTest, PropagatesThroughMacros) {
  EXPECT_EQ(*Quarter(8), 2);
  auto r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().ToString(), "InvalidArgument: field 'x' must be even");
  EXPECT_EQ(r.status().WithContext("quarter").message(), "quarter: field 'x' must be even");
}

TEST(CryptoTest, KnownVectors) {
  EXPECT_EQ(HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 2.
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(HexEncode(Md5("")), "d41d8cd98f00b204e9800998ecf8427e");
  Hasher h(Hasher::Kind::kSha256);
  h.Update("a", 1);
  h.Update("bc", 2);
  EXPECT_EQ(h.Final(), Sha256("abc"));
  EXPECT_EQ(*HexDecode("00ff10"), std::string("\x00\xff\x10", 3));
  EXPECT_FALSE(HexDecode("0g").ok());
  EXPECT_FALSE(HexDecode("abc").ok());
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
}

TEST(CryptoTest, PasswordHashRoundTrip) {
  auto h = HashPassword("s3cret-pass");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_NE(h->find("$argon2id$"), std::string::npos);
  EXPECT_TRUE(VerifyPassword(*h, "s3cret-pass"));
  EXPECT_FALSE(VerifyPassword(*h, "s3cret-pasS"));
  EXPECT_FALSE(VerifyPassword("garbage", "x"));
}

TEST(EncodingTest, PercentAndBase64) {
  EXPECT_EQ(PercentEncode("a-b_c.d~e"), "a-b_c.d~e");
  EXPECT_EQ(PercentEncode("a b/c?d"), "a%20b%2Fc%3Fd");
  EXPECT_EQ(PercentEncode("dir/a b+c.txt", true), "dir/a%20b%2Bc.txt");
  EXPECT_EQ(PercentEncode("\xE4\xB8\xAD"), "%E4%B8%AD");
  EXPECT_EQ(*PercentDecode("a%20b%2fc"), "a b/c");
  EXPECT_EQ(*PercentDecode("a+b", /*plus_is_space=*/true), "a b");
  EXPECT_EQ(*PercentDecode("a+b"), "a+b");
  EXPECT_EQ(PercentDecode("50%").status().message(),
            "broken percent-escape at offset 2: '%' must be followed by two hex digits");
  EXPECT_FALSE(PercentDecode("%g1").ok());
  EXPECT_EQ(PercentDecodeLenient("50%-%41"), "50%-A");
  for (std::string raw : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\0\xff\x10", 3)}) {
    EXPECT_EQ(*Base64Decode(Base64Encode(raw)), raw);
  }
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_FALSE(Base64Decode("Zm8").ok());     // unpadded
  EXPECT_FALSE(Base64Decode("Z=8=").ok());    // padding in the middle
  EXPECT_FALSE(Base64Decode("Zm8*").ok());    // not the alphabet
}

TEST(IdsTest, NewIdsAreValidAndDistinct) {
  auto a = NewId(), b = NewId();
  EXPECT_TRUE(IsValidId(a));
  EXPECT_NE(a, b);
  EXPECT_FALSE(IsValidId("0"));
  EXPECT_FALSE(IsValidId(std::string(32, 'G')));
}

TEST(ClockTest, SdkDateRoundTrip) {
  EXPECT_EQ(FormatSdkDate(1573788615000), "20191115T033015Z");
  EXPECT_EQ(ParseSdkDate("20191115T033015Z"), 1573788615000);
  EXPECT_EQ(ParseSdkDate("2019-11-15"), -1);
  EXPECT_EQ(ParseSdkDate("20191315T033015Z"), -1);
  EXPECT_EQ(FormatIso8601(1573788615123), "2019-11-15T03:30:15.123Z");
  FakeClock clock(1000);
  clock.Advance(std::chrono::seconds(2));
  EXPECT_EQ(clock.NowMillis(), 3000);
}

TEST(JsonTest, FieldErrorsNameTheField) {
  auto bad = ParseJson("{\"a\": ");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("not valid JSON"), std::string::npos);
  auto j = *ParseJson(R"({"name":"x","n":3,"flag":true,"obj":{},"arr":[1]})");
  EXPECT_EQ(*GetString(j, "name"), "x");
  EXPECT_EQ(*GetInt(j, "n"), 3);
  EXPECT_EQ(GetString(j, "missing").status().message(), "field 'missing' is required");
  EXPECT_EQ(GetString(j, "n", "spec.n").status().message(),
            "field 'spec.n' must be a string, not an integer");
  EXPECT_EQ(**GetOptBool(j, "flag"), true);
  EXPECT_NE(*GetOptObject(j, "obj"), nullptr);
  EXPECT_FALSE(GetOptObject(j, "arr").ok());
  EXPECT_EQ(*GetOptArray(j, "none"), nullptr);
}

TEST(FsTest, AtomicWriteReplacesWholeFile) {
  auto dir = std::filesystem::temp_directory_path() / ("oa-base-" + NewId());
  ASSERT_TRUE(MakeDirs(dir).ok());
  auto p = dir / "f";
  ASSERT_TRUE(WriteFileAtomic(p, "one").ok());
  ASSERT_TRUE(WriteFileAtomic(p, "two!").ok());
  EXPECT_EQ(*ReadFile(p), "two!");
  EXPECT_EQ(ReadFile(dir / "nope").status().code(), Code::kNotFound);
  size_t n = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir)) ++n;
  EXPECT_EQ(n, 1u);  // no temp file left behind
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace openarts
