// CSV (tables and classification lists), doccano JSONL and CoNLL-2003 imports and exports
// (interchange.h; docs/datasets.md "CSV", "doccano", "CoNLL-2003").
#include <algorithm>
#include <charconv>

#include "formats/table_csv.h"
#include "formats/text_formats.h"
#include "interchange.h"
#include "objstore/names.h"

namespace openarts::data::interchange {

using formats::ManifestAnnotation;
using formats::ManifestSample;

namespace {

constexpr std::string_view kContent = "content://";
constexpr std::string_view kEntityType = "modelarts/text_entity";
constexpr std::string_view kTripletType = "modelarts/text_triplet";

// "<file>:<line>: <problem>" → ("<file>:<line>", "<problem>"); ("<file>", message) otherwise.
std::pair<std::string, std::string> SplitWhere(const std::string& message, const std::string& file) {
  if (message.starts_with(file + ":")) {
    size_t colon = message.find(": ", file.size());
    if (colon != std::string::npos) return {message.substr(0, colon), message.substr(colon + 2)};
  }
  return {file, message};
}

// What the CSV export's formula hardening did, undone: "\t=1+2" reads "=1+2" (spec §5). A Tab
// before any other character is data and stays.
std::string Unharden(std::string s) {
  if (s.size() >= 2 && s[0] == '\t' && (s[1] == '=' || s[1] == '+' || s[1] == '-' || s[1] == '@')) {
    s.erase(0, 1);
  }
  return s;
}

std::string ManifestTypeOf(int dataset_type) {
  const Capabilities* c = CapabilitiesOf(dataset_type);
  return c ? std::string(c->manifest_type) : "";
}

ManifestAnnotation Named(std::string type, std::string name) {
  ManifestAnnotation a;
  a.type = std::move(type);
  a.name = std::move(name);
  a.annotated_by = "human";
  return a;
}

ManifestAnnotation Entity(const formats::TextSpan& span, std::optional<std::string> id) {
  ManifestAnnotation a = Named(std::string(kEntityType), span.label);
  a.id = std::move(id);
  a.property = Json{{"@modelarts:start_index", span.start}, {"@modelarts:end_index", span.end}};
  return a;
}

std::optional<int64_t> PropInt(const Json& property, const char* key) {
  if (!property.is_object()) return std::nullopt;
  auto it = property.find(key);
  if (it == property.end()) return std::nullopt;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_string()) {
    const std::string& s = it->get_ref<const std::string&>();
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && p == s.data() + s.size()) return v;
  }
  return std::nullopt;
}

