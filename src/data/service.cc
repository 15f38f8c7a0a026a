// Datasets, samples and labels (spec §1, §2, §6).
#include <algorithm>
#include <unordered_set>

#include "base/ids.h"
#include "objstore/names.h"
#include "service_impl.h"

namespace openarts::data {

using formats::ManifestAnnotation;
using formats::ManifestSample;
using meta::Params;
using meta::Row;
using meta::Tx;
using meta::Value;

namespace {

constexpr std::string_view kDatasetColumns =
    "seq, id, project_id, workspace_id, name, description, type, input_path, output_path, "
    "schema_json, sample_count, labeled_count, to_confirm_count, created_by, current_version, "
    "create_time, update_time";

Dataset DatasetFromRow(const Row& r) {
  Dataset d;
  d.seq = r.Int(0);
  d.id = r.Str(1);
  d.project_id = r.Str(2);
  d.workspace_id = r.Str(3);
  d.name = r.Str(4);
  d.description = r.Str(5);
  d.type = static_cast<int>(r.Int(6));
  d.input_path = r.Str(7);
  d.output_path = r.Str(8);
  if (!r.IsNull(9)) d.schema = Json::parse(r.Str(9), nullptr, false);
  d.sample_count = r.Int(10);
  d.labeled_count = r.Int(11);
  d.to_confirm_count = r.Int(12);
  d.unlabeled_count = d.sample_count - d.labeled_count - d.to_confirm_count;
  d.created_by = r.Str(13);
  d.current_version_id = r.Str(14);
  d.create_time = r.Int(15);
  d.update_time = r.Int(16);
  return d;
}

// True when `a` is `b` or inside it (both "obs://bucket/dir/").
bool Within(std::string_view a, std::string_view b) { return a.starts_with(b); }

Label LabelFromRow(const Row& r) {
  Label l;
  l.id = r.Int(0);
  l.name = r.Str(1);
  l.type = static_cast<int>(r.Int(2));
  l.property = Json::parse(r.Str(3), nullptr, false);
  if (l.property.is_discarded()) l.property = Json::object();
  l.attributes = Json::parse(r.Str(4), nullptr, false);
  if (l.attributes.is_discarded()) l.attributes = Json::array();
  l.sample_count = r.Int(5);
  return l;
}

int StateCounterDelta(SampleState s, SampleState t) { return static_cast<int>(t) - static_cast<int>(s); }

const char* CounterColumn(SampleState s) {
  switch (s) {
    case SampleState::kLabeled: return "labeled_count";
    case SampleState::kToBeConfirmed: return "to_confirm_count";
    default: return nullptr;
  }
}

}  // namespace

Result<Dataset> DataServiceImpl::CreateDataset(const Caller& caller, const CreateDatasetRequest& req) {
  if (Within(req.output_path, req.input_path) || Within(req.input_path, req.output_path)) {
    return InvalidArgument("work_path: the output path " + req.output_path +
                           " must not be the input path " + req.input_path +
                           ", inside it or contain it; choose another directory");
  }
  for (const auto& [field, path] : {std::pair{"data_sources[0].data_path", req.input_path},
                                    std::pair{"work_path", req.output_path}}) {
    OA_ASSIGN_OR_RETURN(auto uri, objstore::ParseObsUri(path));
    auto bucket = objects_.GetBucket(uri.bucket);
    if (!bucket.ok()) {
      return InvalidArgument(std::string(field) + ": bucket \"" + uri.bucket +
                             "\" does not exist; create it first (ma-cli obs mb obs://" +
                             uri.bucket + ")");
    }
  }
  Dataset d;
  d.id = NewId();
  d.project_id = caller.project_id;
  d.workspace_id = caller.workspace_id;
  d.name = req.name;
  d.description = req.description;
  d.type = req.type;
  d.input_path = req.input_path;
  d.output_path = req.output_path;
  d.schema = req.schema;
  d.created_by = caller.user_name;
  d.create_time = d.update_time = clock_.NowMillis();
  std::string salt = NewId().substr(0, 16);
  Status s = db_.Transact([&](Tx& tx) -> Status {
    auto r = tx.Exec(
        "INSERT INTO datasets(id, project_id, workspace_id, name, description, type, input_path, "
        "output_path, schema_json, salt, created_by, create_time, update_time) VALUES ($1, $2, $3, "
        "$4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        {d.id, d.project_id, d.workspace_id, d.name, d.description, int64_t{d.type}, d.input_path,
         d.output_path, d.schema.is_null() ? Value{} : Value{d.schema.dump()}, salt, d.created_by,
         d.create_time, d.update_time});
    if (r.status().code() == Code::kAlreadyExists) {
      return AlreadyExists("dataset_name: a dataset named \"" + d.name +
                           "\" already exists in this workspace; choose another name");
    }
    OA_TRY(r.status());
    OA_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT seq FROM datasets WHERE id = $1", {d.id}));
    d.seq = rows.at(0).Int(0);
    for (const Label& l : req.labels) {
      OA_ASSIGN_OR_RETURN(int64_t id, InsertLabel(tx, d.seq, l));
      Label copy = l;
      copy.id = id;
      d.labels.push_back(copy);
    }
    return Status::Ok();
  });
  OA_TRY(s);
  return d;
}

Result<int64_t> DataServiceImpl::InsertLabel(Tx& tx, int64_t seq, const Label& l) {
  OA_TRY(ValidateLabelName(l.name).WithContext("labels"));
  auto r = tx.Exec(
      "INSERT INTO dataset_labels(dataset_seq, name, type, property, attributes) VALUES ($1, $2, "
      "$3, $4, $5)",
      {seq, l.name, int64_t{l.type}, l.property.is_object() ? l.property.dump() : "{}",
       l.attributes.is_array() ? l.attributes.dump() : "[]"});
  if (r.status().code() == Code::kAlreadyExists) {
    return AlreadyExists("ModelArts.4411 Label already exists: \"" + l.name + "\"");
  }
  OA_TRY(r.status());
  OA_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT id FROM dataset_labels WHERE dataset_seq = $1 "
                                          "AND name = $2 AND type = $3",
                                          {seq, l.name, int64_t{l.type}}));
  return rows.at(0).Int(0);
}

