#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "args.h"
#include "base/crypto.h"
#include "base/fs.h"
#include "config.h"
#include "format.h"
#include "transfer.h"

namespace openarts::cli {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("cli_test_" + HexEncode(RandomBytes(6)));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// ---- INI profiles ----

TEST(Ini, ParsesSectionsKeysAndComments) {
  auto ini = ParseIni("# comment\n; other\n[DEFAULT]\nserver = http://h:1\n  project=local  \n\n[b]\nak=X\nak=Y\n");
  ASSERT_TRUE(ini.ok()) << ini.status().ToString();
  ASSERT_EQ(ini->sections.size(), 2u);
  const auto* d = ini->Find("DEFAULT");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ((*d)[0], (std::pair<std::string, std::string>("server", "http://h:1")));
  EXPECT_EQ((*d)[1], (std::pair<std::string, std::string>("project", "local")));
  EXPECT_EQ(ini->Find("b")->at(0).second, "Y");  // last value wins
}

TEST(Ini, MalformedLinesNameTheLine) {
  auto bad = ParseIni("[a]\nserver\n", "f.ini");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("f.ini line 2"), std::string::npos);
  EXPECT_FALSE(ParseIni("key = v\n").ok());       // before any section
  EXPECT_FALSE(ParseIni("[unclosed\n").ok());
}

TEST(Ini, SerializeRoundTrips) {
  IniFile ini;
  ini.GetOrAdd("DEFAULT") = {{"server", "http://h"}, {"password", "p=w d"}};
  ini.GetOrAdd("x") = {{"ak", "A"}};
  auto back = ParseIni(SerializeIni(ini));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->sections, ini.sections);
}

TEST(Profiles, SaveLoadKeepsOtherProfilesAndMode0600) {
  TempDir dir;
  auto path = dir.path() / "sub" / "ma-cli-profile.ini";
  Profile a;
  a.server = "http://127.0.0.1:8080";
  a.username = "admin";
  a.password = "s3cret = with equals";
  ASSERT_TRUE(SaveProfile(path, "DEFAULT", a).ok());
  Profile b;
  b.server = "https://x";
  b.project = "proj";
  b.ak = "AK1";
  b.sk = "SK1";
  b.verify_tls = false;
  b.ca_file = "/etc/ca.pem";
  ASSERT_TRUE(SaveProfile(path, "robot", b).ok());
  a.password = "changed";
  ASSERT_TRUE(SaveProfile(path, "DEFAULT", a).ok());

  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(path.parent_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  auto la = LoadProfile(path, "DEFAULT");
  ASSERT_TRUE(la.ok()) << la.status().ToString();
  EXPECT_EQ(la->server, a.server);
  EXPECT_EQ(la->project, "local");
  EXPECT_EQ(la->username, "admin");
  EXPECT_EQ(la->password, "changed");
  EXPECT_TRUE(la->verify_tls);
  auto lb = LoadProfile(path, "robot");
  ASSERT_TRUE(lb.ok());
  EXPECT_EQ(lb->ak, "AK1");
  EXPECT_EQ(lb->sk, "SK1");
  EXPECT_EQ(lb->project, "proj");
  EXPECT_FALSE(lb->verify_tls);
  EXPECT_EQ(lb->ca_file, "/etc/ca.pem");
  EXPECT_TRUE(lb->username.empty());

  auto missing = LoadProfile(path, "nope");
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  EXPECT_NE(missing.status().message().find("ma-cli configure -P nope"), std::string::npos);
  EXPECT_EQ(LoadProfile(dir.path() / "none.ini", "DEFAULT").status().code(), Code::kNotFound);
}

TEST(Profiles, TokenCacheLivesBesideConfig) {
  EXPECT_EQ(TokenCachePath("/h/.modelarts/ma-cli-profile.ini", "DEFAULT"), fs::path("/h/.modelarts/ma-cli-token-DEFAULT"));
  EXPECT_EQ(TokenCachePath("/c/p.ini", "a/b c"), fs::path("/c/ma-cli-token-a_b_c"));
  Profile p;
  p.server = "http://h";
  p.username = "u";
  auto o = ToClientOptions(p, "/c/p.ini", "x", true);
  EXPECT_EQ(o.token_cache, fs::path("/c/ma-cli-token-x"));
  EXPECT_TRUE(o.debug);
}

// ---- obs:// URIs ----

TEST(ObsPath, ParsesBucketsKeysAndPrefixes) {
  auto p = ParseObsPath("obs://my-bucket/dir/file.txt");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->bucket, "my-bucket");
  EXPECT_EQ(p->key, "dir/file.txt");
  EXPECT_FALSE(p->is_prefix());

  auto b = ParseObsPath("obs://bucket");
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->is_bucket());
  EXPECT_EQ(ParseObsPath("obs://bucket/")->key, "");
  EXPECT_TRUE(ParseObsPath("obs://bucket/dir/")->is_prefix());
  EXPECT_EQ(ParseObsPath("s3://bucket/k")->ToString(), "obs://bucket/k");  // alias
  EXPECT_EQ(ParseObsPath("OBS://bucket/k")->key, "k");
  EXPECT_EQ(ParseObsPath("obs://bucket/a b/\xE4\xB8\xAD.txt")->key, "a b/\xE4\xB8\xAD.txt");
}

