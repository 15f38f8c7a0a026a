// The data service on a real SQLite store and the local object store: imports (manifest with its
// quirks, directories), listing with filters and paging, labeling with validation, labels,
// versions with a split, export, and what a crash mid-import leaves (nothing visible).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "base/clock.h"
#include "base/io.h"
#include "data/data.h"
#include "formats/manifest.h"
#include "imaging/imaging.h"
#include "meta/meta.h"
#include "objstore/objstore.h"
#include "tasks/tasks.h"
#include "service_fixture.h"

namespace openarts::data {
namespace {

namespace fs = std::filesystem;
using formats::ManifestAnnotation;

class DataServiceTest : public ServiceFixture {
 protected:
  ImportReport ImportManifest(const Dataset& d, const std::string& key, const std::string& text) {
    Put("dsin", key, text);
    ImportRequest r;
    r.path = "obs://dsin/" + key;
    r.format = "manifest";
    auto rep = service_->Import(d, r);
    EXPECT_TRUE(rep.ok()) << rep.status().message();
    return rep.ok() ? *rep : ImportReport{};
  }
};

// Classification lines with the spec's quirks: lowercase usage, hard as a string, property as a
// JSON string, underscore aliases, leading spaces kept, a BOM, CRLF, a blank line, no final
// newline; plus two bad lines.
const char* kClassification =
    "\xEF\xBB\xBF{\"source\":\"s3://dsin/cls/a.jpg\",\"usage\":\"train\",\"annotation\":[{\"type\":\"modelarts/image_classification\",\"name\":\"cat\",\"annotated_by\":\"human\",\"creation_time\":\"2019-01-23 11:30:30\"}]}\r\n"
    "{\"source\":\"s3://dsin/cls/b.jpg\",\"usage\":\"EVAL\",\"hard\":\"true\",\"hard-coefficient\":0.8,\"annotation\":[{\"type\":\"image_classification\",\"name\":\" dog\",\"property\":\"{\\\"color\\\":\\\"white\\\"}\"}]}\n"
    "\n"
    "{\"source\":\"s3://dsin/cls/c.jpg\"}\n"
    "{\"source\":\"s3://dsin/cls/d.jpg\",\"annotation\":[{\"type\":\"modelarts/image_classification\",\"name\":\"cat\"},{\"type\":\"modelarts/image_classification\",\"name\":\"animal\",\"confidence\":0.8,\"annotated-by\":\"modelarts/active-learning\"}]}\n"
    "not json\n"
    "{\"source\":\"s3://dsin/cls/e.jpg\",\"annotation\":[{\"type\":\"modelarts/image_classification\",\"name\":\"cat\",\"confidence\":7}]}\n"
    "{\"source\":\"s3://dsin/cls/a.jpg\"}";

TEST_F(DataServiceTest, ManifestImportCountsRejectsAndLabels) {
  Dataset d = Make(0);
  ImportReport r = ImportManifest(d, "cls.manifest", kClassification);
  EXPECT_EQ(r.added, 4);
  EXPECT_EQ(r.rejected, 3);
  EXPECT_EQ(r.annotated, 3);
  ASSERT_EQ(r.rejected_items.size(), 3u);
  EXPECT_EQ(r.rejected_items[0].where, "cls.manifest:6");
  EXPECT_EQ(r.rejected_items[0].reason.rfind("cls.manifest:6", 0), std::string::npos) << r.rejected_items[0].reason;
  EXPECT_EQ(r.rejected_items[1].where, "cls.manifest:7");
  EXPECT_NE(r.rejected_items[1].reason.find("confidence"), std::string::npos) << r.rejected_items[1].reason;
  EXPECT_EQ(r.rejected_items[2].where, "cls.manifest:8");
  EXPECT_NE(r.rejected_items[2].reason.find("cls.manifest:1"), std::string::npos) << r.rejected_items[2].reason;

  Dataset f = Fresh(d);
  EXPECT_EQ(f.sample_count, 4);
  EXPECT_EQ(f.labeled_count, 3);
  EXPECT_EQ(f.unlabeled_count, 1);
  std::map<std::string, int64_t> counts;
  for (const Label& l : f.labels) counts[l.name] = l.sample_count;
  EXPECT_EQ(counts, (std::map<std::string, int64_t>{{"cat", 2}, {" dog", 1}, {"animal", 1}}));

  auto all = All(f);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].source, "s3://dsin/cls/a.jpg");
  EXPECT_EQ(all[0].usage, formats::Usage::kTrain);
  EXPECT_EQ(all[1].manifest.annotations.at(0).name, " dog");  // byte-exact
  EXPECT_EQ(all[1].manifest.annotations.at(0).property["color"], "white");
  EXPECT_TRUE(all[1].hard);
  EXPECT_EQ(all[2].state, SampleState::kUnlabeled);
  EXPECT_EQ(all[3].manifest.annotations.size(), 2u);
  EXPECT_EQ(all[3].manifest.annotations[1].annotated_by, "modelarts/active-learning");
  std::set<std::string> ids;
  for (auto& s : all) ids.insert(s.id);
  EXPECT_EQ(ids.size(), 4u);
  EXPECT_EQ(all[0].id.size(), 32u);

  // Filters: state, label (any of), usage, hard, search.
  SampleQuery q;
  q.state = SampleState::kUnlabeled;
  EXPECT_EQ(All(f, q).size(), 1u);
  q = {};
  q.labels = {"cat"};
  auto cats = All(f, q);
  ASSERT_EQ(cats.size(), 2u);
  EXPECT_EQ(cats[0].source, "s3://dsin/cls/a.jpg");
  EXPECT_EQ(cats[1].source, "s3://dsin/cls/d.jpg");
  q.labels = {"cat", "animal", " dog"};
  EXPECT_EQ(All(f, q).size(), 3u);
  q = {};
  q.usage = formats::Usage::kEval;
  EXPECT_EQ(All(f, q).size(), 1u);
  q = {};
  q.hard = true;
  EXPECT_EQ(All(f, q).size(), 1u);
  q = {};
  q.search = "c.jpg";
  EXPECT_EQ(All(f, q).size(), 1u);
  q = {};
  q.labels = {"nope"};
  EXPECT_EQ(service_->ListSamples(f, q).status().code(), Code::kNotFound);
  // Counts come with the page.
  q = {};
  q.labels = {"cat"};
  q.limit = 1;
  auto page = service_->ListSamples(f, q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 2);
  EXPECT_FALSE(page->next_marker.empty());
  q = {};
  q.state = SampleState::kLabeled;
  q.limit = 1;
  page = service_->ListSamples(f, q);
  EXPECT_EQ(page->total, 3);
}

