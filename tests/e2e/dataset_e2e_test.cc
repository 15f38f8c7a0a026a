// End-to-end: datasets with the real `openarts serve` and the real `ma-cli`, as subprocesses
// (spec/data.md §1-§6, §9, §10; docs/ma-cli.md "Datasets"). Each test has its own daemon and
// bucket; the fixtures in tests/e2e/data/datasets/ go up with `ma-cli obs-copy`. Their bytes are
// not real images: nothing here decodes them.
//
// The manifest fixture (flowers/flowers.manifest) carries the quirks of spec §4.7: a UTF-8 BOM,
// a blank line, no final newline, lowercase usage, an obs:// source, a type without its
// "modelarts/" prefix, underscore aliases, a property sent as a JSON string, "hard" as a string,
// a CJK label — and three lines to reject: unescaped quotes (invalid JSON), no source, and a
// source already seen on line 1. flowers/update.manifest then updates, skips, adds and rejects
// one sample each in a dataset that has them.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "base/json.h"
#include "e2e_util.h"

#ifndef E2E_DATA_DIR
#error "E2E_DATA_DIR must name tests/e2e/data"
#endif

namespace openarts {
namespace {

namespace fs = std::filesystem;
using namespace e2e;  // NOLINT: RunResult, Slurp, DaemonTest

const fs::path kData = fs::path(E2E_DATA_DIR) / "datasets";
constexpr char kBucket[] = "ds-e2e";  // the manifest fixture names it

bool Contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty()) lines.push_back(l);
  }
  return lines;
}

class DatasetE2eTest : public DaemonTest {
 protected:
  DatasetE2eTest() : DaemonTest("dataset_e2e_") {}

  void SetUp() override {
    DaemonTest::SetUp();
    if (HasFatalFailure()) return;
    ConfigureAdmin();
    if (HasFatalFailure()) return;
    RunResult mb = Cli({"obs", "mb", std::string("obs://") + kBucket});
    ASSERT_EQ(mb.rc, 0) << mb;
  }

  static std::string Obs(const std::string& path) { return std::string("obs://") + kBucket + "/" + path; }

  void Upload(const std::string& fixture, const std::string& prefix) {
    RunResult r = Cli({"obs-copy", (kData / fixture).string() + "/", Obs(prefix), "-r"});
    ASSERT_EQ(r.rc, 0) << r;
  }

  // `ma-cli dataset ARGS --output json`, expected to succeed.
  Json Ds(std::vector<std::string> args) {
    args.insert(args.begin(), "dataset");
    return CliJson(args);
  }
  RunResult DsRun(std::vector<std::string> args) {
    args.insert(args.begin(), "dataset");
    return Cli(args);
  }

  // label name → sample count, from `dataset labels`.
  std::map<std::string, int64_t> Labels(const std::string& dataset) {
    std::map<std::string, int64_t> out;
    Json r = Ds({"labels", "-i", dataset});
    for (const auto& l : r["labels"]) out[l["name"].get<std::string>()] = l["sample_count"].get<int64_t>();
    return out;
  }

  // The samples matching `filters` (one page of up to 100), keyed by the source's file name.
  std::map<std::string, Json> Samples(const std::string& dataset, std::vector<std::string> filters = {}) {
    std::vector<std::string> args = {"samples", "-i", dataset, "--limit", "100"};
    args.insert(args.end(), filters.begin(), filters.end());
    Json r = Ds(args);
    std::map<std::string, Json> out;
    for (const auto& s : r["samples"]) {
      std::string src = s["source"].get<std::string>();
      out[src.substr(src.rfind('/') + 1)] = s;
    }
    EXPECT_EQ(r.value("sample_count", -1), static_cast<int64_t>(out.size())) << r.dump(2);
    return out;
  }

  static std::set<std::string> Keys(const std::map<std::string, Json>& m) {
    std::set<std::string> out;
    for (const auto& [k, v] : m) out.insert(k);
    return out;
  }

  // Writes `j` to a file of the test's directory and returns its path.
  std::string WriteJson(const std::string& name, const Json& j) {
    fs::path p = root_ / name;
    std::ofstream(p) << j.dump();
    return p.string();
  }
};

