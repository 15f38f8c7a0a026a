// Text datasets (spec/data.md §3.2, §4.4, §10): offsets in code points against UTF-16 and UTF-8
// (CJK, emoji, surrogate pairs), span and relation checks with the ModelArts.4414 wording, the
// three doccano shapes with their rejects and round trips, CoNLL-2003 tokens, tags and the
// spans → CoNLL → spans round trip in English, Chinese, mixed text and emoji, the two text
// classification directory formats, GBK input, and golden files (tests/golden/text/: *.jsonl,
// *.conll, *.combine.txt, x.txt + x_result.txt → *.golden). OPENARTS_UPDATE_GOLDEN=1 rewrites them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <ostream>

#include "base/fs.h"
#include "formats/text_formats.h"

namespace openarts::formats {

// Readable failure output (gtest finds these by argument-dependent lookup).
void PrintTo(const TextSpan& s, std::ostream* os) {
  *os << "[" << s.start << "," << s.end << ") " << s.label << (s.id ? " id=" + *s.id : "");
}
void PrintTo(const ConllSample& s, std::ostream* os) {
  *os << Json(s.text).dump() << " spans:";
  for (const auto& span : s.spans) PrintTo(span, os), *os << ";";
}
void PrintTo(const LabeledText& s, std::ostream* os) {
  *os << Json(s.text).dump() << " labels:" << Json(s.labels).dump();
}
void PrintTo(const DoccanoRecord& r, std::ostream* os) { *os << WriteDoccanoLine(r); }

namespace {

namespace fs = std::filesystem;

const fs::path kTextGolden = fs::path(OPENARTS_SOURCE_DIR) / "src/formats/tests/golden/text";

std::string ReadText(const fs::path& p) {
  auto text = ReadFile(p);
  EXPECT_TRUE(text.ok()) << p << ": " << text.status().ToString();
  return text.ok() ? *text : "";
}

constexpr auto kCp = OffsetUnit::kCodePoint;
constexpr auto kU16 = OffsetUnit::kUtf16;
constexpr auto kU8 = OffsetUnit::kUtf8Byte;

// ------------------------------------------------------------------------------------------------
// UTF-8 and offsets

TEST(TextOffsets, Utf8IsStrict) {
  EXPECT_TRUE(ValidateUtf8("a\xC3\xA9\xE5\x8D\x8E\xF0\x9F\x98\x80").ok());  // a é 华 😀
  auto msg = [](std::string_view s) { return ValidateUtf8(s).message(); };
  EXPECT_EQ(msg("ab\xFF"), "invalid UTF-8 at byte 2 (0xff)");
  EXPECT_EQ(msg("\xC0\x80"), "invalid UTF-8 at byte 0 (0xc0)");          // overlong NUL
  EXPECT_EQ(msg("\xE0\x80\xAF"), "invalid UTF-8 at byte 0 (0xe0)");      // overlong '/'
  EXPECT_EQ(msg("x\xED\xA0\x80"), "invalid UTF-8 at byte 1 (0xed)");    // a surrogate
  EXPECT_EQ(msg("\xF4\x90\x80\x80"), "invalid UTF-8 at byte 0 (0xf4)");  // above U+10FFFF
  EXPECT_EQ(msg("\xE5\x8D"), "invalid UTF-8 at byte 0 (0xe5)");          // truncated
  EXPECT_EQ(msg("\x80"), "invalid UTF-8 at byte 0 (0x80)");
}

TEST(TextOffsets, ConvertsBetweenUnits) {
  // a 华 😀 b: code points 0 1 2 3 4; UTF-16 0 1 2 4 5; bytes 0 1 4 8 9.
  const std::string text = "a\xE5\x8D\x8E\xF0\x9F\x98\x80" "b";
  auto t = TextOffsets::Index(text);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->length(kCp), 4);
  EXPECT_EQ(t->length(kU16), 5);
  EXPECT_EQ(t->length(kU8), 9);
  const int64_t cps[] = {0, 1, 2, 3, 4}, u16[] = {0, 1, 2, 4, 5}, u8[] = {0, 1, 4, 8, 9};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(*t->Convert(cps[i], kCp, kU16), u16[i]);
    EXPECT_EQ(*t->Convert(cps[i], kCp, kU8), u8[i]);
    EXPECT_EQ(*t->Convert(u16[i], kU16, kCp), cps[i]);
    EXPECT_EQ(*t->Convert(u16[i], kU16, kU8), u8[i]);
    EXPECT_EQ(*t->Convert(u8[i], kU8, kCp), cps[i]);
    EXPECT_EQ(*t->Convert(u8[i], kU8, kU16), u16[i]);
    EXPECT_EQ(*t->Convert(cps[i], kCp, kCp), cps[i]);
  }
  auto err = [&](int64_t offset, OffsetUnit from) {
    auto r = t->Convert(offset, from, kCp);
    EXPECT_FALSE(r.ok());
    return r.ok() ? "" : r.status().message();
  };
  EXPECT_EQ(err(3, kU16), "UTF-16 offset 3 falls inside the surrogate pair of U+1F600 (units 2-3)");
  EXPECT_EQ(err(2, kU8), "UTF-8 byte offset 2 falls inside the 3-byte sequence of U+534E (bytes 1-3)");
  EXPECT_EQ(err(7, kU8), "UTF-8 byte offset 7 falls inside the 4-byte sequence of U+1F600 (bytes 4-7)");
  EXPECT_EQ(err(-1, kU16), "UTF-16 offset -1 is negative");
  EXPECT_EQ(err(5, kCp), "code point offset 5 is beyond the end of the text (4 code points)");
  EXPECT_EQ(err(6, kU16), "UTF-16 offset 6 is beyond the end of the text (5 UTF-16 units)");
  EXPECT_EQ(err(10, kU8), "UTF-8 byte offset 10 is beyond the end of the text (9 bytes)");
  EXPECT_EQ(ConvertOffset("\xFF", 0, kCp, kU16).status().message(),
            "invalid UTF-8 at byte 0 (0xff)");
}

