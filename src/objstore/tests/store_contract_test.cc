// The ObjectStore contract, written against the interface only. Every backend runs it: add a
// Backend entry to INSTANTIATE_TEST_SUITE_P below (an S3 backend would start a local endpoint).
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <random>
#include <set>
#include <thread>

#include "base/clock.h"
#include "base/crypto.h"
#include "objstore/objstore.h"
#include "test_util.h"

namespace openarts::objstore {
namespace {

using testing::FailingSource;
using testing::ReadAll;
using testing::StringSource;
using testing::TempDir;

struct Backend {
  std::string name;
  std::function<Result<std::unique_ptr<ObjectStore>>(const TempDir&, Clock*)> open;
};

class StoreContractTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    auto s = GetParam().open(dir_, &clock_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    ASSERT_TRUE(store_->CreateBucket({.name = "bkt"}).ok());
  }

  ObjectInfo PutOk(std::string_view key, std::string data, std::string_view bucket = "bkt",
                   PutOptions opts = {}) {
    StringSource src(std::move(data), 1000);
    auto r = store_->Put(bucket, key, src, opts);
    EXPECT_TRUE(r.ok()) << key << ": " << r.status().ToString();
    return r.ok() ? *r : ObjectInfo{};
  }
  std::string GetContent(std::string_view key, std::string_view bucket = "bkt") {
    auto h = store_->Get(bucket, key);
    if (!h.ok()) return "<" + h.status().ToString() + ">";
    return ReadAll(*h->reader);
  }

  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<ObjectStore> store_;
};

std::string Md5Hex(std::string_view s) { return HexEncode(Md5(s)); }

// ------------------------------------------------------------------------------------ buckets

TEST_P(StoreContractTest, BucketCrud) {
  auto b = store_->CreateBucket({.name = "alpha", .workspace_id = "ws1", .owner = "u1"});
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->create_time, clock_.NowMillis());

  auto got = store_->GetBucket("alpha");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->workspace_id, "ws1");
  EXPECT_EQ(got->owner, "u1");
  EXPECT_EQ(got->create_time, clock_.NowMillis());

  EXPECT_EQ(store_->CreateBucket({.name = "alpha"}).status().code(), Code::kAlreadyExists);
  EXPECT_EQ(store_->CreateBucket({.name = "Bad_Name"}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(store_->GetBucket("nope").status().code(), Code::kNotFound);

  auto def = store_->CreateBucket({.name = "0-zeta"});
  ASSERT_TRUE(def.ok());
  EXPECT_EQ(def->workspace_id, "0");

  auto all = store_->ListBuckets();
  ASSERT_TRUE(all.ok());
  std::vector<std::string> names;
  for (auto& x : *all) names.push_back(x.name);
  EXPECT_EQ(names, (std::vector<std::string>{"0-zeta", "alpha", "bkt"}));

  EXPECT_TRUE(store_->DeleteBucket("alpha").ok());
  EXPECT_EQ(store_->GetBucket("alpha").status().code(), Code::kNotFound);
  EXPECT_EQ(store_->DeleteBucket("alpha").code(), Code::kNotFound);
}

TEST_P(StoreContractTest, DeleteNonEmptyBucketFails) {
  PutOk("k", "v");
  Status s = store_->DeleteBucket("bkt");
  EXPECT_EQ(s.code(), Code::kFailedPrecondition);
  EXPECT_NE(s.message().find("bucket 'bkt' is not empty"), std::string::npos) << s.message();
  ASSERT_TRUE(store_->Delete("bkt", "k").ok());
  EXPECT_TRUE(store_->DeleteBucket("bkt").ok());
  // The bucket's objects are gone with it: recreating it starts empty.
  ASSERT_TRUE(store_->CreateBucket({.name = "bkt"}).ok());
  EXPECT_TRUE(store_->List("bkt", {})->objects.empty());
}

// ------------------------------------------------------------------------------------ objects

TEST_P(StoreContractTest, PutGetHeadDelete) {
  clock_.Set(1'800'000'000'123);
  ObjectInfo info = PutOk("dir/hello.txt", "hello");
  EXPECT_EQ(info.bucket, "bkt");
  EXPECT_EQ(info.key, "dir/hello.txt");
  EXPECT_EQ(info.size, 5u);
  EXPECT_EQ(info.etag, "5d41402abc4b2a76b9719d911017c592");  // MD5("hello")
  EXPECT_EQ(info.content_type, "application/octet-stream");
  EXPECT_EQ(info.last_modified, 1'800'000'000'123);

  auto head = store_->Head("bkt", "dir/hello.txt");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->etag, info.etag);
  EXPECT_EQ(head->size, 5u);
  EXPECT_EQ(head->last_modified, info.last_modified);

  auto h = store_->Get("bkt", "dir/hello.txt");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->info.etag, info.etag);
  EXPECT_EQ(h->reader->Size(), 5u);
  EXPECT_EQ(ReadAll(*h->reader), "hello");

  ASSERT_TRUE(store_->Delete("bkt", "dir/hello.txt").ok());
  EXPECT_EQ(store_->Get("bkt", "dir/hello.txt").status().code(), Code::kNotFound);
  EXPECT_EQ(store_->Head("bkt", "dir/hello.txt").status().code(), Code::kNotFound);
  EXPECT_EQ(store_->Delete("bkt", "dir/hello.txt").code(), Code::kNotFound);
}