TEST_F(DataServiceTest, ReimportUpdatesInsteadOfDuplicating) {
  Dataset d = Make(0);
  ImportManifest(d, "one.manifest",
                 "{\"source\":\"s3://dsin/x/1.jpg\"}\n{\"source\":\"s3://dsin/x/2.jpg\",\"annotation\":[{\"type\":\"modelarts/image_classification\",\"name\":\"a\"}]}\n");
  // Everything already there: not an error (ModelArts.4340 is for imports with nothing valid).
  ImportReport same = ImportManifest(d, "one.manifest",
                                     "{\"source\":\"s3://dsin/x/1.jpg\"}\n");
  EXPECT_EQ(same.added, 0);
  EXPECT_EQ(same.warnings.size(), 1u);
  ImportReport r = ImportManifest(
      d, "two.manifest",
      "{\"source\":\"s3://dsin/x/1.jpg\",\"annotation\":[{\"type\":\"modelarts/image_classification\",\"name\":\"b\"}]}\n"
      "{\"source\":\"s3://dsin/x/2.jpg\"}\n{\"source\":\"s3://dsin/x/3.jpg\"}\n");
  EXPECT_EQ(r.added, 1);
  EXPECT_EQ(r.updated, 1);
  ASSERT_EQ(r.warnings.size(), 1u);
  Dataset f = Fresh(d);
  EXPECT_EQ(f.sample_count, 3);
  EXPECT_EQ(f.labeled_count, 2);
  std::map<std::string, int64_t> counts;
  for (const Label& l : f.labels) counts[l.name] = l.sample_count;
  EXPECT_EQ(counts, (std::map<std::string, int64_t>{{"a", 1}, {"b", 1}}));
  SampleQuery q;
  q.labels = {"b"};
  auto b = All(f, q);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].source, "s3://dsin/x/1.jpg");
}

TEST_F(DataServiceTest, NothingValidFailsWithModelArts4340AndLeavesNothing) {
  Dataset d = Make(0);
  Put("dsin", "bad.manifest", "nope\n{\"usage\":\"TRAIN\"}\n");
  ImportRequest r;
  r.path = "obs://dsin/bad.manifest";
  r.format = "manifest";
  auto rep = service_->Import(d, r);
  ASSERT_FALSE(rep.ok());
  EXPECT_NE(rep.status().message().find("ModelArts.4340"), std::string::npos) << rep.status().message();
  EXPECT_NE(rep.status().message().find("bad.manifest:1"), std::string::npos) << rep.status().message();
  EXPECT_EQ(Fresh(d).sample_count, 0);
}

TEST_F(DataServiceTest, CrashMidImportLeavesNothingVisibleAndIsPurgedOnStart) {
  Dataset d = Make(0);
  ImportManifest(d, "a.manifest", "{\"source\":\"s3://dsin/x/1.jpg\"}\n");
  // What a killed import leaves: rows above the watermark (written by a batch, never published).
  auto rows = db_->Query("SELECT seq, visible_no FROM datasets WHERE id = $1", {d.id});
  ASSERT_TRUE(rows.ok());
  int64_t seq = (*rows)[0].Int(0), visible = (*rows)[0].Int(1);
  ASSERT_TRUE(db_->Exec("INSERT INTO dataset_samples(no, state, source, create_time, update_time) VALUES ($1, 0, 'obs://dsin/ghost.jpg', 1, 1)",
                        {(seq << 40) | (visible + 1)})
                  .ok());
  ASSERT_TRUE(db_->Exec("UPDATE datasets SET next_no = next_no + 1 WHERE seq = $1", {seq}).ok());
  EXPECT_EQ(All(Fresh(d)).size(), 1u);  // invisible already
  tasks_->Stop();
  service_.reset();
  StartService();  // the restart purges
  auto left = db_->Query("SELECT COUNT(*) FROM dataset_samples WHERE source = 'obs://dsin/ghost.jpg'");
  EXPECT_EQ((*left)[0].Int(0), 0);
  auto nn = db_->Query("SELECT next_no, visible_no FROM datasets WHERE seq = $1", {seq});
  EXPECT_EQ((*nn)[0].Int(0), (*nn)[0].Int(1));
}

const char* kVoc =
    "<annotation><folder>det</folder><filename>img1.jpg</filename><source><database>Unknown</database></source>"
    "<size><width>100</width><height>80</height><depth>3</depth></size><segmented>0</segmented>"
    "<object><name>bag</name><pose>Unspecified</pose><truncated>0</truncated><occluded>0</occluded><difficult>0</difficult>"
    "<bndbox><xmin>10</xmin><ymin>10</ymin><xmax>50</xmax><ymax>40</ymax></bndbox></object>"
    "<object><name>boots</name><pose>Unspecified</pose><truncated>0</truncated><occluded>0</occluded><difficult>1</difficult>"
    "<polygon><x1>60</x1><y1>10</y1><x2>90</x2><y2>10</y2><x3>90</x3><y3>70</y3></polygon></object></annotation>";