TEST(ObsPath, RejectsBadUris) {
  EXPECT_FALSE(ParseObsPath("http://bucket/k").ok());
  EXPECT_FALSE(ParseObsPath("obs://").ok());
  EXPECT_FALSE(ParseObsPath("obs:///key").ok());
  EXPECT_FALSE(ParseObsPath("obs://Bucket/k").ok());    // uppercase
  EXPECT_FALSE(ParseObsPath("obs://ab/k").ok());        // too short
  EXPECT_FALSE(ParseObsPath("obs://-abc/k").ok());
  EXPECT_FALSE(ParseObsPath("obs://bucket/a//b").ok());
  EXPECT_FALSE(ParseObsPath("obs://bucket/a/../b").ok());
  EXPECT_FALSE(ParseObsPath("obs://bucket/./b").ok());
  EXPECT_FALSE(ParseObsPath("obs://bucket/a\nb").ok());
  EXPECT_TRUE(IsObsUri("s3://x"));
  EXPECT_TRUE(IsObsUri("obs://x"));
  EXPECT_FALSE(IsObsUri("./obs://x"));
}

// ---- en dashes ----

TEST(Dashes, RejectsTypographicDashesWithTheFix) {
  const char* ok[] = {"ma-cli", "obs-copy", "-r", "--jobs", "a–b"};
  EXPECT_TRUE(CheckDashes(5, ok).ok());

  const char* en[] = {"ma-cli", "obs-copy", "a", "b", "\xE2\x80\x93r"};  // –r
  Status st = CheckDashes(5, en);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_NE(st.message().find("'-r'"), std::string::npos);

  const char* em[] = {"ma-cli", "\xE2\x80\x94recursive"};  // —recursive
  EXPECT_NE(CheckDashes(2, em).message().find("'--recursive'"), std::string::npos);
  const char* two[] = {"ma-cli", "\xE2\x80\x93\xE2\x80\x93jobs"};  // ––jobs
  EXPECT_NE(CheckDashes(2, two).message().find("'--jobs'"), std::string::npos);
  const char* rf[] = {"ma-cli", "\xE2\x80\x93rf"};
  EXPECT_NE(CheckDashes(2, rf).message().find("'-rf'"), std::string::npos);
}

// ---- tables and numbers ----

TEST(Table, AlignsColumnsUnderUpperCaseHeader) {
  Table t({"name", "size"});
  t.AddRow({"a", "1"});
  t.AddRow({"longer-name", "22"});
  t.AddRow({"multi\nline"});  // missing cell, embedded newline
  EXPECT_EQ(t.Render(),
            "NAME         SIZE\n"
            "a            1\n"
            "longer-name  22\n"
            "multi line\n");
}

TEST(Table, CountsUtf8CodePointsNotBytes) {
  Table t({"n", "x"});
  t.AddRow({"\xE4\xB8\xAD\xE6\x96\x87", "1"});  // two CJK characters, six bytes
  EXPECT_EQ(t.Render(), "N   X\n\xE4\xB8\xAD\xE6\x96\x87  1\n");
}

TEST(Format, BytesRatesDurations) {
  EXPECT_EQ(FormatBytes(0), "0B");
  EXPECT_EQ(FormatBytes(1023), "1023B");
  EXPECT_EQ(FormatBytes(1536), "1.50KiB");
  EXPECT_EQ(FormatBytes(5ull << 30), "5.00GiB");
  EXPECT_EQ(FormatRate(0), "0B/s");
  EXPECT_EQ(FormatRate(2 * 1048576.0), "2.00MiB/s");
  EXPECT_EQ(FormatDuration(0.84), "0.8s");
  EXPECT_EQ(FormatDuration(45), "45s");
  EXPECT_EQ(FormatDuration(65), "1m05s");
  EXPECT_EQ(FormatDuration(7380), "2h03m");
  EXPECT_EQ(FormatTime(0), "");
}

TEST(Format, ProgressLine) {
  ProgressState s{512 * 1024, 1024 * 1024, 3, 10, 1.0};
  std::string line = FormatProgress(s, 100);
  EXPECT_EQ(line, "[###############---------------]   50%  512.00KiB/1.00MiB  3/10 files  512.00KiB/s  ETA 1.0s");
  EXPECT_LE(line.size(), 100u);
  // Narrow terminal: the bar goes, the numbers stay, the width is respected.
  std::string narrow = FormatProgress(s, 40);
  EXPECT_LE(narrow.size(), 40u);
  EXPECT_EQ(narrow.rfind(" 50%  512.00KiB", 0), 0u);
  // Nothing known yet: 0 %, no division by zero, no ETA.
  EXPECT_EQ(FormatProgress({}, 80), "[------------------------------]    0%  0B/0B  0/0 files  0B/s");
  // More done than planned (a file grew): clamped to 100 %.
  EXPECT_NE(FormatProgress({200, 100, 1, 1, 1}, 100).find("100%"), std::string::npos);
}

// ---- skip-identical decision ----

TEST(SameContent, NeedsEqualSizeAndMd5) {
  const std::string md5 = "5d41402abc4b2a76b9719d911017c592";
  EXPECT_TRUE(SameContent(5, md5, 5, md5));
  EXPECT_TRUE(SameContent(5, md5, 5, "\"5D41402ABC4B2A76B9719D911017C592\""));  // quoted, upper case
  EXPECT_FALSE(SameContent(5, md5, 6, md5));                                     // size differs
  EXPECT_FALSE(SameContent(5, md5, 5, "7d793037a0760186574b0282f2f435e7"));      // content differs
  EXPECT_FALSE(SameContent(5, md5, 5, ""));                                      // unknown etag
  EXPECT_FALSE(SameContent(5, "", 5, ""));
  EXPECT_FALSE(SameContent(5, md5 + "-2", 5, md5 + "-2"));                       // multipart etag
  const std::string empty_md5 = HexEncode(Md5(""));
  EXPECT_TRUE(SameContent(0, empty_md5, 0, empty_md5));                          // empty files too
}

}  // namespace
}  // namespace openarts::cli
