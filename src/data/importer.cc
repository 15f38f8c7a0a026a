// Imports (spec §3): a manifest, or a directory in one of the conventions of §3.2, into a
// dataset. Samples are written in batches above the dataset's visible watermark and published by
// one final transaction; a failure or a crash leaves nothing visible (the next import or the next
// start purges the invisible rows).
//
// The manifest path is a two-stage pipeline: one thread parses and encodes chunk i+1 while the
// calling thread writes chunk i, so a 1,000,000-line manifest imports in seconds.
#include <algorithm>
#include <chrono>
#include <future>
#include <optional>
#include <unordered_map>

#include "base/ids.h"
#include "base/log.h"
#include "objstore/names.h"
#include "interchange.h"
#include "service_impl.h"

namespace openarts::data {

using formats::ManifestAnnotation;
using formats::ManifestSample;
using meta::Params;
using meta::Row;
using meta::Tx;
using meta::Value;

namespace {

double Seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Adds the seconds of its scope to `acc`.
class AddSeconds {
 public:
  explicit AddSeconds(double& acc) : acc_(acc), t0_(Seconds()) {}
  ~AddSeconds() { acc_ += Seconds() - t0_; }

 private:
  double& acc_;
  double t0_;
};

constexpr size_t kMaxRejectedItems = 1000;

// hash → the index of the first item with that hash: open addressing with linear probing, one
// allocation per doubling (a node-based map costs a malloc per line on a 1,000,000-line import).
class HashIndex {
 public:
  // The index stored for `h`, or nullopt after storing `index` for it.
  std::optional<size_t> Insert(uint64_t h, size_t index) {
    if ((used_ + 1) * 4 > slots_.size() * 3) Grow();
    h |= 1;  // 0 marks an empty slot
    size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      if (slots_[i].first == 0) {
        slots_[i] = {h, index};
        ++used_;
        return std::nullopt;
      }
      if (slots_[i].first == h) return slots_[i].second;
    }
  }
  std::optional<size_t> Find(uint64_t h) const {
    if (slots_.empty()) return std::nullopt;
    h |= 1;
    size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      if (slots_[i].first == 0) return std::nullopt;
      if (slots_[i].first == h) return slots_[i].second;
    }
  }

 private:
  void Grow() {
    std::vector<std::pair<uint64_t, size_t>> old(std::max<size_t>(1024, slots_.size() * 2));
    old.swap(slots_);
    size_t mask = slots_.size() - 1;
    for (const auto& [h, index] : old) {
      if (h == 0) continue;
      size_t i = h & mask;
      while (slots_[i].first != 0) i = (i + 1) & mask;
      slots_[i] = {h, index};
    }
  }

  std::vector<std::pair<uint64_t, size_t>> slots_;
  size_t used_ = 0;
};
constexpr size_t kChunkBytes = 4 << 20;

// One input item: a sample, or the reason it was rejected.
struct Candidate {
  std::string where;                 // set for directory items; manifest lines use `line`
  const std::string* file = nullptr;  // the manifest's name, with `line`
  int64_t line = 0;
  Result<ManifestSample> sample = InvalidArgument("unset");
  std::string Where() const { return file ? *file + ":" + std::to_string(line) : where; }
};

// An existing sample and its new content (applied by the final commit).
struct EncodedRow {
  int64_t existing_no = 0;
  StoredSample stored;
};

// New samples ready to insert, numbered.
struct Batch {
  std::vector<Params> samples, label_keys;
  int64_t next_no = 0;  // the number after the batch's last
};

std::string_view Extension(std::string_view key) {
  auto dot = key.rfind('.');
  auto slash = key.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return {};
  return key.substr(dot + 1);
}

bool IsImage(std::string_view key) {
  std::string e = AsciiLower(Extension(key));
  return e == "jpg" || e == "jpeg" || e == "png" || e == "bmp";
}

bool IsAudio(std::string_view key) {
  std::string e = AsciiLower(Extension(key));
  return e == "wav" || e == "mp3" || e == "flac" || e == "aac" || e == "ogg" || e == "m4a";
}

std::string StripExtension(std::string_view key) {
  auto dot = key.rfind('.');
  return std::string(dot == std::string_view::npos ? key : key.substr(0, dot));
}

