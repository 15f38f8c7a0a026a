// Interchange formats through the data service, on a real SQLite store and the local object
// store: COCO, YOLO, CSV (tables, classification lists), doccano and CoNLL-2003.
//
// Golden round trips (tests/golden/<format>/<case>/ → <case>.golden): a committed fixture is
// imported, the samples and the import report are dumped, the dataset is exported in the same
// format and every exported file is dumped; the export is imported again into a fresh dataset and
// must give the same annotations; and an export as a manifest, imported again, loses nothing.
// Images are generated from the fixture's images.txt ("<path> <width> <height>", BMP bytes).
// OPENARTS_UPDATE_GOLDEN=1 rewrites the *.golden files.
//
// Also: malformed sources (a whole-source error leaves no samples), formats a dataset type cannot
// use, and the COCO export of 100,000 boxes (timed).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "base/clock.h"
#include "base/fs.h"
#include "base/io.h"
#include "data/data.h"
#include "formats/coco.h"
#include "formats/manifest.h"
#include "meta/meta.h"
#include "objstore/objstore.h"
#include "tasks/tasks.h"
#include "service_fixture.h"
#include "../interchange.h"  // the writer alone, for its share of the export time

namespace openarts::data {
namespace {

namespace fs = std::filesystem;

const fs::path kGolden = fs::path(OPENARTS_SOURCE_DIR) / "src/data/tests/golden";

// A 24-bit BMP of w × h black pixels: what imaging::Probe reads the size from.
std::string Bmp(int w, int h) {
  auto le = [](std::string& s, uint32_t v, int n) {
    for (int i = 0; i < n; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
  };
  uint32_t row = (static_cast<uint32_t>(w) * 3 + 3) & ~3u;
  uint32_t pixels = row * static_cast<uint32_t>(h);
  std::string b = "BM";
  le(b, 54 + pixels, 4);
  le(b, 0, 4);
  le(b, 54, 4);
  le(b, 40, 4);
  le(b, static_cast<uint32_t>(w), 4);
  le(b, static_cast<uint32_t>(h), 4);
  le(b, 1, 2);
  le(b, 24, 2);
  le(b, 0, 4);
  le(b, pixels, 4);
  le(b, 2835, 4);
  le(b, 2835, 4);
  le(b, 0, 4);
  le(b, 0, 4);
  b.append(pixels, '\0');
  return b;
}


std::string NoScheme(std::string s) {
  if (s.starts_with("s3://")) s = "obs://" + s.substr(5);
  return s;
}

std::string Base(const std::string& s) { return s.substr(s.rfind('/') + 1); }

class InterchangeTest : public ServiceFixture {
 protected:
  std::vector<objstore::ObjectInfo> List(const std::string& bucket, const std::string& prefix) {
    objstore::ListOptions lo;
    lo.prefix = prefix;
    std::vector<objstore::ObjectInfo> out;
    while (true) {
      auto page = objects_->List(bucket, lo);
      EXPECT_TRUE(page.ok());
      if (!page.ok()) break;
      for (auto& o : page->objects) out.push_back(o);
      if (!page->is_truncated) break;
      lo.marker = page->next_marker;
    }
    return out;
  }

  std::vector<Sample> All(const Dataset& d) { return ServiceFixture::All(d, {}, 100); }

  // Uploads tests/golden/<rel>/ to dsin/<prefix>: every file but images.txt, whose lines
  // "<path> <width> <height>" become BMP images.
  void Upload(const std::string& rel, const std::string& prefix) {
    fs::path root = kGolden / rel;
    ASSERT_TRUE(fs::is_directory(root)) << root;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      if (!e.is_regular_file()) continue;
      std::string r = fs::relative(e.path(), root).generic_string();
      if (r == "images.txt") {
        std::istringstream in(ReadLocal(e.path()));
        for (std::string line; std::getline(in, line);) {
          auto b = line.rfind(' '), a = line.rfind(' ', b - 1);
          if (line.empty() || a == std::string::npos) continue;
          Put("dsin", prefix + line.substr(0, a),
              Bmp(std::stoi(line.substr(a + 1, b - a - 1)), std::stoi(line.substr(b + 1))));
        }
        continue;
      }
      Put("dsin", prefix + r, ReadLocal(e.path()));
    }
  }

  Result<ImportReport> Import(const Dataset& d, const std::string& path, const std::string& format) {
    ImportRequest r;
    r.path = path;
    r.format = format;
    return service_->Import(d, r);
  }
  Result<Json> Export(const Dataset& d, const std::string& path, const std::string& format) {
    ExportRequest r;
    r.path = path;
    r.format = format;
    return service_->Export(d, r);
  }

  static std::string DumpReport(const ImportReport& r) {
    std::string out = "added " + std::to_string(r.added) + ", updated " + std::to_string(r.updated) +
                      ", rejected " + std::to_string(r.rejected) + ", annotated " + std::to_string(r.annotated) + "\n";
    for (const auto& i : r.rejected_items) out += "rejected " + i.where + ": " + i.reason + "\n";
    for (const auto& w : r.warnings) out += "warning " + w + "\n";
    return out;
  }
  std::string DumpSamples(const Dataset& d) {
    std::string out;
    for (Sample s : All(d)) {
      s.manifest.id.reset();
      out += formats::WriteManifestLine(s.manifest) + "\n";
    }
    return out;
  }
  // Every object under dsexp/<prefix>, sorted by key: text in full, images by size.
  std::string DumpExport(const std::string& prefix) {
    std::string out;
    for (const auto& o : List("dsexp", prefix)) {
      std::string rel = o.key.substr(prefix.size());
      std::string ext = rel.substr(rel.rfind('.') + 1);
      if (ext == "jpg" || ext == "png" || ext == "bmp") {
        out += "== " + rel + " (image, " + std::to_string(o.size) + " bytes)\n";
        continue;
      }
      std::string text = Get("dsexp", o.key);
      out += "== " + rel + "\n" + text;
      if (!text.empty() && text.back() != '\n') out += "\n";
    }
    return out;
  }

  void ExpectGolden(const std::string& rel, const std::string& got) {
    fs::path golden = kGolden / (rel + ".golden");
    if (std::getenv("OPENARTS_UPDATE_GOLDEN")) {
      ASSERT_TRUE(WriteFileAtomic(golden, got).ok());
      return;
    }
    EXPECT_EQ(got, ReadLocal(golden)) << "golden " << golden << " (OPENARTS_UPDATE_GOLDEN=1 rewrites it)";
  }

  // The samples of two datasets carry the same annotations, usage and sample type; matched by
  // source (s3:// and obs:// alike) or, for formats that copy the objects, by file name.
  void ExpectSameSamples(const Dataset& a, const Dataset& b, bool by_file_name) {
    auto key = [&](const Sample& s) { return by_file_name ? Base(s.source) : NoScheme(s.source); };
    std::map<std::string, Sample> left, right;
    for (auto& s : All(a)) left.emplace(key(s), s);
    for (auto& s : All(b)) right.emplace(key(s), s);
    ASSERT_EQ(left.size(), right.size());
    for (const auto& [k, s] : left) {
      SCOPED_TRACE(k);
      auto it = right.find(k);
      ASSERT_NE(it, right.end());
      EXPECT_EQ(s.usage, it->second.usage);
      EXPECT_EQ(s.sample_type, it->second.sample_type);
      EXPECT_EQ(s.state, it->second.state);
      EXPECT_EQ(s.manifest.annotations, it->second.manifest.annotations)
          << formats::WriteManifestLine(s.manifest) << "\n" << formats::WriteManifestLine(it->second.manifest);
    }
  }

  // The whole golden round trip of one fixture; returns the first dataset.
  struct Case {
    std::string format;  // "coco"
    std::string name;    // "detection": fixture golden/coco/detection/, golden coco/detection.golden
    int type;
    std::string path_in_fixture;  // "" = the folder, else a file inside it
    Json schema = nullptr;
    bool copies_objects = false;  // YOLO: the export holds copies of the images
  };
  Dataset RoundTrip(const Case& c) {
    std::string id = c.format + "-" + c.name;  // dataset names and key prefixes
    std::string rel = c.format + "/" + c.name;
    Upload(rel, id + "/");
    Dataset d = Make(c.type, id, c.schema);
    std::string got = "# import " + c.format + " into a dataset of type " + std::to_string(c.type) + "\n";
    auto rep = Import(d, "obs://dsin/" + id + "/" + c.path_in_fixture, c.format);
    EXPECT_TRUE(rep.ok()) << rep.status().message();
    if (!rep.ok()) return d;
    got += DumpReport(*rep);
    d = Fresh(d);
    if (!d.schema.is_null()) got += "schema " + d.schema.dump() + "\n";
    got += "# samples\n" + DumpSamples(d);

    std::string exp_prefix = id + "/";
    auto ex = Export(d, "obs://dsexp/" + exp_prefix, c.format);
    EXPECT_TRUE(ex.ok()) << ex.status().message();
    if (!ex.ok()) return d;
    got += "# export " + c.format + ": " + std::to_string((*ex)["total_sample_count"].get<int64_t>()) + " samples\n";
    for (const auto& f : (*ex)["files"]) got += "file " + f.get<std::string>() + "\n";
    for (const auto& w : (*ex)["warnings"]) got += "warning " + w.get<std::string>() + "\n";
    got += DumpExport(exp_prefix);
    ExpectGolden(rel, got);

    // The export imports back into a fresh dataset with the same annotations.
    Dataset again = Make(c.type, id + "-again", c.schema);
    auto rep2 = Import(again, "obs://dsexp/" + exp_prefix, c.format);
    EXPECT_TRUE(rep2.ok()) << rep2.status().message();
    if (rep2.ok()) {
      EXPECT_EQ(rep2->rejected, 0) << DumpReport(*rep2);
      EXPECT_EQ(rep2->added, Fresh(d).sample_count);
      again = Fresh(again);
      EXPECT_EQ(again.schema, d.schema);
      ExpectSameSamples(d, again, c.copies_objects);
    }

    // Export → manifest → import loses nothing.
    auto mex = Export(d, "obs://dsexp/" + id + "-manifest/", "manifest");
    EXPECT_TRUE(mex.ok()) << mex.status().message();
    Dataset viam = Make(c.type, id + "-viam", d.schema);
    auto rep3 = Import(viam, "obs://dsexp/" + id + "-manifest/" + id + ".manifest", "manifest");
    EXPECT_TRUE(rep3.ok()) << rep3.status().message();
    if (rep3.ok()) {
      EXPECT_EQ(rep3->rejected, 0) << DumpReport(*rep3);
      ExpectSameSamples(d, Fresh(viam), false);
    }
    return d;
  }
};

// ------------------------------------------------------------------------------------------------
// Golden round trips

TEST_F(InterchangeTest, CocoDetectionBoxesAndPolygons) {
  Dataset d = RoundTrip({"coco", "detection", 1});
  Dataset f = Fresh(d);
  EXPECT_EQ(f.sample_count, 4);
  EXPECT_EQ(f.labeled_count, 3);
  std::map<std::string, int64_t> counts;
  for (const Label& l : f.labels) counts[l.name] = l.sample_count;
  EXPECT_EQ(counts, (std::map<std::string, int64_t>{{"car", 2}, {"person", 1}, {"行人", 1}}));
}

TEST_F(InterchangeTest, CocoSegmentationPolygons) { RoundTrip({"coco", "segmentation", 3}); }

TEST_F(InterchangeTest, YoloDetection) {
  Dataset d = RoundTrip({"yolo", "detection", 1, "", nullptr, true});
  EXPECT_EQ(Fresh(d).sample_count, 5);
}

TEST_F(InterchangeTest, CsvTableWithDetectedSchema) {
  Dataset d = RoundTrip({"csv", "table", 400});
  EXPECT_EQ(Fresh(d).schema,
            Json::parse(R"([{"name":"id","type":"Byte"},{"name":"name","type":"String"},)"
                        R"({"name":"score","type":"Double"},{"name":"day","type":"Date"},)"
                        R"({"name":"ok","type":"Boolean"}])"));
  // A row is found by the text of its cells.
  SampleQuery q;
  q.search = "Zoë";
  auto page = service_->ListSamples(Fresh(d), q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 1);
}

TEST_F(InterchangeTest, CsvTableWithSchemaRejectsAFileOfAnotherWidth) {
  RoundTrip({"csv", "table_schema", 400, "",
             Json::parse(R"([{"name":"city","type":"String"},{"name":"people","type":"Long"}])")});
}

TEST_F(InterchangeTest, CsvImageClassificationList) { RoundTrip({"csv", "classification", 0}); }

TEST_F(InterchangeTest, CsvTextClassificationList) { RoundTrip({"csv", "text_classification", 100}); }

TEST_F(InterchangeTest, DoccanoNamedEntities) { RoundTrip({"doccano", "ner", 101}); }

TEST_F(InterchangeTest, DoccanoRelationsAsTriplets) {
  Dataset d = RoundTrip({"doccano", "relations", 102});
  std::map<std::string, int> types;
  for (const Label& l : Fresh(d).labels) types[l.name] = l.type;
  EXPECT_EQ(types, (std::map<std::string, int>{{"Author", 102}, {"Book", 103}, {"Person", 103}, {"Place", 103}}));
  // CoNLL holds the entities only: the relations are dropped, with a warning.
  auto ex = Export(Fresh(d), "obs://dsexp/triplets-conll/", "conll");
  ASSERT_TRUE(ex.ok()) << ex.status().message();
  ASSERT_EQ((*ex)["warnings"].size(), 1u);
  EXPECT_EQ((*ex)["warnings"][0], "dropped 3 relations: CoNLL holds entities only (export doccano to keep them)");
}

TEST_F(InterchangeTest, DoccanoTextClassification) { RoundTrip({"doccano", "classification", 100}); }

TEST_F(InterchangeTest, Conll2003NamedEntities) { RoundTrip({"conll", "ner", 101}); }

// ------------------------------------------------------------------------------------------------
// Whole-source errors leave nothing; formats a type cannot use are refused

TEST_F(InterchangeTest, MalformedSourcesFailWholeAndLeaveNoSamples) {
  struct Bad {
    int type;
    std::string format;
    std::map<std::string, std::string> files;
    std::string message;  // a part of the error
  };
  std::vector<Bad> cases = {
      {1, "coco", {{"instances.json", "{\"images\": [}"}}, "instances.json:1:"},
      {1, "coco", {{"instances.json", "{\"images\":[],\"annotations\":[]}"}}, "categories"},
      {1, "coco", {{"readme.txt", "no json here"}}, "no COCO instances file (*.json)"},
      {1, "yolo", {{"obj_train_data/a.txt", "0 0.5 0.5 0.1 0.1\n"}}, "obj.names"},
      {1, "yolo", {{"obj.names", "\ncar\n"}}, "obj.names"},
      {101, "doccano", {{"a.jsonl", "not json\n{\"text\":1}\n"}}, "ModelArts.4340"},
      {101, "conll", {{"a.conll", "EU S-ORG\n"}}, "ModelArts.4340"},
      {400, "csv", {{"a.csv", "x,y\n1,2\n"}, {"b.csv", "x,y,z\n1,2,3\n"}},
       "ModelArts.4400 Can not get table schema: the files disagree: b.csv has 3 columns, a.csv has 2"},
      {400, "csv", {{"a.csv", "x,y\n1,2\n"}, {"b.csv", "x,z\n1,2\n"}},
       "ModelArts.4400 Can not get table schema: the files disagree: b.csv names column 2 \"z\", a.csv names it \"y\""},
      {400, "csv", {{"a.csv", "x,x\n1,2\n"}}, "ModelArts.4400 Can not get table schema: a.csv:1: header columns 1 and 2"},
      {0, "csv", {{"a.csv", "path,label\n\"unclosed,x\n"}}, "unclosed quote"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const Bad& c = cases[i];
    SCOPED_TRACE(std::to_string(i) + " " + c.format + " " + c.message);
    std::string name = "bad" + std::to_string(i);
    for (const auto& [k, v] : c.files) Put("dsin", name + "/" + k, v);
    Dataset d = Make(c.type, name);
    auto rep = Import(d, "obs://dsin/" + name + "/", c.format);
    ASSERT_FALSE(rep.ok());
    EXPECT_EQ(rep.status().code(), Code::kInvalidArgument);
    EXPECT_NE(rep.status().message().find(c.message), std::string::npos) << rep.status().message();
    Dataset f = Fresh(d);
    EXPECT_EQ(f.sample_count, 0);
    EXPECT_TRUE(All(f).empty());
    EXPECT_TRUE(f.labels.empty());
    EXPECT_TRUE(f.schema.is_null());
  }
}

TEST_F(InterchangeTest, ATableDatasetsDirectoryImportReadsItsCsvFiles) {
  Put("dsin", "tdir/a.csv", "x,y\n1,2\n3,4\n");
  Dataset d = Make(400, "tdir");
  auto rep = Import(d, "obs://dsin/tdir/", "dir");  // import_type 0: a directory (spec §5)
  ASSERT_TRUE(rep.ok()) << rep.status().message();
  EXPECT_EQ(rep->added, 2);
  EXPECT_EQ(rep->rejected, 0);
  Dataset f = Fresh(d);
  EXPECT_EQ(f.sample_count, 2);
  ASSERT_TRUE(f.schema.is_array());
  EXPECT_EQ(f.schema.size(), 2u);
}

TEST_F(InterchangeTest, AnItemProblemRejectsTheItemOnly) {
  Put("dsin", "items/a.jsonl",
      "{\"text\":\"华为总部位于深圳\",\"label\":[[0,2,\"Org\"]]}\n"
      "{\"text\":\"abc\",\"label\":[[0,9,\"Org\"]]}\n"
      "{\"text\":\"\",\"label\":[]}\n");
  Dataset d = Make(101, "items");
  auto rep = Import(d, "obs://dsin/items/a.jsonl", "doccano");
  ASSERT_TRUE(rep.ok()) << rep.status().message();
  EXPECT_EQ(rep->added, 1);
  ASSERT_EQ(rep->rejected, 2);
  EXPECT_EQ(rep->rejected_items[0].where, "a.jsonl:2");
  EXPECT_EQ(rep->rejected_items[0].reason, "label[0]: end 9 is beyond the end of the text (3 code points)");
  EXPECT_EQ(rep->rejected_items[1].where, "a.jsonl:3");
  EXPECT_EQ(rep->rejected_items[1].reason, "text: empty; every sample needs a text");
  EXPECT_EQ(Fresh(d).sample_count, 1);
}

TEST_F(InterchangeTest, FormatsTheDatasetTypeCannotUseAreRefused) {
  Put("dsin", "t/a.jsonl", "{\"text\":\"x\",\"label\":[]}\n");
  Dataset det = Make(1, "det");
  auto rep = Import(det, "obs://dsin/t/", "doccano");
  ASSERT_FALSE(rep.ok());
  EXPECT_EQ(rep.status().message(),
            "annotation_format: doccano cannot be imported into a object_detection (1) dataset; use one "
            "of manifest, dir, coco, yolo");
  Dataset ner = Make(101, "ner");
  auto ex = Export(ner, "obs://dsexp/x/", "yolo");
  ASSERT_FALSE(ex.ok());
  EXPECT_EQ(ex.status().message(),
            "annotation_format: ModelArts.4384 Invalid export parameter: a named_entity_recognition (101) dataset "
            "cannot be exported as yolo; use one of manifest, doccano, conll");
  Dataset table = Make(400, "table");
  ex = Export(table, "obs://dsexp/y/", "csv");
  ASSERT_FALSE(ex.ok());
  EXPECT_NE(ex.status().message().find("no schema yet"), std::string::npos) << ex.status().message();
}

TEST_F(InterchangeTest, DecodersKnowTheFormatNames) {
  auto ir = DecodeImportRequest(Json{{"import_path", "obs://dsin/x/"}, {"annotation_format", "CoNLL-2003"}});
  ASSERT_TRUE(ir.ok()) << ir.status().message();
  EXPECT_EQ(ir->format, "conll");
  ir = DecodeImportRequest(Json{{"import_path", "obs://dsin/x/"}, {"annotation_format", "COCO"}});
  ASSERT_TRUE(ir.ok());
  EXPECT_EQ(ir->format, "coco");
  ir = DecodeImportRequest(Json{{"import_path", "obs://dsin/x/"}, {"annotation_format", "Doccano"}});
  ASSERT_TRUE(ir.ok());
  EXPECT_EQ(ir->format, "doccano");
  ir = DecodeImportRequest(Json{{"import_path", "obs://dsin/x/"}, {"annotation_format", "CSV directory"}});
  ASSERT_TRUE(ir.ok());
  EXPECT_EQ(ir->format, "csv");
  EXPECT_FALSE(DecodeImportRequest(Json{{"import_path", "obs://dsin/x/"}, {"annotation_format", "tfrecord"}}).ok());
  auto er = DecodeExportRequest(Json{{"path", "obs://dsexp/x/"}, {"annotation_format", "YOLO 1.1"}});
  ASSERT_TRUE(er.ok()) << er.status().message();
  EXPECT_EQ(er->format, "yolo");
  er = DecodeExportRequest(Json{{"path", "obs://dsexp/x/"}, {"annotation_format", "conll2003"}});
  ASSERT_TRUE(er.ok());
  EXPECT_EQ(er->format, "conll");
}

// ------------------------------------------------------------------------------------------------
// What a format cannot hold is left out with a warning

const char* kShapesVoc =
    "<annotation><folder>det</folder><filename>s.jpg</filename><source><database>Unknown</database></source>"
    "<size><width>100</width><height>80</height><depth>3</depth></size><segmented>0</segmented>"
    "<object><name> dog</name><pose>Unspecified</pose><truncated>0</truncated><occluded>0</occluded><difficult>0</difficult>"
    "<bndbox><xmin>10</xmin><ymin>10</ymin><xmax>50</xmax><ymax>40</ymax></bndbox></object>"
    "<object><name>ball</name><pose>Unspecified</pose><truncated>0</truncated><occluded>0</occluded><difficult>0</difficult>"
    "<circle><cx>60</cx><cy>30</cy><r>5</r></circle></object>"
    "<object><name>net</name><pose>Unspecified</pose><truncated>0</truncated><occluded>0</occluded><difficult>0</difficult>"
    "<line><x1>0</x1><y1>70</y1><x2>100</x2><y2>70</y2></line></object>"
    "<object><name>court</name><pose>Unspecified</pose><truncated>0</truncated><occluded>0</occluded><difficult>0</difficult>"
    "<polygon><x1>0</x1><y1>0</y1><x2>90</x2><y2>0</y2><x3>90</x3><y3>60</y3></polygon></object></annotation>";

TEST_F(InterchangeTest, ShapesAFormatCannotHoldAreDroppedWithAWarning) {
  Put("dsin", "shapes/s.xml", kShapesVoc);
  Put("dsin", "shapes/s.jpg", Bmp(100, 80));
  Put("dsin", "shapes/s.manifest",
      "{\"source\":\"obs://dsin/shapes/s.jpg\",\"annotation\":[{\"type\":\"modelarts/object_detection\",\"annotation-loc\":\"./s.xml\"}]}\n"
      "{\"source\":\"obs://dsin/shapes/gone.jpg\"}\n");
  Dataset d = Make(1, "shapes");
  auto rep = Import(d, "obs://dsin/shapes/s.manifest", "manifest");
  ASSERT_TRUE(rep.ok()) << rep.status().message();
  ASSERT_EQ(rep->added, 2);
  d = Fresh(d);

  auto coco = Export(d, "obs://dsexp/shapes-coco/", "coco");
  ASSERT_TRUE(coco.ok()) << coco.status().message();
  EXPECT_EQ((*coco)["warnings"],
            Json::parse(R"(["skipped 2 objects that are not COCO shapes (1 circle, 1 line): )"
                        R"(obs://dsin/shapes/s.jpg: object 1: circle is not a COCO shape; )"
                        R"(obs://dsin/shapes/s.jpg: object 2: line is not a COCO shape",)"
                        R"("left out 1 unlabeled images whose size could not be read: obs://dsin/shapes/gone.jpg: )"
                        R"(object 'shapes/gone.jpg' does not exist in bucket 'dsin'"])"))
      << (*coco)["warnings"].dump();
  auto back = formats::ParseCoco(Get("dsexp", "shapes-coco/annotations/instances_default.json"), "c.json");
  ASSERT_TRUE(back.ok()) << back.status().message();
  ASSERT_EQ(back->annotations.size(), 2u);  // the box and the polygon
  EXPECT_EQ(back->annotations[1].polygons, (std::vector<std::vector<double>>{{0, 0, 90, 0, 90, 60}}));

