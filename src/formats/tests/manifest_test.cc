// Dataset manifests: every example line of spec/data.md §13 parsed field by field, each quirk of
// §4.7, rejected lines with their reasons, the round trip, and golden files
// (tests/golden/manifest/*.manifest → *.golden: the canonical rewrite plus the rejected lines).
// OPENARTS_UPDATE_GOLDEN=1 rewrites the *.golden files.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "base/fs.h"
#include "formats/formats.h"

namespace openarts::formats {
namespace {

namespace fs = std::filesystem;

const fs::path kGolden = fs::path(OPENARTS_SOURCE_DIR) / "src/formats/tests/golden/manifest";
const ManifestOptions kBase{.base_uri = "s3://bucket/manifests/"};

std::string Read(const fs::path& p) {
  auto text = ReadFile(p);
  EXPECT_TRUE(text.ok()) << p << ": " << text.status().ToString();
  return text.ok() ? *text : "";
}

std::vector<std::string> SpecLines() {
  std::vector<std::string> lines;
  std::istringstream in(Read(kGolden / "spec_examples.manifest"));
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

ManifestSample Line(std::string_view text, const ManifestOptions& options = {}) {
  auto s = ParseManifestLine(text, "m.manifest", 1, options);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *s : ManifestSample{};
}

std::string LineError(std::string_view text) {
  auto s = ParseManifestLine(text, "m.manifest", 7);
  EXPECT_FALSE(s.ok()) << text;
  if (s.ok()) return "";
  EXPECT_EQ(s.status().code(), Code::kInvalidArgument);
  return s.status().message();
}

void ExpectRoundTrip(const std::vector<ManifestSample>& samples) {
  std::string text = WriteManifest(samples);
  auto again = ParseManifest(text, "rewritten.manifest", kBase);
  ASSERT_TRUE(again.ok()) << again.status().ToString() << "\n" << text;
  EXPECT_EQ(*again, samples) << text;
  EXPECT_EQ(WriteManifest(*again), text);
}

// ------------------------------------------------------------------------------------------------
// Spec §13 examples

TEST(ManifestSpec, AllExamplesParseAndRoundTrip) {
  auto lines = SpecLines();
  ASSERT_EQ(lines.size(), 15u);
  auto all = ParseManifest(Read(kGolden / "spec_examples.manifest"), "spec.manifest", kBase);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 15u);
  for (const auto& s : *all) EXPECT_TRUE(s.extra.empty()) << s.source;  // every key is known
  ExpectRoundTrip(*all);
}

TEST(ManifestSpec, ImageClassification) {
  auto lines = SpecLines();
  ManifestSample s = Line(lines[0]);
  EXPECT_EQ(s.source, "s3://bucket/flowers/15081164641_45a7b92b3a_m.jpg");
  EXPECT_EQ(s.usage, Usage::kTrain);
  EXPECT_EQ(s.id, "0018d384b32f6d931e06540eba0019d1");
  ASSERT_EQ(s.annotations.size(), 1u);
  EXPECT_EQ(s.annotations[0].type, "modelarts/image_classification");
  EXPECT_EQ(s.annotations[0].name, "sunflowers");
  EXPECT_EQ(s.annotations[0].annotated_by, "human");
  EXPECT_EQ(s.annotations[0].creation_time, "2019-03-30 17:22:31");

  s = Line(lines[1]);
  EXPECT_EQ(s.hard, true);
  EXPECT_EQ(s.hard_coefficient, 0.8);
  ASSERT_EQ(s.annotations.size(), 2u);
  EXPECT_EQ(s.annotations[0].property, (Json{{"color", "white"}, {"kind", "Persian cat"}}));
  EXPECT_FALSE(s.annotations[0].confidence);
  EXPECT_EQ(s.annotations[1].annotated_by, "modelarts/active-learning");
  EXPECT_EQ(s.annotations[1].confidence, 0.8);
}

TEST(ManifestSpec, DetectionAndSegmentation) {
  auto lines = SpecLines();
  ManifestSample s = Line(lines[2], kBase);
  EXPECT_EQ(s.source, "s3://bucket/det/1 (15)_1550632618199.jpg");
  EXPECT_EQ(s.annotations[0].annotation_format, "PASCAL VOC");
  EXPECT_EQ(s.annotations[0].annotation_loc, "s3://bucket/manifests/voc/2007_000027.xml");
  EXPECT_EQ(Line(lines[2]).annotations[0].annotation_loc, "./voc/2007_000027.xml");  // no base

  s = Line(lines[3]);
  EXPECT_EQ(s.usage, Usage::kEval);
  EXPECT_EQ(s.annotations[0].annotation_loc, "s3://bucket/det/IMG_20180919_114745.xml");

  s = Line(lines[4]);
  EXPECT_EQ(s.usage, Usage::kTrain);  // "train"
  EXPECT_EQ(s.sample_type, 0);
  EXPECT_EQ(s.id, "16d196c19bf61994d7deccafa435398c");
  EXPECT_EQ(s.annotations[0].type, "modelarts/image_segmentation");
  EXPECT_EQ(s.annotations[0].creation_time, "2020-12-16 21:36:27");
}

TEST(ManifestSpec, Audio) {
  auto lines = SpecLines();
  EXPECT_EQ(Line(lines[5]).annotations[0].name, "cat");
  EXPECT_EQ(Line(lines[5]).usage, Usage::kUnset);
  EXPECT_EQ(Line(lines[6]).annotations[0].property["@modelarts:content"], "Today is a good day.");
  ManifestSample s = Line(lines[7]);
  ASSERT_EQ(s.annotations.size(), 2u);
  EXPECT_EQ(s.annotations[1].property["@modelarts:start_time"], "00:01:22.754");
  EXPECT_EQ(s.annotations[1].property["@modelarts:source"], "Jerry");
}

TEST(ManifestSpec, TextKeepsSpacesByteExact) {
  auto lines = SpecLines();
  ManifestSample s = Line(lines[8]);
  EXPECT_EQ(s.source, "content://I like this product ");
  EXPECT_EQ(s.id, "XGDVGS");
  EXPECT_EQ(s.annotations[0].name, " positive");
  s = Line(lines[9]);
  EXPECT_EQ(s.id, "7efd612887eee8e0dd2373b79d39c3e5.000000001");
  EXPECT_EQ(s.annotations[0].hard, true);
  EXPECT_EQ(s.annotations[0].property["@modelarts:color"], "#3399ff");
}

TEST(ManifestSpec, EntitiesAndTriplets) {
  auto lines = SpecLines();
  ManifestSample s = Line(lines[10]);
  EXPECT_EQ(s.annotations[1].property["@modelarts:start_index"], 34);
  EXPECT_EQ(s.annotations[1].property["@modelarts:end_index"], 44);
  s = Line(lines[11]);
  EXPECT_EQ(s.source, "content://华为总部位于深圳");
  EXPECT_EQ(s.annotations[1].name, "Location");
  s = Line(lines[12]);
  EXPECT_EQ(s.source.substr(0, 23), "content://\"Three Body\" ");
  ASSERT_EQ(s.annotations.size(), 4u);
  EXPECT_EQ(s.annotations[0].id, "E1");
  EXPECT_EQ(s.annotations[2].type, "modelarts/text_triplet");
  EXPECT_EQ(s.annotations[2].id, "R1");
  EXPECT_EQ(s.annotations[2].property, (Json{{"@modelarts:from", "E1"}, {"@modelarts:to", "E2"}}));
}

TEST(ManifestSpec, VideoFrameAndInference) {
  auto lines = SpecLines();
  ManifestSample s = Line(lines[13]);
  EXPECT_EQ(s.property["@modelarts:parent_duration"], 8);
  EXPECT_EQ(s.property["@modelarts:time_in_video"], 1.473722);
  EXPECT_EQ(s.property["@modelarts:parent_source"], "s3://bucket/in/annotation1.mp4");
  s = Line(lines[14]);
  EXPECT_EQ(s.usage, Usage::kInference);
  EXPECT_TRUE(s.annotations.empty());
}

// ------------------------------------------------------------------------------------------------
// §4.7 quirks

TEST(ManifestQuirks, BlankLinesCrlfBomAndNoFinalNewline) {
  auto m = ParseManifest("\xEF\xBB\xBF{\"source\":\"a\"}\r\n\r\n  \t\n{\"source\":\"b\"}", "m");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[0].source, "a");
  EXPECT_EQ((*m)[1].source, "b");
  EXPECT_TRUE(ParseManifest("", "m")->empty());
  // Line numbers count blank lines.
  EXPECT_EQ(ParseManifest("\n\n{}", "m").status().message(), "m:3: source: required (e.g. \"s3://bucket/a.jpg\")");
}

TEST(ManifestQuirks, UsageAnyCase) {
  EXPECT_EQ(Line(R"({"source":"a","usage":"inference"})").usage, Usage::kInference);
  EXPECT_EQ(Line(R"({"source":"a","usage":"Test"})").usage, Usage::kTest);
  EXPECT_EQ(Line(R"({"source":"a","usage":"eVaL"})").usage, Usage::kEval);
  EXPECT_EQ(Line(R"({"source":"a","usage":""})").usage, Usage::kUnset);
  EXPECT_EQ(WriteManifestLine(Line(R"({"source":"a","usage":"train"})")),
            R"({"source":"a","usage":"TRAIN"})");
}

TEST(ManifestQuirks, HardAsStringOrBool) {
  EXPECT_EQ(Line(R"({"source":"a","hard":"true","hard-coefficient":0.8})").hard, true);
  EXPECT_EQ(Line(R"({"source":"a","hard":"False"})").hard, false);
  EXPECT_EQ(Line(R"({"source":"a","hard":true})").hard, true);
  EXPECT_EQ(Line(R"({"source":"a","hard-coefficient":"0.25"})").hard_coefficient, 0.25);
  EXPECT_EQ(WriteManifestLine(Line(R"({"source":"a","hard":true,"hard_reasons":"3-20"})")),
            R"({"source":"a","hard":"true","hard-reasons":"3-20"})");
}

TEST(ManifestQuirks, PropertyAsJsonString) {
  ManifestSample s = Line(
      R"({"source":"a","annotation":[{"type":"t","property":"[{\"type\":0,\"property\":{}}]"}]})");
  EXPECT_EQ(s.annotations[0].property, Json::parse(R"([{"type":0,"property":{}}])"));
  s = Line(R"({"source":"a","property":"{\"@modelarts:data_checked\":\"true\"}"})");
  EXPECT_EQ(s.property, (Json{{"@modelarts:data_checked", "true"}}));
  // Written back as an object.
  EXPECT_EQ(WriteManifestLine(s), R"({"source":"a","property":{"@modelarts:data_checked":"true"}})");
  // A string that is not an encoded object or array stays a string, as given.
  EXPECT_EQ(Line(R"({"source":"a","property":"plain"})").property, "plain");
  EXPECT_EQ(Line(R"({"source":"a","property":"\"123\""})").property, "\"123\"");
  ExpectRoundTrip({Line(R"({"source":"a","property":"\"123\""})")});
}