TEST_F(DataServiceTest, DetectionManifestWithRelativeVocRoundTripsThroughPublishAndExport) {
  Dataset d = Make(1, "det");
  Put("dsin", "det/voc/img1.xml", kVoc);
  ImportReport r = ImportManifest(
      d, "det/det.manifest",
      "{\"source\":\"s3://dsin/det/img1.jpg\",\"usage\":\"TRAIN\",\"annotation\":[{\"type\":\"modelarts/object_detection\",\"annotation-loc\":\"./voc/img1.xml\",\"annotation-format\":\"PASCAL VOC\"}]}\n"
      "{\"source\":\"s3://dsin/det/img2.jpg\",\"annotation\":[{\"type\":\"modelarts/object_detection\",\"annotation-loc\":\"./voc/missing.xml\"}]}\n");
  EXPECT_EQ(r.added, 1);
  ASSERT_EQ(r.rejected, 1);
  EXPECT_NE(r.rejected_items[0].reason.find("missing.xml"), std::string::npos);
  Dataset f = Fresh(d);
  auto all = All(f);
  ASSERT_EQ(all.size(), 1u);
  Json labels = all[0].ToJson()["labels"];
  ASSERT_EQ(labels.size(), 2u);
  EXPECT_EQ(labels[0]["name"], "bag");
  EXPECT_EQ(labels[0]["property"]["@modelarts:shape"], "bndbox");
  EXPECT_EQ(labels[0]["property"]["@modelarts:feature"], Json::parse("[[10,10],[50,40]]"));
  EXPECT_EQ(labels[1]["property"]["@modelarts:shape"], "polygon");

  // Labeling: a box outside the image is refused, naming the object; a good one is stored.
  SampleLabelsUpdate u;
  u.sample_id = all[0].id;
  ManifestAnnotation a = all[0].manifest.annotations[0];
  a.extra["voc"]["objects"][0]["shape"]["points"] = Json::parse("[[10,10],[150,40]]");
  u.annotations = {a};
  Status bad = service_->UpdateSamples(f, {u});
  EXPECT_EQ(bad.code(), Code::kInvalidArgument);
  EXPECT_NE(bad.message().find("object[1]"), std::string::npos) << bad.message();
  a.extra["voc"]["objects"][0]["shape"]["points"] = Json::parse("[[10,10],[60,40]]");
  a.extra["voc"]["objects"][0]["name"] = "bag2";
  u.annotations = {a};
  ASSERT_TRUE(service_->UpdateSamples(f, {u}).ok());
  f = Fresh(d);
  std::map<std::string, int64_t> counts;
  for (const Label& l : f.labels) counts[l.name] = l.sample_count;
  EXPECT_EQ(counts, (std::map<std::string, int64_t>{{"bag", 0}, {"bag2", 1}, {"boots", 1}}));

  // Publish: the manifest and its VOC files land in the output path; re-importing the version
  // into a new dataset reproduces the annotations.
  auto v = service_->PublishVersion(f, {});
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->name, "V001");
  EXPECT_EQ(v->manifest_path, "obs://dsout/det/det-" + d.id + "/annotation/V001/V001.manifest");
  std::string manifest = Get("dsout", "det/det-" + d.id + "/annotation/V001/V001.manifest");
  EXPECT_NE(manifest.find("\"annotation-loc\":\"s3://dsout/det/det-" + d.id + "/annotation/V001/annotations/img1.xml\""),
            std::string::npos)
      << manifest;
  std::string xml = Get("dsout", "det/det-" + d.id + "/annotation/V001/annotations/img1.xml");
  EXPECT_NE(xml.find("<name>bag2</name>"), std::string::npos) << xml;
  // Within a minute: ModelArts.4370.
  auto again = service_->PublishVersion(f, {});
  EXPECT_NE(again.status().message().find("ModelArts.4370"), std::string::npos);

  Dataset d2 = Make(1, "det2");
  ImportRequest ir;
  ir.path = "obs://dsout/det/det-" + d.id + "/annotation/V001/V001.manifest";
  ir.format = "manifest";
  auto r2 = service_->Import(d2, ir);
  ASSERT_TRUE(r2.ok()) << r2.status().message();
  EXPECT_EQ(r2->added, 1);
  auto all2 = All(Fresh(d2));
  ASSERT_EQ(all2.size(), 1u);
  auto all1 = All(Fresh(d));
  EXPECT_EQ(all2[0].ToJson()["labels"], all1[0].ToJson()["labels"]);
  EXPECT_EQ(all2[0].manifest.annotations[0].extra["voc"], all1[0].manifest.annotations[0].extra["voc"]);

  // A training job's view of the version: relative paths, the objects and VOC files beside.
  Put("dsin", "det/img1.jpg", "JPEGBYTES");
  fs::path local = dir_ / "job-input";
  fs::create_directories(local);
  ASSERT_TRUE(service_->MaterializeVersion(f, "V001", local.string()).ok());
  auto staged = formats::ParseManifest(ReadLocal(local / "V001.manifest"), "staged");
  ASSERT_TRUE(staged.ok()) << staged.status().message();
  ASSERT_EQ(staged->size(), 1u);
  EXPECT_EQ((*staged)[0].source, "data/dsin/det/img1.jpg");
  EXPECT_EQ((*staged)[0].annotations[0].annotation_loc, "annotations/img1.xml");
  EXPECT_EQ(ReadLocal(local / "data/dsin/det/img1.jpg"), "JPEGBYTES");
  EXPECT_EQ(ReadLocal(local / "annotations/img1.xml"), xml);
  EXPECT_EQ(service_->MaterializeVersion(f, "V009", local.string()).code(), Code::kNotFound);

  // Export: never into the input or output path (ModelArts.4358); a manifest elsewhere.
  ExportRequest er;
  er.path = "obs://dsout/det/sub/";
  EXPECT_NE(service_->Export(f, er).status().message().find("ModelArts.4358"), std::string::npos);
  er.path = "obs://dsin/";
  EXPECT_NE(service_->Export(f, er).status().message().find("ModelArts.4358"), std::string::npos);
  er.path = "obs://dsexp/det/";
  auto ex = service_->Export(f, er);
  ASSERT_TRUE(ex.ok()) << ex.status().message();
  EXPECT_EQ((*ex)["total_sample_count"], 1);
  std::string exported = Get("dsexp", "det/det.manifest");
  EXPECT_NE(exported.find("\"source\":\"s3://dsin/det/img1.jpg\""), std::string::npos) << exported;
  EXPECT_EQ(Get("dsexp", "det/annotations/img1.xml"), xml);
  // A version exports as its manifest, with the prefix asked for.
  er.version_id = "V001";
  er.source_type_header = "obs://";
  ex = service_->Export(f, er);
  ASSERT_TRUE(ex.ok()) << ex.status().message();
  std::string vexp = Get("dsexp", "det/det-V001.manifest");
  EXPECT_NE(vexp.find("\"source\":\"obs://dsin/det/img1.jpg\""), std::string::npos) << vexp;
  EXPECT_NE(vexp.find("\"annotation-loc\":\"obs://dsout/det/"), std::string::npos) << vexp;
}