TEST(TextOffsets, SpecExampleCodePointsVersusBytes) {
  // §13: "深圳" is [6,8) in code points, [18,24) in UTF-8 bytes.
  const std::string text = "华为总部位于深圳";
  EXPECT_EQ(*ConvertOffset(text, 6, kCp, kU8), 18);
  EXPECT_EQ(*ConvertOffset(text, 8, kCp, kU8), 24);
  EXPECT_EQ(*ConvertOffset(text, 8, kCp, kU16), 8);  // BMP: UTF-16 equals code points
  EXPECT_EQ(*ConvertOffset("", 0, kU16, kU8), 0);
}

// ------------------------------------------------------------------------------------------------
// Spans and relations

const std::string kTriplet =
    "\"Three Body\" is a series of long science fiction novels created by Liu Cix.";

TEST(TextAnnotations, ValidateTriplets) {
  std::vector<TextSpan> spans = {{67, 74, "Person", "E1"}, {0, 12, "Book", "E2"}};
  std::vector<TextRelation> relations = {{"R1", "E1", "E2", "Author"}, {"R2", "E2", "E1", "Works"}};
  EXPECT_TRUE(ValidateAnnotations(kTriplet, spans, relations).ok());
  auto err = [&](std::vector<TextSpan> s, std::vector<TextRelation> r) {
    Status st = ValidateAnnotations(kTriplet, s, r);
    EXPECT_EQ(st.code(), Code::kInvalidArgument);
    return st.message();
  };
  EXPECT_EQ(err({{-1, 2, "A", {}}}, {}), "spans[0]: start -1 is negative");
  EXPECT_EQ(err({{0, 1, "A", {}}, {5, 5, "A", {}}}, {}), "spans[1]: start 5 is not before end 5");
  EXPECT_EQ(err({{70, 76, "A", {}}}, {}),
            "spans[0]: end 76 is beyond the end of the text (75 code points)");
  EXPECT_EQ(err({{0, 1, "", {}}}, {}), "spans[0]: label is empty");
  EXPECT_EQ(err({{0, 1, "A", "E1"}, {1, 2, "B", "E1"}}, {}),
            "spans[1]: id \"E1\" is also the id of spans[0]");
  EXPECT_EQ(err(spans, {{"R1", "E1", "E9", "Author"}}),
            "relations[0]: to \"E9\" names no entity (ModelArts.4414 Triplet label's from_entity "
            "or to_entity does not exist)");
  EXPECT_EQ(err(spans, {{"R1", "E3", "E1", "Author"}}),
            "relations[0]: from \"E3\" names no entity (ModelArts.4414 Triplet label's "
            "from_entity or to_entity does not exist)");
  EXPECT_EQ(err(spans, {{"R1", "E1", "E2", "A"}, {"R1", "E2", "E1", "B"}}),
            "relations[1]: id \"R1\" is also the id of relations[0]");
  EXPECT_EQ(err(spans, {{"", "E1", "E2", ""}}), "relations[0]: label is empty");
  EXPECT_EQ(ValidateAnnotations("\xFF", {}, {}).message(), "text: invalid UTF-8 at byte 0 (0xff)");
}

// ------------------------------------------------------------------------------------------------
// doccano

DoccanoRecord Doccano(std::string_view line) {
  auto r = ParseDoccanoLine(line, "d.jsonl", 1);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : DoccanoRecord{};
}

std::string DoccanoError(std::string_view line) {
  auto r = ParseDoccanoLine(line, "d.jsonl", 3);
  EXPECT_FALSE(r.ok()) << line;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  return r.status().message();
}

void ExpectDoccanoRoundTrip(const std::vector<DoccanoRecord>& records) {
  std::string text = WriteDoccano(records);
  DoccanoParse again = ParseDoccano(text, "rewritten.jsonl");
  EXPECT_TRUE(again.rejected.empty()) << text;
  EXPECT_EQ(again.records, records) << text;
  EXPECT_EQ(WriteDoccano(again.records), text);
}

TEST(TextDoccano, SequenceLabeling) {
  DoccanoRecord r = Doccano(
      R"({"id":1,"text":"华为总部位于深圳","label":[[0,2,"Org"],[6,8,"Location"]],"Comments":[]})");
  EXPECT_EQ(r.text, "华为总部位于深圳");
  EXPECT_EQ(r.spans, (std::vector<TextSpan>{{0, 2, "Org", {}}, {6, 8, "Location", {}}}));
  EXPECT_FALSE(r.entities_form);
  EXPECT_TRUE(r.categories.empty());
  EXPECT_EQ(r.extra, Json::parse(R"({"id":1,"Comments":[]})"));
  EXPECT_EQ(WriteDoccanoLine(r),
            R"({"text":"华为总部位于深圳","label":[[0,2,"Org"],[6,8,"Location"]],"Comments":[],"id":1})");
  // Offsets are code points: 🍕 is one, though a browser counts two UTF-16 units.
  r = Doccano(R"({"text":"I love 🍕","label":[[7,8,"Food"]]})");
  EXPECT_EQ(r.spans[0].end, 8);
  EXPECT_EQ(DoccanoError(R"({"text":"I love 🍕","label":[[7,9,"Food"]]})"),
            "d.jsonl:3: label[0]: end 9 is beyond the end of the text (8 code points)");
  ExpectDoccanoRoundTrip({r});
}