TEST(ManifestQuirks, UnderscoreAliases) {
  ManifestSample s = Line(
      R"({"source":"a","inference_loc":"s3://b/i.json","annotation":[{"type":"t",)"
      R"("annotation_loc":"s3://b/a.xml","annotation_format":"manifest","creation_time":"x",)"
      R"("annotated_by":"auto","hard_coefficient":0.1,"hard_reasons":"1"}]})");
  EXPECT_EQ(s.inference_loc, "s3://b/i.json");
  const auto& a = s.annotations[0];
  EXPECT_EQ(a.annotation_loc, "s3://b/a.xml");
  EXPECT_EQ(a.annotation_format, "manifest");
  EXPECT_EQ(a.creation_time, "x");
  EXPECT_EQ(a.annotated_by, "auto");
  EXPECT_EQ(a.hard_coefficient, 0.1);
  EXPECT_EQ(a.hard_reasons, "1");
  EXPECT_TRUE(a.extra.empty());
  EXPECT_EQ(WriteManifestLine(s),
            R"({"source":"a","inference-loc":"s3://b/i.json","annotation":[{"type":"t",)"
            R"("annotation-loc":"s3://b/a.xml","annotation-format":"manifest",)"
            R"("hard-coefficient":0.1,"hard-reasons":"1","annotated-by":"auto",)"
            R"("creation-time":"x"}]})");
}