TEST_F(DataServiceTest, TextEntitiesAreValidatedInCodePointsAndTripletsNeedTheirEntities) {
  Dataset ner = Make(101, "ner");
  ImportReport r = ImportManifest(
      ner, "ner.manifest",
      "{\"source\":\"content://华为总部位于深圳\",\"annotation\":[{\"type\":\"modelarts/text_entity\",\"name\":\"Org\",\"property\":{\"@modelarts:start_index\":0,\"@modelarts:end_index\":2}},{\"type\":\"modelarts/text_entity\",\"name\":\"Location\",\"property\":{\"@modelarts:start_index\":6,\"@modelarts:end_index\":8}}]}\n"
      // 8 code points: an end of 18 (the UTF-8 byte offset) is past the end.
      "{\"source\":\"content://华为总部位于深圳!\",\"annotation\":[{\"type\":\"modelarts/text_entity\",\"name\":\"Location\",\"property\":{\"@modelarts:start_index\":6,\"@modelarts:end_index\":18}}]}\n");
  EXPECT_EQ(r.added, 1);
  ASSERT_EQ(r.rejected, 1);
  EXPECT_NE(r.rejected_items[0].reason.find("past the end of the text (9 code points)"), std::string::npos)
      << r.rejected_items[0].reason;

  Dataset tri = Make(102, "tri");
  r = ImportManifest(
      tri, "tri.manifest",
      "{\"source\":\"content://\\\"Three Body\\\" is a series of long science fiction novels created by Liu Cix.\",\"annotation\":[{\"type\":\"modelarts/text_entity\",\"name\":\"Person\",\"id\":\"E1\",\"property\":{\"@modelarts:start_index\":67,\"@modelarts:end_index\":74}},{\"type\":\"modelarts/text_entity\",\"name\":\"Book\",\"id\":\"E2\",\"property\":{\"@modelarts:start_index\":0,\"@modelarts:end_index\":12}},{\"type\":\"modelarts/text_triplet\",\"name\":\"Author\",\"id\":\"R1\",\"property\":{\"@modelarts:from\":\"E1\",\"@modelarts:to\":\"E2\"}}]}\n"
      "{\"source\":\"content://x y\",\"annotation\":[{\"type\":\"modelarts/text_triplet\",\"name\":\"Author\",\"id\":\"R1\",\"property\":{\"@modelarts:from\":\"E1\",\"@modelarts:to\":\"E9\"}}]}\n");
  EXPECT_EQ(r.added, 1);
  ASSERT_EQ(r.rejected, 1);
  EXPECT_NE(r.rejected_items[0].reason.find("ModelArts.4414"), std::string::npos) << r.rejected_items[0].reason;
  Dataset f = Fresh(tri);
  std::map<std::string, int> types;
  for (const Label& l : f.labels) types[l.name] = l.type;
  EXPECT_EQ(types, (std::map<std::string, int>{{"Person", 103}, {"Book", 103}, {"Author", 102}}));
  // An entity used by a relation cannot be deleted (ModelArts.4415).
  Status del = service_->DeleteLabels(f, {"Person"}, 0);
  EXPECT_NE(del.message().find("ModelArts.4415"), std::string::npos) << del.message();
  EXPECT_EQ(All(Fresh(tri))[0].manifest.annotations.size(), 3u);
}

TEST_F(DataServiceTest, RenameIsOneRowAndDeleteRemovesEverywhere) {
  Dataset d = Make(0);
  ImportManifest(d, "cls.manifest", kClassification);
  Dataset f = Fresh(d);
  ASSERT_TRUE(service_->RenameLabels(f, {{"cat", "kitten"}}).ok());
  EXPECT_EQ(service_->RenameLabels(f, {{"kitten", "animal"}}).code(), Code::kAlreadyExists);
  EXPECT_NE(service_->RenameLabels(f, {{"nope", "x"}}).message().find("ModelArts.4410"), std::string::npos);
  SampleQuery q;
  q.labels = {"kitten"};
  auto k = All(f, q);
  ASSERT_EQ(k.size(), 2u);
  EXPECT_EQ(k[0].manifest.annotations[0].name, "kitten");
  // Delete with policy 1: samples left without labels go too.
  ASSERT_TRUE(service_->DeleteLabels(f, {"kitten"}, 1).ok());
  f = Fresh(d);
  EXPECT_EQ(f.sample_count, 3);  // a.jpg had only "cat"
  for (const Label& l : f.labels) EXPECT_NE(l.name, "kitten");
  auto all = All(f);
  for (const auto& s : all) {
    for (const auto& a : s.manifest.annotations) EXPECT_NE(a.name, "kitten");
  }
  EXPECT_EQ(f.labeled_count, 2);  // b (dog) and d (animal)
}