Result<Dataset> DataServiceImpl::GetDataset(const std::string& project_id, const std::string& id,
                                            bool with_labels) {
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT " + std::string(kDatasetColumns) +
                                               " FROM datasets WHERE id = $1 AND project_id = $2",
                                           {id, project_id}));
  if (rows.empty()) return NotFound("dataset " + id + " does not exist");
  Dataset d = DatasetFromRow(rows[0]);
  if (with_labels) {
    OA_ASSIGN_OR_RETURN(LabelMap m, LoadLabels(d.seq));
    d.labels = m.all();
  }
  return d;
}

Result<std::pair<std::vector<Dataset>, int64_t>> DataServiceImpl::ListDatasets(const ListRequest& r) {
  std::string where = "project_id = $1";
  Params p = {r.project_id};
  if (r.workspace_ids) {
    if (r.workspace_ids->empty()) return std::pair<std::vector<Dataset>, int64_t>{{}, 0};
    where += " AND workspace_id IN (";
    for (size_t i = 0; i < r.workspace_ids->size(); ++i) {
      p.push_back((*r.workspace_ids)[i]);
      where += (i ? ", $" : "$") + std::to_string(p.size());
    }
    where += ")";
  }
  if (!r.search.empty()) {
    p.push_back("%" + r.search + "%");
    where += " AND name LIKE $" + std::to_string(p.size());
  }
  if (r.type) {
    p.push_back(int64_t{*r.type});
    where += " AND type = $" + std::to_string(p.size());
  }
  OA_ASSIGN_OR_RETURN(auto count, db_.Query("SELECT COUNT(*) FROM datasets WHERE " + where, p));
  Params pp = p;
  pp.push_back(int64_t{r.limit});
  pp.push_back(int64_t{r.offset});
  OA_ASSIGN_OR_RETURN(auto rows,
                      db_.Query("SELECT " + std::string(kDatasetColumns) + " FROM datasets WHERE " +
                                    where + " ORDER BY create_time DESC, seq DESC LIMIT $" +
                                    std::to_string(p.size() + 1) + " OFFSET $" +
                                    std::to_string(p.size() + 2),
                                pp));
  std::vector<Dataset> out;
  for (const Row& row : rows) {
    Dataset d = DatasetFromRow(row);
    OA_ASSIGN_OR_RETURN(LabelMap m, LoadLabels(d.seq));
    d.labels = m.all();
    out.push_back(std::move(d));
  }
  return std::pair{std::move(out), count.at(0).Int(0)};
}

Result<Dataset> DataServiceImpl::UpdateDataset(const std::string& project_id, const std::string& id,
                                               const Json& patch) {
  OA_ASSIGN_OR_RETURN(Dataset d, GetDataset(project_id, id, false));
  if (!patch.is_object()) return InvalidArgument("body: expected a JSON object");
  if (patch.contains("dataset_name")) {
    if (!patch["dataset_name"].is_string()) return InvalidArgument("dataset_name: expected a string");
    d.name = patch["dataset_name"].get<std::string>();
    OA_TRY(ValidateDatasetName(d.name));
  }
  if (patch.contains("description")) {
    if (!patch["description"].is_string()) return InvalidArgument("description: expected a string");
    d.description = patch["description"].get<std::string>();
    OA_TRY(ValidateDescription("description", d.description));
  }
  auto r = db_.Exec("UPDATE datasets SET name = $1, description = $2, update_time = $3 WHERE seq = $4",
                    {d.name, d.description, clock_.NowMillis(), d.seq});
  if (r.status().code() == Code::kAlreadyExists) {
    return AlreadyExists("dataset_name: a dataset named \"" + d.name + "\" already exists");
  }
  OA_TRY(r.status());
  return GetDataset(project_id, id, true);
}

Status DataServiceImpl::DeleteDataset(const std::string& project_id, const std::string& id) {
  OA_ASSIGN_OR_RETURN(Dataset d, GetDataset(project_id, id, true));
  if (ImportRunning(d.seq)) {
    return FailedPrecondition("ModelArts.4356 Dataset already has running import task; wait for it");
  }
  return db_.Transact([&](Tx& tx) -> Status {
    OA_TRY(tx.Exec("DELETE FROM dataset_samples WHERE no > $1 AND no < $2",
                   {SampleKey(d.seq, 0), SampleKey(d.seq + 1, 0)})
               .status());
    for (const Label& l : d.labels) {
      OA_TRY(tx.Exec("DELETE FROM dataset_sample_labels WHERE k > $1 AND k < $2",
                     {LabelKey(l.id, 0), LabelKey(l.id + 1, 0)})
                 .status());
    }
    return tx.Exec("DELETE FROM datasets WHERE seq = $1", {d.seq}).status();
  });
}

Result<DataServiceImpl::Fresh> DataServiceImpl::FreshOf(int64_t seq) {
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT visible_no, salt FROM datasets WHERE seq = $1", {seq}));
  if (rows.empty()) return NotFound("the dataset was deleted");
  return Fresh{rows[0].Int(0), rows[0].Str(1)};
}

Result<LabelMap> DataServiceImpl::LoadLabels(int64_t seq) {
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT id, name, type, property, attributes, sample_count "
                                           "FROM dataset_labels WHERE dataset_seq = $1 ORDER BY id",
                                           {seq}));
  LabelMap m;
  for (const Row& r : rows) m.Add(LabelFromRow(r));
  return m;
}