// The whole life of a classification dataset: manifest import with its quirks and rejects,
// filters, labeling, rename, a split version read back from storage, export and re-import.
TEST_F(DatasetE2eTest, ClassificationFromManifestToVersionExportAndReimport) {
  Upload("flowers", "flowers/");
  RunResult create = DsRun({"create", "-n", "flowers", "-t", "image_classification", "--input", Obs("flowers/"),
                            "--output-path", Obs("flowers-out/"), "--label", "daisy", "--label", "rose", "-d",
                            "six flowers"});
  ASSERT_EQ(create.rc, 0) << create;
  EXPECT_TRUE(Contains(create.out, "Created dataset 'flowers' (id ")) << create;
  // -i takes the name as well as the id.
  Json ds = Ds({"get", "-i", "flowers"});
  const std::string id = ds.value("dataset_id", "");
  ASSERT_EQ(id.size(), 32u) << ds.dump(2);
  EXPECT_EQ(ds["dataset_type"], 0);
  EXPECT_EQ(ds["description"], "six flowers");
  EXPECT_EQ(ds["data_path"], Obs("flowers/"));
  EXPECT_EQ(ds["work_path"], Obs("flowers-out/"));
  EXPECT_EQ(Labels(id), (std::map<std::string, int64_t>{{"daisy", 0}, {"rose", 0}}));

  // Import: the report through --output json.
  Json task = Ds({"import", "-i", id, "--path", Obs("flowers/flowers.manifest")});
  ASSERT_EQ(task.value("status", ""), "COMPLETED") << task.dump(2);
  EXPECT_EQ(task["added_sample_count"], 6) << task.dump(2);
  EXPECT_EQ(task["updated_sample_count"], 0);
  EXPECT_EQ(task["rejected_sample_count"], 3);
  const Json& rejected = task["rejected_items"];
  ASSERT_EQ(rejected.size(), 3u) << task.dump(2);
  EXPECT_EQ(rejected[0]["where"], "flowers.manifest:8");
  EXPECT_EQ(rejected[1]["where"], "flowers.manifest:9");
  EXPECT_TRUE(Contains(rejected[1]["reason"].get<std::string>(), "source")) << rejected.dump(2);
  EXPECT_EQ(rejected[2]["where"], "flowers.manifest:10");
  EXPECT_EQ(rejected[2]["reason"], "the same source as flowers.manifest:1; each object is one sample");

  ds = Ds({"get", "-i", id});
  EXPECT_EQ(ds["total_sample_count"], 6);
  EXPECT_EQ(ds["annotated_sample_count"], 5);
  EXPECT_EQ(ds["unannotated_sample_count"], 1);
  EXPECT_EQ(Labels(id), (std::map<std::string, int64_t>{{"daisy", 2}, {"rose", 2}, {"向日葵", 1}}));
  RunResult get = DsRun({"get", "-i", "flowers"});
  ASSERT_EQ(get.rc, 0) << get;
  EXPECT_TRUE(Contains(get.out, "samples:         6")) << get;
  EXPECT_TRUE(Contains(get.out, "LABEL  TYPE")) << get;
  EXPECT_TRUE(Contains(get.out, "向日葵    image_classification (0)  1\n")) << get;

  RunResult history = DsRun({"import-status", "-i", "flowers"});
  ASSERT_EQ(history.rc, 0) << history;
  auto history_rows = Lines(history.out);
  ASSERT_EQ(history_rows.size(), 2u) << history;
  EXPECT_TRUE(history_rows[0].starts_with("TASK ID")) << history;
  EXPECT_TRUE(Contains(history_rows[1], task["task_id"].get<std::string>() + "  ")) << history;
  EXPECT_TRUE(Contains(history_rows[1], "  COMPLETED  obs://ds-e2e/flowers/flowers.manifest  6      0        3")) << history;

  // Filters.
  EXPECT_EQ(Keys(Samples(id, {"--label", "daisy"})), (std::set<std::string>{"daisy_1.jpg", "daisy_2.jpg"}));
  EXPECT_EQ(Keys(Samples(id, {"--state", "unlabeled"})), (std::set<std::string>{"tulip_1.jpg"}));
  EXPECT_EQ(Samples(id, {"--state", "labeled"}).size(), 5u);
  EXPECT_EQ(Keys(Samples(id, {"--usage", "train"})), (std::set<std::string>{"daisy_1.jpg"}));
  EXPECT_EQ(Keys(Samples(id, {"--hard"})), (std::set<std::string>{"rose_1.jpg"}));
  EXPECT_EQ(Keys(Samples(id, {"--search", "rose_"})), (std::set<std::string>{"rose_1.jpg", "rose_2.jpg"}));
  EXPECT_EQ(Keys(Samples(id, {"--state", "labeled", "--label", "rose"})),
            (std::set<std::string>{"rose_1.jpg", "rose_2.jpg"}));
  // Keyset paging visits every sample once.
  std::set<std::string> paged;
  std::string marker;
  for (int page = 0; page < 4; ++page) {
    std::vector<std::string> args = {"samples", "-i", id, "--limit", "4"};
    if (!marker.empty()) args.insert(args.end(), {"--marker", marker});
    Json r = Ds(args);
    for (const auto& s : r["samples"]) paged.insert(s["sample_id"].get<std::string>());
    marker = r.value("next_marker", "");
    if (marker.empty()) break;
  }
  EXPECT_EQ(paged.size(), 6u);
  RunResult table = DsRun({"samples", "-i", "flowers", "--label", "daisy"});
  ASSERT_EQ(table.rc, 0) << table;
  EXPECT_TRUE(Contains(table.out, "SAMPLE ID")) << table;
  EXPECT_TRUE(Contains(table.out, "labeled")) << table;
  EXPECT_TRUE(Contains(table.out, "obs://ds-e2e/flowers/daisy_2.jpg")) << table;
  EXPECT_TRUE(Contains(table.err, "2 of 2 sample(s)")) << table;

  auto all = Samples(id);
  const std::string tulip = all["tulip_1.jpg"]["sample_id"], rose1 = all["rose_1.jpg"]["sample_id"];
  // The property sent as a JSON string is an object now.
  Json rose = Ds({"sample", "-i", id, "--sample", rose1});
  ASSERT_EQ(rose["labels"].size(), 1u) << rose.dump(2);
  EXPECT_EQ(rose["labels"][0]["name"], "rose");
  EXPECT_EQ(rose["labels"][0]["property"]["color"], "red") << rose.dump(2);
  EXPECT_EQ(rose["hard"], true);

  // Add a label to two samples, take it off one of them.
  RunResult add = DsRun({"label", "-i", "flowers", "--sample", tulip, "--sample", rose1, "--add", "pretty"});
  ASSERT_EQ(add.rc, 0) << add;
  EXPECT_TRUE(Contains(add.out, "Added label 'pretty' to 2 sample(s).")) << add;
  EXPECT_EQ(Labels(id)["pretty"], 2);
  EXPECT_TRUE(Samples(id, {"--state", "unlabeled"}).empty());
  RunResult remove = DsRun({"label", "-i", "flowers", "--sample", rose1, "--remove", "pretty"});
  ASSERT_EQ(remove.rc, 0) << remove;
  EXPECT_EQ(Keys(Samples(id, {"--label", "pretty"})), (std::set<std::string>{"tulip_1.jpg"}));
  rose = Ds({"sample", "-i", id, "--sample", rose1});
  ASSERT_EQ(rose["labels"].size(), 1u) << rose.dump(2);
  EXPECT_EQ(rose["labels"][0]["name"], "rose");
  RunResult none = DsRun({"label", "-i", "flowers", "--sample", rose1});
  EXPECT_EQ(none.rc, 1) << none;
  EXPECT_TRUE(Contains(none.err, "--add")) << none;

  // Rename everywhere.
  RunResult rename = DsRun({"label-rename", "-i", "flowers", "向日葵", "sunflower"});
  ASSERT_EQ(rename.rc, 0) << rename;
  const std::map<std::string, int64_t> final_labels = {{"daisy", 2}, {"rose", 2}, {"pretty", 1}, {"sunflower", 1}};
  EXPECT_EQ(Labels(id), final_labels);

  // Publish with a 50 % split: stratified by first label, daisy 1+1, rose 1+1, and the single
  // "pretty" and "sunflower" samples both to TRAIN.
  Json v = Ds({"publish", "-i", "flowers", "--train-ratio", "0.5"});
  EXPECT_EQ(v["version_name"], "V001") << v.dump(2);
  EXPECT_EQ(v["total_sample_count"], 6);
  EXPECT_EQ(v["annotated_sample_count"], 6);
  EXPECT_EQ(v["train_sample_count"], 4);
  EXPECT_EQ(v["eval_sample_count"], 2);
  const std::string manifest_uri = v.value("manifest_path", "");
  EXPECT_EQ(manifest_uri, Obs("flowers-out/flowers-" + id + "/annotation/V001/V001.manifest"));
  RunResult down = Cli({"obs-copy", manifest_uri, (root_ / "V001.manifest").string()});
  ASSERT_EQ(down.rc, 0) << down;
  std::map<std::string, int> usage;
  std::set<std::string> names;
  auto lines = Lines(Slurp(root_ / "V001.manifest"));
  ASSERT_EQ(lines.size(), 6u);
  for (const auto& l : lines) {
    auto j = ParseJson(l);
    ASSERT_TRUE(j.ok()) << l;
    ++usage[j->value("usage", "")];
    EXPECT_TRUE(j->value("source", "").starts_with("s3://ds-e2e/flowers/")) << l;
    for (const auto& a : (*j)["annotation"]) names.insert(a.value("name", ""));
  }
  EXPECT_EQ(usage, (std::map<std::string, int>{{"TRAIN", 4}, {"EVAL", 2}}));
  EXPECT_EQ(names, (std::set<std::string>{"daisy", "rose", "pretty", "sunflower"}));
  Json versions = Ds({"versions", "-i", id});
  ASSERT_EQ(versions["versions"].size(), 1u);
  EXPECT_EQ(versions["versions"][0]["version_id"], v["version_id"]);
  EXPECT_EQ(Ds({"get", "-i", id})["current_version_id"], v["version_id"]);

  // Export to another bucket, then import the exported manifest into a second dataset.
  ASSERT_EQ(Cli({"obs", "mb", "obs://ds-export"}).rc, 0);
  Json exp = Ds({"export", "-i", "flowers", "--path", "obs://ds-export/flowers/"});
  ASSERT_EQ(exp.value("status", ""), "SUCCESSED") << exp.dump(2);
  EXPECT_EQ(exp["total_sample_count"], 6);
  EXPECT_EQ(exp["files"], Json::array({"obs://ds-export/flowers/flowers.manifest"}));
  RunResult exports = DsRun({"export-status", "-i", "flowers"});
  ASSERT_EQ(exports.rc, 0) << exports;
  auto rows = Lines(exports.out);
  ASSERT_EQ(rows.size(), 2u) << exports;
  EXPECT_TRUE(rows[0].starts_with("TASK ID")) << exports;
  for (const char* col : {"CREATION TIME", "EXPORT METHOD", "EXPORT PATH", "TOTAL EXPORTED SAMPLES", "EXPORT STATUS"}) {
    EXPECT_TRUE(Contains(rows[0], col)) << col << "\n" << exports;
  }
  EXPECT_TRUE(Contains(rows[1], "OBS") && Contains(rows[1], "obs://ds-export/flowers/") && Contains(rows[1], "  6  ") &&
              Contains(rows[1], "SUCCESSED"))
      << exports;

  ASSERT_EQ(DsRun({"create", "-n", "flowers2", "-t", "0", "--input", Obs("flowers2/"), "--output-path",
                   Obs("flowers2-out/")})
                .rc,
            0);
  Json reimport = Ds({"import", "-i", "flowers2", "--path", "obs://ds-export/flowers/flowers.manifest"});
  ASSERT_EQ(reimport.value("status", ""), "COMPLETED") << reimport.dump(2);
  EXPECT_EQ(reimport["added_sample_count"], 6);
  EXPECT_EQ(reimport["rejected_sample_count"], 0);
  EXPECT_EQ(Labels("flowers2"), final_labels);

  // Importing into a dataset that has the samples already, in table mode: a labeled line
  // replaces the sample's labels, an unlabeled one leaves the sample as it is, a new source is
  // added, a source twice in the file is rejected the second time.
  RunResult update = DsRun({"import", "-i", "flowers2", "--path", Obs("flowers/update.manifest")});
  ASSERT_EQ(update.rc, 0) << update;
  EXPECT_TRUE(Contains(update.out, " COMPLETED ")) << update;
  EXPECT_TRUE(Contains(update.out,
                       "added:    1\nupdated:  1\nrejected: 1\n"
                       "  update.manifest:4: the same source as update.manifest:1; each object is one sample\n"
                       "warning: 1 samples were already in the dataset and were left as they are\n"))
      << update;
  EXPECT_EQ(Labels("flowers2"), (std::map<std::string, int64_t>{
                                    {"daisy", 2}, {"rose", 1}, {"pretty", 1}, {"sunflower", 1}, {"tulip", 1}, {"lily", 1}}));
  EXPECT_EQ(Keys(Samples("flowers2", {"--label", "tulip"})), (std::set<std::string>{"rose_2.jpg"}));
  EXPECT_EQ(Keys(Samples("flowers2", {"--label", "pretty"})), (std::set<std::string>{"tulip_1.jpg"}));
  EXPECT_EQ(Ds({"get", "-i", "flowers2"})["total_sample_count"], 7);
  EXPECT_EQ(Lines(DsRun({"import-status", "-i", "flowers2"}).out).size(), 3u);  // header + two imports

  // Exports into the dataset's own paths are refused before anything is queued.
  for (const std::string& path : {Obs("flowers/"), Obs("flowers/sub/"), Obs("flowers-out/x/"), Obs("")}) {
    RunResult own = DsRun({"export", "-i", "flowers", "--path", path});
    EXPECT_EQ(own.rc, 1) << path << ": " << own;
    ASSERT_EQ(own.ErrLines().size(), 1u) << own;
    EXPECT_TRUE(Contains(own.err, "ModelArts.4358")) << own;
  }
  EXPECT_EQ(Ds({"export-status", "-i", "flowers"})["export_tasks"].size(), 1u);
}