std::string ParentName(std::string_view key) {
  auto slash = key.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return {};
  auto prev = key.rfind('/', slash - 1);
  return std::string(key.substr(prev == std::string_view::npos ? 0 : prev + 1,
                                slash - (prev == std::string_view::npos ? 0 : prev + 1)));
}

Result<std::vector<objstore::ObjectInfo>> ListAll(objstore::ObjectStore& objects, const objstore::ObsUri& dir) {
  std::vector<objstore::ObjectInfo> out;
  objstore::ListOptions lo;
  lo.prefix = dir.key;
  while (true) {
    OA_ASSIGN_OR_RETURN(auto page, objects.List(dir.bucket, lo));
    for (auto& o : page.objects) out.push_back(std::move(o));
    if (!page.is_truncated) break;
    lo.marker = page.next_marker;
  }
  return out;
}

// Reads a VOC file into an annotation's extra["voc"] (detection / segmentation manifests).
Status InlineVoc(objstore::ObjectStore& objects, ManifestAnnotation& a) {
  if (a.extra.contains("voc") || !a.annotation_loc) return Status::Ok();
  auto text = ReadObject(objects, *a.annotation_loc, 16 << 20);
  if (!text.ok()) return InvalidArgument("annotation-loc " + *a.annotation_loc + ": " + text.status().message());
  OA_ASSIGN_OR_RETURN(auto voc, formats::ParseVoc(*text, *a.annotation_loc));
  a.extra["voc"] = VocToJson(voc);
  a.annotation_loc.reset();
  if (!a.annotation_format) a.annotation_format = "PASCAL VOC";
  return Status::Ok();
}

// What MetaValidation changed in the VOC files of a directory import (reported as warnings).
struct MetaFixes {
  int64_t sizes = 0, clamped = 0, dropped = 0;
  void Warn(std::vector<std::string>& warnings) const {
    if (sizes) warnings.push_back(std::to_string(sizes) + " VOC files gave a size other than their image's; the image's was used");
    if (clamped) warnings.push_back(std::to_string(clamped) + " shapes reaching past their image were clamped to it");
    if (dropped) warnings.push_back(std::to_string(dropped) + " shapes mostly outside their image were dropped");
  }
};

// The VOC file beside an image of `size` (width, height), MetaValidation applied (spec §3.3): the
// image's real size replaces the file's, shapes mostly outside it are dropped, the rest clamped.
Result<formats::VocAnnotation> ReadVocFor(objstore::ObjectStore& objects, const std::string& uri,
                                          std::pair<int64_t, int64_t> size, MetaFixes& fixes) {
  auto text = ReadObject(objects, uri, 16 << 20);
  if (!text.ok()) return InvalidArgument(uri + ": " + text.status().message());
  OA_ASSIGN_OR_RETURN(auto voc, formats::ParseVoc(*text, uri));
  auto [w, h] = size;
  if (w > 0 && (voc.width != w || voc.height != h)) {
    ++fixes.sizes;
    voc.width = w;
    voc.height = h;
  }
  std::vector<formats::VocObject> kept;
  kept.reserve(voc.objects.size());
  for (auto& o : voc.objects) {
    switch (interchange::FitToImage(o.shape, voc.width, voc.height)) {
      case interchange::Fit::kOutside: ++fixes.dropped; continue;
      case interchange::Fit::kClamped: ++fixes.clamped; break;
      case interchange::Fit::kInside: break;
    }
    kept.push_back(std::move(o));
  }
  voc.objects = std::move(kept);
  return voc;
}

}  // namespace

// The state of one import: numbering, dedupe, label counts, the report.
class Ingest {
 public:
  Ingest(DataServiceImpl& svc, const Dataset& ds, const ImportRequest& req, int64_t visible_no,
         LabelMap labels)
      : svc_(svc), ds_(ds), req_(req), next_(visible_no), labels_(std::move(labels)) {}

  // Reads the sources of the samples already in the dataset (re-imports update them).
  Status LoadExisting() {
    if (ds_.sample_count == 0) return Status::Ok();
    OA_ASSIGN_OR_RETURN(auto rows, svc_.db_.Query("SELECT no, source FROM dataset_samples WHERE no > $1 AND no <= $2",
                                                  {SampleKey(ds_.seq, 0), SampleKey(ds_.seq, next_)}));
    existing_nos_.reserve(rows.size());
    for (const Row& r : rows) {
      existing_.Insert(std::hash<std::string>()(r.Str(1)), existing_nos_.size());
      existing_nos_.push_back(r.Int(0));
    }
    return Status::Ok();
  }