Sample DataServiceImpl::SampleColumnsFromRow(const Row& r, const std::string& salt) {
  Sample s;
  s.id = SampleIdOf(salt, NumberOf(r.Int(0)));
  s.state = static_cast<SampleState>(r.Int(1));
  s.usage = static_cast<formats::Usage>(r.Int(2));
  s.hard = r.Int(3) != 0;
  if (!r.IsNull(4)) s.hard_coefficient = r.Real(4);
  s.sample_type = static_cast<int>(r.Int(5));
  s.source = r.Str(6);
  s.create_time = r.Int(9);
  s.update_time = r.Int(10);
  return s;
}

Result<Sample> DataServiceImpl::SampleFromRow(const Row& r, const std::string& salt,
                                              const LabelMap& labels) {
  Sample s = SampleColumnsFromRow(r, salt);
  if (!r.IsNull(7)) {
    OA_ASSIGN_OR_RETURN(s.manifest, DecodeDoc(r.Str(7), labels));
  }
  s.manifest.source = s.source;
  s.manifest.id = s.id;
  s.manifest.usage = s.usage;
  if (s.hard) s.manifest.hard = true;
  s.manifest.hard_coefficient = s.hard_coefficient;
  s.manifest.sample_type = s.sample_type;
  if (!r.IsNull(8)) {
    OA_ASSIGN_OR_RETURN(s.predictions, DecodePreds(r.Str(8), labels));
  }
  return s;
}

Json Sample::ToJson() const {
  static constexpr const char* kStatus[] = {"UN_ANNOTATION", "AUTO_ANNOTATION", "MANUAL_ANNOTATION"};
  Json annotations = Json::array();
  for (const auto& a : manifest.annotations) {
    formats::ManifestSample one;
    one.source = "-";
    one.annotations = {a};
    Json line = Json::parse(formats::WriteManifestLine(one));
    annotations.push_back(line["annotation"][0]);
  }
  Json preds = Json::array();
  for (const auto& a : predictions) {
    formats::ManifestSample one;
    one.source = "-";
    one.annotations = {a};
    preds.push_back(Json::parse(formats::WriteManifestLine(one))["annotation"][0]);
  }
  formats::ManifestSample pred_sample;
  pred_sample.annotations = predictions;
  Json j = {{"sample_id", id},
            {"source", source},
            {"sample_type", sample_type},
            {"sample_status", kStatus[static_cast<int>(state)]},
            {"state", SampleStateName(state)},
            {"sample_usage", std::string(formats::UsageName(usage))},
            {"hard", hard},
            {"labels", SampleLabelsJson(manifest)},
            {"annotations", std::move(annotations)},
            {"predictions", std::move(preds)},
            {"prediction_labels", SampleLabelsJson(pred_sample)},
            {"create_time", create_time},
            {"update_time", update_time}};
  if (hard_coefficient) j["hard_coefficient"] = *hard_coefficient;
  if (auto text = ContentText(source)) j["text"] = std::string(*text);
  if (!manifest.property.is_null()) j["property"] = manifest.property;
  return j;
}