std::string PropStr(const Json& property, const char* key) {
  if (!property.is_object()) return {};
  auto it = property.find(key);
  return it != property.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool IsSuffix(std::string_view type, std::string_view suffix) {
  auto slash = type.rfind('/');
  return (slash == std::string_view::npos ? type : type.substr(slash + 1)) == suffix;
}

// A text sample's entities and relations, as the text formats hold them.
struct TextLabels {
  std::vector<formats::TextSpan> spans;
  std::vector<formats::TextRelation> relations;
  std::vector<std::string> categories;
};

TextLabels LabelsOf(const ManifestSample& m) {
  TextLabels out;
  for (const ManifestAnnotation& a : m.annotations) {
    if (IsSuffix(a.type, "text_entity")) {
      formats::TextSpan span;
      span.start = PropInt(a.property, "@modelarts:start_index").value_or(0);
      span.end = PropInt(a.property, "@modelarts:end_index").value_or(0);
      span.label = a.name.value_or("");
      span.id = a.id;
      out.spans.push_back(std::move(span));
    } else if (IsSuffix(a.type, "text_triplet")) {
      formats::TextRelation r;
      r.id = a.id.value_or("");
      r.from = PropStr(a.property, "@modelarts:from");
      r.to = PropStr(a.property, "@modelarts:to");
      r.label = a.name.value_or("");
      out.relations.push_back(std::move(r));
    } else if (a.name) {
      out.categories.push_back(*a.name);
    }
  }
  return out;
}

// Reads an object a chunk at a time.
Status ForEachChunk(objstore::ObjectStore& objects, const std::string& bucket, const std::string& key,
                    const std::function<Status(std::string_view)>& fn) {
  OA_ASSIGN_OR_RETURN(auto h, objects.Get(bucket, key));
  std::string chunk(1 << 20, '\0');
  uint64_t off = 0;
  while (off < h.info.size) {
    OA_ASSIGN_OR_RETURN(size_t n, h.reader->ReadAt(off, chunk.data(), chunk.size()));
    if (n == 0) break;
    off += n;
    OA_TRY(fn(std::string_view(chunk.data(), n)));
  }
  return Status::Ok();
}

// ------------------------------------------------------------------------------------------------
// CSV tables (spec §5)

// A row as a sample: its cells' canonical text as one CSV record (invalid cells empty, i.e. null)
// in a content:// source, sample-type 4.
ManifestSample RowSample(const formats::Schema& schema, const formats::TableRow& row) {
  std::vector<std::string> fields;
  fields.reserve(schema.size());
  for (size_t i = 0; i < schema.size(); ++i) {
    const formats::Cell& c = row.cells[i];
    if (schema[i].type == formats::ColumnType::kString && !c.is_null()) {
      fields.push_back(Unharden(std::get<std::string>(c.value)));
    } else {
      fields.push_back(formats::FormatCell(c.value, schema[i].type));
    }
  }
  std::string text = formats::WriteCsvRecord(fields);
  text.pop_back();  // its '\n'
  ManifestSample s;
  s.source = std::string(kContent) + text;
  s.sample_type = 4;
  return s;
}

// The first records of a file (at most `max`), for detecting or checking a schema.
Result<std::vector<formats::CsvRecord>> FirstRecords(objstore::ObjectStore& objects, const std::string& bucket,
                                                     const std::string& key, const std::string& name,
                                                     size_t max) {
  formats::CsvReader reader(name);
  std::vector<formats::CsvRecord> out;
  static const Status kEnough = Cancelled("enough");
  Status st = ForEachChunk(objects, bucket, key, [&](std::string_view chunk) -> Status {
    OA_TRY(reader.Feed(chunk));
    for (formats::CsvRecord r; out.size() < max && reader.Next(r);) out.push_back(std::move(r));
    return out.size() >= max ? kEnough : Status::Ok();
  });
  if (st.code() == Code::kCancelled) return out;
  OA_TRY(st);
  OA_TRY(reader.Finish());
  for (formats::CsvRecord r; out.size() < max && reader.Next(r);) out.push_back(std::move(r));
  return out;
}

Status ReadTables(ImportJob& job, Batcher& out, const SourceFiles& src,
                  const std::vector<const objstore::ObjectInfo*>& files) {
  const bool header = job.req.with_column_header;
  formats::Schema schema;
  const bool detect = job.ds.schema.is_null();
  if (!detect) {
    auto parsed = formats::ParseSchema(job.ds.schema.dump());
    if (!parsed.ok()) return InvalidArgument("schema: " + parsed.status().message() + "; fix the dataset's schema");
    schema = std::move(*parsed);
  }
  std::string first_file;
  std::vector<std::string> first_header;
  for (size_t fi = 0; fi < files.size(); ++fi) {
    const std::string& key = files[fi]->key;
    const std::string name = Relative(src, key);
    if (detect) {
      // The schema comes from the first file; every other file must agree with it (§5).
      auto records = FirstRecords(job.objects, src.bucket, key, name, schema.empty() ? 1000 : 1);
      if (!records.ok()) {
        return InvalidArgument("ModelArts.4400 Can not get table schema: " + records.status().message());
      }
      if (schema.empty()) {
        auto detected = formats::DetectSchema(*records, name, header);
        if (!detected.ok()) {
          return InvalidArgument("ModelArts.4400 Can not get table schema: " + detected.status().message() +
                                 "; fix the file or create the dataset with a schema");
        }
        schema = std::move(*detected);
        first_file = name;
        if (header) first_header = records->at(0).fields;
        job.detected_schema = Json::parse(formats::SchemaToJson(schema));
      } else if (!records->empty()) {
        const auto& fields = records->front().fields;
        std::string disagree;
        if (fields.size() != schema.size()) {
          disagree = name + " has " + std::to_string(fields.size()) + " columns, " + first_file + " has " +
                     std::to_string(schema.size());
        } else if (header && fields != first_header) {
          for (size_t i = 0; i < fields.size() && disagree.empty(); ++i) {
            if (fields[i] != first_header[i]) {
              disagree = name + " names column " + std::to_string(i + 1) + " \"" + fields[i] + "\", " +
                         first_file + " names it \"" + first_header[i] + "\"";
            }
          }
        }
        if (!disagree.empty()) {
          return InvalidArgument("ModelArts.4400 Can not get table schema: the files disagree: " + disagree +
                                 "; make them agree or create the dataset with a schema");
        }
      }
    }
    formats::TableReadOptions options;
    options.with_column_header = header;
    options.max_rejected_reported = 100000;
    formats::CsvTableReader reader(name, schema, options);
    size_t reported = 0;
    auto rejected = [&]() -> Status {
      const auto& list = reader.report().rejected;
      for (; reported < list.size(); ++reported) {
        auto [where, reason] = SplitWhere(list[reported].reason, name);
        OA_TRY(out.Reject(std::move(where), std::move(reason)));
      }
      return Status::Ok();
    };
    auto drain = [&]() -> Status {
      for (formats::TableRow row; reader.Next(row);) {
        OA_TRY(rejected());
        OA_TRY(out.Add(name + ":" + std::to_string(row.line), RowSample(schema, row)));
      }
      return rejected();
    };
    Status bad;  // a problem of this file (a wrong header, an unclosed quote): the rest of it is left out
    Status st = ForEachChunk(job.objects, src.bucket, key, [&](std::string_view chunk) -> Status {
      if (!bad.ok()) return Status::Ok();
      bad = reader.Feed(chunk);
      return drain();
    });
    OA_TRY(st);
    if (bad.ok()) bad = reader.Finish();
    OA_TRY(drain());
    if (!bad.ok()) {
      auto [where, reason] = SplitWhere(bad.message(), name);
      OA_TRY(out.Reject(std::move(where), std::move(reason)));
    }
    const formats::TableReport& report = reader.report();
    for (int64_t i = static_cast<int64_t>(report.rejected.size()); i < report.rows_rejected; ++i) {
      OA_TRY(out.Reject(name, "a row whose column count differs from the schema's"));
    }
    if (report.cells_nulled > 0) {
      std::string per;
      for (size_t c = 0; c < schema.size() && c < report.cells_nulled_per_column.size(); ++c) {
        if (report.cells_nulled_per_column[c] == 0) continue;
        per += (per.empty() ? "" : ", ") + schema[c].name + " (" +
               std::string(formats::ColumnTypeName(schema[c].type)) + "): " +
               std::to_string(report.cells_nulled_per_column[c]);
      }
      job.warnings.push_back(name + ": " + std::to_string(report.cells_nulled) +
                             " cells were not valid for their column's type and became null: " + per);
    }
    job.progress(static_cast<double>(fi + 1) / static_cast<double>(files.size()));
  }
  return Status::Ok();
}

// ------------------------------------------------------------------------------------------------
// CSV classification lists (`path,label`; `text,label` for text classification)

Status ReadClassificationLists(ImportJob& job, Batcher& out, const SourceFiles& src,
                               const std::vector<const objstore::ObjectInfo*>& files) {
  const std::string type = ManifestTypeOf(job.ds.type);
  const bool text = job.ds.type == 100;
  for (size_t fi = 0; fi < files.size(); ++fi) {
    const std::string& key = files[fi]->key;
    const std::string name = Relative(src, key);
    const std::string dir = key.substr(0, key.rfind('/') + 1);
    OA_ASSIGN_OR_RETURN(std::string bytes, ReadObject(job.objects, ObsOf(src.bucket, key)));
    OA_ASSIGN_OR_RETURN(formats::DecodedText decoded, formats::DecodeText(bytes, name));
    auto parsed = formats::ReadClassificationCsv(decoded.utf8, name, job.req.with_column_header);
    if (!parsed.ok()) return InvalidArgument(parsed.status().message() + "; fix the file (2 columns: path,label)");
    for (const auto& r : parsed->rejected) {
      auto [where, reason] = SplitWhere(r.reason, name);
      OA_TRY(out.Reject(std::move(where), std::move(reason)));
    }
    for (const formats::LabeledPath& lp : parsed->samples) {
      std::string path = Unharden(lp.path);
      ManifestSample s;
      if (text) {
        s.source = std::string(kContent) + path;
      } else if (objstore::IsObsUri(path)) {
        s.source = NormalizeSource(path);
      } else {
        std::string rel = path;
        while (rel.starts_with("./")) rel.erase(0, 2);
        s.source = ObsOf(src.bucket, dir + rel);
      }
      for (const std::string& l : lp.labels) s.annotations.push_back(Named(type, Unharden(l)));
      OA_TRY(out.Add(name + ": " + path, std::move(s)));
    }
    job.progress(static_cast<double>(fi + 1) / static_cast<double>(files.size()));
  }
  return Status::Ok();
}

}  // namespace