TEST_F(DataServiceTest, PublishSplitsLabeledSamplesPerLabel) {
  Dataset d = Make(0);
  std::string text;
  for (int i = 0; i < 100; ++i) {
    text += "{\"source\":\"s3://dsin/s/" + std::to_string(i) + ".jpg\",\"annotation\":[{\"type\":\"modelarts/image_classification\",\"name\":\"" +
            (i < 60 ? "a" : "b") + "\"}]}\n";
  }
  text += "{\"source\":\"s3://dsin/s/unlabeled.jpg\"}\n";
  ImportManifest(d, "s.manifest", text);
  PublishRequest p;
  p.train_ratio = 0.8;
  auto v = service_->PublishVersion(Fresh(d), p);
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->total_sample_count, 101);
  EXPECT_EQ(v->annotated_sample_count, 100);
  EXPECT_EQ(v->train_count, 80);  // 48 of a + 32 of b
  EXPECT_EQ(v->eval_count, 20);
  auto parsed = formats::ParseManifest(Get("dsout", "ds/ds-" + d.id + "/annotation/V001/V001.manifest"), "v");
  ASSERT_TRUE(parsed.ok());
  int train_a = 0;
  for (const auto& s : *parsed) {
    if (!s.annotations.empty() && s.annotations[0].name == "a" && s.usage == formats::Usage::kTrain) ++train_a;
  }
  EXPECT_EQ(train_a, 48);
  // Splitting is refused where the matrix does not allow it.
  Dataset seg = Make(3, "seg");
  EXPECT_NE(service_->PublishVersion(seg, p).status().message().find("ModelArts.4342"), std::string::npos);
  auto versions = service_->ListVersions(Fresh(d));
  ASSERT_EQ(versions->size(), 1u);
  EXPECT_EQ(Fresh(d).current_version_id, v->id);
}

std::string Bmp(int w, int h, int r, int g, int b, unsigned seed);

TEST_F(DataServiceTest, DirectoryImportsFollowTheConventions) {
  // imageNet folders and x.txt label files; an object that does not decode as an image is
  // rejected with the reason (MetaValidation, spec §3.3).
  Dataset d = Make(0, "dir");
  Put("dsin", "dir/cat/1.jpg", Bmp(8, 8, 200, 0, 0, 1));
  Put("dsin", "dir/dog/sub/2.png", Bmp(8, 8, 0, 200, 0, 2));
  Put("dsin", "dir/3.jpg", Bmp(8, 8, 0, 0, 200, 3));
  Put("dsin", "dir/3.txt", "cat\ncute\n");
  Put("dsin", "dir/broken.jpg", "x");
  Put("dsin", "dir/readme.md", "not an image");
  ImportRequest r;
  r.path = "obs://dsin/dir/";
  r.format = "dir";
  auto rep = service_->Import(d, r);
  ASSERT_TRUE(rep.ok()) << rep.status().message();
  EXPECT_EQ(rep->added, 3);
  ASSERT_EQ(rep->rejected, 1);
  EXPECT_EQ(rep->rejected_items[0].where, "broken.jpg");
  EXPECT_EQ(rep->rejected_items[0].reason.rfind("not a readable image: obs://dsin/dir/broken.jpg: ", 0), 0u)
      << rep->rejected_items[0].reason;
  std::map<std::string, std::vector<std::string>> got;
  for (const auto& s : All(Fresh(d))) {
    for (const auto& a : s.manifest.annotations) got[s.source].push_back(*a.name);
  }
  EXPECT_EQ(got, (std::map<std::string, std::vector<std::string>>{
                     {"obs://dsin/dir/3.jpg", {"cat", "cute"}},
                     {"obs://dsin/dir/cat/1.jpg", {"cat"}},
                     {"obs://dsin/dir/dog/sub/2.png", {"sub"}}}));

  // Text classification, text and labels on one line (Tab, then ",").
  Dataset t = Make(100, "txt");
  Put("dsin", "txt/a.txt", "I like it\tpositive\nbad,very\tnegative,angry\n\nno label\n");
  r.path = "obs://dsin/txt/";
  rep = service_->Import(t, r);
  ASSERT_TRUE(rep.ok()) << rep.status().message();
  EXPECT_EQ(rep->added, 3);
  auto texts = All(Fresh(t));
  ASSERT_EQ(texts.size(), 3u);
  EXPECT_EQ(texts[1].source, "content://bad,very");
  ASSERT_EQ(texts[1].manifest.annotations.size(), 2u);
  EXPECT_EQ(texts[1].manifest.annotations[1].name, "angry");
  EXPECT_EQ(texts[2].state, SampleState::kUnlabeled);

  // PASCAL VOC pairs. The XML says 100x80 but the image is 80x60: the image's size wins, and the
  // polygon reaching past it (55 % of its bounding box inside) is clamped.
  Dataset det = Make(1, "vocdir");
  Put("dsin", "vocdir/img1.jpg", Bmp(80, 60, 10, 10, 10, 4));
  Put("dsin", "vocdir/img1.xml", kVoc);
  r.path = "obs://dsin/vocdir/";
  rep = service_->Import(det, r);
  ASSERT_TRUE(rep.ok()) << rep.status().message();
  EXPECT_EQ(rep->annotated, 1);
  EXPECT_EQ(rep->warnings, (std::vector<std::string>{
                               "1 VOC files gave a size other than their image's; the image's was used",
                               "1 shapes reaching past their image were clamped to it"}));
  EXPECT_EQ(Fresh(det).labels.size(), 2u);
  auto dets = All(Fresh(det));
  ASSERT_EQ(dets.size(), 1u);
  Json labels = dets[0].ToJson()["labels"];
  ASSERT_EQ(labels.size(), 2u);
  EXPECT_EQ(labels[1]["property"]["@modelarts:feature"], Json::parse("[[60,10],[80,10],[80,60]]"));
}

TEST_F(DataServiceTest, ImportRunsAsATaskAndOneAtATime) {
  Dataset d = Make(0);
  Put("dsin", "t.manifest", "{\"source\":\"s3://dsin/1.jpg\"}\n");
  Json body = {{"import_path", "obs://dsin/t.manifest"}, {"import_type", 1}};
  auto t = service_->SubmitImport(d, body, caller_);
  ASSERT_TRUE(t.ok()) << t.status().message();
  auto done = tasks_->WaitFor(t->id, 10000);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->status, tasks::TaskStatus::kSucceeded) << done->error;
  EXPECT_EQ(done->result["added_sample_count"], 1);
  auto list = service_->ListTasks(d, kImportTaskType);
  ASSERT_EQ(list->size(), 1u);
  // Bad bodies name the field.
  auto bad = service_->SubmitImport(d, Json{{"import_type", 1}}, caller_);
  EXPECT_NE(bad.status().message().find("import_path"), std::string::npos);
}