// Object detection: a VOC pair imported with `create --import`, then boxes set by hand; a box
// outside the image is refused with the reason, a box inside it is stored exactly.
TEST_F(DatasetE2eTest, DetectionFromAVocPairAndBoxesSetByHand) {
  Upload("det", "det/");
  RunResult create = DsRun({"create", "-n", "boxes", "-t", "object_detection", "--input", Obs("det/"),
                            "--output-path", Obs("det-out/"), "--import"});
  ASSERT_EQ(create.rc, 0) << create;
  EXPECT_TRUE(Contains(create.out, "Created dataset 'boxes'")) << create;
  EXPECT_TRUE(Contains(create.out, "added:    2\nupdated:  0\nrejected: 0\n")) << create;
  EXPECT_EQ(Labels("boxes"), (std::map<std::string, int64_t>{{"cat", 1}}));

  auto all = Samples("boxes");
  ASSERT_EQ(Keys(all), (std::set<std::string>{"cat.jpg", "dog.jpg"}));
  const std::string cat = all["cat.jpg"]["sample_id"], dog = all["dog.jpg"]["sample_id"];
  const Json& imported = all["cat.jpg"]["labels"];
  ASSERT_EQ(imported.size(), 1u) << imported.dump(2);
  EXPECT_EQ(imported[0]["name"], "cat");
  EXPECT_EQ(imported[0]["property"]["@modelarts:shape"], "bndbox");
  EXPECT_EQ(imported[0]["property"]["@modelarts:feature"], Json::parse("[[20,10],[120,90]]"));
  EXPECT_EQ(all["dog.jpg"]["state"], "UNLABELED");

  auto box = [](const std::string& name, const std::string& feature) {
    return Json{{"name", name}, {"property", {{"@modelarts:shape", "bndbox"}, {"@modelarts:feature", Json::parse(feature)}}}};
  };
  // The cat image is 200x100 (its VOC file says so): x = 260 is outside.
  std::string outside = WriteJson("outside.json", Json::array({box("cat", "[[150,50],[260,90]]")}));
  RunResult bad = DsRun({"label", "-i", "boxes", "--sample", cat, "--set-json", outside});
  EXPECT_EQ(bad.rc, 1) << bad;
  ASSERT_EQ(bad.ErrLines().size(), 1u) << bad;
  EXPECT_TRUE(Contains(bad.err, "outside the 200x100 image")) << bad;
  EXPECT_TRUE(Contains(bad.err, "samples[0]")) << bad;
  EXPECT_EQ(Ds({"sample", "-i", "boxes", "--sample", cat})["labels"][0]["property"]["@modelarts:feature"],
            Json::parse("[[20,10],[120,90]]"));

  std::string inside =
      WriteJson("inside.json", Json::array({box("cat", "[[10,10],[120,90]]"), box("dog", "[[130,20],[190,95]]")}));
  RunResult good = DsRun({"label", "-i", "boxes", "--sample", cat, "--set-json", inside});
  ASSERT_EQ(good.rc, 0) << good;
  EXPECT_TRUE(Contains(good.out, "Updated the labels of 1 sample(s).")) << good;
  Json s = Ds({"sample", "-i", "boxes", "--sample", cat});
  ASSERT_EQ(s["labels"].size(), 2u) << s.dump(2);
  EXPECT_EQ(s["labels"][0]["name"], "cat");
  EXPECT_EQ(s["labels"][0]["property"]["@modelarts:feature"], Json::parse("[[10,10],[120,90]]"));
  EXPECT_EQ(s["labels"][1]["name"], "dog");
  EXPECT_EQ(s["labels"][1]["property"]["@modelarts:feature"], Json::parse("[[130,20],[190,95]]"));

  // The dog image has no VOC file yet: the whole-body form carries its size.
  Json body = {{"samples", Json::array({Json{{"sample_id", dog},
                                             {"width", 300},
                                             {"height", 200},
                                             {"labels", Json::array({box("dog", "[[100,50],[290,190]]")})}}})}};
  RunResult sized = DsRun({"label", "-i", "boxes", "--set-json", WriteJson("dog.json", body)});
  ASSERT_EQ(sized.rc, 0) << sized;
  EXPECT_EQ(Labels("boxes"), (std::map<std::string, int64_t>{{"cat", 1}, {"dog", 2}}));
  EXPECT_EQ(Ds({"get", "-i", "boxes"})["annotated_sample_count"], 2);
  // Whole-body files name their samples; --sample beside one is a mistake.
  RunResult both = DsRun({"label", "-i", "boxes", "--sample", cat, "--set-json", WriteJson("dog2.json", body)});
  EXPECT_EQ(both.rc, 1) << both;
  EXPECT_TRUE(Contains(both.err, "--sample")) << both;
}