Result<SamplePage> DataServiceImpl::ListSamples(const Dataset& ds, const SampleQuery& q) {
  OA_ASSIGN_OR_RETURN(Fresh fresh, FreshOf(ds.seq));
  OA_ASSIGN_OR_RETURN(LabelMap labels, LoadLabels(ds.seq));
  int64_t after = 0;  // sample number to continue after
  if (!q.marker.empty()) {
    auto n = ParseSampleId(fresh.salt, q.marker);
    if (!n) return InvalidArgument("marker: not a sample id of this dataset: \"" + q.marker + "\"");
    after = *n;
  }
  // Conditions on the sample row besides the key range.
  std::string cond;
  Params cp;
  auto add = [&](const std::string& sql, Value v) {
    cp.push_back(std::move(v));
    std::string c = sql;
    std::string ph = "$" + std::to_string(cp.size() + 3);  // $1..$3 are the range and limit
    c.replace(c.find('?'), 1, ph);
    cond += " AND " + c;
  };
  if (q.state) add("s.state = ?", int64_t{static_cast<int>(*q.state)});
  if (q.usage) add("s.usage = ?", int64_t{static_cast<int>(*q.usage)});
  if (q.hard) add("s.hard = ?", int64_t{*q.hard ? 1 : 0});
  if (!q.search.empty()) add("instr(s.source, ?) > 0", q.search);
  if (q.low_score) add("s.score >= ?", *q.low_score);
  if (q.high_score) add("s.score <= ?", *q.high_score);

  std::vector<int64_t> label_ids;
  for (const std::string& name : q.labels) {
    bool any = false;
    for (const Label& l : labels.all()) {
      if (l.name == name) {
        label_ids.push_back(l.id);
        any = true;
      }
    }
    if (!any) return NotFound("ModelArts.4410 Label not found: \"" + name + "\"");
  }
  int limit = std::clamp(q.limit, 1, 1000);
  std::string cols;
  for (std::string_view c : {"no", "state", "usage", "hard", "hard_coefficient", "sample_type",
                             "source", "doc", "preds", "create_time", "update_time"}) {
    cols += (cols.empty() ? "s." : ", s.") + std::string(c);
  }
  SamplePage page;
  std::vector<Row> rows;
  int64_t total = -1;
  if (label_ids.empty()) {
    Params p = {SampleKey(ds.seq, after), SampleKey(ds.seq, fresh.visible_no), int64_t{limit + 1}};
    p.insert(p.end(), cp.begin(), cp.end());
    std::string sql = "SELECT " + cols + " FROM dataset_samples s WHERE s.no > $1 AND s.no <= $2" +
                      cond + " ORDER BY s.no LIMIT $3";
    if (q.offset > 0 && q.marker.empty()) sql += " OFFSET " + std::to_string(q.offset);
    OA_ASSIGN_OR_RETURN(rows, db_.Query(sql, p));
    if (q.with_count) {
      if (cond.empty()) {
        total = ds.sample_count;
        OA_ASSIGN_OR_RETURN(auto c, db_.Query("SELECT sample_count FROM datasets WHERE seq = $1", {ds.seq}));
        if (!c.empty()) total = c[0].Int(0);
      } else {
        Params cpp = {SampleKey(ds.seq, 0), SampleKey(ds.seq, fresh.visible_no), int64_t{0}};
        cpp.insert(cpp.end(), cp.begin(), cp.end());
        OA_ASSIGN_OR_RETURN(auto c, db_.Query("SELECT COUNT(*) FROM dataset_samples s WHERE s.no > $1 "
                                              "AND s.no <= $2 AND $3 = 0" + cond, cpp));
        total = c.at(0).Int(0);
      }
    }
  } else {
    // One ordered query per label, merged by sample number (a sample may carry several).
    std::vector<Row> merged;
    for (int64_t id : label_ids) {
      Params p = {LabelKey(id, after), LabelKey(id, fresh.visible_no), int64_t{limit + 1 + q.offset}};
      p.insert(p.end(), cp.begin(), cp.end());
      p.push_back(SampleKey(ds.seq, 0));
      p.push_back(LabelKey(id, 0));
      std::string base_ph = "$" + std::to_string(p.size() - 1), lbase_ph = "$" + std::to_string(p.size());
      std::string sql = "SELECT " + cols + " FROM dataset_sample_labels l JOIN dataset_samples s ON s.no = " +
                        base_ph + " + (l.k - " + lbase_ph + ") WHERE l.k > $1 AND l.k <= $2" + cond +
                        " ORDER BY l.k LIMIT $3";
      OA_ASSIGN_OR_RETURN(auto part, db_.Query(sql, p));
      for (auto& r : part) merged.push_back(std::move(r));
    }
    std::sort(merged.begin(), merged.end(), [](const Row& a, const Row& b) { return a.Int(0) < b.Int(0); });
    merged.erase(std::unique(merged.begin(), merged.end(),
                             [](const Row& a, const Row& b) { return a.Int(0) == b.Int(0); }),
                 merged.end());
    size_t skip = q.marker.empty() ? static_cast<size_t>(std::max<int64_t>(0, q.offset)) : 0;
    for (size_t i = skip; i < merged.size() && rows.size() < static_cast<size_t>(limit + 1); ++i) {
      rows.push_back(std::move(merged[i]));
    }
    if (q.with_count) {
      if (cond.empty() && label_ids.size() == 1) {
        total = labels.ById(label_ids[0])->sample_count;
      } else {
        Params p;
        std::string sql = "SELECT COUNT(DISTINCT s.no) FROM dataset_sample_labels l JOIN dataset_samples s ON "
                          "s.no = $1 + (l.k & " + std::to_string(kNumberMask) + ") WHERE (";
        p.push_back(SampleKey(ds.seq, 0));
        p.push_back(int64_t{0});
        p.push_back(int64_t{0});
        p.insert(p.end(), cp.begin(), cp.end());
        for (size_t i = 0; i < label_ids.size(); ++i) {
          p.push_back(LabelKey(label_ids[i], 0));
          p.push_back(LabelKey(label_ids[i], fresh.visible_no));
          sql += (i ? " OR " : "") + std::string("(l.k > $") + std::to_string(p.size() - 1) +
                 " AND l.k <= $" + std::to_string(p.size()) + ")";
        }
        sql += ") AND $2 = $3" + cond;
        OA_ASSIGN_OR_RETURN(auto c, db_.Query(sql, p));
        total = c.at(0).Int(0);
      }
    }
  }
  bool more = rows.size() > static_cast<size_t>(limit);
  if (more) rows.resize(limit);
  for (const Row& r : rows) {
    OA_ASSIGN_OR_RETURN(Sample s, SampleFromRow(r, fresh.salt, labels));
    page.samples.push_back(std::move(s));
  }
  if (more && !page.samples.empty()) page.next_marker = page.samples.back().id;
  page.total = total;
  return page;
}

Result<Sample> DataServiceImpl::GetSample(const Dataset& ds, const std::string& sample_id) {
  OA_ASSIGN_OR_RETURN(Fresh fresh, FreshOf(ds.seq));
  auto n = ParseSampleId(fresh.salt, sample_id);
  if (!n || *n > fresh.visible_no) return NotFound("sample " + sample_id + " does not exist in this dataset");
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT " + std::string(kSampleColumns) +
                                               " FROM dataset_samples WHERE no = $1",
                                           {SampleKey(ds.seq, *n)}));
  if (rows.empty()) return NotFound("sample " + sample_id + " does not exist in this dataset");
  OA_ASSIGN_OR_RETURN(LabelMap labels, LoadLabels(ds.seq));
  return SampleFromRow(rows[0], fresh.salt, labels);
}