TEST(TextDoccano, Classification) {
  DoccanoRecord r = Doccano(R"({"text":"I like this product ","label":[" positive","happy"]})");
  EXPECT_EQ(r.text, "I like this product ");
  EXPECT_EQ(r.categories, (std::vector<std::string>{" positive", "happy"}));
  EXPECT_TRUE(r.spans.empty());
  EXPECT_EQ(WriteDoccanoLine(r), R"({"text":"I like this product ","label":[" positive","happy"]})");
  // No labels: "label" absent, [] and null read alike and are written without it.
  for (auto line : {R"({"text":"x"})", R"({"text":"x","label":[]})", R"({"text":"x","label":null})"})
    EXPECT_EQ(WriteDoccanoLine(Doccano(line)), R"({"text":"x"})") << line;
  ExpectDoccanoRoundTrip({r, Doccano(R"({"text":"x","label":[]})")});
}

TEST(TextDoccano, EntitiesAndRelations) {
  const std::string line =
      R"({"id":7,"text":"\"Three Body\" is a series of long science fiction novels created by Liu Cix.",)"
      R"("entities":[{"id":1,"start_offset":67,"end_offset":74,"label":"Person"},)"
      R"({"id":2,"start_offset":0,"end_offset":12,"label":"Book"}],)"
      R"("relations":[{"id":3,"from_id":1,"to_id":2,"type":"Author"}]})";
  DoccanoRecord r = Doccano(line);
  EXPECT_EQ(r.text, kTriplet);
  EXPECT_TRUE(r.entities_form);
  EXPECT_TRUE(r.integer_ids);
  EXPECT_EQ(r.spans, (std::vector<TextSpan>{{67, 74, "Person", "1"}, {0, 12, "Book", "2"}}));
  EXPECT_EQ(r.relations, (std::vector<TextRelation>{{"3", "1", "2", "Author"}}));
  EXPECT_EQ(WriteDoccanoLine(r),
            R"({"text":"\"Three Body\" is a series of long science fiction novels created by Liu Cix.",)"
            R"("entities":[{"id":1,"start_offset":67,"end_offset":74,"label":"Person"},)"
            R"({"id":2,"start_offset":0,"end_offset":12,"label":"Book"}],)"
            R"("relations":[{"id":3,"from_id":1,"to_id":2,"type":"Author"}],"id":7})");
  // String ids stay strings; categories may come along in "label".
  DoccanoRecord s = Doccano(
      R"({"text":"ab","label":["pos"],"entities":[{"id":"E1","start_offset":0,"end_offset":1,)"
      R"("label":"A","extra":1},{"id":"E2","start_offset":1,"end_offset":2,"label":"B"}],)"
      R"("relations":[{"id":"R1","from_id":"E1","to_id":"E2","type":"r"}]})");
  EXPECT_FALSE(s.integer_ids);
  EXPECT_EQ(s.categories, std::vector<std::string>{"pos"});
  EXPECT_EQ(s.relations, (std::vector<TextRelation>{{"R1", "E1", "E2", "r"}}));
  EXPECT_EQ(WriteDoccanoLine(s),
            R"({"text":"ab","label":["pos"],"entities":[{"id":"E1","start_offset":0,"end_offset":1,)"
            R"("label":"A"},{"id":"E2","start_offset":1,"end_offset":2,"label":"B"}],)"
            R"("relations":[{"id":"R1","from_id":"E1","to_id":"E2","type":"r"}]})");
  // Empty entity lists keep their shape.
  DoccanoRecord e = Doccano(R"({"text":"x","entities":[],"relations":[]})");
  EXPECT_TRUE(e.entities_form);
  EXPECT_EQ(WriteDoccanoLine(e), R"({"text":"x","entities":[],"relations":[]})");
  ExpectDoccanoRoundTrip({r, s, e});
}