TEST(ManifestQuirks, RelativeAnnotationLoc) {
  auto loc = [](std::string_view rel, std::string base) {
    std::string line = R"({"source":"a","annotation":[{"type":"t","annotation-loc":")" +
                       std::string(rel) + R"("}]})";
    return *Line(line, {.base_uri = std::move(base)}).annotations[0].annotation_loc;
  };
  EXPECT_EQ(loc("./voc/a.xml", "s3://b/out/"), "s3://b/out/voc/a.xml");
  EXPECT_EQ(loc("./voc/a.xml", "s3://b/out"), "s3://b/out/voc/a.xml");
  EXPECT_EQ(loc("voc/a.xml", "obs://b/out/"), "obs://b/out/voc/a.xml");
  EXPECT_EQ(loc("../x/./a.xml", "s3://b/out/m/"), "s3://b/out/x/a.xml");
  EXPECT_EQ(loc("../../../a.xml", "s3://b/out/"), "s3://b/a.xml");  // not above the bucket
  EXPECT_EQ(loc("./a.xml", "/data/ds"), "/data/ds/a.xml");
  EXPECT_EQ(loc("s3://c/a.xml", "s3://b/out/"), "s3://c/a.xml");  // absolute: as given
  EXPECT_EQ(loc("/abs/a.xml", "s3://b/out/"), "/abs/a.xml");
}