namespace {

// Applies one sample's new stored form inside `tx`: row, label index, counters.
Status ReplaceSampleTx(Tx& tx, int64_t seq, int64_t number, const StoredSample& old_s,
                       const StoredSample& new_s, int64_t now) {
  int64_t key = SampleKey(seq, number);
  OA_TRY(tx.Exec("UPDATE dataset_samples SET state = $1, usage = $2, hard = $3, hard_coefficient = $4, "
                 "doc = $5, update_time = $6 WHERE no = $7",
                 {int64_t{static_cast<int>(new_s.state)}, int64_t{new_s.usage}, int64_t{new_s.hard ? 1 : 0},
                  new_s.hard_coefficient ? Value{*new_s.hard_coefficient} : Value{},
                  new_s.doc.empty() ? Value{} : Value{new_s.doc}, now, key})
             .status());
  for (int64_t id : old_s.label_ids) {
    if (std::find(new_s.label_ids.begin(), new_s.label_ids.end(), id) != new_s.label_ids.end()) continue;
    OA_TRY(tx.Exec("DELETE FROM dataset_sample_labels WHERE k = $1", {LabelKey(id, number)}).status());
    OA_TRY(tx.Exec("UPDATE dataset_labels SET sample_count = sample_count - 1 WHERE id = $1", {id}).status());
  }
  for (int64_t id : new_s.label_ids) {
    if (std::find(old_s.label_ids.begin(), old_s.label_ids.end(), id) != old_s.label_ids.end()) continue;
    OA_TRY(tx.Exec("INSERT INTO dataset_sample_labels(k) VALUES ($1)", {LabelKey(id, number)}).status());
    OA_TRY(tx.Exec("UPDATE dataset_labels SET sample_count = sample_count + 1 WHERE id = $1", {id}).status());
  }
  if (old_s.state != new_s.state) {
    if (const char* c = CounterColumn(old_s.state)) {
      OA_TRY(tx.Exec(std::string("UPDATE datasets SET ") + c + " = " + c + " - 1 WHERE seq = $1", {seq}).status());
    }
    if (const char* c = CounterColumn(new_s.state)) {
      OA_TRY(tx.Exec(std::string("UPDATE datasets SET ") + c + " = " + c + " + 1 WHERE seq = $1", {seq}).status());
    }
  }
  (void)StateCounterDelta;
  return Status::Ok();
}

}  // namespace

Result<ManifestSample> ApplyLabelsUpdate(const Sample& cur, const SampleLabelsUpdate& u, int dataset_type,
                                         const std::string& f) {
  ManifestSample next = cur.manifest;
  next.annotations = u.annotations;
  // Detection: the image size comes from the current annotation or the update itself.
  for (ManifestAnnotation& a : next.annotations) {
    auto voc = a.extra.find("voc");
    if (voc == a.extra.end()) continue;
    if ((*voc)["width"].get<int64_t>() <= 0) {
      for (const ManifestAnnotation& o : cur.manifest.annotations) {
        auto ov = o.extra.find("voc");
        if (ov == o.extra.end()) continue;
        for (const char* k : {"width", "height", "depth", "folder", "filename", "database"}) (*voc)[k] = (*ov)[k];
      }
    }
    if ((*voc)["width"].get<int64_t>() <= 0) {
      return InvalidArgument(f + ": the image size is unknown; send width and height with the labels");
    }
  }
  if (u.utf16_offsets) {
    auto text = ContentText(cur.source);
    for (size_t k = 0; k < next.annotations.size(); ++k) {
      Json& p = next.annotations[k].property;
      if (!text || !p.is_object()) continue;
      for (const char* key : {"@modelarts:start_index", "@modelarts:end_index"}) {
        if (!p.contains(key) || !p[key].is_number_integer()) continue;
        auto cp = Utf16ToCodePoint(*text, p[key].get<int64_t>());
        if (!cp) {
          return InvalidArgument(f + ".labels[" + std::to_string(k) + "].property." + key +
                                 ": UTF-16 offset " + std::to_string(p[key].get<int64_t>()) +
                                 " splits a character or lies past the end of the text");
        }
        p[key] = *cp;
      }
    }
  }
  if (u.usage) next.usage = *u.usage;
  if (u.hard) next.hard = *u.hard;
  Status v = ValidateAnnotations(next, dataset_type);
  if (!v.ok()) return InvalidArgument(f + "." + v.message());
  return next;
}

Status DataServiceImpl::UpdateSamples(const Dataset& ds, const std::vector<SampleLabelsUpdate>& updates) {
  const Capabilities* caps = CapabilitiesOf(ds.type);
  if (!caps || !caps->manual) {
    return FailedPrecondition("ModelArts.4413 Label is incompatible with annotation rules: a dataset of type " +
                              std::to_string(ds.type) + " has no manual labeling");
  }
  if (ds.type == static_cast<int>(AnnotationType::kSpeechSegmentation)) {
    // Segments against the recording's length: the objects are read before the write transaction.
    for (size_t i = 0; i < updates.size(); ++i) {
      if (updates[i].annotations.empty()) continue;
      OA_ASSIGN_OR_RETURN(Sample cur, GetSample(ds, updates[i].sample_id));
      formats::ManifestSample next = cur.manifest;
      next.annotations = updates[i].annotations;
      OA_TRY(CheckSegmentsFitRecording(next, ds.type, "samples[" + std::to_string(i) + "]"));
    }
  }
  OA_ASSIGN_OR_RETURN(Fresh fresh, FreshOf(ds.seq));
  OA_ASSIGN_OR_RETURN(LabelMap labels, LoadLabels(ds.seq));
  int64_t now = clock_.NowMillis();
  return db_.Transact([&](Tx& tx) -> Status {
    std::unordered_map<std::string, int64_t> created;
    LabelResolver resolve = [&](const std::string& name, int type) -> Result<int64_t> {
      if (const Label* l = labels.ByName(name, type)) return l->id;
      std::string k = std::to_string(type) + '\x1f' + name;
      if (auto it = created.find(k); it != created.end()) return it->second;
      Label l;
      l.name = name;
      l.type = type;
      OA_ASSIGN_OR_RETURN(int64_t id, InsertLabel(tx, ds.seq, l));
      created[k] = id;
      return id;
    };
    for (size_t i = 0; i < updates.size(); ++i) {
      const SampleLabelsUpdate& u = updates[i];
      std::string f = "samples[" + std::to_string(i) + "]";
      auto n = ParseSampleId(fresh.salt, u.sample_id);
      if (!n || *n > fresh.visible_no) return NotFound(f + ": sample " + u.sample_id + " does not exist");
      OA_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT " + std::string(kSampleColumns) +
                                                  " FROM dataset_samples WHERE no = $1",
                                              {SampleKey(ds.seq, *n)}));
      if (rows.empty()) return NotFound(f + ": sample " + u.sample_id + " does not exist");
      OA_ASSIGN_OR_RETURN(Sample cur, SampleFromRow(rows[0], fresh.salt, labels));
      // The old stored form, for the label diff.
      ManifestSample old_m = cur.manifest;
      OA_ASSIGN_OR_RETURN(StoredSample old_s, EncodeSample(old_m, ds.type, resolve));
      old_s.state = cur.state;
      OA_ASSIGN_OR_RETURN(ManifestSample next, ApplyLabelsUpdate(cur, u, ds.type, f));
      OA_ASSIGN_OR_RETURN(StoredSample new_s, EncodeSample(next, ds.type, resolve));
      if (!rows[0].IsNull(8) && new_s.state == SampleState::kUnlabeled) new_s.state = SampleState::kToBeConfirmed;
      OA_TRY(ReplaceSampleTx(tx, ds.seq, *n, old_s, new_s, now));
      if (new_s.state == SampleState::kLabeled && !rows[0].IsNull(8)) {
        // Labeling by hand confirms: the predictions are done with.
        OA_TRY(tx.Exec("UPDATE dataset_samples SET preds = NULL, score = NULL WHERE no = $1",
                       {SampleKey(ds.seq, *n)}).status());
      }
    }
    return tx.Exec("UPDATE datasets SET update_time = $1 WHERE seq = $2", {now, ds.seq}).status();
  });
}