TEST(TextDoccano, RejectsNameLineAndField) {
  EXPECT_EQ(DoccanoError(R"({"label":[]})"), "d.jsonl:3: text: required");
  EXPECT_EQ(DoccanoError(R"({"text":5})"), "d.jsonl:3: text: expected a string, got 5");
  EXPECT_EQ(DoccanoError("[1]"), "d.jsonl:3: expected a JSON object, got array");
  EXPECT_EQ(DoccanoError("{\"text\":\"a\"").rfind("d.jsonl:3: not valid JSON: parse error", 0), 0u);
  EXPECT_EQ(DoccanoError("{\"text\":\"\xFF\"}").rfind("d.jsonl:3: not valid JSON: ", 0), 0u);
  EXPECT_EQ(DoccanoError(std::string(150, '[')), "d.jsonl:3: JSON nested deeper than 100 levels");
  EXPECT_EQ(DoccanoError(""), "d.jsonl:3: expected a JSON object, got a blank line");
  EXPECT_EQ(DoccanoError(R"({"text":"ab","label":{}})"), "d.jsonl:3: label: expected an array, got {}");
  EXPECT_EQ(DoccanoError(R"({"text":"ab","label":[[0,1,"A"],"pos"]})"),
            "d.jsonl:3: label[1]: mixes category strings with [start, end, label] triples");
  EXPECT_EQ(DoccanoError(R"({"text":"ab","label":["pos",[0,1,"A"]]})"),
            "d.jsonl:3: label[1]: mixes [start, end, label] triples with category strings");
  EXPECT_EQ(DoccanoError(R"({"text":"ab","label":[[0,1]]})"),
            "d.jsonl:3: label[0]: expected [start, end, \"label\"] or a category string, got [0,1]");
  EXPECT_EQ(DoccanoError(R"({"text":"ab","label":[[0,1.5,"A"]]})"),
            "d.jsonl:3: label[0]: expected [start, end, \"label\"] or a category string, got [0,1.5,\"A\"]");
  EXPECT_EQ(DoccanoError(R"({"text":"ab","label":[""]})"), "d.jsonl:3: label[0]: category is empty");
  EXPECT_EQ(DoccanoError(R"({"text":"ab","label":[[1,1,"A"]]})"),
            "d.jsonl:3: label[0]: start 1 is not before end 1");
  EXPECT_EQ(DoccanoError(R"({"text":"ab","label":[[0,1,""]]})"), "d.jsonl:3: label[0]: label is empty");
  EXPECT_EQ(DoccanoError(R"({"text":"ab","label":[[0,1,"A"]],"entities":[]})"),
            "d.jsonl:3: entities: given together with [start, end, label] triples in label");
  EXPECT_EQ(DoccanoError(R"({"text":"ab","entities":{}})"),
            "d.jsonl:3: entities: expected an array, got {}");
  EXPECT_EQ(DoccanoError(R"({"text":"ab","entities":[{"id":1,"start_offset":0,"label":"A"}]})"),
            "d.jsonl:3: entities[0].end_offset: required");
  EXPECT_EQ(DoccanoError(R"({"text":"ab","entities":[{"start_offset":0.5,"end_offset":1,"label":"A"}]})"),
            "d.jsonl:3: entities[0].start_offset: expected an integer, got 0.5");
  EXPECT_EQ(DoccanoError(R"({"text":"ab","entities":[{"start_offset":0,"end_offset":1,"label":7}]})"),
            "d.jsonl:3: entities[0].label: expected a string, got 7");
  EXPECT_EQ(DoccanoError(R"({"text":"ab","entities":[{"start_offset":0,"end_offset":9,"label":"A"}]})"),
            "d.jsonl:3: entities[0]: end_offset 9 is beyond the end of the text (2 code points)");
  EXPECT_EQ(DoccanoError(
                R"({"text":"ab","entities":[{"id":1,"start_offset":0,"end_offset":1,"label":"A"},)"
                R"({"id":"E2","start_offset":1,"end_offset":2,"label":"B"}]})"),
            "d.jsonl:3: entities[1].id: ids mix integers and strings (\"E2\")");
  EXPECT_EQ(DoccanoError(
                R"({"text":"ab","entities":[{"id":1,"start_offset":0,"end_offset":1,"label":"A"},)"
                R"({"id":1,"start_offset":1,"end_offset":2,"label":"B"}]})"),
            "d.jsonl:3: entities[1]: id \"1\" is also the id of entities[0]");
  EXPECT_EQ(DoccanoError(R"({"text":"ab","entities":[{"id":true,"start_offset":0,"end_offset":1,"label":"A"}]})"),
            "d.jsonl:3: entities[0].id: expected an integer or a string, got true");
  const std::string one = R"({"text":"ab","entities":[{"id":1,"start_offset":0,"end_offset":1,"label":"A"}],)";
  EXPECT_EQ(DoccanoError(one + R"("relations":[{"id":2,"from_id":1,"to_id":9,"type":"r"}]})"),
            "d.jsonl:3: relations[0]: to_id \"9\" names no entity (ModelArts.4414 Triplet label's "
            "from_entity or to_entity does not exist)");
  EXPECT_EQ(DoccanoError(one + R"("relations":[{"id":2,"to_id":1,"type":"r"}]})"),
            "d.jsonl:3: relations[0].from_id: required");
  EXPECT_EQ(DoccanoError(one + R"("relations":[{"id":2,"from_id":1,"to_id":1}]})"),
            "d.jsonl:3: relations[0].type: required");
  EXPECT_EQ(DoccanoError(one + R"("relations":[5]})"),
            "d.jsonl:3: relations[0]: expected an object, got 5");
  // A relation without entities refers to nothing.
  EXPECT_EQ(DoccanoError(R"({"text":"ab","relations":[{"from_id":1,"to_id":2,"type":"r"}]})"),
            "d.jsonl:3: relations[0]: from_id \"1\" names no entity (ModelArts.4414 Triplet "
            "label's from_entity or to_entity does not exist)");
}

TEST(TextDoccano, LenientFileReader) {
  DoccanoParse p = ParseDoccano(
      "\xEF\xBB\xBF{\"text\":\"a\"}\r\n\r\n{\"text\":1}\n  \n{\"text\":\"b\",\"label\":[\"x\"]}", "d.jsonl");
  ASSERT_EQ(p.records.size(), 2u);
  EXPECT_EQ(p.records[0].text, "a");
  EXPECT_EQ(p.records[1].categories, std::vector<std::string>{"x"});
  EXPECT_EQ(p.rejected,
            (std::vector<RejectedLine>{{3, "d.jsonl:3: text: expected a string, got 1"}}));
}

// ------------------------------------------------------------------------------------------------
// CoNLL-2003