// Named entities in mixed Chinese / English / emoji text: offsets sent in UTF-16 code units (what
// a browser counts) are stored and returned in code points.
TEST_F(DatasetE2eTest, NamedEntityOffsetsSentInUtf16AreStoredInCodePoints) {
  Upload("ner", "ner/");
  Json created = Ds({"create", "-n", "ner", "-t", "named_entity_recognition", "--input", Obs("ner/"),
                     "--output-path", Obs("ner-out/"), "--import"});
  EXPECT_EQ(created["dataset_type"], 101) << created.dump(2);
  ASSERT_EQ(created["import_task"].value("status", ""), "COMPLETED") << created.dump(2);
  EXPECT_EQ(created["import_task"]["added_sample_count"], 2);
  EXPECT_EQ(created["total_sample_count"], 2);

  const std::string text = "Hello 😀 华为总部位于深圳 and 🚀 Shenzhen";
  Json page = Ds({"samples", "-i", "ner", "--search", "Shenzhen"});
  ASSERT_EQ(page["samples"].size(), 1u) << page.dump(2);
  const Json& sample = page["samples"][0];
  EXPECT_EQ(sample["text"], text);
  EXPECT_EQ(sample["source"], "content://" + text);
  const std::string id = sample["sample_id"];

  auto span = [](const std::string& name, int start, int end) {
    return Json{{"name", name}, {"property", {{"@modelarts:start_index", start}, {"@modelarts:end_index", end}}}};
  };
  // UTF-16: 😀 is two units, so 华为 is [9, 11), 深圳 [15, 17) and, after 🚀 too, Shenzhen [25, 33).
  std::string spans = WriteJson("spans.json", Json::array({span("Org", 9, 11), span("Location", 15, 17),
                                                           span("City", 25, 33)}));
  RunResult set = DsRun({"label", "-i", "ner", "--sample", id, "--set-json", spans, "--offset-unit", "utf16"});
  ASSERT_EQ(set.rc, 0) << set;
  Json back = Ds({"sample", "-i", "ner", "--sample", id});
  ASSERT_EQ(back["labels"].size(), 3u) << back.dump(2);
  const std::vector<std::tuple<std::string, int, int>> want = {{"Org", 8, 10}, {"Location", 14, 16}, {"City", 23, 31}};
  for (size_t i = 0; i < want.size(); ++i) {
    const Json& l = back["labels"][i];
    EXPECT_EQ(l["name"], std::get<0>(want[i])) << back.dump(2);
    EXPECT_EQ(l["type"], 101);
    EXPECT_EQ(l["property"]["@modelarts:start_index"], std::get<1>(want[i])) << l.dump();
    EXPECT_EQ(l["property"]["@modelarts:end_index"], std::get<2>(want[i])) << l.dump();
  }
  EXPECT_EQ(Labels("ner"), (std::map<std::string, int64_t>{{"City", 1}, {"Location", 1}, {"Org", 1}}));

  // Offset 7 falls between the two halves of 😀; 32 code points is past the end (31).
  RunResult split = DsRun({"label", "-i", "ner", "--sample", id, "--set-json",
                           WriteJson("split.json", Json::array({span("Emoji", 7, 8)})), "--offset-unit", "utf16"});
  EXPECT_EQ(split.rc, 1) << split;
  EXPECT_TRUE(Contains(split.err, "splits a character")) << split;
  RunResult past = DsRun({"label", "-i", "ner", "--sample", id, "--set-json",
                          WriteJson("past.json", Json::array({span("City", 23, 32)}))});
  EXPECT_EQ(past.rc, 1) << past;
  EXPECT_TRUE(Contains(past.err, "past the end of the text (31 code points)")) << past;
  // Nothing changed.
  EXPECT_EQ(Ds({"sample", "-i", "ner", "--sample", id})["labels"], back["labels"]);
}