Status ReadCsv(ImportJob& job, Batcher& out) {
  OA_ASSIGN_OR_RETURN(SourceFiles src, ListSource(job.objects, job.uri));
  OA_ASSIGN_OR_RETURN(auto files, PickFiles(src, {"csv"}, "CSV file"));
  if (job.ds.type == 400) return ReadTables(job, out, src, files);
  return ReadClassificationLists(job, out, src, files);
}

// ------------------------------------------------------------------------------------------------
// CSV export

namespace {

class TableExport final : public OneFileExport {
 public:
  TableExport(objstore::ObjectStore& objects, const Dataset& ds, const ExportRequest& req, formats::Schema schema)
      : OneFileExport(objects, ds, req, "csv"), schema_(std::move(schema)) {
    spool_.Write(formats::WriteCsvHeader(schema_, true));
  }

  Status Add(const Sample& s) override {
    auto text = ContentText(s.source);
    if (!text) {
      left_out_.Add("not a row", s.source + ": not a table row (content://)");
      return Status::Ok();
    }
    formats::CsvReader reader("sample " + s.id);
    Status st = reader.Feed(*text);
    if (st.ok()) st = reader.Finish();
    formats::CsvRecord record;
    if (!st.ok() || !reader.Next(record) || record.fields.size() != schema_.size()) {
      left_out_.Add("not a row", "sample " + s.id + ": not one record of " + std::to_string(schema_.size()) + " columns");
      return Status::Ok();
    }
    std::vector<formats::Cell> cells;
    cells.reserve(schema_.size());
    for (size_t i = 0; i < schema_.size(); ++i) {
      formats::Cell c;
      c.value = formats::ConvertCell(record.fields[i], schema_[i].type);
      c.text = std::move(record.fields[i]);
      cells.push_back(std::move(c));
    }
    auto row = formats::WriteCsvRow(schema_, cells, true);
    if (!row.ok()) {
      left_out_.Add("not a row", "sample " + s.id + ": " + row.status().message());
      return Status::Ok();
    }
    spool_.Write(*row);
    return Status::Ok();
  }