std::vector<std::pair<std::string, std::string>> TokensAndTags(std::string_view text,
                                                                std::vector<TextSpan> spans) {
  auto t = TokenizeForConll(text, spans);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  std::vector<std::pair<std::string, std::string>> out;
  if (t.ok())
    for (const auto& tok : *t) out.emplace_back(tok.text, tok.tag);
  return out;
}

using TT = std::vector<std::pair<std::string, std::string>>;

// spans → CoNLL → spans, for text in the writer's normal form.
void ExpectConllRoundTrip(const std::vector<ConllSample>& samples) {
  auto text = WriteConll(samples);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  ConllParse back = ParseConll(*text, "rt.conll");
  EXPECT_TRUE(back.rejected.empty()) << *text;
  std::vector<ConllSample> expected = samples;
  for (auto& s : expected) {  // CoNLL carries no ids, and spans come back in text order
    for (auto& span : s.spans) span.id.reset();
    std::sort(s.spans.begin(), s.spans.end(),
              [](const TextSpan& a, const TextSpan& b) { return a.start < b.start; });
  }
  EXPECT_EQ(back.samples, expected) << *text;
  for (const auto& s : samples) {
    auto normal = ConllNormalForm(s.text, s.spans);
    ASSERT_TRUE(normal.ok());
    EXPECT_EQ(normal->text, s.text) << "not in normal form";
  }
}

TEST(TextConll, EnglishTokensAndTags) {
  EXPECT_EQ(TokensAndTags(kTriplet, {{67, 74, "Person", "E1"}, {0, 12, "Book", "E2"}}),
            (TT{{"\"", "B-Book"}, {"Three", "I-Book"}, {"Body", "I-Book"}, {"\"", "I-Book"},
                {"is", "O"}, {"a", "O"}, {"series", "O"}, {"of", "O"}, {"long", "O"},
                {"science", "O"}, {"fiction", "O"}, {"novels", "O"}, {"created", "O"},
                {"by", "O"}, {"Liu", "B-Person"}, {"Cix", "I-Person"}, {".", "O"}}));
  auto out = WriteConll({{"Michael Jordan plays basketball .", {{0, 14, "PER", {}}}}});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "Michael B-PER\nJordan I-PER\nplays O\nbasketball O\n. O\n\n");
  // Edge punctuation splits; inner punctuation stays.
  EXPECT_EQ(TokensAndTags("(U.S.) don't", {}),
            (TT{{"(", "O"}, {"U.S", "O"}, {".", "O"}, {")", "O"}, {"don't", "O"}}));
}

TEST(TextConll, ChineseMixedAndEmoji) {
  EXPECT_EQ(TokensAndTags("华为总部位于深圳。", {{0, 2, "Org", {}}, {6, 8, "Location", {}}}),
            (TT{{"华", "B-Org"}, {"为", "I-Org"}, {"总", "O"}, {"部", "O"}, {"位", "O"},
                {"于", "O"}, {"深", "B-Location"}, {"圳", "I-Location"}, {"。", "O"}}));
  EXPECT_EQ(TokensAndTags("华为发布了Mate 60手机", {{5, 12, "Product", {}}}),
            (TT{{"华", "O"}, {"为", "O"}, {"发", "O"}, {"布", "O"}, {"了", "O"},
                {"Mate", "B-Product"}, {"60", "I-Product"}, {"手", "O"}, {"机", "O"}}));
  // An emoji (a ZWJ family too) is part of a word, not punctuation.
  EXPECT_EQ(TokensAndTags("I love 🍕! 👨‍👩‍👧", {{7, 8, "Food", {}}, {10, 15, "Family", {}}}),
            (TT{{"I", "O"}, {"love", "O"}, {"🍕", "B-Food"}, {"!", "O"},
                {"👨‍👩‍👧", "B-Family"}}));
}

TEST(TextConll, EntityBoundaryInsideATokenSplitsIt) {
  EXPECT_EQ(TokensAndTags("NYC-based firms", {{0, 3, "LOC", {}}}),
            (TT{{"NYC", "B-LOC"}, {"-", "O"}, {"based", "O"}, {"firms", "O"}}));
  EXPECT_EQ(TokensAndTags("unhappy", {{2, 7, "ADJ", {}}}), (TT{{"un", "O"}, {"happy", "B-ADJ"}}));
  auto normal = ConllNormalForm("NYC-based firms", {{0, 3, "LOC", "E1"}});
  ASSERT_TRUE(normal.ok());
  EXPECT_EQ(normal->text, "NYC - based firms");
  EXPECT_EQ(normal->spans, (std::vector<TextSpan>{{0, 3, "LOC", "E1"}}));
  // A span with whitespace at its edges is trimmed to its tokens.
  normal = ConllNormalForm("Hello,  big world!", {{6, 12, "X", {}}});
  ASSERT_TRUE(normal.ok());
  EXPECT_EQ(normal->text, "Hello , big world !");
  EXPECT_EQ(normal->spans, (std::vector<TextSpan>{{8, 11, "X", {}}}));
}

TEST(TextConll, RoundTripInNormalForm) {
  ExpectConllRoundTrip({
      {"Michael Jordan is the most famous basketball player in the world .",
       {{0, 14, "Person", "E1"}, {34, 44, "Category", {}}}},
      {"华为总部位于深圳。", {{0, 2, "Org", {}}, {6, 8, "Location", {}}}},
      {"华为发布了 Mate 60 手机", {{0, 2, "Org", {}}, {6, 13, "Product", {}}}},
      {"I love 🍕 and 🍣 !", {{7, 8, "Food", {}}, {13, 14, "Food", {}}}},
      {"We 👨‍👩‍👧 !", {{3, 8, "Family", {}}}},
      {"no entities here", {}},
      {"New York New York", {{0, 8, "LOC", {}}, {9, 17, "LOC", {}}}},  // adjacent, same label
      {"\" Three Body \" by Liu Cix .", {{18, 25, "Person", "E1"}, {0, 14, "Book", "E2"}}},
  });
}