TEST(ManifestQuirks, UnknownKeysKeptVerbatim) {
  ManifestSample s = Line(
      R"({"source":"a","zz":[1,2.5,null],"@modelarts:x":{"k":"v"},)"
      R"("annotation":[{"type":"t","x-vendor":{"k":true},"name":"n"}]})");
  EXPECT_EQ(s.extra, Json::parse(R"({"zz":[1,2.5,null],"@modelarts:x":{"k":"v"}})"));
  EXPECT_EQ(s.annotations[0].extra, Json::parse(R"({"x-vendor":{"k":true}})"));
  EXPECT_EQ(WriteManifestLine(s),
            R"({"source":"a","annotation":[{"type":"t","name":"n","x-vendor":{"k":true}}],)"
            R"("@modelarts:x":{"k":"v"},"zz":[1,2.5,null]})");
  ExpectRoundTrip({s});
}

TEST(ManifestQuirks, NullIsAbsentAndEmptyAnnotationIsUnlabeled) {
  ManifestSample s = Line(R"({"source":"a","id":null,"annotation":[],"property":null})");
  EXPECT_FALSE(s.id);
  EXPECT_TRUE(s.annotations.empty());
  EXPECT_TRUE(s.property.is_null());
  EXPECT_EQ(WriteManifestLine(s), R"({"source":"a"})");
  EXPECT_EQ(Line(R"({"source":"a","sample-type":"6"})").sample_type, 6);
}

// ------------------------------------------------------------------------------------------------
// Rejected lines