  auto yolo = Export(d, "obs://dsexp/shapes-yolo/", "yolo");
  ASSERT_TRUE(yolo.ok()) << yolo.status().message();
  EXPECT_EQ((*yolo)["warnings"],
            Json::parse(R"(["3 objects dropped: YOLO has boxes only (1 circle, 1 line, 1 polygon): )"
                        R"(obs://dsin/shapes/s.jpg: object 1 is a circle; obs://dsin/shapes/s.jpg: object 2 is a line; )"
                        R"(obs://dsin/shapes/s.jpg: object 3 is a polygon",)"
                        R"("left out 1 samples: obs://dsin/shapes/gone.jpg: object 'shapes/gone.jpg' does not exist in bucket 'dsin'",)"
                        R"("YOLO trims class names: \" dog\" is written \"dog\""])"))
      << (*yolo)["warnings"].dump();
  EXPECT_EQ(Get("dsexp", "shapes-yolo/obj.names"), "dog\n");
  EXPECT_EQ(Get("dsexp", "shapes-yolo/obj_train_data/s.txt"), "0 0.3 0.3125 0.4 0.375\n");
}

TEST_F(InterchangeTest, ConllLeavesOutSamplesItCannotHold) {
  Put("dsin", "overlap/n.manifest",
      "{\"source\":\"content://New York City\",\"annotation\":["
      "{\"type\":\"modelarts/text_entity\",\"name\":\"City\",\"property\":{\"@modelarts:start_index\":0,\"@modelarts:end_index\":13}},"
      "{\"type\":\"modelarts/text_entity\",\"name\":\"State\",\"property\":{\"@modelarts:start_index\":0,\"@modelarts:end_index\":8}}]}\n"
      "{\"source\":\"content://Paris\",\"annotation\":["
      "{\"type\":\"modelarts/text_entity\",\"name\":\"City\",\"property\":{\"@modelarts:start_index\":0,\"@modelarts:end_index\":5}}]}\n");
  Dataset d = Make(101, "overlap");
  auto rep = Import(d, "obs://dsin/overlap/n.manifest", "manifest");
  ASSERT_TRUE(rep.ok()) << rep.status().message();
  ASSERT_EQ(rep->added, 2);
  auto ex = Export(Fresh(d), "obs://dsexp/overlap/", "conll");
  ASSERT_TRUE(ex.ok()) << ex.status().message();
  EXPECT_EQ((*ex)["total_sample_count"], 2);
  ASSERT_EQ((*ex)["warnings"].size(), 1u);
  std::string w = (*ex)["warnings"][0];
  EXPECT_NE(w.find("left out 1 samples CoNLL cannot hold: sample "), std::string::npos) << w;
  EXPECT_NE(w.find("spans[0] and spans[1] overlap; CoNLL cannot hold overlapping entities"), std::string::npos) << w;
  EXPECT_EQ(Get("dsexp", "overlap/overlap.conll"), "Paris B-City\n\n");
  // doccano holds them.
  ex = Export(Fresh(d), "obs://dsexp/overlap-doccano/", "doccano");
  ASSERT_TRUE(ex.ok()) << ex.status().message();
  EXPECT_EQ(Get("dsexp", "overlap-doccano/overlap.jsonl"),
            "{\"text\":\"New York City\",\"label\":[[0,13,\"City\"],[0,8,\"State\"]]}\n"
            "{\"text\":\"Paris\",\"label\":[[0,5,\"City\"]]}\n");
}