TEST(TextConll, WriterErrors) {
  auto err = [](std::vector<ConllSample> samples) {
    auto r = WriteConll(samples);
    EXPECT_FALSE(r.ok());
    return r.ok() ? "" : r.status().message();
  };
  EXPECT_EQ(err({{"a b", {}}, {"a b c", {{0, 3, "X", {}}, {2, 5, "Y", {}}}}}),
            "sample 1: spans[0] and spans[1] overlap; CoNLL cannot hold overlapping entities");
  EXPECT_EQ(err({{"New York", {{0, 8, "big city", {}}}}}),
            "sample 0: spans[0]: label \"big city\" holds whitespace, which CoNLL cannot hold");
  EXPECT_EQ(err({{"a   b", {{1, 3, "X", {}}}}}), "sample 0: spans[0] covers no token (only whitespace)");
  EXPECT_EQ(err({{" \t ", {}}}), "sample 0: no tokens (the text is empty or whitespace)");
  EXPECT_EQ(err({{"ab", {{0, 3, "X", {}}}}}),
            "sample 0: spans[0]: end 3 is beyond the end of the text (2 code points)");
  EXPECT_EQ(err({{"\xFF", {}}}), "sample 0: invalid UTF-8 at byte 0 (0xff)");
}

TEST(TextConll, ReaderAcceptsTheOriginalFilesAndIob1) {
  ConllParse p = ParseConll(
      "-DOCSTART- -X- -X- O\r\n\r\n"
      "EU NNP B-NP I-ORG\r\n"
      "rejects VBZ B-VP O\r\n"
      "German JJ B-NP I-MISC\r\n"
      "call NN I-NP O\r\n"
      ". . O O\r\n\r\n"
      "Peter\tB-PER\nBlackburn\tI-PER\nLondon I-LOC\nParis B-LOC\n",
      "c.conll");
  EXPECT_TRUE(p.rejected.empty());
  ASSERT_EQ(p.samples.size(), 2u);
  EXPECT_EQ(p.samples[0].text, "EU rejects German call .");
  EXPECT_EQ(p.samples[0].spans, (std::vector<TextSpan>{{0, 2, "ORG", {}}, {11, 17, "MISC", {}}}));
  EXPECT_EQ(p.samples[1].text, "Peter Blackburn London Paris");
  EXPECT_EQ(p.samples[1].spans, (std::vector<TextSpan>{{0, 15, "PER", {}}, {16, 22, "LOC", {}},
                                                       {23, 28, "LOC", {}}}));
}

TEST(TextConll, ReaderRejectsBadSamplesOnly) {
  ConllParse p = ParseConll(
      "华 B-ORG\n为 I-ORG\n深 O\n\n"
      "bad\nstill O\n\n"
      "x X-PER\n\n"
      "ok O\n",
      "c.conll");
  ASSERT_EQ(p.samples.size(), 2u);
  EXPECT_EQ(p.samples[0].text, "华为深");  // CJK tokens join without spaces
  EXPECT_EQ(p.samples[0].spans, (std::vector<TextSpan>{{0, 2, "ORG", {}}}));
  EXPECT_EQ(p.samples[1].text, "ok");
  EXPECT_EQ(p.rejected,
            (std::vector<RejectedLine>{
                {5, "c.conll:5: expected \"token tag\", got one column \"bad\""},
                {8, "c.conll:8: tag \"X-PER\" is not O, B-<label> or I-<label>"}}));
  ConllParse q = ParseConll("\xC2\xA0 O\n\n\xFF O\n", "c.conll");
  EXPECT_EQ(q.rejected,
            (std::vector<RejectedLine>{
                {1, "c.conll:1: token \"\xC2\xA0\" is only whitespace"},
                {3, "c.conll:3: token: invalid UTF-8 at byte 0 (0xff)"}}));
}

// ------------------------------------------------------------------------------------------------
// Text classification directories

TEST(TextClassification, Separators) {
  EXPECT_TRUE(ValidateSeparators({}).ok());
  EXPECT_TRUE(ValidateSeparators({"|", "#"}).ok());
  EXPECT_TRUE(ValidateSeparators({"x", "7"}).ok());
  EXPECT_EQ(ValidateSeparators({"ab", ","}).message(),
            "sample separator \"ab\" is not allowed: use one character, a letter, a digit, Tab or "
            "one of !@#$%^&*_=|?/':.;,");
  EXPECT_EQ(ValidateSeparators({"\t", " "}).message(),
            "label separator \" \" is not allowed: use one character, a letter, a digit, Tab or "
            "one of !@#$%^&*_=|?/':.;,");
  EXPECT_EQ(ValidateSeparators({"", ","}).message().rfind("sample separator \"\" is not allowed", 0), 0u);
  EXPECT_EQ(ValidateSeparators({"\t", "中"}).message().rfind("label separator \"中\" is not allowed", 0), 0u);
  EXPECT_EQ(ValidateSeparators({"\t", "-"}).message().rfind("label separator \"-\" is not allowed", 0), 0u);
  EXPECT_EQ(ValidateSeparators({",", ","}).message(), "the sample and label separators are both \",\"");
  auto bad = ParseTextCombine("a", "c.txt", {"\n", ","});
  EXPECT_EQ(bad.status().message().rfind("sample separator \"\\n\" is not allowed", 0), 0u);
}