Result<int64_t> DataServiceImpl::DeleteSamples(const Dataset& ds, const std::vector<std::string>& ids) {
  OA_ASSIGN_OR_RETURN(Fresh fresh, FreshOf(ds.seq));
  OA_ASSIGN_OR_RETURN(LabelMap labels, LoadLabels(ds.seq));
  int64_t deleted = 0;
  Status s = db_.Transact([&](Tx& tx) -> Status {
    for (const std::string& id : ids) {
      auto n = ParseSampleId(fresh.salt, id);
      if (!n || *n > fresh.visible_no) return NotFound("sample " + id + " does not exist in this dataset");
      int64_t key = SampleKey(ds.seq, *n);
      OA_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT " + std::string(kSampleColumns) +
                                                  " FROM dataset_samples WHERE no = $1", {key}));
      if (rows.empty()) continue;
      OA_ASSIGN_OR_RETURN(Sample cur, SampleFromRow(rows[0], fresh.salt, labels));
      LabelResolver resolve = [&](const std::string& name, int type) -> Result<int64_t> {
        const Label* l = labels.ByName(name, type);
        return l ? l->id : int64_t{-1};
      };
      OA_ASSIGN_OR_RETURN(StoredSample old_s, EncodeSample(cur.manifest, ds.type, resolve));
      StoredSample none;
      none.state = old_s.state;  // counters below
      for (int64_t lid : old_s.label_ids) {
        if (lid < 0) continue;
        OA_TRY(tx.Exec("DELETE FROM dataset_sample_labels WHERE k = $1", {LabelKey(lid, *n)}).status());
        OA_TRY(tx.Exec("UPDATE dataset_labels SET sample_count = sample_count - 1 WHERE id = $1", {lid}).status());
      }
      OA_TRY(tx.Exec("DELETE FROM dataset_samples WHERE no = $1", {key}).status());
      std::string counters = "sample_count = sample_count - 1";
      if (const char* c = CounterColumn(cur.state)) counters += std::string(", ") + c + " = " + c + " - 1";
      OA_TRY(tx.Exec("UPDATE datasets SET " + counters + " WHERE seq = $1", {ds.seq}).status());
      ++deleted;
    }
    return Status::Ok();
  });
  OA_TRY(s);
  return deleted;
}

Result<std::vector<Label>> DataServiceImpl::ListLabels(const Dataset& ds) {
  OA_ASSIGN_OR_RETURN(LabelMap m, LoadLabels(ds.seq));
  return m.all();
}

Status DataServiceImpl::CreateLabels(const Dataset& ds, const std::vector<Label>& labels) {
  std::vector<int> allowed = LabelTypesOf(ds.type);
  return db_.Transact([&](Tx& tx) -> Status {
    for (size_t i = 0; i < labels.size(); ++i) {
      Label l = labels[i];
      if (l.type < 0) l.type = allowed.empty() ? ds.type : allowed.back();
      if (std::find(allowed.begin(), allowed.end(), l.type) == allowed.end()) {
        return InvalidArgument("labels[" + std::to_string(i) +
                               "].type: ModelArts.4413 Label is incompatible with annotation rules");
      }
      OA_TRY(InsertLabel(tx, ds.seq, l).status());
    }
    return Status::Ok();
  });
}

Status DataServiceImpl::RenameLabels(const Dataset& ds,
                                     const std::vector<std::pair<std::string, std::string>>& renames) {
  OA_ASSIGN_OR_RETURN(LabelMap m, LoadLabels(ds.seq));
  return db_.Transact([&](Tx& tx) -> Status {
    for (const auto& [from, to] : renames) {
      OA_TRY(ValidateLabelName(to).WithContext("@modelarts:rename_to"));
      bool found = false;
      for (const Label& l : m.all()) {
        if (l.name != from) continue;
        found = true;
        auto r = tx.Exec("UPDATE dataset_labels SET name = $1 WHERE id = $2", {to, l.id});
        if (r.status().code() == Code::kAlreadyExists) {
          return AlreadyExists("ModelArts.4411 Label already exists: \"" + to + "\"");
        }
        OA_TRY(r.status());
      }
      if (!found) return NotFound("ModelArts.4410 Label not found: \"" + from + "\"");
    }
    return Status::Ok();
  });
}