 private:
  formats::Schema schema_;
};

class ClassificationExport final : public OneFileExport {
 public:
  ClassificationExport(objstore::ObjectStore& objects, const Dataset& ds, const ExportRequest& req)
      : OneFileExport(objects, ds, req, "csv") {
    spool_.Write(formats::WriteCsvRecord({ds.type == 100 ? "text" : "path", "label"}));
  }

  Status Add(const Sample& s) override {
    formats::LabeledPath lp;
    if (ds_.type == 100) {
      auto text = ContentText(s.source);
      if (!text || text->empty()) {
        left_out_.Add("not a text", s.source + ": not a text sample (content://...)");
        return Status::Ok();
      }
      lp.path = std::string(*text);
    } else {
      lp.path = WithScheme(s.source, req_.source_type_header);
    }
    for (const ManifestAnnotation& a : s.manifest.annotations) {
      if (a.name && std::find(lp.labels.begin(), lp.labels.end(), *a.name) == lp.labels.end()) {
        lp.labels.push_back(*a.name);
      }
    }
    formats::CsvWriteOptions o;
    o.with_column_header = false;
    spool_.Write(formats::WriteClassificationCsv({lp}, o));
    return Status::Ok();
  }
};

}  // namespace

Result<std::unique_ptr<ForeignWriter>> NewCsvWriter(objstore::ObjectStore& objects, const Dataset& ds,
                                                    const ExportRequest& req) {
  if (ds.type != 400) return std::unique_ptr<ForeignWriter>(new ClassificationExport(objects, ds, req));
  if (ds.schema.is_null()) {
    return InvalidArgument("annotation_format: the table dataset has no schema yet; import CSV files first");
  }
  auto schema = formats::ParseSchema(ds.schema.dump());
  if (!schema.ok()) return InvalidArgument("schema: " + schema.status().message());
  return std::unique_ptr<ForeignWriter>(new TableExport(objects, ds, req, std::move(*schema)));
}