TEST(TextClassification, Combine) {
  auto p = ParseTextCombine(
      "\xEF\xBB\xBFI like it\tpositive\r\n"
      "Bad, really bad\tnegative,angry\n"
      "\n"
      "just text\n"
      "trailing sep\t\n"
      "\tpos\n"
      "a\tpos,,neg\n"
      "\xFF\tpos\n"
      "tab\tin text\t 向日葵\n",
      "c.txt");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->samples, (std::vector<LabeledText>{{"I like it", {"positive"}},
                                                  {"Bad, really bad", {"negative", "angry"}},
                                                  {"just text", {}},
                                                  {"trailing sep", {}},
                                                  {"tab\tin text", {" 向日葵"}}}));
  EXPECT_EQ(p->rejected,
            (std::vector<RejectedLine>{
                {6, "c.txt:6: text is blank"},
                {7, "c.txt:7: label 2 is empty"},
                {8, "c.txt:8: invalid UTF-8 at byte 0 (0xff); decode GBK first (DecodeText)"}}));
  auto custom = ParseTextCombine("x|y|a;b\n", "c.txt", {"|", ";"});
  ASSERT_TRUE(custom.ok());
  EXPECT_EQ(custom->samples, (std::vector<LabeledText>{{"x|y", {"a", "b"}}}));
}

TEST(TextClassification, CombineWriter) {
  std::vector<LabeledText> samples = {{"I like it", {"positive"}},
                                      {"a\tb", {}},
                                      {"plain", {}},
                                      {"multi", {"x", " y "}},
                                      {"\xEF\xBB\xBF" "starts with a BOM", {}},
                                      {"cr\r", {}}};
  auto text = WriteTextCombine(samples);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text,
            "I like it\tpositive\na\tb\t\nplain\nmulti\tx, y \n\xEF\xBB\xBF" "starts with a BOM\ncr\r\t\n");
  std::vector<LabeledText> first_bom = {samples[4], samples[0]};
  auto bom = WriteTextCombine(first_bom);
  EXPECT_EQ(bom->substr(0, 6), "\xEF\xBB\xBF\xEF\xBB\xBF");  // the reader drops one
  for (const auto& s : {samples, first_bom}) {
    auto written = WriteTextCombine(s);
    auto back = ParseTextCombine(*written, "c.txt");
    ASSERT_TRUE(back.ok());
    EXPECT_TRUE(back->rejected.empty());
    EXPECT_EQ(back->samples, s);
  }
  auto err = [](LabeledText s, TextSeparators seps = {}) {
    auto r = WriteTextCombine({{"ok", {}}, s}, seps);
    EXPECT_FALSE(r.ok());
    return r.ok() ? "" : r.status().message();
  };
  EXPECT_EQ(err({" ", {"a"}}), "sample 1: text is blank");
  EXPECT_EQ(err({"a\nb", {}}), "sample 1: text holds a line break");
  EXPECT_EQ(err({"a", {""}}), "sample 1: labels[0]: empty");
  EXPECT_EQ(err({"a", {"x,y"}}), "sample 1: labels[0]: \"x,y\" holds a separator");
  EXPECT_EQ(err({"a", {"x\ty"}}), "sample 1: labels[0]: \"x\\ty\" holds a separator");
  EXPECT_EQ(err({"a", {"x\n"}}), "sample 1: labels[0]: \"x\\n\" holds a line break");
  EXPECT_EQ(err({"a", {"x\r"}}), "sample 1: the last label ends with a carriage return");
}

TEST(TextClassification, TextWithResultFile) {
  auto p = ParseTextWithResult("good movie\nbad movie\n\nno label\nextra\n", "a.txt",
                               "pos\nneg,angry\n\n\n", "a_result.txt");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->samples, (std::vector<LabeledText>{{"good movie", {"pos"}},
                                                  {"bad movie", {"neg", "angry"}},
                                                  {"no label", {}}}));
  EXPECT_EQ(p->rejected, (std::vector<RejectedLine>{
                             {5, "a.txt:5: no line 5 in a_result.txt (it has 4 lines)"}}));
  p = ParseTextWithResult("x\n\n", "a.txt", "a\nb\nc", "a_result.txt");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->samples, (std::vector<LabeledText>{{"x", {"a"}}}));
  EXPECT_EQ(p->rejected,
            (std::vector<RejectedLine>{{2, "a_result.txt:2: labels for a blank line of a.txt"},
                                       {3, "a_result.txt:3: no line 3 in a.txt (it has 2 lines)"}}));
  p = ParseTextWithResult("x\ny\n", "a.txt", "a|,b\n", "a_result.txt", "|");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->samples, (std::vector<LabeledText>{{"x", {"a", ",b"}}}));
  EXPECT_EQ(p->rejected, (std::vector<RejectedLine>{
                             {2, "a.txt:2: no line 2 in a_result.txt (it has 1 line)"}}));
  EXPECT_EQ(ParseTextWithResult("", "a", "", "b", "  ").status().message().rfind(
                "label separator \"  \" is not allowed", 0),
            0u);
}