TEST_P(StoreContractTest, ErrorsNameTheProblem) {
  StringSource src("x");
  auto no_bucket = store_->Put("missing", "k", src);
  EXPECT_EQ(no_bucket.status().code(), Code::kNotFound);
  EXPECT_NE(no_bucket.status().message().find("bucket 'missing'"), std::string::npos);
  EXPECT_EQ(store_->Get("missing", "k").status().code(), Code::kNotFound);
  EXPECT_EQ(store_->List("missing", {}).status().code(), Code::kNotFound);

  StringSource src2("x");
  auto bad_key = store_->Put("bkt", "a/../b", src2);
  EXPECT_EQ(bad_key.status().code(), Code::kInvalidArgument);
  EXPECT_NE(bad_key.status().message().find("'..' segment"), std::string::npos);

  auto miss = store_->Head("bkt", "nope");
  EXPECT_EQ(miss.status().code(), Code::kNotFound);
  EXPECT_NE(miss.status().message().find("'nope'"), std::string::npos);

  EXPECT_EQ(store_->List("bkt", {.max_keys = 0}).status().code(), Code::kInvalidArgument);
}

TEST_P(StoreContractTest, ContentTypeAndEmptyObject) {
  ObjectInfo info = PutOk("empty", "", "bkt", {.content_type = "text/plain"});
  EXPECT_EQ(info.size, 0u);
  EXPECT_EQ(info.etag, "d41d8cd98f00b204e9800998ecf8427e");  // MD5("")
  EXPECT_EQ(info.content_type, "text/plain");
  EXPECT_EQ(store_->Head("bkt", "empty")->content_type, "text/plain");
  EXPECT_EQ(GetContent("empty"), "");
}

TEST_P(StoreContractTest, FileAndFolderKeysCoexist) {
  PutOk("a", "file a");
  PutOk("a/b", "file a/b");
  PutOk("a/", "folder marker");
  PutOk("a/b/c", "deep");
  EXPECT_EQ(GetContent("a"), "file a");
  EXPECT_EQ(GetContent("a/b"), "file a/b");
  EXPECT_EQ(GetContent("a/"), "folder marker");
  EXPECT_EQ(GetContent("a/b/c"), "deep");
  ASSERT_TRUE(store_->Delete("bkt", "a/b").ok());
  EXPECT_EQ(GetContent("a/b/c"), "deep");
}