// The rest of the command surface, and the errors a user meets first.
TEST_F(DatasetE2eTest, CommandSurfaceAndErrors) {
  Upload("flowers", "flowers/");
  // create: the type by code or name; errors name the option.
  RunResult bad_type = DsRun({"create", "-n", "x", "-t", "pictures", "--input", Obs("flowers/"), "--output-path",
                              Obs("out/")});
  EXPECT_EQ(bad_type.rc, 1) << bad_type;
  ASSERT_EQ(bad_type.ErrLines().size(), 1u) << bad_type;
  EXPECT_TRUE(Contains(bad_type.err, "--type") && Contains(bad_type.err, "object_detection (1)")) << bad_type;
  RunResult missing = DsRun({"create", "-n", "x", "-t", "0", "--input", Obs("flowers/")});
  EXPECT_EQ(missing.rc, 2) << missing;
  EXPECT_TRUE(Contains(missing.err, "--output-path")) << missing;
  RunResult nested = DsRun({"create", "-n", "x", "-t", "0", "--input", Obs("flowers/"), "--output-path",
                            Obs("flowers/out/")});
  EXPECT_EQ(nested.rc, 1) << nested;
  EXPECT_TRUE(Contains(nested.err, "work_path")) << nested;
  RunResult no_bucket = DsRun({"create", "-n", "x", "-t", "0", "--input", "obs://nope-bucket/in/",
                               "--output-path", Obs("out/")});
  EXPECT_EQ(no_bucket.rc, 1) << no_bucket;
  EXPECT_TRUE(Contains(no_bucket.err, "ma-cli obs mb obs://nope-bucket")) << no_bucket;

  for (const auto& [name, type] : std::vector<std::pair<std::string, std::string>>{
           {"a1", "0"}, {"a2", "object_detection"}, {"a3", "text_classification"}, {"a4", "ner"}}) {
    RunResult r = DsRun({"create", "-n", name, "-t", type, "--input", Obs("in-" + name + "/"), "--output-path",
                         Obs("out-" + name + "/")});
    ASSERT_EQ(r.rc, 0) << r;
  }
  RunResult dup = DsRun({"create", "-n", "a1", "-t", "0", "--input", Obs("in-x/"), "--output-path", Obs("out-x/")});
  EXPECT_EQ(dup.rc, 1) << dup;
  EXPECT_TRUE(Contains(dup.err, "already exists")) << dup;

  // list: paging, filters, the table.
  Json page1 = Ds({"list", "-ps", "3", "-pn", "1"});
  EXPECT_EQ(page1["total_number"], 4);
  ASSERT_EQ(page1["datasets"].size(), 3u);
  EXPECT_EQ(page1["datasets"][0]["dataset_name"], "a4");  // newest first
  EXPECT_EQ(Ds({"list", "-ps", "3", "-pn", "2"})["datasets"].size(), 1u);
  Json det = Ds({"list", "--type", "object_detection"});
  ASSERT_EQ(det["datasets"].size(), 1u);
  EXPECT_EQ(det["datasets"][0]["dataset_name"], "a2");
  EXPECT_EQ(Ds({"list", "--type", "101"})["datasets"][0]["dataset_name"], "a4");
  EXPECT_EQ(Ds({"list", "--search", "a3"})["total_number"], 1);
  RunResult table = DsRun({"list"});
  ASSERT_EQ(table.rc, 0) << table;
  EXPECT_TRUE(Contains(table.out, "named_entity_recognition")) << table;
  EXPECT_TRUE(Contains(table.err, "page 1: 4 of 4 dataset(s)")) << table;

  // update and delete.
  RunResult nothing = DsRun({"update", "-i", "a1"});
  EXPECT_EQ(nothing.rc, 1) << nothing;
  EXPECT_TRUE(Contains(nothing.err, "--name or --description")) << nothing;
  Json updated = Ds({"update", "-i", "a1", "--name", "a1-renamed", "-d", "renamed"});
  EXPECT_EQ(updated["dataset_name"], "a1-renamed");
  EXPECT_EQ(updated["description"], "renamed");
  EXPECT_EQ(Ds({"update", "-i", "a1-renamed", "-d", ""})["description"], "");
  RunResult unknown = DsRun({"get", "-i", "a1"});
  EXPECT_EQ(unknown.rc, 1) << unknown;
  EXPECT_TRUE(Contains(unknown.err, "dataset 'a1' does not exist")) << unknown;
  RunResult no_terminal = DsRun({"delete", "-i", "a1-renamed"});
  EXPECT_EQ(no_terminal.rc, 1) << no_terminal;
  EXPECT_TRUE(Contains(no_terminal.err, "add -y")) << no_terminal;
  ASSERT_EQ(DsRun({"delete", "-i", "a1-renamed", "-y"}).rc, 0);
  EXPECT_EQ(Ds({"list"})["total_number"], 3);

  // Labels: create, the table, delete with confirmation.
  ASSERT_EQ(DsRun({"label-create", "-i", "a3", "positive", "negative", "neutral"}).rc, 0);
  RunResult labels = DsRun({"labels", "-i", "a3"});
  ASSERT_EQ(labels.rc, 0) << labels;
  EXPECT_TRUE(Contains(labels.out, "NAME      TYPE                       COUNT\n")) << labels;
  EXPECT_TRUE(Contains(labels.out, "positive  text_classification (100)  0\n")) << labels;
  RunResult twice = DsRun({"label-create", "-i", "a3", "positive"});
  EXPECT_EQ(twice.rc, 1) << twice;
  EXPECT_TRUE(Contains(twice.err, "ModelArts.4411")) << twice;
  RunResult ask = DsRun({"label-delete", "-i", "a3", "neutral"});
  EXPECT_EQ(ask.rc, 1) << ask;
  EXPECT_TRUE(Contains(ask.err, "cannot be undone") && Contains(ask.err, "add -y")) << ask;
  ASSERT_EQ(DsRun({"label-delete", "-i", "a3", "neutral", "--policy", "1", "-y"}).rc, 0);
  EXPECT_EQ(Labels("a3"), (std::map<std::string, int64_t>{{"negative", 0}, {"positive", 0}}));
  RunResult gone = DsRun({"label-rename", "-i", "a3", "neutral", "calm"});
  EXPECT_EQ(gone.rc, 1) << gone;
  EXPECT_TRUE(Contains(gone.err, "ModelArts.4410")) << gone;

  // Imports: a path with nothing to import fails the task with ModelArts.4340; a bad separator
  // is refused before anything is sent.
  RunResult empty = DsRun({"import", "-i", "a2", "--path", Obs("nothing-here/")});
  EXPECT_EQ(empty.rc, 1) << empty;
  ASSERT_EQ(empty.ErrLines().size(), 1u) << empty;
  EXPECT_TRUE(Contains(empty.err, "ModelArts.4340")) << empty;
  RunResult sep = DsRun({"import", "-i", "a3", "--path", Obs("t/"), "--format", "text_combine",
                         "--sample-separator", "ab"});
  EXPECT_EQ(sep.rc, 1) << sep;
  EXPECT_TRUE(Contains(sep.err, "--sample-separator")) << sep;
  RunResult quiet = DsRun({"import", "-i", "a2", "--path", Obs("flowers/"), "-q"});
  ASSERT_EQ(quiet.rc, 0) << quiet;
  const std::string task_id = Lines(quiet.out).at(0);
  EXPECT_EQ(task_id.size(), 32u) << quiet;
  Json one = Json();
  for (int i = 0; i < 100; ++i) {
    one = Ds({"import-status", "-i", "a2", "--task", task_id});
    if (one.value("status", "") == "COMPLETED" || one.value("status", "") == "FAILED") break;
  }
  EXPECT_EQ(one.value("status", ""), "COMPLETED") << one.dump(2);
  EXPECT_EQ(one["added_sample_count"], 7) << one.dump(2);  // the seven images; no manifest in dir mode

  // Versions: publish twice within a minute is refused; delete asks, then deletes.
  Json v = Ds({"publish", "-i", "a2", "--name", "first", "-d", "all of it"});
  EXPECT_EQ(v["version_name"], "first");
  EXPECT_EQ(v["total_sample_count"], 7);
  RunResult soon = DsRun({"publish", "-i", "a2"});
  EXPECT_EQ(soon.rc, 1) << soon;
  EXPECT_TRUE(Contains(soon.err, "ModelArts.4370")) << soon;
  RunResult split = DsRun({"publish", "-i", "a4", "--train-ratio", "0.5"});
  EXPECT_EQ(split.rc, 1) << split;
  EXPECT_TRUE(Contains(split.err, "ModelArts.4342")) << split;
  RunResult versions = DsRun({"versions", "-i", "a2"});
  ASSERT_EQ(versions.rc, 0) << versions;
  EXPECT_TRUE(Contains(versions.out, "first")) << versions;
  EXPECT_EQ(DsRun({"version-delete", "-i", "a2", "--version", "first"}).rc, 1);
  ASSERT_EQ(DsRun({"version-delete", "-i", "a2", "--version", "first", "-y"}).rc, 0);
  EXPECT_TRUE(Ds({"versions", "-i", "a2"})["versions"].empty());

  // A user without a role is refused, on one line.
  ASSERT_EQ(Cli({"user", "create", "bob", "--password", "Bob-Passw0rd-1"}).rc, 0);
  ASSERT_EQ(Cli({"configure", "-P", "bob", "--server", url_, "--username", "bob", "--password", "Bob-Passw0rd-1"}).rc,
            0);
  RunResult denied = DsRun({"list", "-P", "bob"});
  EXPECT_EQ(denied.rc, 1) << denied;
  ASSERT_EQ(denied.ErrLines().size(), 1u) << denied;
  EXPECT_TRUE(Contains(denied.err, "modelarts:dataset:list")) << denied;

  // Help names every subcommand.
  RunResult help = Cli({"dataset", "--help"});
  EXPECT_EQ(help.rc, 0) << help;
  for (const char* sub : {"create", "list", "get", "update", "delete", "import", "import-status", "export",
                          "export-status", "samples", "sample", "label", "labels", "label-create", "label-rename",
                          "label-delete", "publish", "versions", "version-delete"}) {
    EXPECT_TRUE(Contains(help.out, std::string("  ") + sub + " ")) << sub << "\n" << help;
  }
}

}  // namespace
}  // namespace openarts
