// The pure pieces of `ma-cli dataset` (commands_dataset.cc): option values → API values, the
// import request body, the import report text, the --set-json body.
#include <gtest/gtest.h>

#include "command.h"

namespace openarts::cli {
namespace {

TEST(DatasetType, NamesCodesAndAliases) {
  const std::vector<std::pair<std::string, int>> cases = {
      {"image_classification", 0}, {"object_detection", 1},       {"image_segmentation", 3},
      {"text_classification", 100}, {"named_entity_recognition", 101}, {"ner", 101},
      {"text_entity", 101},         {"text_triplet", 102},        {"sound_classification", 200},
      {"audio_classification", 200}, {"speech_content", 201},    {"speech_segmentation", 202},
      {"table", 400},               {"video", 600},               {"free_format", 900},
      {"Object-Detection", 1},      {"0", 0},                     {"101", 101},
      {"900", 900}};
  for (const auto& [text, code] : cases) {
    auto r = ParseDatasetType(text, "--type");
    ASSERT_TRUE(r.ok()) << text << ": " << r.status().ToString();
    EXPECT_EQ(*r, code) << text;
  }
  EXPECT_EQ(DatasetTypeName(1), "object_detection");
  EXPECT_EQ(DatasetTypeName(101), "named_entity_recognition");
  EXPECT_EQ(DatasetTypeName(103), "text_triplet_entity");  // a label type, shown in label lists
  EXPECT_EQ(DatasetTypeName(7), "7");
}

TEST(DatasetType, UnknownOnesNameTheOptionAndListTheTypes) {
  for (const char* bad : {"pictures", "2", "103", "", "00001", "-1"}) {
    auto r = ParseDatasetType(bad, "--type");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(r.status().message().rfind("--type: unknown dataset type '" + std::string(bad) + "'; one of ", 0), 0u)
        << r.status().message();
    EXPECT_NE(r.status().message().find("image_classification (0), object_detection (1)"), std::string::npos);
    EXPECT_NE(r.status().message().find("free_format (900)"), std::string::npos);
  }
}

TEST(SampleState, MapsToTheApiQuirks) {
  EXPECT_EQ(*SampleStateFilter("unlabeled", "--state"), "__NONE__");
  EXPECT_EQ(*SampleStateFilter("labeled", "--state"), "__ALL__");  // sic: __ALL__ is "labeled"
  EXPECT_EQ(*SampleStateFilter("to-be-confirmed", "--state"), "__AUTO_ANNOTATION__");
  EXPECT_EQ(*SampleStateFilter("TO_BE_CONFIRMED", "--state"), "__AUTO_ANNOTATION__");
  EXPECT_EQ(*SampleStateFilter("__ALL__", "--state"), "__ALL__");
  auto bad = SampleStateFilter("all", "--state");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "--state: 'all' is not a state; one of unlabeled, labeled, to-be-confirmed");
}

TEST(ImportBody, DefaultsLeaveTheFormatToTheServer) {
  ImportOptions o;
  o.path = "obs://b/flowers.manifest";
  auto body = ImportRequestBody(o);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, Json::parse(R"({"import_path":"obs://b/flowers.manifest","import_annotations":true})"));
}

TEST(ImportBody, FormatAndTextOptions) {
  ImportOptions o;
  o.path = "obs://b/text/";
  o.format = "text_combine";
  o.no_annotations = true;
  o.sample_separator = "tab";
  o.label_separator = ";";
  o.label_file_mode = "separate";
  auto body = ImportRequestBody(o);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, Json::parse(R"({"import_path":"obs://b/text/","import_annotations":false,
      "annotation_format":"text_combine","import_type":0,
      "label_format":{"text_sample_separator":"\t","text_label_separator":";","label_type":0}})"));
  o.format = "manifest";
  o.sample_separator = "\\t";
  o.label_separator = "";
  o.label_file_mode = "same";
  body = ImportRequestBody(o);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ((*body)["import_type"], 1);
  EXPECT_EQ((*body)["label_format"], Json::parse(R"({"text_sample_separator":"\t","label_type":1})"));
}

TEST(ImportBody, BadSeparatorsAndPathsNameTheOption) {
  ImportOptions o;
  o.path = "obs://b/t/";
  for (const char* bad : {"ab", " ", "~", "\xE3\x80\x81"}) {
    o.sample_separator = bad;
    auto r = ImportRequestBody(o);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().message().rfind("--sample-separator: '", 0), 0u) << r.status().message();
  }
  o.sample_separator = "";
  o.label_separator = "--";
  EXPECT_EQ(ImportRequestBody(o).status().message().rfind("--label-separator: ", 0), 0u);
  for (const char* ok : {"a", "7", "|", "'", ","}) {
    o.label_separator = ok;
    EXPECT_TRUE(ImportRequestBody(o).ok()) << ok;
  }
  ImportOptions none;
  EXPECT_EQ(ImportRequestBody(none).status().message().rfind("--path: required", 0), 0u);
}