TEST(ManifestErrors, NameFieldAndLine) {
  EXPECT_EQ(LineError(R"({"usage":"TRAIN"})"),
            "m.manifest:7: source: required (e.g. \"s3://bucket/a.jpg\")");
  EXPECT_EQ(LineError(R"({"source":5})"), "m.manifest:7: source: expected a string, got 5");
  EXPECT_EQ(LineError(R"({"source":"content://"Three Body" is"})").rfind("m.manifest:7: not valid JSON: parse error", 0), 0u);
  EXPECT_EQ(LineError("[1]"), "m.manifest:7: expected a JSON object, got array");
  EXPECT_EQ(LineError(R"({"source":"a","usage":"validate"})"),
            "m.manifest:7: usage: expected TRAIN, EVAL, TEST or INFERENCE, got \"validate\"");
  EXPECT_EQ(LineError(R"({"source":"a","hard":"yes"})"),
            "m.manifest:7: hard: expected \"true\" or \"false\", got \"yes\"");
  EXPECT_EQ(LineError(R"({"source":"a","sample-type":1.5})").rfind("m.manifest:7: sample-type: expected an integer", 0), 0u);
  EXPECT_EQ(LineError(R"({"source":"a","annotation":{}})"),
            "m.manifest:7: annotation: expected an array, got {}");
  EXPECT_EQ(LineError(R"({"source":"a","annotation":[{"type":"t"},3]})"),
            "m.manifest:7: annotation[1]: expected an object, got 3");
  EXPECT_EQ(LineError(R"({"source":"a","annotation":[{"name":"cat"}]})"),
            "m.manifest:7: annotation[0].type: required (e.g. \"modelarts/image_classification\")");
  EXPECT_EQ(LineError(R"({"source":"a","annotation":[{"type":"t","confidence":"high"}]})"),
            "m.manifest:7: annotation[0].confidence: expected a number in [0, 1], got \"high\"");
  EXPECT_EQ(LineError(R"({"source":"a","annotation":[{"type":"t","hard-coefficient":2}]})"),
            "m.manifest:7: annotation[0].hard-coefficient: expected a number in [0, 1], got 2");
  EXPECT_EQ(LineError(R"({"source":"a","annotation":[{"type":"t","name":["x"]}]})"),
            "m.manifest:7: annotation[0].name: expected a string, got [\"x\"]");
  EXPECT_EQ(LineError(R"({"source":"a","annotation":[{"type":"t","property":3}]})"),
            "m.manifest:7: annotation[0].property: expected an object or a JSON-encoded string, got 3");
  EXPECT_EQ(LineError(R"({"source":"a","inference-loc":"x","inference_loc":"y"})"),
            "m.manifest:7: inference-loc: given both as 'inference-loc' and 'inference_loc'");
  EXPECT_EQ(LineError(std::string(200, '[')), "m.manifest:7: JSON nested deeper than 100 levels");
  EXPECT_EQ(LineError(""), "m.manifest:7: expected a JSON object, got a blank line");
  EXPECT_EQ(LineError("{\"source\":\"\xff\"}").rfind("m.manifest:7: not valid JSON", 0), 0u);
}

TEST(ManifestErrors, StrictFailsOnFirstBadLineLenientReportsAll) {
  std::string text = "{\"source\":\"a\"}\n{\"usage\":\"x\"}\n\n{\"source\":\"b\"}\nnot json\n";
  auto strict = ParseManifest(text, "d.manifest");
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.status().message(), "d.manifest:2: source: required (e.g. \"s3://bucket/a.jpg\")");
  ManifestParse lenient = ParseManifestLenient(text, "d.manifest");
  ASSERT_EQ(lenient.samples.size(), 2u);
  EXPECT_EQ(lenient.samples[1].source, "b");
  ASSERT_EQ(lenient.rejected.size(), 2u);
  EXPECT_EQ(lenient.rejected[0].line, 2);
  EXPECT_EQ(lenient.rejected[1].line, 5);
  EXPECT_EQ(lenient.rejected[1].reason.rfind("d.manifest:5: not valid JSON: ", 0), 0u);
}

// ------------------------------------------------------------------------------------------------
// The simdjson reader behaves as the nlohmann reader it replaced (tests/manifest_fuzz.cc compares
// the two; golden/manifest/tricky.manifest holds the cases, its .golden was written by the old one)

TEST(ManifestReader, DuplicateKeysKeepTheLastValue) {
  ManifestSample s = Line(R"({"source":5,"source":"b","id":"x","id":null,"zz":{"a":1},"zz":[2],)"
                          R"("annotation":[{"type":"t","name":"n","name":"m"}]})");
  EXPECT_EQ(s.source, "b");  // the first, not a string, is not even looked at
  EXPECT_FALSE(s.id);
  EXPECT_EQ(s.extra, Json::parse(R"({"zz":[2]})"));
  EXPECT_EQ(s.annotations.at(0).name, "m");
  EXPECT_EQ(Line(R"({"source":"a","annotation":[{"type":"t"}],"annotation":[]})").annotations.size(), 0u);
  // Both spellings are an error even when one of them is null.
  EXPECT_EQ(LineError(R"({"source":"a","hard_reasons":"1","hard-reasons":null})"),
            "m.manifest:7: hard-reasons: given both as 'hard-reasons' and 'hard_reasons'");
}

TEST(ManifestReader, ErrorsInKeyOrderNotLineOrder) {
  EXPECT_EQ(LineError(R"({"id":5,"usage":5,"source":"a"})"),
            "m.manifest:7: usage: expected a string, got 5");
  EXPECT_EQ(LineError(R"({"annotation":[{"type":5}],"hard":1,"source":"a"})"),
            "m.manifest:7: hard: expected \"true\" or \"false\", got 1");
  EXPECT_EQ(LineError(R"({"source":"a","annotation":[{"name":1,"type":"t","confidence":2}]})"),
            "m.manifest:7: annotation[0].name: expected a string, got 1");
}

TEST(ManifestReader, NumbersAsNlohmannReadsThem) {
  ManifestSample s = Line(R"({"source":"a","u":5,"i":-5,"f":5.0,"z":-0,"nz":-0.0,)"
                          R"("big":18446744073709551616,"max":18446744073709551615})");
  EXPECT_TRUE(s.extra["u"].is_number_unsigned());
  EXPECT_TRUE(s.extra["i"].is_number_integer() && !s.extra["i"].is_number_unsigned());
  EXPECT_TRUE(s.extra["f"].is_number_float());
  EXPECT_TRUE(s.extra["big"].is_number_float());  // beyond 64 bits: a double, as nlohmann does
  EXPECT_EQ(s.extra["max"].get<uint64_t>(), 18446744073709551615u);
  EXPECT_EQ(WriteManifestLine(s),
            R"({"source":"a","big":1.8446744073709552e+19,"f":5.0,"i":-5,)"
            R"("max":18446744073709551615,"nz":-0.0,"u":5,"z":0})");
  EXPECT_EQ(Line(R"({"source":"a","sample-type":18446744073709551615})").sample_type, -1);
  EXPECT_EQ(Line(R"({"source":"a","hard-coefficient":1})").hard_coefficient, 1.0);
  EXPECT_EQ(LineError(R"({"source":"a","x":1e400})"),
            "m.manifest:7: not valid JSON: number overflow parsing '1e400'");
}

TEST(ManifestReader, InvalidJsonExplainedByNlohmann) {
  EXPECT_EQ(LineError(R"({"source":"\ud800"})"),
            "m.manifest:7: not valid JSON: parse error at line 1, column 18: syntax error while "
            "parsing value - invalid string: surrogate U+D800..U+DBFF must be followed by "
            "U+DC00..U+DFFF; last read: '\"\\ud800\"'");
  EXPECT_EQ(LineError("{\"source\":\"a\tb\"}"),
            "m.manifest:7: not valid JSON: parse error at line 1, column 13: syntax error while "
            "parsing value - invalid string: control character U+0009 (HT) must be escaped to "
            "\\u0009 or \\t; last read: '\"a<U+0009>'");
  EXPECT_EQ(LineError("\xEF\xBB{\"source\":\"a\"}"),
            "m.manifest:7: not valid JSON: parse error at line 1, column 3: syntax error while "
            "parsing value - invalid BOM; must be 0xEF 0xBB 0xBF if given; last read: '\xEF\xBB{'");
  EXPECT_EQ(Line(R"({"source":"\ud83d\ude00"})").source, "\xF0\x9F\x98\x80");
}

TEST(ManifestReader, BomBeforeAnyLineIsSkippedByTheJsonParser) {
  // Only the BOM before line 1 is the file's; nlohmann skips one at the start of any line.
  ManifestParse p = ParseManifestLenient(
      "\xEF\xBB\xBF\xEF\xBB\xBF{\"source\":\"a\"}\n\xEF\xBB\xBF{\"source\":\"b\"}\n\xEF\xBB\xBF\n", "m");
  ASSERT_EQ(p.samples.size(), 2u);
  EXPECT_EQ(p.samples[1].source, "b");
  ASSERT_EQ(p.rejected.size(), 1u);
  EXPECT_EQ(p.rejected[0].reason,
            "m:3: not valid JSON: parse error at line 1, column 4: syntax error while parsing "
            "value - unexpected end of input; expected '[', '{', or a literal");
}

TEST(ManifestReader, DepthLimitIsExact) {
  auto nested = [](int depth) {
    return R"({"source":"a","d":)" + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}";
  };
  EXPECT_EQ(Line(nested(100)).extra["d"].dump().size(), 198u);
  EXPECT_EQ(LineError(nested(101)), "m.manifest:7: JSON nested deeper than 100 levels");
  // A JSON-encoded property is decoded when it fits, nested in the line, within 100 levels.
  auto property = [](int depth) {
    return R"({"source":"a","property":")" + std::string(depth, '[') + std::string(depth, ']') + "\"}";
  };
  EXPECT_TRUE(Line(property(97)).property.is_array());
  EXPECT_TRUE(Line(property(98)).property.is_string());
}