Status DataServiceImpl::DeleteLabels(const Dataset& ds, const std::vector<std::string>& names,
                                     int delete_policy) {
  if (delete_policy < 0 || delete_policy > 2) {
    return InvalidArgument("delete_policy: 0 (label only), 1 (label and the samples left without "
                           "labels) or 2 (also their source files)");
  }
  OA_ASSIGN_OR_RETURN(LabelMap m, LoadLabels(ds.seq));
  std::vector<const Label*> doomed;
  for (const std::string& name : names) {
    bool found = false;
    for (const Label& l : m.all()) {
      if (l.name == name) {
        doomed.push_back(&l);
        found = true;
      }
    }
    if (!found) return NotFound("ModelArts.4410 Label not found: \"" + name + "\"");
  }
  // Entities used by relations cannot go (ModelArts.4415): checked on the samples below.
  OA_ASSIGN_OR_RETURN(Fresh fresh, FreshOf(ds.seq));
  std::unordered_set<int64_t> doomed_ids;
  for (const Label* l : doomed) doomed_ids.insert(l->id);
  // Every sample carrying a doomed label is rewritten without it, in batches.
  std::vector<std::string> emptied;
  int64_t now = clock_.NowMillis();
  for (const Label* l : doomed) {
    while (true) {
      OA_ASSIGN_OR_RETURN(auto keys, db_.Query("SELECT k FROM dataset_sample_labels WHERE k > $1 AND k < $2 "
                                               "ORDER BY k LIMIT 1000",
                                               {LabelKey(l->id, 0), LabelKey(l->id + 1, 0)}));
      if (keys.empty()) break;
      Status s = db_.Transact([&](Tx& tx) -> Status {
        for (const Row& kr : keys) {
          int64_t number = NumberOf(kr.Int(0));
          OA_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT " + std::string(kSampleColumns) +
                                                      " FROM dataset_samples WHERE no = $1",
                                                  {SampleKey(ds.seq, number)}));
          if (rows.empty()) {
            OA_TRY(tx.Exec("DELETE FROM dataset_sample_labels WHERE k = $1", {kr.Int(0)}).status());
            continue;
          }
          OA_ASSIGN_OR_RETURN(Sample cur, SampleFromRow(rows[0], fresh.salt, m));
          LabelResolver resolve = [&](const std::string& name, int type) -> Result<int64_t> {
            const Label* x = m.ByName(name, type);
            if (!x) return NotFound("label " + name);
            return x->id;
          };
          OA_ASSIGN_OR_RETURN(StoredSample old_s, EncodeSample(cur.manifest, ds.type, resolve));
          ManifestSample next = cur.manifest;
          std::set<std::string> removed_entities;
          for (ManifestAnnotation& a : next.annotations) {
            auto voc = a.extra.find("voc");
            if (voc != a.extra.end()) {
              Json kept = Json::array();
              for (const Json& o : (*voc)["objects"]) {
                const Label* x = m.ByName(o["name"].get<std::string>(), LabelTypeOfAnnotation(a.type, ds.type));
                if (!x || !doomed_ids.count(x->id)) kept.push_back(o);
              }
              (*voc)["objects"] = std::move(kept);
            }
          }
          std::erase_if(next.annotations, [&](const ManifestAnnotation& a) {
            if (a.extra.contains("voc")) return a.extra.at("voc")["objects"].empty();
            if (!a.name) return false;
            const Label* x = m.ByName(*a.name, LabelTypeOfAnnotation(a.type, ds.type));
            bool gone = x && doomed_ids.count(x->id);
            if (gone && a.id) removed_entities.insert(*a.id);
            return gone;
          });
          for (const ManifestAnnotation& a : next.annotations) {
            if (LabelTypeOfAnnotation(a.type, ds.type) != 102) continue;
            std::string from = a.property.value("@modelarts:from", ""), to = a.property.value("@modelarts:to", "");
            if (removed_entities.count(from) || removed_entities.count(to)) {
              return FailedPrecondition("ModelArts.4415 Entity label can not be deleted because it is used by "
                                        "triplet label \"" + a.name.value_or("") + "\"");
            }
          }
          OA_ASSIGN_OR_RETURN(StoredSample new_s, EncodeSample(next, ds.type, resolve));
          OA_TRY(ReplaceSampleTx(tx, ds.seq, number, old_s, new_s, now));
          if (new_s.state == SampleState::kUnlabeled) emptied.push_back(cur.id);
        }
        return Status::Ok();
      });
      OA_TRY(s);
    }
  }
  OA_TRY(db_.Transact([&](Tx& tx) -> Status {
    for (const Label* l : doomed) {
      OA_TRY(tx.Exec("DELETE FROM dataset_labels WHERE id = $1", {l->id}).status());
    }
    return Status::Ok();
  }));
  if (delete_policy >= 1 && !emptied.empty()) {
    std::vector<Sample> gone;
    if (delete_policy == 2) {
      for (const std::string& id : emptied) {
        auto s = GetSample(ds, id);
        if (s.ok()) gone.push_back(*s);
      }
    }
    OA_TRY(DeleteSamples(ds, emptied).status());
    for (const Sample& s : gone) {
      auto uri = objstore::ParseObsUri(s.source);
      if (uri.ok()) (void)objects_.Delete(uri->bucket, uri->key);
    }
  }
  return Status::Ok();
}