TEST_F(DataServiceTest, CreateRejectsOverlappingPathsAndBadTypes) {
  CreateDatasetRequest r;
  r.name = "x";
  r.type = 0;
  r.input_path = "obs://dsin/a/";
  r.output_path = "obs://dsin/a/out/";
  EXPECT_NE(service_->CreateDataset(caller_, r).status().message().find("work_path"), std::string::npos);
  r.output_path = "obs://nobucket/x/";
  EXPECT_NE(service_->CreateDataset(caller_, r).status().message().find("nobucket"), std::string::npos);
  auto dec = DecodeCreateDataset(Json{{"dataset_name", "x"}, {"dataset_type", 7}, {"work_path", "/dsout/x/"},
                                      {"data_sources", Json::array({Json{{"data_path", "/dsin/x/"}}})}});
  EXPECT_NE(dec.status().message().find("dataset_type"), std::string::npos);
  dec = DecodeCreateDataset(Json{{"dataset_name", "x"}, {"dataset_type", 1}, {"work_path", "/dsout/x/"},
                                 {"data_sources", Json::array({Json{{"data_path", "/dsin/x"}}})}});
  ASSERT_TRUE(dec.ok()) << dec.status().message();
  EXPECT_EQ(dec->input_path, "obs://dsin/x/");
  EXPECT_EQ(dec->output_path, "obs://dsout/x/");
}

// A 24-bit BMP of w×h pixels, colour (r, g, b) with deterministic noise.
std::string Bmp(int w, int h, int r, int g, int b, unsigned seed) {
  int row = (w * 3 + 3) & ~3;
  std::string out(54 + row * h, '\0');
  auto put32 = [&](size_t at, uint32_t v) { for (int i = 0; i < 4; ++i) out[at + i] = static_cast<char>(v >> (8 * i)); };
  out[0] = 'B';
  out[1] = 'M';
  put32(2, static_cast<uint32_t>(out.size()));
  put32(10, 54);
  put32(14, 40);
  put32(18, w);
  put32(22, h);
  out[26] = 1;
  out[28] = 24;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      seed = seed * 1103515245u + 12345u;
      int n = static_cast<int>((seed >> 16) % 60) - 30;
      size_t at = 54 + static_cast<size_t>(y) * row + x * 3;
      out[at] = static_cast<char>(std::clamp(b + n, 0, 255));
      out[at + 1] = static_cast<char>(std::clamp(g + n, 0, 255));
      out[at + 2] = static_cast<char>(std::clamp(r + n, 0, 255));
    }
  }
  return out;
}

TEST_F(DataServiceTest, IntelligentLabelingOfTextPredictsAndConfirms) {
  Dataset d = Make(100, "al");
  const char* sports[] = {"the team won the football match", "a great goal in the second half",
                          "the striker scored twice", "fans cheered as the match ended",
                          "the coach praised the defence", "a penalty decided the final",
                          "足球比赛 球队 进球", "the goalkeeper saved a penalty"};
  const char* food[] = {"add the flour and bake the cake", "simmer the soup with garlic",
                        "a recipe for fresh pasta", "chop the onions and fry them",
                        "the bread needs more yeast", "season the sauce with pepper",
                        "红烧肉 做法 酱油 炒", "whisk the eggs with sugar"};
  std::string text;
  for (int i = 0; i < 8; ++i) {
    text += std::string(sports[i]) + "\tsports\n" + food[i] + "\tfood\n";
  }
  text += "the match ended with a late goal\n";
  text += "bake the bread with flour and yeast\n";
  text += "球队 进球 比赛\n";
  Put("dsin", "al/t.txt", text);
  ImportRequest r;
  r.path = "obs://dsin/al/";
  r.format = "dir";
  ASSERT_TRUE(service_->Import(d, r).ok());
  // Preconditions first: a dataset type without intelligent labeling.
  Dataset seg = Make(3, "seg2");
  EXPECT_EQ(service_->AutoLabel(seg, Json::object()).status().code(), Code::kFailedPrecondition);
  auto res = service_->AutoLabel(Fresh(d), Json{{"algorithm_type", "fast"}});
  ASSERT_TRUE(res.ok()) << res.status().message();
  EXPECT_EQ((*res)["trained_sample_count"], 16);
  EXPECT_EQ((*res)["predicted_sample_count"], 3);
  EXPECT_EQ((*res)["hard_sample_count"], 1);
  Dataset f = Fresh(d);
  EXPECT_EQ(f.to_confirm_count, 3);
  SampleQuery q;
  q.state = SampleState::kToBeConfirmed;
  auto pending = All(f, q);
  ASSERT_EQ(pending.size(), 3u);
  std::map<std::string, std::string> predicted;
  for (const auto& s : pending) {
    ASSERT_EQ(s.predictions.size(), 1u);
    predicted[s.source] = *s.predictions[0].name;
    EXPECT_GT(*s.predictions[0].confidence, 0.5);
    EXPECT_EQ(s.predictions[0].annotated_by, "modelarts/active-learning");
  }
  EXPECT_EQ(predicted["content://the match ended with a late goal"], "sports");
  EXPECT_EQ(predicted["content://bake the bread with flour and yeast"], "food");
  EXPECT_EQ(predicted["content://球队 进球 比赛"], "sports");
  // Nothing left to predict: ModelArts.4407.
  EXPECT_NE(service_->AutoLabel(f, Json::object()).status().message().find("ModelArts.4407"), std::string::npos);
  // Confirming makes them labels.
  auto n = service_->ConfirmPredictions(f, {pending[0].id, pending[1].id});
  ASSERT_TRUE(n.ok()) << n.status().message();
  f = Fresh(d);
  EXPECT_EQ(f.to_confirm_count, 1);
  EXPECT_EQ(f.labeled_count, 18);
  auto s0 = service_->GetSample(f, pending[0].id);
  EXPECT_EQ(s0->state, SampleState::kLabeled);
  EXPECT_EQ(s0->manifest.annotations.at(0).annotated_by, "human");
  EXPECT_TRUE(s0->predictions.empty());
  EXPECT_EQ(service_->ConfirmPredictions(f, {pending[0].id}).status().code(), Code::kFailedPrecondition);
}