TEST_P(StoreContractTest, OverwriteAndDeleteWhileReaderOpen) {
  std::string v1(200'000, '1'), v2(100, '2');
  PutOk("k", v1);
  auto h1 = store_->Get("bkt", "k");
  ASSERT_TRUE(h1.ok());
  ObjectInfo i2 = PutOk("k", v2);
  EXPECT_EQ(i2.etag, Md5Hex(v2));
  // The open handle keeps the bytes it opened; a new Get sees the new version.
  EXPECT_EQ(ReadAll(*h1->reader), v1);
  EXPECT_EQ(h1->info.etag, Md5Hex(v1));
  auto h2 = store_->Get("bkt", "k");
  ASSERT_TRUE(h2.ok());
  ASSERT_TRUE(store_->Delete("bkt", "k").ok());
  EXPECT_EQ(ReadAll(*h2->reader), v2);
  EXPECT_EQ(ReadAll(*h1->reader), v1);
}

TEST_P(StoreContractTest, ReadAtRanges) {
  std::string data(300'001, '\0');
  std::mt19937 rng(7);
  for (char& c : data) c = static_cast<char>(rng());
  PutOk("blob", data);
  auto h = store_->Get("bkt", "blob");
  ASSERT_TRUE(h.ok());
  const RandomReader& r = *h->reader;
  ASSERT_EQ(r.Size(), data.size());
  struct Case {
    uint64_t off;
    size_t n;
  };
  for (Case c : {Case{0, 1}, Case{0, 65536}, Case{12345, 99999}, Case{300'000, 1},
                 Case{300'000, 10}, Case{299'990, 100}, Case{150'000, 150'001}}) {
    std::string buf(c.n, '\0');
    auto got = r.ReadAt(c.off, buf.data(), c.n);
    ASSERT_TRUE(got.ok());
    size_t want = std::min<size_t>(c.n, data.size() - c.off);
    ASSERT_EQ(*got, want) << c.off << "+" << c.n;
    EXPECT_EQ(buf.substr(0, want), data.substr(c.off, want)) << c.off << "+" << c.n;
  }
  char byte;
  EXPECT_EQ(*r.ReadAt(data.size(), &byte, 1), 0u);
  EXPECT_EQ(*r.ReadAt(data.size() + 100, &byte, 1), 0u);
}

TEST_P(StoreContractTest, RejectedPutsLeaveOldObjectAndNothingNew) {
  PutOk("k", "old");
  const std::string old_etag = Md5Hex("old");
  auto expect_untouched = [&] {
    EXPECT_EQ(GetContent("k"), "old");
    EXPECT_EQ(store_->Head("bkt", "k")->etag, old_etag);
    EXPECT_EQ(store_->Head("bkt", "fresh").status().code(), Code::kNotFound);
    auto l = store_->List("bkt", {});
    ASSERT_TRUE(l.ok());
    ASSERT_EQ(l->objects.size(), 1u);
  };
  struct Case {
    const char* name;
    PutOptions opts;
    Code code;
    const char* message;
  };
  const std::string data = "new content";
  std::vector<Case> cases = {
      {"md5 differs", {.expected_md5_hex = Md5Hex("other")}, Code::kInvalidArgument,
       "Content-MD5 mismatch"},
      {"md5 malformed", {.expected_md5_hex = "xyz"}, Code::kInvalidArgument, "32 hex digits"},
      {"source shorter", {.expected_size = data.size() + 1}, Code::kInvalidArgument, "shorter"},
      {"source longer", {.expected_size = data.size() - 1}, Code::kInvalidArgument, "longer"},
      {"over max_size", {.max_size = data.size() - 1}, Code::kResourceExhausted, "limit"},
      {"declared over max_size", {.expected_size = 100, .max_size = 10}, Code::kResourceExhausted,
       "limit"},
  };
  for (const Case& c : cases) {
    for (const char* key : {"k", "fresh"}) {
      StringSource src(data, 3);
      auto r = store_->Put("bkt", key, src, c.opts);
      EXPECT_EQ(r.status().code(), c.code) << c.name << " " << r.status().ToString();
      EXPECT_NE(r.status().message().find(c.message), std::string::npos)
          << c.name << ": " << r.status().message();
      expect_untouched();
    }
  }
  // A source that fails midway (client disconnect) passes its error through.
  FailingSource failing(5000);
  EXPECT_EQ(store_->Put("bkt", "k", failing).status().code(), Code::kUnavailable);
  expect_untouched();

  // The right MD5 (in either case) and size are accepted.
  std::string upper = Md5Hex(data);
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  ObjectInfo ok = PutOk("k", data, "bkt",
                        {.expected_md5_hex = upper, .expected_size = data.size(),
                         .max_size = data.size()});
  EXPECT_EQ(ok.etag, Md5Hex(data));
  EXPECT_EQ(GetContent("k"), data);
}

TEST_P(StoreContractTest, Copy) {
  ASSERT_TRUE(store_->CreateBucket({.name = "other"}).ok());
  PutOk("src", "payload", "bkt", {.content_type = "image/png"});
  clock_.Advance(std::chrono::seconds(5));

  auto c = store_->Copy("bkt", "src", "other", "dst/copy");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->bucket, "other");
  EXPECT_EQ(c->key, "dst/copy");
  EXPECT_EQ(c->etag, Md5Hex("payload"));
  EXPECT_EQ(c->size, 7u);
  EXPECT_EQ(c->content_type, "image/png");
  EXPECT_EQ(c->last_modified, clock_.NowMillis());
  EXPECT_EQ(GetContent("dst/copy", "other"), "payload");

  // Copies are independent: replacing or deleting the source leaves the copy alone.
  PutOk("src", "changed");
  EXPECT_EQ(GetContent("dst/copy", "other"), "payload");
  ASSERT_TRUE(store_->Delete("bkt", "src").ok());
  EXPECT_EQ(GetContent("dst/copy", "other"), "payload");

  // Overwrite an existing destination, and copy an object onto itself.
  PutOk("x", "xx");
  ASSERT_TRUE(store_->Copy("other", "dst/copy", "bkt", "x").ok());
  EXPECT_EQ(GetContent("x"), "payload");
  ASSERT_TRUE(store_->Copy("bkt", "x", "bkt", "x").ok());
  EXPECT_EQ(GetContent("x"), "payload");

  EXPECT_EQ(store_->Copy("bkt", "nope", "bkt", "y").status().code(), Code::kNotFound);
  EXPECT_EQ(store_->Copy("bkt", "x", "nobucket", "y").status().code(), Code::kNotFound);
  EXPECT_EQ(store_->Copy("bkt", "x", "bkt", "/abs").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(store_->Head("bkt", "y").status().code(), Code::kNotFound);
}

// ------------------------------------------------------------------------------------ listing

std::vector<std::string> Keys(const ListResult& r) {
  std::vector<std::string> out;
  for (auto& o : r.objects) out.push_back(o.key);
  return out;
}

TEST_P(StoreContractTest, ListWithDelimiterExample) {
  for (const char* k : {"photos/2006/jan/a.jpg", "photos/2006/feb/b.jpg", "photos/2006/feb/c.jpg",
                        "photos/2006/index.html", "photos/readme", "photos", "photosynthesis",
                        "videos/x.mp4", "zz"}) {
    PutOk(k, k);
  }
  auto root = store_->List("bkt", {.delimiter = "/"});
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(Keys(*root), (std::vector<std::string>{"photos", "photosynthesis", "zz"}));
  EXPECT_EQ(root->common_prefixes, (std::vector<std::string>{"photos/", "videos/"}));
  EXPECT_FALSE(root->is_truncated);
  EXPECT_EQ(root->objects[0].size, 6u);
  EXPECT_EQ(root->objects[0].etag, Md5Hex("photos"));

  auto y2006 = store_->List("bkt", {.prefix = "photos/2006/", .delimiter = "/"});
  ASSERT_TRUE(y2006.ok());
  EXPECT_EQ(Keys(*y2006), (std::vector<std::string>{"photos/2006/index.html"}));
  EXPECT_EQ(y2006->common_prefixes,
            (std::vector<std::string>{"photos/2006/feb/", "photos/2006/jan/"}));

  // Pages of 2 over root: [photos, photos/], [photosynthesis, videos/], [zz].
  auto p1 = store_->List("bkt", {.delimiter = "/", .max_keys = 2});
  ASSERT_TRUE(p1.ok());
  EXPECT_TRUE(p1->is_truncated);
  EXPECT_EQ(p1->next_marker, "photos/");
  auto p2 = store_->List("bkt", {.delimiter = "/", .marker = p1->next_marker, .max_keys = 2});
  ASSERT_TRUE(p2.ok());
  EXPECT_EQ(Keys(*p2), (std::vector<std::string>{"photosynthesis"}));
  EXPECT_EQ(p2->common_prefixes, (std::vector<std::string>{"videos/"}));
  EXPECT_TRUE(p2->is_truncated);
  auto p3 = store_->List("bkt", {.delimiter = "/", .marker = p2->next_marker, .max_keys = 2});
  ASSERT_TRUE(p3.ok());
  EXPECT_EQ(Keys(*p3), (std::vector<std::string>{"zz"}));
  EXPECT_FALSE(p3->is_truncated);
  EXPECT_EQ(p3->next_marker, "");

  // Without a delimiter everything under the prefix, flat and bytewise ordered.
  auto flat = store_->List("bkt", {.prefix = "photos/2006/f"});
  ASSERT_TRUE(flat.ok());
  EXPECT_EQ(Keys(*flat),
            (std::vector<std::string>{"photos/2006/feb/b.jpg", "photos/2006/feb/c.jpg"}));
  EXPECT_TRUE(flat->common_prefixes.empty());
}

TEST_P(StoreContractTest, ListOrderIsBytewise) {
  // UTF-8 bytewise order: 'Z' (0x5A) < 'a' (0x61) < 'é' (0xC3 0xA9) < '中' (0xE4 ...).
  for (const char* k : {"中", "a", "é", "Z", "a-", "a.b", "a/"}) PutOk(k, "x");
  auto l = store_->List("bkt", {});
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(Keys(*l), (std::vector<std::string>{"Z", "a", "a-", "a.b", "a/", "é", "中"}));
}

// The brute-force model: walk every key in order, group, then cut the page. It shares nothing
// with the implementation's seeking, which is where ordering and paging bugs live.
ListResult ModelList(const std::set<std::string>& keys, const ListOptions& o) {
  const std::string& m = o.marker;
  bool marker_is_group = false;
  if (!o.delimiter.empty() && m.starts_with(o.prefix)) {
    size_t pos = m.find(o.delimiter, o.prefix.size());
    marker_is_group = pos != std::string::npos && pos + o.delimiter.size() == m.size();
  }
  std::vector<std::pair<bool, std::string>> items;  // (is_prefix, value)
  for (const std::string& k : keys) {
    if (!k.starts_with(o.prefix) || k <= m) continue;
    if (marker_is_group && k.starts_with(m)) continue;
    size_t pos = o.delimiter.empty() ? std::string::npos : k.find(o.delimiter, o.prefix.size());
    if (pos == std::string::npos) {
      items.emplace_back(false, k);
    } else {
      std::string cp = k.substr(0, pos + o.delimiter.size());
      if (items.empty() || items.back() != std::make_pair(true, cp)) items.emplace_back(true, cp);
    }
  }
  ListResult r;
  size_t n = std::min<size_t>(items.size(), static_cast<size_t>(o.max_keys));
  for (size_t i = 0; i < n; ++i) {
    if (items[i].first) r.common_prefixes.push_back(items[i].second);
    else r.objects.push_back({.key = items[i].second});
  }
  r.is_truncated = items.size() > n;
  if (r.is_truncated) r.next_marker = items[n - 1].second;
  return r;
}

TEST_P(StoreContractTest, ListMatchesModelOnRandomKeys) {
  std::mt19937 rng(20240607);
  const std::vector<std::string> alphabet = {"a", "b", "/", ".", "-", "z", "é", "ab/"};
  auto random_string = [&](size_t max_len) {
    std::string s;
    size_t len = 1 + rng() % max_len;
    for (size_t i = 0; i < len; ++i) s += alphabet[rng() % alphabet.size()];
    return s;
  };
  std::set<std::string> keys;
  while (keys.size() < 250) {
    std::string k = random_string(6);
    if (ValidateObjectKey(k).ok()) keys.insert(k);
  }
  for (const std::string& k : keys) PutOk(k, "");

  std::vector<std::string> key_list(keys.begin(), keys.end());
  for (int trial = 0; trial < 300; ++trial) {
    ListOptions o;
    switch (rng() % 4) {
      case 0: break;
      case 1: o.prefix = random_string(2); break;
      default: {
        const std::string& k = key_list[rng() % key_list.size()];
        o.prefix = k.substr(0, rng() % (k.size() + 1));
      }
    }
    const char* delims[] = {"", "/", "/", "b", "ab"};
    o.delimiter = delims[rng() % 5];
    switch (rng() % 3) {
      case 0: break;
      case 1: o.marker = random_string(4); break;
      default: o.marker = key_list[rng() % key_list.size()];
    }
    const int sizes[] = {1, 2, 3, 7, 50, 1000};
    o.max_keys = sizes[rng() % 6];

    // Walk every page from this starting point, comparing each with the model.
    std::set<std::string> seen;
    for (int page = 0; page < 1000; ++page) {
      SCOPED_TRACE("prefix='" + o.prefix + "' delim='" + o.delimiter + "' marker='" + o.marker +
                   "' max=" + std::to_string(o.max_keys));
      auto got = store_->List("bkt", o);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      ListResult want = ModelList(keys, o);
      ASSERT_EQ(Keys(*got), Keys(want));
      ASSERT_EQ(got->common_prefixes, want.common_prefixes);
      ASSERT_EQ(got->is_truncated, want.is_truncated);
      ASSERT_EQ(got->next_marker, want.next_marker);
      ASSERT_LE(got->objects.size() + got->common_prefixes.size(), size_t(o.max_keys));
      for (auto& k : Keys(*got)) ASSERT_TRUE(seen.insert(k).second) << "repeated " << k;
      for (auto& p : got->common_prefixes) ASSERT_TRUE(seen.insert(p).second) << "repeated " << p;
      if (!got->is_truncated) break;
      o.marker = got->next_marker;
    }
  }
}

TEST_P(StoreContractTest, FullPaginationVisitsEveryKeyOnce) {
  std::set<std::string> keys;
  for (int i = 0; i < 60; ++i) keys.insert("d" + std::to_string(i % 7) + "/f" + std::to_string(i));
  for (int i = 0; i < 20; ++i) keys.insert("top" + std::to_string(i));
  for (auto& k : keys) PutOk(k, k);
  for (int max_keys : {1, 3, 1000}) {
    for (std::string delim : {"", "/"}) {
      std::vector<std::string> items;
      ListOptions o{.delimiter = delim, .max_keys = max_keys};
      for (;;) {
        auto r = store_->List("bkt", o);
        ASSERT_TRUE(r.ok());
        for (auto& obj : r->objects) items.push_back(obj.key);
        for (auto& p : r->common_prefixes) items.push_back(p);
        if (!r->is_truncated) break;
        o.marker = r->next_marker;
      }
      std::sort(items.begin(), items.end());
      if (delim.empty()) {
        EXPECT_EQ(items, std::vector<std::string>(keys.begin(), keys.end()));
      } else {
        EXPECT_EQ(items.size(), 7u + 20u) << max_keys;  // d0/..d6/ and top0..top19
      }
    }
  }
}

// -------------------------------------------------------------------------------- concurrency

TEST_P(StoreContractTest, ConcurrentPutsGetsAndLists) {
  constexpr int kThreads = 4, kPerThread = 25;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string key = "t" + std::to_string(t) + "/" + std::to_string(i);
        StringSource src(key);
        if (!store_->Put("bkt", key, src).ok()) ++failures;
        // Everyone also rewrites one shared key, so overwrites race with reads.
        StringSource shared("v" + key);
        if (!store_->Put("bkt", "shared", shared).ok()) ++failures;
        auto h = store_->Get("bkt", "shared");
        if (!h.ok() || ReadAll(*h->reader).substr(0, 2) != "vt") ++failures;
        auto own = store_->Get("bkt", key);
        if (!own.ok() || ReadAll(*own->reader) != key) ++failures;
        if (!store_->List("bkt", {.delimiter = "/"}).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto l = store_->List("bkt", {.max_keys = 1000});
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->objects.size(), size_t(kThreads * kPerThread + 1));
}

INSTANTIATE_TEST_SUITE_P(
    Backends, StoreContractTest,
    ::testing::Values(Backend{"fs",
                              [](const TempDir& dir, Clock* clock) {
                                return Open({.url = dir.url(), .clock = clock});
                              }}),
    [](const ::testing::TestParamInfo<Backend>& info) { return info.param.name; });

}  // namespace
}  // namespace openarts::objstore