TEST(TextClassification, TextWithResultWriter) {
  std::vector<LabeledText> samples = {
      {"good movie", {"pos"}}, {"meh", {}}, {"both", {"a", "b c"}}, {"\tlead tab", {"x"}}};
  auto files = WriteTextWithResult(samples);
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(files->texts, "good movie\nmeh\nboth\n\tlead tab\n");
  EXPECT_EQ(files->results, "pos\n\na,b c\nx\n");
  auto back = ParseTextWithResult(files->texts, "a.txt", files->results, "a_result.txt");
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->rejected.empty());
  EXPECT_EQ(back->samples, samples);
  EXPECT_EQ(WriteTextWithResult({{"a", {" "}}}).status().message(),
            "sample 0: labels are only whitespace, which reads as no label");
  EXPECT_EQ(WriteTextWithResult({{"a\r", {}}}).status().message(),
            "sample 0: text ends with a carriage return");
}

TEST(TextClassification, DecodeGbk) {
  auto utf8 = DecodeText("华为总部", "a.txt");
  ASSERT_TRUE(utf8.ok());
  EXPECT_EQ(utf8->encoding, TextEncoding::kUtf8);
  EXPECT_EQ(utf8->utf8, "华为总部");
  auto gbk = DecodeText("\xBB\xAA\xCE\xAA\xD7\xDC\xB2\xBF\tpos\n", "a.txt");  // 华为总部 in GBK
  ASSERT_TRUE(gbk.ok()) << gbk.status().ToString();
  EXPECT_EQ(gbk->encoding, TextEncoding::kGbk);
  EXPECT_EQ(gbk->utf8, "华为总部\tpos\n");
  EXPECT_EQ(DecodeText("\xFF\xFF", "a.txt").status().message(),
            "a.txt: neither UTF-8 (invalid UTF-8 at byte 0 (0xff)) nor GBK (invalid sequence at "
            "byte 0)");
  EXPECT_EQ(DecodeText("ok\xBB", "a.txt").status().message(),
            "a.txt: neither UTF-8 (invalid UTF-8 at byte 2 (0xbb)) nor GBK (incomplete sequence "
            "at byte 2)");
}

// ------------------------------------------------------------------------------------------------
// Golden files

std::string Spans(const std::vector<TextSpan>& spans, std::string_view text) {
  std::string out;
  auto offsets = TextOffsets::Index(text);
  for (const auto& s : spans) {
    auto b = offsets->Convert(s.start, kCp, kU8), e = offsets->Convert(s.end, kCp, kU8);
    out += " [" + std::to_string(s.start) + "," + std::to_string(s.end) + ") " + s.label;
    if (b.ok() && e.ok()) out += " \"" + std::string(text.substr(*b, *e - *b)) + "\"";
  }
  return out;
}

std::string GoldenFor(const fs::path& path) {
  const std::string name = path.filename().string();
  const std::string text = ReadText(path);
  std::string got;
  if (path.extension() == ".jsonl") {
    DoccanoParse p = ParseDoccano(text, name);
    got += "# doccano rewrite\n" + WriteDoccano(p.records);
    for (const auto& r : p.rejected) got += "# rejected " + r.reason + "\n";
    got += "# as CoNLL (records with spans)\n";
    for (const auto& r : p.records) {
      if (r.spans.empty()) continue;
      auto conll = WriteConll({{r.text, r.spans}});
      got += conll.ok() ? *conll : "# error " + conll.status().message() + "\n\n";
    }
  } else if (path.extension() == ".conll") {
    ConllParse p = ParseConll(text, name);
    got += "# samples\n";
    for (const auto& s : p.samples) got += s.text + " |" + Spans(s.spans, s.text) + "\n";
    for (const auto& r : p.rejected) got += "# rejected " + r.reason + "\n";
    auto conll = WriteConll(p.samples);
    got += "# rewrite\n" + (conll.ok() ? *conll : "# error " + conll.status().message() + "\n");
  } else if (name.ends_with(".combine.txt")) {
    auto p = ParseTextCombine(text, name);
    EXPECT_TRUE(p.ok());
    for (const auto& r : p->rejected) got += "# rejected " + r.reason + "\n";
    auto rewrite = WriteTextCombine(p->samples, {"|", ";"});
    got += "# rewrite with | and ;\n" + (rewrite.ok() ? *rewrite : rewrite.status().message());
  } else {  // x.txt + x_result.txt
    fs::path result = path.parent_path() / (path.stem().string() + "_result.txt");
    auto p = ParseTextWithResult(text, name, ReadText(result), result.filename().string());
    EXPECT_TRUE(p.ok());
    for (const auto& r : p->rejected) got += "# rejected " + r.reason + "\n";
    auto rewrite = WriteTextCombine(p->samples);
    got += "# as combine 1.0\n" + (rewrite.ok() ? *rewrite : rewrite.status().message());
  }
  return got;
}

TEST(TextGolden, EveryFileMatchesItsGolden) {
  const bool update = std::getenv("OPENARTS_UPDATE_GOLDEN") != nullptr;
  int count = 0;
  for (const auto& entry : fs::directory_iterator(kTextGolden)) {
    const fs::path& path = entry.path();
    std::string name = path.filename().string();
    std::string ext = path.extension().string();
    if (ext != ".jsonl" && ext != ".conll" && ext != ".txt") continue;
    if (name.ends_with("_result.txt")) continue;
    ++count;
    SCOPED_TRACE(name);
    std::string got = GoldenFor(path);
    fs::path golden = path.parent_path() / (name.substr(0, name.find('.')) + ".golden");
    if (update) {
      ASSERT_TRUE(WriteFileAtomic(golden, got).ok());
      continue;
    }
    EXPECT_EQ(got, ReadText(golden));
  }
  EXPECT_GE(count, 5);
}

}  // namespace
}  // namespace openarts::formats