TEST_F(DataServiceTest, IntelligentLabelingOfImagesNeedsFiveImagesPerLabelAndLearnsColours) {
  Dataset d = Make(0, "img");
  std::string manifest;
  for (int i = 0; i < 8; ++i) {
    Put("dsin", "img/red" + std::to_string(i) + ".bmp", Bmp(40, 30, 200, 40, 40, i));
    Put("dsin", "img/blue" + std::to_string(i) + ".bmp", Bmp(40, 30, 30, 60, 210, 100 + i));
    manifest += "{\"source\":\"s3://dsin/img/red" + std::to_string(i) + ".bmp\"" +
                (i < 6 ? ",\"annotation\":[{\"type\":\"modelarts/image_classification\",\"name\":\"red\"}]}\n" : "}\n");
    manifest += "{\"source\":\"s3://dsin/img/blue" + std::to_string(i) + ".bmp\"" +
                (i < 6 ? ",\"annotation\":[{\"type\":\"modelarts/image_classification\",\"name\":\"blue\"}]}\n" : "}\n");
  }
  manifest += "{\"source\":\"s3://dsin/img/missing.bmp\"}\n";
  ImportManifest(d, "img/m.manifest", manifest);
  auto res = service_->AutoLabel(Fresh(d), Json::object());
  ASSERT_TRUE(res.ok()) << res.status().message();
  EXPECT_EQ((*res)["trained_sample_count"], 12);
  EXPECT_EQ((*res)["predicted_sample_count"], 4);
  EXPECT_EQ((*res)["unreadable_sample_count"], 1);
  SampleQuery q;
  q.state = SampleState::kToBeConfirmed;
  for (const auto& s : All(Fresh(d), q)) {
    ASSERT_EQ(s.predictions.size(), 1u);
    EXPECT_EQ(*s.predictions[0].name, s.source.find("red") != std::string::npos ? "red" : "blue") << s.source;
  }
  // Too few labeled images: ModelArts.4406.
  Dataset small = Make(0, "small");
  ImportManifest(small, "img/s.manifest",
                 "{\"source\":\"s3://dsin/img/red0.bmp\",\"annotation\":[{\"type\":\"modelarts/image_classification\",\"name\":\"red\"}]}\n"
                 "{\"source\":\"s3://dsin/img/blue0.bmp\",\"annotation\":[{\"type\":\"modelarts/image_classification\",\"name\":\"blue\"}]}\n"
                 "{\"source\":\"s3://dsin/img/red7.bmp\"}\n");
  EXPECT_NE(service_->AutoLabel(Fresh(small), Json::object()).status().message().find("ModelArts.4406"),
            std::string::npos);
}

TEST_F(DataServiceTest, SampleContentAndThumbnails) {
  Dataset d = Make(0, "content");
  Put("dsin", "content/wide.bmp", Bmp(400, 100, 200, 40, 40, 1));
  Put("dsin", "content/notes.bin", "not an image");
  ImportManifest(d, "content/m.manifest",
                 "{\"source\":\"s3://dsin/content/wide.bmp\"}\n{\"source\":\"s3://dsin/content/notes.bin\"}\n"
                 "{\"source\":\"s3://dsin/content/gone.jpg\"}\n");
  std::map<std::string, std::string> ids;
  for (const auto& s : All(Fresh(d))) ids[s.source.substr(s.source.rfind('/') + 1)] = s.id;
  ASSERT_EQ(ids.size(), 3u);

  auto c = service_->GetSampleContent(Fresh(d), ids["wide.bmp"]);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->content_type, "image/bmp");
  EXPECT_EQ(c->source, "s3://dsin/content/wide.bmp");
  EXPECT_FALSE(c->etag.empty());
  ASSERT_TRUE(c->object.reader);
  EXPECT_EQ(c->object.reader->Size(), Bmp(400, 100, 200, 40, 40, 1).size());

  auto t = service_->SampleThumbnail(Fresh(d), ids["wide.bmp"], 64);
  ASSERT_TRUE(t.ok()) << t.status().message();
  auto info = imaging::Probe(*t);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->format, imaging::ImageFormat::kJpeg);
  EXPECT_EQ(info->width, 64);
  EXPECT_EQ(info->height, 16);
  auto again = service_->SampleThumbnail(Fresh(d), ids["wide.bmp"], 64);  // from the cache
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *t);

  EXPECT_EQ(service_->SampleThumbnail(Fresh(d), ids["wide.bmp"], 8).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(service_->SampleThumbnail(Fresh(d), ids["notes.bin"], 64).status().code(), Code::kFailedPrecondition);
  auto gone = service_->GetSampleContent(Fresh(d), ids["gone.jpg"]);
  EXPECT_EQ(gone.status().code(), Code::kNotFound);
  EXPECT_NE(gone.status().message().find("is gone from object storage"), std::string::npos);

  Dataset text = Make(100, "content-text");
  ImportManifest(text, "content/t.manifest", "{\"source\":\"content://华为 总部\"}\n");
  auto ts = All(Fresh(text));
  ASSERT_EQ(ts.size(), 1u);
  auto tc = service_->GetSampleContent(Fresh(text), ts[0].id);
  ASSERT_TRUE(tc.ok());
  EXPECT_EQ(tc->text, "华为 总部");
  EXPECT_EQ(tc->content_type, "text/plain; charset=utf-8");
  EXPECT_FALSE(tc->object.reader);
}

// A WAV file of `seconds` of 16 kHz mono 16-bit silence.
std::string Wav(double seconds) {
  auto le = [](uint32_t v, int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += static_cast<char>(v >> (8 * i));
    return s;
  };
  uint32_t bytes = static_cast<uint32_t>(seconds * 32000);
  std::string body = "WAVEfmt " + le(16, 4) + le(1, 2) + le(1, 2) + le(16000, 4) + le(32000, 4) + le(2, 2) +
                     le(16, 2) + "data" + le(bytes, 4) + std::string(bytes, '\0');
  return "RIFF" + le(static_cast<uint32_t>(body.size()), 4) + body;
}