TEST(ManifestReader, LongLineHasItsOwnParser) {
  const std::string big(1'500'000, 'x');
  std::string text = R"({"source":")" + big + "\"}\n" + R"({"source":"a","d":)" +
                     std::string(100, '[') + std::string(100, ']') + "}\n" +
                     R"({"source":"b","pad":")" + big + R"(","d":)" + std::string(100, '[') +
                     std::string(100, ']') + "}\n";
  ManifestParse p = ParseManifestLenient(text, "m");
  ASSERT_EQ(p.samples.size(), 1u);
  EXPECT_EQ(p.samples[0].source, big);
  ASSERT_EQ(p.rejected.size(), 2u);
  EXPECT_EQ(p.rejected[0].reason, "m:2: JSON nested deeper than 100 levels");
  EXPECT_EQ(p.rejected[1].reason, "m:3: JSON nested deeper than 100 levels");
}

TEST(ManifestReader, LinesReadInPlaceStopAtTheirNewline) {
  // simdjson reads a line in place when the text goes on for 64 bytes after it: the next line
  // must not complete it.
  const std::string text = "{\"source\":\"a\n\"}\n{\"source\":\"b\",\n\"id\":\"c\"}\n" +
                           std::string(200, ' ') + "\n{\"source\":\"d\"}";
  ManifestParse p = ParseManifestLenient(text, "m.manifest");
  ASSERT_EQ(p.samples.size(), 1u);
  EXPECT_EQ(p.samples[0].source, "d");
  ASSERT_EQ(p.rejected.size(), 4u);
  std::istringstream in(text);
  int64_t n = 0, bad = 0;
  for (std::string l; std::getline(in, l);) {
    ++n;
    if (l.find_first_not_of(' ') == std::string::npos) continue;
    auto one = ParseManifestLine(l, "m.manifest", n);  // copied: no bytes after it
    if (!one.ok() && bad < 4) {
      EXPECT_EQ(p.rejected[bad].line, n);
      EXPECT_EQ(p.rejected[bad++].reason, one.status().message());
    }
  }
  EXPECT_EQ(bad, 4);
  EXPECT_EQ(p.rejected[0].reason,
            "m.manifest:1: not valid JSON: parse error at line 1, column 13: syntax error while "
            "parsing value - invalid string: missing closing quote; last read: '\"a'");
}