Status DataServiceImpl::AddLabelToSamples(const Dataset& ds, const std::vector<std::string>& sample_ids,
                                          const std::string& label) {
  if (ds.type != 0 && ds.type != 100 && ds.type != 200) {
    return FailedPrecondition("adding a label to many samples is for classification datasets; label "
                              "detection and text samples one by one");
  }
  std::vector<SampleLabelsUpdate> updates;
  for (const std::string& id : sample_ids) {
    OA_ASSIGN_OR_RETURN(Sample s, GetSample(ds, id));
    SampleLabelsUpdate u;
    u.sample_id = id;
    u.annotations = s.manifest.annotations;
    bool has = false;
    for (const auto& a : u.annotations) has = has || a.name == label;
    if (!has) {
      ManifestAnnotation a;
      a.type = std::string(CapabilitiesOf(ds.type)->manifest_type);
      a.name = label;
      a.annotated_by = "human";
      u.annotations.push_back(std::move(a));
    }
    updates.push_back(std::move(u));
  }
  return UpdateSamples(ds, updates);
}

Status DataServiceImpl::RemoveLabelFromSamples(const Dataset& ds, const std::vector<std::string>& sample_ids,
                                               const std::string& label) {
  std::vector<SampleLabelsUpdate> updates;
  for (const std::string& id : sample_ids) {
    OA_ASSIGN_OR_RETURN(Sample s, GetSample(ds, id));
    SampleLabelsUpdate u;
    u.sample_id = id;
    u.annotations = s.manifest.annotations;
    std::erase_if(u.annotations, [&](const ManifestAnnotation& a) { return a.name == label; });
    for (auto& a : u.annotations) {
      auto voc = a.extra.find("voc");
      if (voc == a.extra.end()) continue;
      Json kept = Json::array();
      for (const Json& o : (*voc)["objects"]) {
        if (o["name"] != label) kept.push_back(o);
      }
      (*voc)["objects"] = std::move(kept);
    }
    std::erase_if(u.annotations, [&](const ManifestAnnotation& a) {
      return a.extra.contains("voc") && a.extra.at("voc")["objects"].empty();
    });
    updates.push_back(std::move(u));
  }
  return UpdateSamples(ds, updates);
}

Status DataServiceImpl::ForEachRow(const Dataset& ds,
                                   const std::function<Status(const Row&, const Fresh&, const LabelMap&)>& fn) {
  OA_ASSIGN_OR_RETURN(Fresh fresh, FreshOf(ds.seq));
  OA_ASSIGN_OR_RETURN(LabelMap labels, LoadLabels(ds.seq));
  int64_t after = 0;
  while (true) {
    OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT " + std::string(kSampleColumns) +
                                                 " FROM dataset_samples WHERE no > $1 AND no <= $2 "
                                                 "ORDER BY no LIMIT 2000",
                                             {SampleKey(ds.seq, after), SampleKey(ds.seq, fresh.visible_no)}));
    if (rows.empty()) break;
    for (const Row& r : rows) OA_TRY(fn(r, fresh, labels));
    after = NumberOf(rows.back().Int(0));
  }
  return Status::Ok();
}

Status DataServiceImpl::ForEachSample(const Dataset& ds, const std::function<Status(const Sample&)>& fn,
                                      const std::function<bool(const Sample&)>& filter) {
  return ForEachRow(ds, [&](const Row& r, const Fresh& fresh, const LabelMap& labels) -> Status {
    OA_ASSIGN_OR_RETURN(Sample s, SampleFromRow(r, fresh.salt, labels));
    if (!filter || filter(s)) OA_TRY(fn(s));
    return Status::Ok();
  });
}

bool DataServiceImpl::TryLockImport(int64_t seq) {
  std::lock_guard lock(import_mu_);
  return importing_.insert(seq).second;
}

void DataServiceImpl::UnlockImport(int64_t seq) {
  std::lock_guard lock(import_mu_);
  importing_.erase(seq);
}

bool DataServiceImpl::ImportRunning(int64_t seq) {
  std::lock_guard lock(import_mu_);
  return importing_.count(seq) > 0;
}

Status DataServiceImpl::PurgeInvisible(int64_t seq) {
  OA_ASSIGN_OR_RETURN(Fresh fresh, FreshOf(seq));
  OA_ASSIGN_OR_RETURN(LabelMap labels, LoadLabels(seq));
  return db_.Transact([&](Tx& tx) -> Status {
    OA_TRY(tx.Exec("DELETE FROM dataset_samples WHERE no > $1 AND no < $2",
                   {SampleKey(seq, fresh.visible_no), SampleKey(seq + 1, 0)}).status());
    for (const Label& l : labels.all()) {
      OA_TRY(tx.Exec("DELETE FROM dataset_sample_labels WHERE k > $1 AND k < $2",
                     {LabelKey(l.id, fresh.visible_no), LabelKey(l.id + 1, 0)}).status());
    }
    return tx.Exec("UPDATE datasets SET next_no = visible_no WHERE seq = $1", {seq}).status();
  });
}

Result<std::unique_ptr<DataService>> Create(meta::Database& db, objstore::ObjectStore& objects,
                                            tasks::TaskService& tasks, Clock& clock,
                                            const Options& options) {
  auto s = std::make_unique<DataServiceImpl>(db, objects, tasks, clock, options);
  s->RegisterTasks();
  // A previous process may have died mid-import: its rows above the watermark go.
  OA_ASSIGN_OR_RETURN(auto rows, db.Query("SELECT seq FROM datasets WHERE next_no > visible_no"));
  for (const auto& r : rows) OA_TRY(s->PurgeInvisible(r.Int(0)));
  return std::unique_ptr<DataService>(std::move(s));
}

}  // namespace openarts::data
