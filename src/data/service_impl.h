// The DataService implementation, split over service.cc (datasets, samples, labels), importer.cc
// (imports) and publish.cc (versions, export). Not a public header.
#pragma once

#include <list>
#include <mutex>
#include <unordered_map>
#include <set>

#include "base/clock.h"
#include "data_internal.h"
#include "meta/meta.h"
#include "objstore/objstore.h"
#include "tasks/tasks.h"

namespace openarts::data {

class DataServiceImpl final : public DataService {
 public:
  DataServiceImpl(meta::Database& db, objstore::ObjectStore& objects, tasks::TaskService& tasks,
                  Clock& clock, Options options)
      : db_(db), objects_(objects), tasks_(tasks), clock_(clock), options_(options) {}

  void RegisterTasks();

  Result<Dataset> CreateDataset(const Caller& caller, const CreateDatasetRequest& req) override;
  Result<Dataset> GetDataset(const std::string& project_id, const std::string& id,
                             bool with_labels) override;
  Result<std::pair<std::vector<Dataset>, int64_t>> ListDatasets(const ListRequest& r) override;
  Result<Dataset> UpdateDataset(const std::string& project_id, const std::string& id,
                                const Json& patch) override;
  Status DeleteDataset(const std::string& project_id, const std::string& id) override;

  Result<ImportReport> Import(const Dataset& ds, const ImportRequest& req,
                              const std::function<void(double)>& progress) override;
  Result<tasks::TaskInfo> SubmitImport(const Dataset& ds, const Json& body,
                                       const Caller& caller) override;

  Result<SamplePage> ListSamples(const Dataset& ds, const SampleQuery& q) override;
  Result<Sample> GetSample(const Dataset& ds, const std::string& sample_id) override;
  Status UpdateSamples(const Dataset& ds, const std::vector<SampleLabelsUpdate>& updates) override;
  Result<int64_t> DeleteSamples(const Dataset& ds, const std::vector<std::string>& ids) override;
  Result<SampleContent> GetSampleContent(const Dataset& ds, const std::string& sample_id) override;
  Result<std::string> SampleThumbnail(const Dataset& ds, const std::string& sample_id, int max_side) override;

  Result<std::vector<Label>> ListLabels(const Dataset& ds) override;
  Status CreateLabels(const Dataset& ds, const std::vector<Label>& labels) override;
  Status RenameLabels(const Dataset& ds,
                      const std::vector<std::pair<std::string, std::string>>& renames) override;
  Status DeleteLabels(const Dataset& ds, const std::vector<std::string>& names,
                      int delete_policy) override;
  Status AddLabelToSamples(const Dataset& ds, const std::vector<std::string>& sample_ids,
                           const std::string& label) override;
  Status RemoveLabelFromSamples(const Dataset& ds, const std::vector<std::string>& sample_ids,
                                const std::string& label) override;

  Result<Version> PublishVersion(const Dataset& ds, const PublishRequest& req) override;
  Result<std::vector<Version>> ListVersions(const Dataset& ds) override;
  Result<Version> GetVersion(const Dataset& ds, const std::string& version_id) override;
  Status DeleteVersion(const Dataset& ds, const std::string& version_id) override;
  Status MaterializeVersion(const Dataset& ds, const std::string& version_id,
                            const std::string& dir) override;

  Result<Json> Export(const Dataset& ds, const ExportRequest& req,
                      const std::function<void(double)>& progress) override;
  Result<tasks::TaskInfo> SubmitExport(const Dataset& ds, const Json& body,
                                       const Caller& caller) override;
  Result<std::vector<tasks::TaskInfo>> ListTasks(const Dataset& ds, std::string_view type) override;
  Result<Json> AutoLabel(const Dataset& ds, const Json& params,
                         const std::function<void(double)>& progress) override;
  Result<tasks::TaskInfo> SubmitAutoLabel(const Dataset& ds, const Json& body, const Caller& caller) override;
  Result<int64_t> ConfirmPredictions(const Dataset& ds, const std::vector<std::string>& ids) override;
  Result<Json> AnalyzeVersion(const Dataset& ds, const std::string& version_id,
                              const std::function<void(double)>& progress) override;
  Result<tasks::TaskInfo> SubmitAnalysis(const Dataset& ds, const Json& body, const Caller& caller) override;
  Result<Json> FeatureHistograms(const Dataset& ds, const std::vector<std::string>& version_ids,
                                 const std::string& metric, const std::string& usage) override;

  // ---- shared by the files of the implementation ----
  struct Fresh {
    int64_t visible_no = 0;
    std::string salt;
  };
  // The dataset's current watermark and salt (the Dataset value may be stale).
  Result<Fresh> FreshOf(int64_t seq);
  Result<LabelMap> LoadLabels(int64_t seq);
  // Creates a label (kAlreadyExists ModelArts.4411 if present) inside `tx`; returns its id.
  Result<int64_t> InsertLabel(meta::Tx& tx, int64_t seq, const Label& l);
  // Rows → samples (columns: no, state, usage, hard, hard_coefficient, sample_type, source, doc,
  // preds, create_time, update_time).
  Result<Sample> SampleFromRow(const meta::Row& row, const std::string& salt, const LabelMap& labels);
  // A sample's columns only: no manifest annotations, no predictions (the same row columns).
  Sample SampleColumnsFromRow(const meta::Row& row, const std::string& salt);
  // Every visible sample row of a dataset in key order, in pages of 2,000, with the dataset's
  // salt and labels.
  Status ForEachRow(const Dataset& ds,
                    const std::function<Status(const meta::Row&, const Fresh&, const LabelMap&)>& fn);
  // Iterates every visible sample of a dataset in key order, in pages (publish, export).
  Status ForEachSample(const Dataset& ds, const std::function<Status(const Sample&)>& fn,
                       const std::function<bool(const Sample&)>& filter = {});

  Status CheckSegmentsFitRecording(const formats::ManifestSample& s, int dataset_type,
                                   const std::string& field) override;

  // Queues a task of `type` for the dataset ({project_id, dataset_id, request: body}) unless one is
  // queued or running: then kFailedPrecondition `busy` + its id.
  Result<tasks::TaskInfo> SubmitExclusive(const Dataset& ds, std::string_view type, const Json& body,
                                          const Caller& caller, const std::string& busy);

  // One import per dataset at a time (also guards the invisible key range above visible_no).
  bool TryLockImport(int64_t seq);
  void UnlockImport(int64_t seq);
  bool ImportRunning(int64_t seq);
  // Deletes samples and label keys above the watermark (a dead import's leftovers).
  Status PurgeInvisible(int64_t seq);

  meta::Database& db_;
  objstore::ObjectStore& objects_;
  tasks::TaskService& tasks_;
  Clock& clock_;
  Options options_;
  // Thumbnails by "<etag>/<max side>", least recently used first out, at most kThumbnailCacheBytes.
  struct ThumbnailCache {
    std::mutex mu;
    std::list<std::pair<std::string, std::string>> lru;  // front = most recent
    std::unordered_map<std::string, std::list<std::pair<std::string, std::string>>::iterator> index;
    size_t bytes = 0;
  } thumbnails_;
  static constexpr size_t kThumbnailCacheBytes = 64 << 20;
  std::mutex import_mu_;
  std::set<int64_t> importing_;
};

inline constexpr std::string_view kSampleColumns =
    "no, state, usage, hard, hard_coefficient, sample_type, source, doc, preds, create_time, "
    "update_time";

}  // namespace openarts::data