TEST(ManifestReader, SampleLinesNumberEachSample) {
  ManifestParse p = ParseManifestLenient("\n{\"source\":\"a\"}\nbad\n\r\n{\"source\":\"b\"}", "m");
  EXPECT_EQ(p.sample_lines, (std::vector<int64_t>{2, 5}));
  EXPECT_EQ(p.rejected, (std::vector<RejectedLine>{{3, p.rejected.at(0).reason}}));
}

TEST(ManifestChunk, CountsLinesFromFirstLine) {
  ManifestParse p = ParseManifestChunk("oops\n\n{\"source\":\"a\"}\n", "big.manifest", 41);
  EXPECT_EQ(p.sample_lines, (std::vector<int64_t>{43}));
  ASSERT_EQ(p.rejected.size(), 1u);
  EXPECT_EQ(p.rejected[0].line, 41);
  EXPECT_EQ(p.rejected[0].reason.rfind("big.manifest:41: not valid JSON: ", 0), 0u);
  // The file's BOM is only before line 1.
  EXPECT_TRUE(ParseManifestChunk("\xEF\xBB\xBF\n", "m", 1).rejected.empty());
  EXPECT_EQ(ParseManifestChunk("\xEF\xBB\xBF\n", "m", 2).rejected.size(), 1u);
}

TEST(ManifestChunk, ChunksCutAtAnyNewlineGiveTheWholeParse) {
  for (const char* name : {"spec_examples.manifest", "quirks.manifest", "tricky.manifest"}) {
    SCOPED_TRACE(name);
    const std::string text = Read(kGolden / name);
    const ManifestParse whole = ParseManifestLenient(text, name, kBase);
    int64_t line = 1;  // of text[cut]
    for (size_t cut = 0;; cut = text.find('\n', cut) + 1, ++line) {
      ManifestParse a = ParseManifestChunk(std::string_view(text).substr(0, cut), name, 1, kBase);
      ManifestParse b = ParseManifestChunk(std::string_view(text).substr(cut), name, line, kBase);
      a.samples.insert(a.samples.end(), b.samples.begin(), b.samples.end());
      a.rejected.insert(a.rejected.end(), b.rejected.begin(), b.rejected.end());
      a.sample_lines.insert(a.sample_lines.end(), b.sample_lines.begin(), b.sample_lines.end());
      EXPECT_EQ(a.samples, whole.samples) << cut;
      EXPECT_EQ(a.rejected, whole.rejected) << cut;
      EXPECT_EQ(a.sample_lines, whole.sample_lines) << cut;
      if (text.find('\n', cut) == std::string::npos) break;
    }
    EXPECT_EQ(line, 1 + std::count(text.begin(), text.end(), '\n'));  // every cut was tried
  }
}