// ------------------------------------------------------------------------------------------------
// doccano import

namespace {

// A doccano record as a sample of a dataset of `type`: categories for 100, entities for 101,
// entities with ids and relations for 102; what the type cannot hold goes to `dropped`.
Result<ManifestSample> DoccanoSample(const formats::DoccanoRecord& r, int type, const std::string& where,
                                     Tally& dropped) {
  if (r.text.empty()) return InvalidArgument("text: empty; every sample needs a text");
  ManifestSample s;
  s.source = std::string(kContent) + r.text;
  if (type == 100) {
    for (const std::string& c : r.categories) s.annotations.push_back(Named(ManifestTypeOf(100), c));
    dropped.Add("entities", where + ": entities", static_cast<int64_t>(r.spans.size()));
    dropped.Add("relations", where + ": relations", static_cast<int64_t>(r.relations.size()));
    return s;
  }
  dropped.Add("categories", where + ": categories", static_cast<int64_t>(r.categories.size()));
  if (type == 101) {
    for (const auto& span : r.spans) s.annotations.push_back(Entity(span, std::nullopt));
    dropped.Add("relations", where + ": relations", static_cast<int64_t>(r.relations.size()));
    return s;
  }
  // Triplets: doccano's integer ids become E<n> and R<n>, string ids stay, missing ones are
  // numbered.
  auto entity_id = [&](const std::string& id) { return r.integer_ids ? "E" + id : id; };
  for (size_t k = 0; k < r.spans.size(); ++k) {
    const auto& span = r.spans[k];
    s.annotations.push_back(Entity(span, span.id ? entity_id(*span.id) : "E" + std::to_string(k + 1)));
  }
  for (size_t k = 0; k < r.relations.size(); ++k) {
    const auto& rel = r.relations[k];
    ManifestAnnotation a = Named(std::string(kTripletType), rel.label);
    a.id = rel.id.empty() ? "R" + std::to_string(k + 1) : r.integer_ids ? "R" + rel.id : rel.id;
    a.property = Json{{"@modelarts:from", entity_id(rel.from)}, {"@modelarts:to", entity_id(rel.to)}};
    s.annotations.push_back(std::move(a));
  }
  return s;
}

}  // namespace