TEST_F(DataServiceTest, SpeechSegmentsMustEndWithinTheRecording) {
  Dataset d = Make(202, "speech");
  Put("dsin", "speech/a.wav", Wav(2.0));
  Put("dsin", "speech/b.wav", Wav(2.0));
  auto line = [](const char* file, const char* start, const char* end) {
    return std::string("{\"source\":\"s3://dsin/speech/") + file +
           "\",\"annotation\":[{\"type\":\"modelarts/audio_segmentation\",\"name\":\"speaker1\",\"property\":{"
           "\"@modelarts:start_time\":\"" + start + "\",\"@modelarts:end_time\":\"" + end + "\"}}]}\n";
  };
  ImportReport rep = ImportManifest(d, "speech/m.manifest",
                                    line("a.wav", "00:00:00.500", "00:00:01.750") +
                                        line("b.wav", "00:00:01.000", "00:00:02.500"));
  EXPECT_EQ(rep.added, 1);
  ASSERT_EQ(rep.rejected, 1);
  EXPECT_EQ(rep.rejected_items[0].reason,
            "annotation: a segment ends at 2.500 s, after the end of the recording (2.000 s)");
  std::vector<Sample> all = All(Fresh(d));
  ASSERT_EQ(all.size(), 1u);
  // Manual labeling: the same rule.
  SampleLabelsUpdate u;
  u.sample_id = all[0].id;
  u.annotations = all[0].manifest.annotations;
  u.annotations[0].property["@modelarts:end_time"] = "00:00:02.001";
  Status st = service_->UpdateSamples(Fresh(d), {u});
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_EQ(st.message(), "samples[0]: a segment ends at 2.001 s, after the end of the recording (2.000 s)");
  u.annotations[0].property["@modelarts:end_time"] = "00:00:02.000";
  EXPECT_TRUE(service_->UpdateSamples(Fresh(d), {u}).ok());
}

TEST_F(DataServiceTest, FeatureAnalysisPerVersionGivesComparableHistograms) {
  Dataset d = Make(1, "fa");
  std::string manifest;
  for (int i = 0; i < 6; ++i) {
    std::string name = "im" + std::to_string(i);
    int level = 40 + 30 * i;  // brighter and brighter
    Put("dsin", "fa/" + name + ".bmp", Bmp(64, 48, level, level, level, i));
    std::string voc = std::string(kVoc);
    auto swap = [&](const std::string& from, const std::string& to) { voc.replace(voc.find(from), from.size(), to); };
    swap("<width>100</width><height>80</height>", "<width>64</width><height>48</height>");
    swap("<xmax>50</xmax><ymax>40</ymax>", "<xmax>30</xmax><ymax>20</ymax>");
    Put("dsin", "fa/" + name + ".xml", voc.substr(0, voc.find("<object><name>boots")) + "</annotation>");
    manifest += "{\"source\":\"s3://dsin/fa/" + name + ".bmp\",\"usage\":\"" + (i < 4 ? "TRAIN" : "EVAL") +
                "\",\"annotation\":[{\"type\":\"modelarts/object_detection\",\"annotation-loc\":\"s3://dsin/fa/" + name + ".xml\"}]}\n";
  }
  ImportReport r = ImportManifest(d, "fa/m.manifest", manifest);
  ASSERT_EQ(r.added, 6) << (r.rejected_items.empty() ? "" : r.rejected_items[0].reason);
  auto v = service_->PublishVersion(Fresh(d), {});
  ASSERT_TRUE(v.ok()) << v.status().message();
  auto res = service_->AnalyzeVersion(Fresh(d), "V001");
  ASSERT_TRUE(res.ok()) << res.status().message();
  EXPECT_EQ((*res)["analysed_sample_count"], 6);
  EXPECT_EQ((*res)["failed_sample_count"], 0);
  auto h = service_->FeatureHistograms(Fresh(d), {"V001"}, "brightness", "all");
  ASSERT_TRUE(h.ok()) << h.status().message();
  EXPECT_EQ((*h)["bins"], 50);
  int64_t total = 0;
  for (const Json& c : (*h)["series"][0]["counts"]) total += c.get<int64_t>();
  total += (*h)["series"][0]["below"].get<int64_t>() + (*h)["series"][0]["above"].get<int64_t>();
  EXPECT_EQ(total, 6);
  auto train = service_->FeatureHistograms(Fresh(d), {"V001"}, "brightness", "train");
  EXPECT_EQ((*train)["series"][0]["count"], 4);
  auto eval = service_->FeatureHistograms(Fresh(d), {"V001"}, "brightness", "eval");
  EXPECT_EQ((*eval)["series"][0]["count"], 2);
  EXPECT_GT((*eval)["series"][0]["mean"].get<double>(), (*train)["series"][0]["mean"].get<double>());
  auto boxes = service_->FeatureHistograms(Fresh(d), {"V001"}, "box_area_ratio", "all");
  ASSERT_TRUE(boxes.ok()) << boxes.status().message();
  EXPECT_EQ((*boxes)["series"][0]["count"], 6);
  EXPECT_NEAR((*boxes)["series"][0]["mean"].get<double>(), 20.0 * 10.0 / (64 * 48), 1e-9);
  EXPECT_NE(service_->FeatureHistograms(Fresh(d), {"V001"}, "nope", "all").status().message().find("metric"),
            std::string::npos);
  // A second version compares on the same range; an unanalysed one says so.
  clock_.Advance(std::chrono::minutes(2));
  ASSERT_TRUE(service_->PublishVersion(Fresh(d), {}).ok());
  EXPECT_NE(service_->FeatureHistograms(Fresh(d), {"V001", "V002"}, "blur", "all").status().message().find(
                "not been analysed"),
            std::string::npos);
  ASSERT_TRUE(service_->AnalyzeVersion(Fresh(d), "V002").ok());
  auto both = service_->FeatureHistograms(Fresh(d), {"V001", "V002"}, "blur", "all");
  ASSERT_TRUE(both.ok());
  EXPECT_EQ((*both)["series"].size(), 2u);
  EXPECT_EQ((*both)["series"][0]["counts"], (*both)["series"][1]["counts"]);
}

}  // namespace
}  // namespace openarts::data