TEST(ImportReport, CountsFirstRejectsAndWarnings) {
  Json task = Json::parse(R"({"task_id":"t1","status":"COMPLETED","elapsed_time":1500,
      "import_path":"obs://b/x.manifest","added_sample_count":6,"updated_sample_count":1,
      "rejected_sample_count":3,
      "rejected_items":[{"where":"x.manifest:8","reason":"x.manifest:8: invalid JSON"},
                        {"where":"x.manifest:9","reason":"source: required"},
                        {"where":"x.manifest:10","reason":"the same source as x.manifest:1"}],
      "warnings":["1 samples were already in the dataset and were left as they are"]})");
  EXPECT_EQ(ImportReportLines(task, 10),
            (std::vector<std::string>{"Import task t1 COMPLETED in 1.5s: obs://b/x.manifest", "added:    6",
                                      "updated:  1", "rejected: 3", "  x.manifest:8: invalid JSON",
                                      "  x.manifest:9: source: required",
                                      "  x.manifest:10: the same source as x.manifest:1",
                                      "warning: 1 samples were already in the dataset and were left as they are"}));
  auto two = ImportReportLines(task, 2);
  ASSERT_EQ(two.size(), 8u);
  EXPECT_EQ(two[6], "  ... and 1 more (ma-cli dataset import-status -i DATASET --task t1 --output json)");

  Json failed = Json::parse(R"({"task_id":"t2","status":"FAILED","import_path":"obs://b/d/",
      "error_code":"ModelArts.4340","error_msg":"ModelArts.4340 Import path does not contain valid file: obs://b/d/"})");
  EXPECT_EQ(ImportReportLines(failed, 10),
            (std::vector<std::string>{"Import task t2 FAILED: obs://b/d/",
                                      "error: ModelArts.4340 Import path does not contain valid file: obs://b/d/"}));
  Json running = Json::parse(R"({"task_id":"t3","status":"RUNNING","import_path":"obs://b/d/"})");
  EXPECT_EQ(ImportReportLines(running, 10), (std::vector<std::string>{"Import task t3 RUNNING: obs://b/d/"}));
}

TEST(SetJson, WholeBodyOrLabelsForEachSample) {
  auto whole = SampleUpdateBody(R"({"samples":[{"sample_id":"s1","labels":[]}]})", {}, "");
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  EXPECT_EQ(*whole, Json::parse(R"({"samples":[{"sample_id":"s1","labels":[]}]})"));

  auto each = SampleUpdateBody(R"([{"name":"cat"}])", {"s1", "s2"}, "utf16");
  ASSERT_TRUE(each.ok()) << each.status().ToString();
  EXPECT_EQ(*each, Json::parse(R"({"samples":[{"sample_id":"s1","labels":[{"name":"cat"}]},
                                              {"sample_id":"s2","labels":[{"name":"cat"}]}],
                                   "offset_unit":"utf16"})"));

  EXPECT_EQ(SampleUpdateBody(R"([{"name":"cat"}])", {}, "").status().message().rfind("--sample: ", 0), 0u);
  EXPECT_EQ(SampleUpdateBody(R"({"samples":[]})", {"s1"}, "").status().message().rfind("--set-json: the file names", 0),
            0u);
  EXPECT_EQ(SampleUpdateBody("{nope", {}, "").status().message().rfind("--set-json: not JSON", 0), 0u);
  EXPECT_EQ(SampleUpdateBody(R"({"labels":[]})", {"s1"}, "").status().message().rfind("--set-json: expected", 0), 0u);
}

}  // namespace
}  // namespace openarts::cli