Status ReadDoccano(ImportJob& job, Batcher& out) {
  OA_ASSIGN_OR_RETURN(SourceFiles src, ListSource(job.objects, job.uri));
  OA_ASSIGN_OR_RETURN(auto files, PickFiles(src, {"jsonl", "json1", "json"}, "doccano file"));
  Tally dropped;
  for (size_t fi = 0; fi < files.size(); ++fi) {
    const std::string name = Relative(src, files[fi]->key);
    OA_TRY(ForEachObjectLine(
        job.objects, ObsOf(src.bucket, files[fi]->key),
        [&](std::string_view line, int64_t no) -> Status {
          if (no == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
          if (TrimWhitespace(line).empty()) return Status::Ok();
          std::string where = name + ":" + std::to_string(no);
          auto record = formats::ParseDoccanoLine(line, name, no);
          if (!record.ok()) return out.Reject(where, StripPrefix(record.status().message(), where + ": "));
          return out.Add(where, DoccanoSample(*record, job.ds.type, where, dropped));
        },
        [&](double f) { job.progress((static_cast<double>(fi) + f) / static_cast<double>(files.size())); }));
  }
  if (dropped.total() > 0) {
    const Capabilities* c = CapabilitiesOf(job.ds.type);
    job.warnings.push_back("dropped " + dropped.Kinds() + " that a " + std::string(c->name) +
                           " dataset does not hold: " + dropped.Examples());
  }
  return Status::Ok();
}

// ------------------------------------------------------------------------------------------------
// doccano export

namespace {

// "E12" → "12" when the prefix is `p` and the rest a decimal integer.
std::optional<std::string> Numbered(const std::optional<std::string>& id, char p) {
  if (!id || id->size() < 2 || (*id)[0] != p) return std::nullopt;
  if (!std::all_of(id->begin() + 1, id->end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  if ((*id)[1] == '0' && id->size() > 2) return std::nullopt;  // "E01" would come back "E1"
  return id->substr(1);
}

class DoccanoExport final : public OneFileExport {
 public:
  DoccanoExport(objstore::ObjectStore& objects, const Dataset& ds, const ExportRequest& req)
      : OneFileExport(objects, ds, req, "jsonl") {}

  Status Add(const Sample& s) override {
    auto text = ContentText(s.source);
    if (!text) {
      left_out_.Add("not a text", s.source + ": not a text sample (content://...)");
      return Status::Ok();
    }
    formats::DoccanoRecord r;
    r.text = std::string(*text);
    TextLabels labels = LabelsOf(s.manifest);
    if (ds_.type == 100) {
      r.categories = std::move(labels.categories);
    } else if (ds_.type == 101) {
      for (auto& span : labels.spans) span.id.reset();
      r.spans = std::move(labels.spans);
    } else {
      r.spans = std::move(labels.spans);
      r.relations = std::move(labels.relations);
      r.entities_form = true;
      // doccano's own ids are integers: E<n> / R<n> are written as n when every id has that form.
      bool numbered = true;
      for (const auto& span : r.spans) numbered &= Numbered(span.id, 'E').has_value();
      for (const auto& rel : r.relations) {
        numbered &= Numbered(rel.id, 'R').has_value() && Numbered(rel.from, 'E') && Numbered(rel.to, 'E');
      }
      if (numbered) {
        r.integer_ids = true;
        for (auto& span : r.spans) span.id = Numbered(span.id, 'E');
        for (auto& rel : r.relations) {
          rel.id = *Numbered(rel.id, 'R');
          rel.from = *Numbered(rel.from, 'E');
          rel.to = *Numbered(rel.to, 'E');
        }
      }
    }
    spool_.Write(formats::WriteDoccanoLine(r));
    spool_.Write("\n");
    return Status::Ok();
  }
};

}  // namespace

Result<std::unique_ptr<ForeignWriter>> NewDoccanoWriter(objstore::ObjectStore& objects, const Dataset& ds,
                                                        const ExportRequest& req) {
  return std::unique_ptr<ForeignWriter>(new DoccanoExport(objects, ds, req));
}

// ------------------------------------------------------------------------------------------------
// CoNLL-2003 import and export

Status ReadConll(ImportJob& job, Batcher& out) {
  OA_ASSIGN_OR_RETURN(SourceFiles src, ListSource(job.objects, job.uri));
  OA_ASSIGN_OR_RETURN(auto files, PickFiles(src, {"conll", "txt", "iob", "bio"}, "CoNLL file"));
  for (size_t fi = 0; fi < files.size(); ++fi) {
    const std::string name = Relative(src, files[fi]->key);
    OA_ASSIGN_OR_RETURN(std::string bytes, ReadObject(job.objects, ObsOf(src.bucket, files[fi]->key)));
    OA_ASSIGN_OR_RETURN(formats::DecodedText decoded, formats::DecodeText(bytes, name));
    bytes.clear();
    formats::ConllParse parsed = formats::ParseConll(decoded.utf8, name);
    for (const auto& r : parsed.rejected) {
      auto [where, reason] = SplitWhere(r.reason, name);
      OA_TRY(out.Reject(std::move(where), std::move(reason)));
    }
    for (size_t i = 0; i < parsed.samples.size(); ++i) {
      const formats::ConllSample& c = parsed.samples[i];
      ManifestSample s;
      s.source = std::string(kContent) + c.text;
      for (size_t k = 0; k < c.spans.size(); ++k) {
        std::optional<std::string> id;
        if (job.ds.type == 102) id = "E" + std::to_string(k + 1);
        s.annotations.push_back(Entity(c.spans[k], id));
      }
      OA_TRY(out.Add(name + ": sample " + std::to_string(i + 1), std::move(s)));
    }
    job.progress(static_cast<double>(fi + 1) / static_cast<double>(files.size()));
  }
  return Status::Ok();
}

namespace {

class ConllExport final : public OneFileExport {
 public:
  ConllExport(objstore::ObjectStore& objects, const Dataset& ds, const ExportRequest& req)
      : OneFileExport(objects, ds, req, "conll") {
    left_out_note_ = " CoNLL cannot hold";
  }

  Status Add(const Sample& s) override {
    auto text = ContentText(s.source);
    if (!text) {
      left_out_.Add("not a text", s.source + ": not a text sample (content://...)");
      return Status::Ok();
    }
    TextLabels labels = LabelsOf(s.manifest);
    relations_ += static_cast<int64_t>(labels.relations.size());
    formats::ConllSample c;
    c.text = std::string(*text);
    c.spans = std::move(labels.spans);
    for (auto& span : c.spans) span.id.reset();
    auto written = formats::WriteConll({c});
    if (!written.ok()) {
      left_out_.Add("unwritable", "sample " + s.id + ": " + StripPrefix(written.status().message(), "sample 0: "));
      return Status::Ok();
    }
    spool_.Write(*written);
    return Status::Ok();
  }

 private:
  void MoreWarnings(std::vector<std::string>& warnings) override {
    if (relations_ > 0) {
      warnings.push_back("dropped " + std::to_string(relations_) +
                         " relations: CoNLL holds entities only (export doccano to keep them)");
    }
  }

  int64_t relations_ = 0;
};

}  // namespace

Result<std::unique_ptr<ForeignWriter>> NewConllWriter(objstore::ObjectStore& objects, const Dataset& ds,
                                                      const ExportRequest& req) {
  return std::unique_ptr<ForeignWriter>(new ConllExport(objects, ds, req));
}

}  // namespace openarts::data::interchange