// ------------------------------------------------------------------------------------------------
// The writer writes what nlohmann's dump wrote

TEST(ManifestWriter, StringsEscapedAsNlohmannDumps) {
  // Every ASCII byte at every offset of a string longer than the 8 bytes the writer skips at once.
  for (int c = 0; c < 128; ++c) {
    for (size_t at = 0; at < 18; ++at) {
      ManifestSample s;
      s.source = std::string(18, 'a');
      s.source[at] = static_cast<char>(c);
      ASSERT_EQ(WriteManifestLine(s), R"({"source":)" + Json(s.source).dump() + "}") << c << " " << at;
    }
  }
  ManifestSample s;
  s.source = "\x7f 华为 \xF0\x9F\x98\x80 \x01\x1f";
  EXPECT_EQ(WriteManifestLine(s), "{\"source\":\"\x7f 华为 \xF0\x9F\x98\x80 \\u0001\\u001f\"}");
}

TEST(ManifestWriter, InvalidUtf8BecomesReplacementCharacter) {
  ManifestSample s;
  s.source = "a\xff" "b\xE5\x8D";
  s.extra["\xC0\xAF"] = "\xED\xA0\x80";  // an overlong '/', an encoded surrogate
  EXPECT_EQ(WriteManifestLine(s),
            "{\"source\":\"a\xEF\xBF\xBD" "b\xEF\xBF\xBD\",\"\xEF\xBF\xBD\xEF\xBF\xBD\":"
            "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"}");
}

TEST(ManifestWriter, ValuesAsNlohmannDumps) {
  const Json values = Json::parse(
      R"([null,true,false,0,-1,18446744073709551615,-9223372036854775808,0.1,1e-07,1e+21,5.0,)"
      R"(-0.0,"s",[],{},[1,[2,{"k":[]}]],{"b":{"c":null},"a":"x\n"}])");
  for (const Json& v : values) {
    ManifestSample s;
    s.source = "a";
    s.property = v;
    s.extra["x"] = v;
    const std::string dumped = v.dump();
    std::string expected = R"({"source":"a")";
    if (!v.is_null()) expected += R"(,"property":)" + dumped;
    EXPECT_EQ(WriteManifestLine(s), expected + R"(,"x":)" + dumped + "}");
  }
  ManifestSample s;
  s.source = "a";
  s.extra["nan"] = std::nan("");
  s.hard_coefficient = 0.30000000000000004;
  s.annotations.push_back({.type = "t", .confidence = 1e-7});
  EXPECT_EQ(WriteManifestLine(s), R"({"source":"a","hard-coefficient":0.30000000000000004,)"
                                  R"("annotation":[{"type":"t","confidence":1e-07}],"nan":null})");
}

// ------------------------------------------------------------------------------------------------
// Golden files

TEST(ManifestGolden, EveryManifestMatchesItsGolden) {
  const bool update = std::getenv("OPENARTS_UPDATE_GOLDEN") != nullptr;
  int count = 0;
  for (const auto& entry : fs::directory_iterator(kGolden)) {
    if (entry.path().extension() != ".manifest") continue;
    ++count;
    SCOPED_TRACE(entry.path().filename().string());
    std::string name = entry.path().filename().string();
    ManifestParse parsed = ParseManifestLenient(Read(entry.path()), name, kBase);
    ExpectRoundTrip(parsed.samples);
    std::string got = WriteManifest(parsed.samples);
    for (const auto& r : parsed.rejected) got += "# rejected " + r.reason + "\n";
    fs::path golden = fs::path(entry.path()).replace_extension(".golden");
    if (update) {
      ASSERT_TRUE(WriteFileAtomic(golden, got).ok());
      continue;
    }
    EXPECT_EQ(got, Read(golden));
  }
  EXPECT_GE(count, 2);
}

}  // namespace
}  // namespace openarts::formats