// ------------------------------------------------------------------------------------------------
// COCO export speed: 100,000 boxes (10,000 images of 10), the shape of bench/datasets_baseline.py.

TEST_F(InterchangeTest, CocoExportOf100000Boxes) {
  std::string json = "{\"categories\":[";
  for (int c = 0; c < 5; ++c) json += (c ? "," : "") + std::string("{\"id\":") + std::to_string(c + 1) + ",\"name\":\"class_" + std::to_string(c) + "\"}";
  json += "],\"images\":[";
  for (int i = 0; i < 10000; ++i) {
    json += (i ? "," : "") + std::string("{\"id\":") + std::to_string(i + 1) +
            ",\"file_name\":\"s3://dsin/big/img_" + std::to_string(i) + ".jpg\",\"width\":1920,\"height\":1080}";
  }
  json += "],\"annotations\":[";
  uint64_t seed = 3;
  auto next = [&](int mod) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<int>((seed >> 33) % static_cast<uint64_t>(mod));
  };
  for (int k = 0; k < 100000; ++k) {
    json += (k ? "," : "") + std::string("{\"id\":") + std::to_string(k + 1) + ",\"image_id\":" +
            std::to_string(k / 10 + 1) + ",\"category_id\":" + std::to_string(k % 5 + 1) + ",\"bbox\":[" +
            std::to_string(next(1800)) + "." + std::to_string(next(100)) + "," + std::to_string(next(1000)) + ".5," +
            std::to_string(1 + next(99)) + ".25," + std::to_string(1 + next(69)) + "]}";
  }
  json += "]}";
  Put("dsin", "big/instances.json", json);
  Dataset d = Make(1, "big");
  auto rep = Import(d, "obs://dsin/big/instances.json", "coco");
  ASSERT_TRUE(rep.ok()) << rep.status().message();
  ASSERT_EQ(rep->added, 10000);
  ASSERT_EQ(rep->rejected, 0);

  auto t0 = std::chrono::steady_clock::now();
  std::clock_t c0 = std::clock();
  auto ex = Export(Fresh(d), "obs://dsexp/big/", "coco");
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
  ASSERT_TRUE(ex.ok()) << ex.status().message();
  // The writer alone, on the samples as the service hands them over.
  std::vector<Sample> samples = All(Fresh(d));
  ASSERT_EQ(samples.size(), 10000u);
  ExportRequest req;
  req.path = "obs://dsexp/big-writer/";
  req.format = "coco";
  auto t1 = std::chrono::steady_clock::now();
  std::clock_t c1 = std::clock();
  auto writer = MakeForeignWriter(*objects_, Fresh(d), req);
  ASSERT_TRUE(writer.ok()) << writer.status().message();
  for (const Sample& s : samples) ASSERT_TRUE((*writer)->Add(s).ok());
  std::vector<std::string> warnings;
  ASSERT_TRUE((*writer)->Finish(warnings).ok());
  double writer_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  double writer_cpu = static_cast<double>(std::clock() - c1) / CLOCKS_PER_SEC;
  EXPECT_TRUE(warnings.empty());
  // Process CPU time beside wall time: the build machine is shared, and the put ends in an fsync.
  std::printf("COCO export of 100,000 boxes (10,000 images): Export() %.3f s (%.3f s CPU); "
              "the writer alone %.3f s (%.3f s CPU)\n", seconds, cpu, writer_seconds, writer_cpu);
  EXPECT_EQ(Get("dsexp", "big-writer/annotations/instances_default.json"),
            Get("dsexp", "big/annotations/instances_default.json"));
  auto back = formats::ParseCoco(Get("dsexp", "big/annotations/instances_default.json"), "out.json");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->images.size(), 10000u);
  ASSERT_EQ(back->annotations.size(), 100000u);
  // Boxes come back as written: the 17th box of the input is the 17th of the output.
  auto in = formats::ParseCoco(json, "in.json");
  ASSERT_TRUE(in.ok());
  for (size_t k : {size_t{0}, size_t{16}, size_t{99999}}) {
    EXPECT_EQ(back->annotations[k].bbox, in->annotations[k].bbox) << k;
    EXPECT_EQ(back->images[back->annotations[k].image_id - 1].file_name,
              in->images[in->annotations[k].image_id - 1].file_name);
  }
}

}  // namespace
}  // namespace openarts::data