  // Stage A (any one thread at a time, in input order): validation, label ids, dedupe against the
  // file and the dataset, numbering, the rows to insert.
  Result<Batch> Encode(std::vector<Candidate> items) {
    AddSeconds timer(encode_seconds_);
    Batch out;
    out.samples.reserve(items.size());
    out.label_keys.reserve(items.size());
    int64_t now = svc_.clock_.NowMillis();
    LabelResolver resolve = [this](const std::string& name, int type) { return Resolve(name, type); };
    for (Candidate& c : items) {
      if (!c.sample.ok()) {
        Reject(c.Where(), c.sample.status().message());
        continue;
      }
      ManifestSample& s = *c.sample;
      if (!req_.import_annotations) s.annotations.clear();
      if (!s.annotations.empty() && !CapabilitiesOf(ds_.type)->labeled_import) {
        Reject(c.Where(), "a dataset of type " + std::to_string(ds_.type) + " cannot import labels "
                        "(spec §3.1); import without annotations");
        continue;
      }
      bool bad = false;
      for (ManifestAnnotation& a : s.annotations) {
        Status st = InlineVoc(svc_.objects_, a);
        if (!st.ok()) {
          Reject(c.Where(), st.message());
          bad = true;
          break;
        }
      }
      if (bad) continue;
      Status v = ValidateAnnotations(s, ds_.type);
      if (v.ok() && ds_.type == static_cast<int>(AnnotationType::kSpeechSegmentation)) {
        v = svc_.CheckSegmentsFitRecording(s, ds_.type, "annotation");
      }
      if (!v.ok()) {
        Reject(c.Where(), v.message());
        continue;
      }
      auto enc = EncodeSample(std::move(s), ds_.type, resolve);
      if (!enc.ok()) {
        Reject(c.Where(), enc.status().message());
        continue;
      }
      // Dedupe inside this import (by a 64-bit hash of the source; the first item wins).
      uint64_t h = std::hash<std::string>()(enc->source);
      if (auto first = seen_.Insert(h, seen_items_.size())) {
        Reject(c.Where(), "the same source as " + seen_items_[*first].Where() + "; each object is one sample");
        continue;
      }
      seen_items_.push_back({std::move(c.where), c.file, c.line});
      StoredSample& st = *enc;
      if (auto idx = existing_.Find(h)) {
        // Already in the dataset: updated by the final commit (a 64-bit hash match is checked).
        int64_t no = existing_nos_[*idx];
        OA_ASSIGN_OR_RETURN(auto rows, svc_.db_.Query("SELECT source FROM dataset_samples WHERE no = $1", {no}));
        if (!rows.empty() && rows[0].Str(0) == st.source) {
          updates_.push_back({no, std::move(st)});
          continue;
        }
      }
      int64_t number = ++next_;
      for (int64_t id : st.label_ids) {
        out.label_keys.push_back({LabelKey(id, number)});
        ++label_delta_[id];
      }
      ++report_.added;
      if (st.state == SampleState::kLabeled) {
        ++labeled_delta_;
        ++report_.annotated;
      }
      out.samples.push_back({SampleKey(ds_.seq, number), int64_t{static_cast<int>(st.state)}, int64_t{st.usage},
                             int64_t{st.hard ? 1 : 0}, st.hard_coefficient ? Value{*st.hard_coefficient} : Value{},
                             int64_t{st.sample_type}, std::move(st.source),
                             st.doc.empty() ? Value{} : Value{std::move(st.doc)}, now, now});
    }
    out.next_no = next_;
    return out;
  }

  // Stage B (the writing thread): new samples go in above the watermark; updates wait for the
  // final commit.
  Status Write(Result<Batch> batch) {
    AddSeconds timer(report_.write_seconds);
    OA_TRY(batch.status());
    if (batch->samples.empty()) return Status::Ok();
    // Invisible until Commit(), which is durable: a batch need not survive a power loss.
    return svc_.db_.TransactNotDurable([&](Tx& tx) -> Status {
      OA_TRY(tx.ExecMany("INSERT INTO dataset_samples(no, state, usage, hard, hard_coefficient, sample_type, "
                         "source, doc, create_time, update_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                         batch->samples).status());
      OA_TRY(tx.ExecMany("INSERT INTO dataset_sample_labels(k) VALUES ($1)", batch->label_keys).status());
      return tx.Exec("UPDATE datasets SET next_no = $1 WHERE seq = $2", {batch->next_no, ds_.seq}).status();
    });
  }

  // Publishes everything at once.
  Status Commit() {
    AddSeconds timer(report_.commit_seconds);
    OA_ASSIGN_OR_RETURN(LabelMap current, svc_.LoadLabels(ds_.seq));
    int64_t now = svc_.clock_.NowMillis();
    return svc_.db_.Transact([&](Tx& tx) -> Status {
      // Updates of samples that existed before: their annotations are replaced.
      for (EncodedRow& u : updates_) {
        if (!req_.import_annotations || u.stored.state == SampleState::kUnlabeled) {
          ++unchanged_;
          continue;
        }
        OA_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT state FROM dataset_samples WHERE no = $1", {u.existing_no}));
        if (rows.empty()) continue;
        SampleState old_state = static_cast<SampleState>(rows[0].Int(0));
        int64_t number = NumberOf(u.existing_no);
        // Old label keys of this sample: one probe per label of the dataset.
        for (const Label& l : current.all()) {
          auto del = tx.Exec("DELETE FROM dataset_sample_labels WHERE k = $1", {LabelKey(l.id, number)});
          OA_TRY(del.status());
          if (*del > 0) --label_delta_[l.id];
        }
        for (int64_t id : u.stored.label_ids) {
          OA_TRY(tx.Exec("INSERT INTO dataset_sample_labels(k) VALUES ($1)", {LabelKey(id, number)}).status());
          ++label_delta_[id];
        }
        const StoredSample& s = u.stored;
        OA_TRY(tx.Exec("UPDATE dataset_samples SET state = $1, usage = $2, hard = $3, hard_coefficient = $4, "
                       "doc = $5, preds = NULL, score = NULL, update_time = $6 WHERE no = $7",
                       {int64_t{static_cast<int>(s.state)}, int64_t{s.usage}, int64_t{s.hard ? 1 : 0},
                        s.hard_coefficient ? Value{*s.hard_coefficient} : Value{},
                        s.doc.empty() ? Value{} : Value{s.doc}, now, u.existing_no})
                   .status());
        if (old_state != SampleState::kLabeled) ++labeled_delta_;
        if (old_state == SampleState::kToBeConfirmed) --to_confirm_delta_;
        ++report_.updated;
        ++report_.annotated;
      }
      for (auto& [id, delta] : label_delta_) {
        if (delta == 0) continue;
        OA_TRY(tx.Exec("UPDATE dataset_labels SET sample_count = sample_count + $1 WHERE id = $2",
                       {delta, id}).status());
      }
      if (!detected_schema_.is_null()) {
        OA_TRY(tx.Exec("UPDATE datasets SET schema_json = $1 WHERE seq = $2 AND schema_json IS NULL",
                       {detected_schema_.dump(), ds_.seq}).status());
      }
      return tx.Exec("UPDATE datasets SET visible_no = $1, next_no = $1, sample_count = sample_count + $2, "
                     "labeled_count = labeled_count + $3, to_confirm_count = to_confirm_count + $4, "
                     "update_time = $5 WHERE seq = $6",
                     {next_, report_.added, labeled_delta_, to_confirm_delta_, now, ds_.seq})
          .status();
    });
  }

  // Labels created by this import that no committed sample uses are removed again on failure.
  void RollbackLabels() {
    for (int64_t id : created_labels_) {
      (void)svc_.db_.Exec("DELETE FROM dataset_labels WHERE id = $1 AND sample_count = 0", {id});
    }
  }

  ImportReport& report() {
    report_.parse_seconds = encode_seconds_ + parse_seconds_;
    return report_;
  }
  void AddParseSeconds(double s) {
    std::lock_guard lock(mu_);
    parse_seconds_ += s;
  }
  int64_t unchanged() const { return unchanged_; }
  // A table schema detected from the files, stored with the final commit when the dataset had none.
  void SetDetectedSchema(Json schema) { detected_schema_ = std::move(schema); }
  int64_t pending_updates() const { return static_cast<int64_t>(updates_.size()); }

 private:
  Result<int64_t> Resolve(const std::string& name, int type) {
    std::lock_guard lock(mu_);
    if (const Label* l = labels_.ByName(name, type)) return l->id;
    OA_TRY(ValidateLabelName(name));
    Label l;
    l.name = name;
    l.type = type;
    int64_t id = 0;
    OA_TRY(svc_.db_.Transact([&](Tx& tx) -> Status {
      OA_ASSIGN_OR_RETURN(id, svc_.InsertLabel(tx, ds_.seq, l));
      return Status::Ok();
    }));
    l.id = id;
    labels_.Add(l);
    created_labels_.push_back(id);
    return id;
  }

  void Reject(const std::string& where, const std::string& reason) {
    ++report_.rejected;
    if (report_.rejected_items.size() >= kMaxRejectedItems) return;
    // Parser messages already start with "<file>:<line>: "; say it once.
    std::string_view r = reason;
    if (r.starts_with(where + ": ")) r.remove_prefix(where.size() + 2);
    report_.rejected_items.push_back({where, std::string(r)});
  }

  DataServiceImpl& svc_;
  const Dataset& ds_;
  const ImportRequest& req_;
  int64_t next_;
  std::mutex mu_;
  LabelMap labels_;
  std::vector<int64_t> created_labels_;
  struct Seen {
    std::string where;
    const std::string* file;
    int64_t line;
    std::string Where() const { return file ? *file + ":" + std::to_string(line) : where; }
  };
  HashIndex seen_;
  std::vector<Seen> seen_items_;
  HashIndex existing_;                // source hash → index into existing_nos_
  std::vector<int64_t> existing_nos_;  // samples in the dataset before the import
  std::vector<EncodedRow> updates_;
  std::unordered_map<int64_t, int64_t> label_delta_;
  int64_t labeled_delta_ = 0, to_confirm_delta_ = 0, unchanged_ = 0;
  double encode_seconds_ = 0, parse_seconds_ = 0;
  ImportReport report_;
  Json detected_schema_;
};

namespace {

// Splits `text` (whole lines) into candidates; `first_line` is the 1-based number of its first.
std::vector<Candidate> ParseManifestChunk(std::string_view text, int64_t first_line, const std::string& name,
                                          const formats::ManifestOptions& options) {
  std::vector<Candidate> out;
  out.reserve(text.size() / 128 + 16);  // a typical line is 150–250 bytes
  int64_t line_no = first_line;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    if (line_no == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!TrimWhitespace(line).empty()) {
      Candidate c;
      c.file = &name;
      c.line = line_no;
      c.sample = formats::ParseManifestLine(line, name, line_no, options);
      out.push_back(std::move(c));
    }
    pos = nl + 1;
    ++line_no;
  }
  return out;
}

}  // namespace

Result<ImportReport> DataServiceImpl::Import(const Dataset& ds_in, const ImportRequest& req_in,
                                             const std::function<void(double)>& progress) {
  ImportRequest req = req_in;
  // A table dataset's directory is a directory of CSV files (spec §5).
  if (ds_in.type == static_cast<int>(AnnotationType::kTable) && req.format == "dir") req.format = "csv";
  if (!TryLockImport(ds_in.seq)) {
    return FailedPrecondition("ModelArts.4356 Dataset already has running import task");
  }
  struct Unlock {
    DataServiceImpl* s;
    int64_t seq;
    ~Unlock() { s->UnlockImport(seq); }
  } unlock{this, ds_in.seq};
  OA_TRY(PurgeInvisible(ds_in.seq));
  // Fresh counters (the caller's copy may be old).
  OA_ASSIGN_OR_RETURN(Dataset ds, GetDataset(ds_in.project_id, ds_in.id, false));
  OA_ASSIGN_OR_RETURN(Fresh fresh, FreshOf(ds.seq));
  OA_ASSIGN_OR_RETURN(LabelMap labels, LoadLabels(ds.seq));
  if (ds.type == 900 && req.import_annotations && req.format == "manifest") {
    // Free-format datasets take objects only (spec §3.1); annotations are ignored, not an error.
  }
  OA_ASSIGN_OR_RETURN(auto uri, objstore::ParseObsUri(req.path));
  std::string path = req.path;
  if (path.starts_with("s3://")) path = "obs://" + path.substr(5);
  if (path.starts_with(ds.output_path)) {
    return InvalidArgument("import_path: " + req.path + " is inside the dataset's output path; import "
                           "from the input path or another directory");
  }
  Ingest ingest(*this, ds, req, fresh.visible_no, std::move(labels));
  OA_TRY(ingest.LoadExisting());
  auto progress_to = [&](double f) {
    if (progress) progress(std::clamp(f, 0.0, 1.0));
  };
  Status st = Status::Ok();
  if (req.format == "manifest") {
    auto h = objects_.Get(uri.bucket, uri.key);
    if (!h.ok()) {
      return NotFound("import_path: manifest " + req.path + " does not exist (" + h.status().message() + ")");
    }
    std::string name = uri.key.substr(uri.key.rfind('/') + 1);
    formats::ManifestOptions mo;
    mo.base_uri = "obs://" + uri.bucket + "/" + uri.key.substr(0, uri.key.rfind('/') + 1);
    uint64_t size = h->info.size, offset = 0;
    int64_t line = 1;
    std::string carry;
    std::future<Result<Batch>> pending;
    auto next_chunk = [&]() -> Result<std::pair<std::string, int64_t>> {
      // Whole lines from the object, about kChunkBytes at a time; "" at the end.
      std::string buf = std::move(carry);
      carry.clear();
      while (offset < size) {
        size_t want = static_cast<size_t>(std::min<uint64_t>(kChunkBytes, size - offset));
        size_t old = buf.size();
        buf.resize(old + want);
        OA_ASSIGN_OR_RETURN(size_t n, h->reader->ReadAt(offset, buf.data() + old, want));
        buf.resize(old + n);
        offset += n;
        if (n == 0) break;
        size_t nl = buf.rfind('\n');
        if (nl != std::string::npos) {
          carry = buf.substr(nl + 1);
          buf.resize(nl + 1);
          break;
        }
      }
      int64_t first = line;
      line += std::count(buf.begin(), buf.end(), '\n');
      return std::pair{std::move(buf), first};
    };
    auto encode_async = [&](std::string chunk, int64_t first) {
      return std::async(std::launch::async, [&ingest, chunk = std::move(chunk), first, &name, &mo]() {
        double t0 = Seconds();
        auto candidates = ParseManifestChunk(chunk, first, name, mo);
        ingest.AddParseSeconds(Seconds() - t0);
        return ingest.Encode(std::move(candidates));
      });
    };
    OA_ASSIGN_OR_RETURN(auto c0, next_chunk());
    if (!c0.first.empty()) pending = encode_async(std::move(c0.first), c0.second);
    while (pending.valid()) {
      Result<Batch> rows = pending.get();
      OA_ASSIGN_OR_RETURN(auto c, next_chunk());
      if (!c.first.empty()) pending = encode_async(std::move(c.first), c.second);
      st = ingest.Write(std::move(rows));
      if (!st.ok()) break;
      progress_to(size ? 0.95 * static_cast<double>(offset) / static_cast<double>(size) : 0.95);
    }
    if (pending.valid()) pending.wait();
  } else if (req.format == "dir" || req.format == "text_combine") {
    OA_ASSIGN_OR_RETURN(auto objects, ListAll(objects_, uri));
    std::unordered_map<std::string, const objstore::ObjectInfo*> by_key;
    for (const auto& o : objects) by_key[o.key] = &o;
    std::vector<Candidate> batch;
    const Capabilities* caps = CapabilitiesOf(ds.type);
    std::string manifest_type(caps->manifest_type);
    auto flush = [&]() -> Status {
      if (batch.empty()) return Status::Ok();
      Status s = ingest.Write(ingest.Encode(std::move(batch)));
      batch.clear();
      return s;
    };
    // Queues one item, writing a batch when it is full.
    auto add = [&](Candidate c) -> Status {
      batch.push_back(std::move(c));
      return batch.size() >= static_cast<size_t>(options_.import_batch) ? flush() : Status::Ok();
    };
    MetaFixes fixes;
    size_t done = 0;
    for (const auto& o : objects) {
      ++done;
      if (o.key.ends_with('/')) continue;
      std::string src = "obs://" + uri.bucket + "/" + o.key;
      std::string rel = o.key.substr(uri.key.size());
      int sample_type = caps->sample_type;
      if (sample_type == 0 || ds.type == 600) {
        bool video = ds.type == 600;
        if (video ? AsciiLower(Extension(o.key)) != "mp4" : !IsImage(o.key)) continue;
        Candidate c;
        c.where = rel;
        ManifestSample s;
        s.source = src;
        // MetaValidation (spec §3.3): an image must decode as one (its header is read here; the
        // size it gives fixes the VOC file's and bounds its boxes).
        std::pair<int64_t, int64_t> size{0, 0};
        if (!video) {
          auto probed = interchange::ProbeImage(objects_, uri.bucket, o.key);
          if (!probed.ok()) {
            c.sample = InvalidArgument("not a readable image: " + probed.status().message());
            OA_TRY(add(std::move(c)));
            continue;
          }
          size = *probed;
        }
        if (req.import_annotations && ds.type == 0) {
          // "x.txt" beside the image: one label per line; else the folder name (imageNet).
          std::string txt = StripExtension(o.key) + ".txt";
          if (by_key.count(txt)) {
            auto text = ReadObject(objects_, "obs://" + uri.bucket + "/" + txt, 1 << 20);
            if (text.ok()) {
              size_t p = 0;
              while (p < text->size()) {
                size_t nl = text->find('\n', p);
                if (nl == std::string::npos) nl = text->size();
                std::string_view name = TrimWhitespace(std::string_view(*text).substr(p, nl - p));
                if (!name.empty()) {
                  ManifestAnnotation a;
                  a.type = manifest_type;
                  a.name = std::string(name);
                  a.annotated_by = "human";
                  s.annotations.push_back(std::move(a));
                }
                p = nl + 1;
              }
            }
          } else if (rel.find('/') != std::string::npos) {
            ManifestAnnotation a;
            a.type = manifest_type;
            a.name = ParentName(o.key);
            a.annotated_by = "human";
            s.annotations.push_back(std::move(a));
          }
        }
        if (req.import_annotations && (ds.type == 1 || ds.type == 3)) {
          std::string xml = StripExtension(o.key) + ".xml";
          if (by_key.count(xml)) {
            auto voc = ReadVocFor(objects_, "obs://" + uri.bucket + "/" + xml, size, fixes);
            if (!voc.ok()) {
              c.sample = voc.status();
              OA_TRY(add(std::move(c)));
              continue;
            }
            // An XML file without objects (left) labels nothing (spec §3.3).
            if (!voc->objects.empty()) s.annotations.push_back(interchange::VocAnnotationOf(*voc, ds.type));
          }
        }
        c.sample = std::move(s);
        OA_TRY(add(std::move(c)));
      } else if (sample_type == 2) {
        if (!IsAudio(o.key)) continue;
        Candidate c;
        c.where = rel;
        ManifestSample s;
        s.source = src;
        if (req.import_annotations && ds.type == 200 && rel.find('/') != std::string::npos) {
          ManifestAnnotation a;
          a.type = manifest_type;
          a.name = ParentName(o.key);
          a.annotated_by = "human";
          s.annotations.push_back(std::move(a));
        }
        c.sample = std::move(s);
        OA_TRY(add(std::move(c)));
      } else if (sample_type == 1) {
        std::string ext = AsciiLower(Extension(o.key));
        if (ext != "txt" || o.key.ends_with("_result.txt")) continue;
        auto text = ReadObject(objects_, src);
        if (!text.ok()) return text.status();
        std::vector<std::string> results;
        bool separate = ds.type == 100 && req.import_annotations && req.text_label_type == 0 &&
                        req.format != "text_combine";
        if (separate) {
          std::string result_key = StripExtension(o.key) + "_result.txt";
          if (by_key.count(result_key)) {
            OA_ASSIGN_OR_RETURN(auto rt, ReadObject(objects_, "obs://" + uri.bucket + "/" + result_key));
            size_t p = 0;
            while (p <= rt.size()) {
              size_t nl = rt.find('\n', p);
              if (nl == std::string::npos) nl = rt.size();
              std::string l = rt.substr(p, nl - p);
              if (!l.empty() && l.back() == '\r') l.pop_back();
              results.push_back(l);
              p = nl + 1;
            }
          }
        }
        size_t p = 0;
        int64_t line_no = 0;
        while (p < text->size()) {
          size_t nl = text->find('\n', p);
          if (nl == std::string::npos) nl = text->size();
          std::string l = text->substr(p, nl - p);
          p = nl + 1;
          ++line_no;
          if (!l.empty() && l.back() == '\r') l.pop_back();
          if (TrimWhitespace(l).empty()) continue;
          Candidate c;
          c.where = rel + ":" + std::to_string(line_no);
          ManifestSample s;
          std::vector<std::string> names;
          bool combine = ds.type == 100 && req.import_annotations && !separate;
          if (combine) {
            auto sep = l.rfind(req.text_sample_separator);
            if (sep != std::string::npos) {
              std::string labels_text = l.substr(sep + req.text_sample_separator.size());
              l.resize(sep);
              size_t q = 0;
              while (q <= labels_text.size()) {
                size_t e = labels_text.find(req.text_label_separator, q);
                if (e == std::string::npos) e = labels_text.size();
                std::string n(TrimWhitespace(std::string_view(labels_text).substr(q, e - q)));
                if (!n.empty()) names.push_back(n);
                q = e + req.text_label_separator.size();
              }
            }
          } else if (separate && static_cast<size_t>(line_no - 1) < results.size()) {
            std::string r(TrimWhitespace(results[line_no - 1]));
            if (!r.empty()) names.push_back(r);
          }
          s.source = "content://" + l;
          for (const std::string& n : names) {
            ManifestAnnotation a;
            a.type = manifest_type;
            a.name = n;
            a.annotated_by = "human";
            s.annotations.push_back(std::move(a));
          }
          c.sample = std::move(s);
          OA_TRY(add(std::move(c)));
        }
      } else {
        // Free format (and anything else): every object is a sample.
        Candidate c;
        c.where = rel;
        ManifestSample s;
        s.source = src;
        c.sample = std::move(s);
        OA_TRY(add(std::move(c)));
      }
      progress_to(0.95 * static_cast<double>(done) / static_cast<double>(objects.size() + 1));
    }
    st = flush();
    fixes.Warn(ingest.report().warnings);
  } else if (IsForeignImportFormat(req.format)) {
    Json detected;
    st = ReadForeignImport(
        objects_, ds, req, uri, static_cast<size_t>(options_.import_batch),
        [&](std::vector<ImportItem> items) -> Status {
          std::vector<Candidate> batch;
          batch.reserve(items.size());
          for (ImportItem& it : items) {
            Candidate c;
            c.where = std::move(it.where);
            c.sample = std::move(it.sample);
            batch.push_back(std::move(c));
          }
          return ingest.Write(ingest.Encode(std::move(batch)));
        },
        ingest.report().warnings, detected, [&](double f) { progress_to(0.95 * f); });
    ingest.SetDetectedSchema(std::move(detected));
  } else {
    return InvalidArgument("annotation_format: importing " + req.format + " is not available yet");
  }
  if (st.ok() && ingest.report().added + ingest.pending_updates() == 0) {
    std::string m = "ModelArts.4340 Import path does not contain valid file: " + req.path;
    const auto& items = ingest.report().rejected_items;
    for (size_t i = 0; i < items.size() && i < 3; ++i) m += (i ? "; " : " (") + items[i].where + ": " + items[i].reason;
    if (!items.empty()) m += ingest.report().rejected > 3 ? "; and " + std::to_string(ingest.report().rejected - 3) + " more)" : ")";
    st = InvalidArgument(std::move(m));
  }
  if (st.ok()) st = ingest.Commit();
  if (!st.ok()) {
    (void)PurgeInvisible(ds.seq);
    ingest.RollbackLabels();
    return st;
  }
  if (ingest.unchanged() > 0) {
    ingest.report().warnings.push_back(std::to_string(ingest.unchanged()) +
                                       " samples were already in the dataset and were left as they are");
  }
  progress_to(1.0);
  return ingest.report();
}

}  // namespace openarts::data
