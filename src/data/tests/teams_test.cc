// Team labeling on real SQLite and the real data service (data/teams.h, spec §8): team rules and
// their ModelArts errors, the random even split, who sees what (checked in the service), labeling
// validated as manual labeling, submit / review / accept into the dataset, progress per member,
// and a crash between the review and the dataset write.
#include "data/teams.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>

#include "base/clock.h"
#include "base/io.h"
#include "data/data.h"
#include "meta/meta.h"
#include "objstore/objstore.h"
#include "tasks/tasks.h"

namespace openarts::data {
namespace {

namespace fs = std::filesystem;

// Platform users by e-mail (what iam/ answers in the daemon).
const std::map<std::string, std::string> kUsers = {
    {"m@x.io", "u-m"}, {"a@x.io", "u-a"}, {"b@x.io", "u-b"}, {"c@x.io", "u-c"}, {"r@x.io", "u-r"}, {"m2@x.io", "u-m2"}};

class TeamsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("openarts_teams_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto store = objstore::Open({.url = "file://" + (dir_ / "objects").string()});
    ASSERT_TRUE(store.ok()) << store.status().message();
    objects_ = std::move(*store);
    for (const char* b : {"dsin", "dsout"}) ASSERT_TRUE(objects_->CreateBucket({.name = b}).ok());
    Start();
  }
  void TearDown() override {
    Stop();
    fs::remove_all(dir_);
  }
  // The daemon's services over the data directory; Stop() + Start() is a restart.
  void Start() {
    auto db = meta::Open({.url = "sqlite:" + (dir_ / "meta.db").string()});
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::move(*db);
    auto t = tasks::Create(*db_, clock_, {.max_concurrency = 1, .poll_interval_ms = 20});
    ASSERT_TRUE(t.ok());
    tasks_ = std::move(*t);
    auto s = Create(*db_, *objects_, *tasks_, clock_);
    ASSERT_TRUE(s.ok()) << s.status().message();
    data_ = std::move(*s);
    auto teams = CreateTeams(*db_, *data_, clock_, [](const std::string& email) -> Result<std::string> {
      auto it = kUsers.find(email);
      if (it == kUsers.end()) return NotFound("no user");
      return it->second;
    });
    ASSERT_TRUE(teams.ok()) << teams.status().message();
    teams_ = std::move(*teams);
  }
  void Stop() {
    teams_.reset();
    if (tasks_) tasks_->Stop();
    data_.reset();
    tasks_.reset();
    db_.reset();
  }

  // A text classification dataset (or `type`) of `lines` manifest lines.
  Dataset Make(const std::string& name, const std::string& lines, int type = 100) {
    CreateDatasetRequest r;
    r.name = name;
    r.type = type;
    r.input_path = "obs://dsin/" + name + "/";
    r.output_path = "obs://dsout/" + name + "/";
    auto d = data_->CreateDataset(owner_, r);
    EXPECT_TRUE(d.ok()) << d.status().message();
    if (lines.empty()) return *d;
    StringSource src(lines);
    EXPECT_TRUE(objects_->Put("dsin", name + ".manifest", src).ok());
    ImportRequest ir;
    ir.path = "obs://dsin/" + name + ".manifest";
    ir.format = "manifest";
    auto rep = data_->Import(*d, ir);
    EXPECT_TRUE(rep.ok()) << rep.status().message();
    return Fresh(*d);
  }
  Dataset Fresh(const Dataset& d) { return *data_->GetDataset(d.project_id, d.id); }
  // `n` unlabeled text samples "t0".."t{n-1}" and `labeled` labeled ones "l0"...
  static std::string TextLines(int n, int labeled = 0) {
    std::string out;
    for (int i = 0; i < n; ++i) out += "{\"source\":\"content://t" + std::to_string(i) + "\"}\n";
    for (int i = 0; i < labeled; ++i) {
      out += "{\"source\":\"content://l" + std::to_string(i) +
             "\",\"annotation\":[{\"type\":\"modelarts/text_classification\",\"name\":\"old\"}]}\n";
    }
    return out;
  }
  Workforce Team(const std::string& name, const std::vector<std::pair<std::string, WorkerRole>>& workers) {
    CreateWorkforceRequest r;
    r.name = name;
    for (const auto& [email, role] : workers) r.workers.push_back({email, role});
    auto w = teams_->CreateWorkforce(owner_, r);
    EXPECT_TRUE(w.ok()) << w.status().message();
    return w.ok() ? *w : Workforce{};
  }
  // The usual team: manager m, labelers a and b, reviewer r.
  Workforce UsualTeam(const std::string& name = "team") {
    return Team(name, {{"m@x.io", WorkerRole::kManager},
                       {"a@x.io", WorkerRole::kLabeler},
                       {"b@x.io", WorkerRole::kLabeler},
                       {"r@x.io", WorkerRole::kReviewer}});
  }
  WorkforceTask Task(const Dataset& d, const Workforce& w, int repetition = 1, bool all = false,
                     const std::string& name = "job") {
    CreateWorkforceTaskRequest r;
    r.name = name;
    r.workforce_id = w.id;
    r.repetition = repetition;
    r.all_samples = all;
    auto t = teams_->CreateTask(d, owner_, r);
    EXPECT_TRUE(t.ok()) << t.status().message();
    return t.ok() ? *t : WorkforceTask{};
  }
  // Every assignment `who` sees, through keyset pages of 2.
  std::vector<TaskSample> Share(const Dataset& d, const WorkforceTask& t, const Actor& who, TaskSampleQuery q = {}) {
    std::vector<TaskSample> out;
    q.query.limit = 2;
    for (int guard = 0; guard < 1000; ++guard) {
      auto page = teams_->ListTaskSamples(d, t.id, who, q);
      EXPECT_TRUE(page.ok()) << page.status().message();
      if (!page.ok()) break;
      for (auto& s : page->samples) out.push_back(s);
      if (page->next_marker.empty()) break;
      q.query.marker = page->next_marker;
    }
    return out;
  }
  static std::set<std::string> Ids(const std::vector<TaskSample>& v) {
    std::set<std::string> out;
    for (const auto& s : v) out.insert(s.sample.id);
    return out;
  }
  // The body of the dataset's PUT samples route, decoded as the API decodes it.
  std::vector<SampleLabelsUpdate> Updates(const Dataset& d, const Json& samples, const std::string& unit = "") {
    Json body = {{"samples", samples}};
    if (!unit.empty()) body["offset_unit"] = unit;
    auto u = DecodeSampleUpdates(body, d);
    EXPECT_TRUE(u.ok()) << u.status().message();
    return u.ok() ? *u : std::vector<SampleLabelsUpdate>{};
  }
  Status Label(const Dataset& d, const WorkforceTask& t, const Actor& who, const std::string& id, const Json& labels) {
    return teams_->LabelSamples(d, t.id, who, Updates(d, Json::array({{{"sample_id", id}, {"labels", labels}}})))
        .status();
  }
  Result<int64_t> Review(const Dataset& d, const WorkforceTask& t, const Actor& who, const Json& body) {
    auto r = DecodeReview(body);
    if (!r.ok()) return r.status();
    return teams_->ReviewSamples(d, t.id, who, *r);
  }
  Sample DatasetSample(const Dataset& d, const std::string& id) { return *data_->GetSample(d, id); }

  FakeClock clock_;
  fs::path dir_;
  std::unique_ptr<meta::Database> db_;
  std::unique_ptr<objstore::ObjectStore> objects_;
  std::unique_ptr<tasks::TaskService> tasks_;
  std::unique_ptr<DataService> data_;
  std::unique_ptr<Teams> teams_;
  Caller owner_{"u-o", "olga", "p1", "0"};  // creates the datasets, teams and tasks
  Actor olga_{"u-o", "olga", false};
  Actor a_{"u-a", "ann", false}, b_{"u-b", "ben", false}, r_{"u-r", "rita", false}, m_{"u-m", "max", false};
  Actor stranger_{"u-z", "zed", false};
};

Json Cls(const std::string& name) { return Json::array({{{"name", name}}}); }

TEST_F(TeamsTest, TeamRulesAndTheirErrors) {
  Workforce w = UsualTeam();
  EXPECT_EQ(w.worker_count, 4);
  auto workers = teams_->ListWorkers("p1", w.id);
  ASSERT_TRUE(workers.ok());
  ASSERT_EQ(workers->size(), 4u);
  EXPECT_EQ((*workers)[0].email, "a@x.io");  // by e-mail
  EXPECT_EQ((*workers)[0].user_id, "u-a");
  EXPECT_EQ((*workers)[2].role, WorkerRole::kManager);

  // A second manager: ModelArts.4617, nothing added.
  auto two = teams_->AddWorkers("p1", w.id, {{"c@x.io", WorkerRole::kLabeler}, {"m2@x.io", WorkerRole::kManager}});
  EXPECT_EQ(two.status().code(), Code::kInvalidArgument);
  EXPECT_NE(two.status().message().find("ModelArts.4617 The number of manager should be one"), std::string::npos)
      << two.status().message();
  EXPECT_EQ(teams_->ListWorkers("p1", w.id)->size(), 4u);
  // Unique e-mail (any case), a real user, a real address, a real role.
  auto dup = teams_->AddWorkers("p1", w.id, {{"A@X.io", WorkerRole::kReviewer}});
  EXPECT_EQ(dup.status().code(), Code::kAlreadyExists);
  EXPECT_NE(dup.status().message().find("a@x.io is already in team team"), std::string::npos);
  auto unknown = teams_->AddWorkers("p1", w.id, {{"nobody@x.io", WorkerRole::kLabeler}});
  EXPECT_EQ(unknown.status().code(), Code::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("workers[0].email: no platform user has the e-mail nobody@x.io"),
            std::string::npos)
      << unknown.status().message();
  auto bad = DecodeWorkers(Json::parse(R"({"workers":[{"email":"c@x.io"},{"email":"not-an-address","role":1}]})"));
  EXPECT_NE(bad.status().message().find("workers[1].email: \"not-an-address\" is not an e-mail address"),
            std::string::npos)
      << bad.status().message();
  auto owner_role = DecodeWorkers(Json::parse(R"({"workers":[{"email":"c@x.io","role":3}]})"));
  EXPECT_NE(owner_role.status().message().find("workers[0].role: 3 (dataset owner) is not a team role"),
            std::string::npos);
  auto ok = DecodeWorkers(Json::parse(R"({"workers":[{"email":" C@x.IO ","role":"1"}]})"));
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ((*ok)[0].email, "c@x.io");
  EXPECT_EQ((*ok)[0].role, WorkerRole::kReviewer);

  // At most 100 members.
  Json many = Json::array();
  for (int i = 0; i < 101; ++i) many.push_back({{"email", "w" + std::to_string(i) + "@x.io"}});
  EXPECT_NE(DecodeWorkers({{"workers", many}}).status().message().find("at most 100 members"), std::string::npos);

  // Names: unique in the project; at most 10 teams per project.
  CreateWorkforceRequest same;
  same.name = "team";
  EXPECT_EQ(teams_->CreateWorkforce(owner_, same).status().code(), Code::kAlreadyExists);
  for (int i = 1; i < kMaxWorkforcesPerProject; ++i) Team("t" + std::to_string(i), {});
  CreateWorkforceRequest eleventh;
  eleventh.name = "t10";
  auto over = teams_->CreateWorkforce(owner_, eleventh);
  EXPECT_EQ(over.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(over.status().message().find("at most 10 teams"), std::string::npos);
  Caller other = owner_;
  other.project_id = "p2";  // the limit is per project
  EXPECT_TRUE(teams_->CreateWorkforce(other, eleventh).ok());
  auto list = teams_->ListWorkforces("p1", 0, 3);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->second, 10);
  EXPECT_EQ(list->first.size(), 3u);
  auto renamed = teams_->UpdateWorkforce("p1", w.id, Json{{"workforce_name", "labelers"}, {"description", "ok"}});
  ASSERT_TRUE(renamed.ok()) << renamed.status().message();
  EXPECT_EQ(teams_->GetWorkforce("p1", w.id)->name, "labelers");
  EXPECT_EQ(teams_->GetWorkforce("p2", w.id).status().code(), Code::kNotFound);  // another project's

  // A reviewer without work can go; the manager too (a team may lack one until a task is made).
  std::string reviewer_id, labeler_id;
  auto now_workers = teams_->ListWorkers("p1", w.id);
  ASSERT_TRUE(now_workers.ok());
  for (const auto& x : *now_workers) {
    if (x.role == WorkerRole::kReviewer) reviewer_id = x.id;
    if (x.email == "a@x.io") labeler_id = x.id;
  }
  EXPECT_TRUE(teams_->DeleteWorker("p1", w.id, reviewer_id).ok());
  EXPECT_EQ(teams_->DeleteWorker("p1", w.id, reviewer_id).code(), Code::kNotFound);
  // A labeler with samples in a task cannot (ModelArts.4628); without the task they can.
  Dataset d = Make("ds", TextLines(4));
  WorkforceTask t = Task(d, w);
  Status busy = teams_->DeleteWorker("p1", w.id, labeler_id);
  EXPECT_EQ(busy.code(), Code::kFailedPrecondition);
  EXPECT_NE(busy.message().find("ModelArts.4628 Can not delete worker who has task"), std::string::npos);
  // An unfinished task keeps its team (ModelArts.4615).
  Status unfinished = teams_->DeleteWorkforce("p1", w.id);
  EXPECT_EQ(unfinished.code(), Code::kFailedPrecondition);
  EXPECT_NE(unfinished.message().find("ModelArts.4615 Workforce task is unfinished"), std::string::npos);
  ASSERT_TRUE(teams_->DeleteTask(d, t.id).ok());
  EXPECT_TRUE(teams_->DeleteWorker("p1", w.id, labeler_id).ok());
  EXPECT_TRUE(teams_->DeleteWorkforce("p1", w.id).ok());
  EXPECT_EQ(teams_->GetWorkforce("p1", w.id).status().code(), Code::kNotFound);
}

TEST_F(TeamsTest, TasksNeedATeamTypeAManagerAndEnoughLabelers) {
  Dataset seg = Make("seg", "", 3);
  Workforce w = UsualTeam();
  CreateWorkforceTaskRequest r;
  r.name = "job";
  r.workforce_id = w.id;
  auto no_team = teams_->CreateTask(seg, owner_, r);
  EXPECT_EQ(no_team.status().code(), Code::kInvalidArgument);
  EXPECT_NE(no_team.status().message().find(
                "image_segmentation) has no team labeling; teams label image_classification (0), object_detection "
                "(1), text_classification (100), named_entity_recognition (101), text_triplet (102), "
                "speech_segmentation (202)"),
            std::string::npos)
      << no_team.status().message();

  Dataset d = Make("ds", TextLines(3));
  Workforce headless = Team("headless", {{"a@x.io", WorkerRole::kLabeler}});
  r.workforce_id = headless.id;
  EXPECT_NE(teams_->CreateTask(d, owner_, r).status().message().find("ModelArts.4617"), std::string::npos);
  Workforce nobody = Team("nobody", {{"m@x.io", WorkerRole::kManager}, {"r@x.io", WorkerRole::kReviewer}});
  r.workforce_id = nobody.id;
  EXPECT_NE(teams_->CreateTask(d, owner_, r).status().message().find("ModelArts.4822"), std::string::npos);
  r.workforce_id = w.id;
  r.repetition = 3;  // two labelers
  EXPECT_NE(teams_->CreateTask(d, owner_, r).status().message().find("ModelArts.4822"), std::string::npos);
  auto bad = DecodeCreateWorkforceTask(Json::parse(R"({"task_name":"x y","workforce_id":"w"})"));
  EXPECT_NE(bad.status().message().find("task_name: only letters"), std::string::npos);
  auto cfg = DecodeCreateWorkforceTask(
      Json::parse(R"({"task_name":"j","workforces_config":{"workforces":[{"workforce_id":"w1"}]},"repetition":2})"));
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  EXPECT_EQ(cfg->workforce_id, "w1");
  EXPECT_EQ(cfg->repetition, 2);
  EXPECT_NE(DecodeCreateWorkforceTask(Json::parse(R"({"task_name":"j"})")).status().message().find("workforce_id"),
            std::string::npos);

  // Nothing unlabeled: a clear refusal; all_samples takes the labeled ones too.
  Dataset labeled = Make("lab", TextLines(0, 2));
  r.repetition = 1;
  auto empty = teams_->CreateTask(labeled, owner_, r);
  EXPECT_EQ(empty.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(empty.status().message().find("pass all_samples"), std::string::npos);
  r.all_samples = true;
  auto all = teams_->CreateTask(labeled, owner_, r);
  ASSERT_TRUE(all.ok()) << all.status().message();
  EXPECT_EQ(all->sample_count, 2);
  r.all_samples = false;
  auto twice = teams_->CreateTask(d, owner_, r);
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(teams_->CreateTask(d, owner_, r).status().code(), Code::kAlreadyExists);  // same name
}

TEST_F(TeamsTest, UnlabeledSamplesAreSplitEvenlyAndEachMemberSeesOnlyTheirShare) {
  Dataset d = Make("ds", TextLines(7, 3));
  Workforce w = UsualTeam();
  WorkforceTask t = Task(d, w);
  EXPECT_EQ(t.sample_count, 7);
  auto a = Share(d, t, a_), b = Share(d, t, b_);
  // 7 over two labelers: 4 and 3, disjoint, together the 7 unlabeled samples.
  EXPECT_EQ(std::min(a.size(), b.size()), 3u);
  EXPECT_EQ(std::max(a.size(), b.size()), 4u);
  std::set<std::string> both = Ids(a);
  for (const auto& id : Ids(b)) EXPECT_TRUE(both.insert(id).second) << id << " is in both shares";
  SampleQuery unl;
  unl.state = SampleState::kUnlabeled;
  unl.limit = 100;
  std::set<std::string> unlabeled;
  auto unlabeled_page = data_->ListSamples(d, unl);
  ASSERT_TRUE(unlabeled_page.ok());
  for (const auto& s : unlabeled_page->samples) unlabeled.insert(s.id);
  EXPECT_EQ(both, unlabeled);
  for (const auto& s : a) {
    EXPECT_EQ(s.email, "a@x.io");
    EXPECT_EQ(s.state, TaskSampleState::kUnlabeled);
    EXPECT_EQ(s.ToJson()["workforce_state"], "UNLABELED");
    EXPECT_EQ(s.ToJson()["labelers"][0]["email"], "a@x.io");
  }
  // A seed is the task id: another task splits the same samples differently but as evenly.
  WorkforceTask t2 = Task(d, w, 1, false, "again");
  EXPECT_EQ(std::max(Share(d, t2, a_).size(), Share(d, t2, b_).size()), 4u);

  // Checked in the service: another member's sample is refused whatever the caller asks.
  const std::string bs = b[0].sample.id;
  auto peek = teams_->GetTaskSample(d, t.id, a_, bs, b[0].worker_id);
  EXPECT_EQ(peek.status().code(), Code::kPermissionDenied);
  EXPECT_NE(peek.status().message().find("another labeler's share"), std::string::npos);
  EXPECT_EQ(teams_->GetTaskSample(d, t.id, a_, bs).status().code(), Code::kPermissionDenied);
  TaskSampleQuery theirs;
  theirs.worker_id = b[0].worker_id;
  EXPECT_EQ(teams_->ListTaskSamples(d, t.id, a_, theirs).status().code(), Code::kPermissionDenied);
  Status steal = Label(d, t, a_, bs, Cls("pos"));
  EXPECT_EQ(steal.code(), Code::kPermissionDenied);
  EXPECT_NE(steal.message().find("samples[0]: sample " + bs + " is in another labeler's share"), std::string::npos);
  EXPECT_EQ(teams_->SubmitSamples(d, t.id, a_, {bs}).status().code(), Code::kPermissionDenied);
  // A sample outside the task (labeled before it) is not found.
  SampleQuery lab;
  lab.state = SampleState::kLabeled;
  const std::string outside = data_->ListSamples(d, lab)->samples.at(0).id;
  EXPECT_EQ(teams_->GetTaskSample(d, t.id, a_, outside).status().code(), Code::kNotFound);

  // The reviewer sees nothing until something is submitted; strangers nothing at all.
  EXPECT_TRUE(Share(d, t, r_).empty());
  EXPECT_EQ(teams_->GetTaskSample(d, t.id, r_, bs).status().code(), Code::kPermissionDenied);
  EXPECT_EQ(teams_->GetTask(d, t.id, stranger_).status().code(), Code::kPermissionDenied);
  EXPECT_EQ(teams_->ListTaskSamples(d, t.id, stranger_, {}).status().code(), Code::kPermissionDenied);
  EXPECT_EQ(teams_->ListTasks(d, stranger_).status().code(), Code::kPermissionDenied);
  // The manager, the dataset's creator and a supervisor see all 7.
  EXPECT_EQ(Share(d, t, m_).size(), 7u);
  EXPECT_EQ(Share(d, t, olga_).size(), 7u);
  EXPECT_EQ(Share(d, t, Actor{"u-admin", "admin", true}).size(), 7u);
  TaskSampleQuery one;
  one.worker_id = b[0].worker_id;
  EXPECT_EQ(Share(d, t, m_, one).size(), b.size());

  // Members find their tasks; the dataset's task list shows them theirs.
  auto mine = teams_->ListMyTasks("p1", a_);
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->size(), 2u);
  EXPECT_EQ((*mine)[0].role, "labeler");
  EXPECT_EQ(teams_->ListMyTasks("p1", r_)->at(0).role, "reviewer");
  EXPECT_TRUE(teams_->ListMyTasks("p1", stranger_)->empty());
  EXPECT_EQ(teams_->ListTasks(d, b_)->size(), 2u);
}

TEST_F(TeamsTest, RepetitionGivesEachSampleToDistinctLabelersEvenly) {
  Dataset d = Make("ds", TextLines(10));
  Workforce w = Team("team", {{"m@x.io", WorkerRole::kManager},
                              {"a@x.io", WorkerRole::kLabeler},
                              {"b@x.io", WorkerRole::kLabeler},
                              {"c@x.io", WorkerRole::kLabeler}});
  WorkforceTask t = Task(d, w, 2);
  auto all = Share(d, t, m_);
  ASSERT_EQ(all.size(), 20u);  // every assignment once across the keyset pages
  std::map<std::string, std::set<std::string>> per_sample;
  std::map<std::string, int> per_labeler;
  for (const auto& s : all) {
    EXPECT_TRUE(per_sample[s.sample.id].insert(s.email).second) << "a labeler twice on " << s.sample.id;
    ++per_labeler[s.email];
  }
  EXPECT_EQ(per_sample.size(), 10u);
  for (const auto& [id, labelers] : per_sample) EXPECT_EQ(labelers.size(), 2u) << id;
  ASSERT_EQ(per_labeler.size(), 3u);
  for (const auto& [email, n] : per_labeler) EXPECT_TRUE(n == 6 || n == 7) << email << " got " << n;

  // Two submissions of one sample: the reviewer names the one to accept; the other cannot be
  // accepted after it.
  Actor c{"u-c", "cal", false};
  std::string shared;
  for (const auto& [id, labelers] : per_sample) {
    if (labelers.count("a@x.io") && labelers.count("b@x.io")) shared = id;
  }
  ASSERT_FALSE(shared.empty());
  ASSERT_TRUE(Label(d, t, a_, shared, Cls("x")).ok());
  ASSERT_TRUE(Label(d, t, b_, shared, Cls("y")).ok());
  ASSERT_TRUE(teams_->SubmitSamples(d, t.id, a_, {shared}).ok());
  ASSERT_TRUE(teams_->SubmitSamples(d, t.id, b_, {shared}).ok());
  auto ambiguous = Review(d, t, m_, {{"samples", {shared}}, {"comment", {{"result", "accept"}}}});
  EXPECT_EQ(ambiguous.status().code(), Code::kInvalidArgument);
  EXPECT_NE(ambiguous.status().message().find("submitted by 2 labelers"), std::string::npos);
  std::string a_worker;
  for (const auto& s : all) {
    if (s.sample.id == shared && s.email == "a@x.io") a_worker = s.worker_id;
  }
  auto accepted = Review(d, t, m_, {{"samples", {{{"sample_id", shared}, {"worker_id", a_worker}}}},
                                    {"comment", {{"result", "accept"}, {"score", "B"}}}});
  ASSERT_TRUE(accepted.ok()) << accepted.status().message();
  EXPECT_EQ(DatasetSample(d, shared).ToJson()["labels"][0]["name"], "x");
  auto second = Review(d, t, m_, {{"samples", {shared}}, {"comment", {{"result", "accept"}}}});
  EXPECT_EQ(second.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("accepted already"), std::string::npos);
  EXPECT_TRUE(Review(d, t, m_, {{"samples", {shared}}, {"comment", {{"result", "reject"}, {"comment", "dup"}}}}).ok());
}

TEST_F(TeamsTest, LabelSubmitReviewAcceptWritesTheDatasetAndRejectSendsItBack) {
  Dataset d = Make("ds", TextLines(6));
  Workforce w = UsualTeam();
  WorkforceTask t = Task(d, w);
  auto mine = Share(d, t, a_);
  ASSERT_EQ(mine.size(), 3u);
  const std::string s1 = mine[0].sample.id, s2 = mine[1].sample.id;

  // Validated as manual labeling, naming the sample: a label name with a control character.
  Json wrong = Cls("bad\u0001name");
  auto bad = teams_->LabelSamples(d, t.id, a_, Updates(d, Json::array({{{"sample_id", s1}, {"labels", Cls("pos")}},
                                                                       {{"sample_id", s2}, {"labels", wrong}}})));
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(bad.status().message().rfind("samples[1]", 0), 0u) << bad.status().message();
  EXPECT_NE(bad.status().message().find("control characters"), std::string::npos) << bad.status().message();
  // The same labels through manual labeling fail the same way.
  Status manual = data_->UpdateSamples(d, Updates(d, Json::array({{{"sample_id", s2}, {"labels", wrong}}})));
  EXPECT_NE(manual.message().find("control characters"), std::string::npos) << manual.message();
  EXPECT_EQ(Share(d, t, a_)[0].state, TaskSampleState::kUnlabeled);  // all or nothing

  // Labeled in the task only: the dataset and its labels are untouched until a review accepts.
  ASSERT_TRUE(Label(d, t, a_, s1, Cls("pos")).ok());
  ASSERT_TRUE(Label(d, t, a_, s2, Cls("neg")).ok());
  EXPECT_EQ(DatasetSample(d, s1).state, SampleState::kUnlabeled);
  EXPECT_TRUE(Fresh(d).labels.empty());
  auto mine_now = teams_->GetTaskSample(d, t.id, a_, s1);
  ASSERT_TRUE(mine_now.ok());
  EXPECT_EQ(mine_now->state, TaskSampleState::kLabeled);
  EXPECT_EQ(mine_now->ToJson()["labels"][0]["name"], "pos");
  // Label filter on the task's labels, state filters.
  TaskSampleQuery q;
  q.query.labels = {"neg"};
  EXPECT_EQ(Ids(Share(d, t, a_, q)), std::set<std::string>{s2});
  q = {};
  q.states = *DecodeTaskSampleState("__ALL__");
  EXPECT_EQ(Ids(Share(d, t, a_, q)), (std::set<std::string>{s1, s2}));

  // Submitting: only labeled samples; then they are frozen for the labeler.
  auto unlabeled = teams_->SubmitSamples(d, t.id, a_, {mine.back().sample.id});
  EXPECT_EQ(unlabeled.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(unlabeled.status().message().find("is not labeled yet"), std::string::npos);
  auto submitted = teams_->SubmitSamples(d, t.id, a_, {});
  ASSERT_TRUE(submitted.ok());
  EXPECT_EQ(*submitted, 2);
  EXPECT_EQ(Label(d, t, a_, s1, Cls("other")).code(), Code::kFailedPrecondition);
  // Labelers do not review; the reviewer sees exactly the submitted ones.
  EXPECT_EQ(Review(d, t, a_, {{"samples", {s1}}, {"comment", {{"result", "accept"}}}}).status().code(),
            Code::kPermissionDenied);
  EXPECT_EQ(Ids(Share(d, t, r_)), (std::set<std::string>{s1, s2}));

  // Accept s1 (score A): written into the dataset as manual labeling writes it; the label is created.
  auto acc = Review(d, t, r_, {{"samples", {s1}}, {"comment", {{"result", "accept"}, {"score", "A"}}}});
  ASSERT_TRUE(acc.ok()) << acc.status().message();
  EXPECT_EQ(*acc, 1);
  Sample in_ds = DatasetSample(d, s1);
  EXPECT_EQ(in_ds.state, SampleState::kLabeled);
  EXPECT_EQ(in_ds.ToJson()["labels"][0]["name"], "pos");
  Dataset fresh = Fresh(d);
  ASSERT_EQ(fresh.labels.size(), 1u);
  EXPECT_EQ(fresh.labels[0].name, "pos");
  EXPECT_EQ(fresh.labeled_count, 1);
  Json accepted = teams_->GetTaskSample(d, t.id, a_, s1)->ToJson();
  EXPECT_EQ(accepted["workforce_state"], "ACCEPTED");
  EXPECT_EQ(accepted["review_accept"], true);
  EXPECT_EQ(accepted["review_score"], "A");
  EXPECT_EQ(accepted["reviewer"], "rita");
  EXPECT_EQ(Label(d, t, a_, s1, Cls("x")).code(), Code::kFailedPrecondition);  // final

  // Reject s2 with a reason: back with the labeler, the comment on the sample.
  EXPECT_NE(DecodeReview(Json::parse(R"({"samples":["x"],"comment":{"result":"reject"}})")).status().message().find(
                "a rejection needs a reason"),
            std::string::npos);
  EXPECT_NE(DecodeReview(Json::parse(R"({"samples":["x"],"comment":{"result":"accept","score":"E"}})"))
                .status()
                .message()
                .find("comment.score: A (best), B, C or D"),
            std::string::npos);
  auto rej = Review(d, t, r_, {{"samples", {s2}}, {"comment", {{"result", "reject"}, {"comment", "it is positive"}}}});
  ASSERT_TRUE(rej.ok()) << rej.status().message();
  EXPECT_EQ(DatasetSample(d, s2).state, SampleState::kUnlabeled);
  Json back = teams_->GetTaskSample(d, t.id, a_, s2)->ToJson();
  EXPECT_EQ(back["workforce_state"], "REJECTED");
  EXPECT_EQ(back["review_accept"], false);
  EXPECT_EQ(back["review_comment"], "it is positive");
  auto again = teams_->SubmitSamples(d, t.id, a_, {s2});
  EXPECT_NE(again.status().message().find("was rejected: label it again"), std::string::npos);
  // Relabeled, the comment stays visible until the next review.
  ASSERT_TRUE(Label(d, t, a_, s2, Cls("pos")).ok());
  Json relabeled = teams_->GetTaskSample(d, t.id, a_, s2)->ToJson();
  EXPECT_EQ(relabeled["workforce_state"], "LABELED");
  EXPECT_EQ(relabeled["review_comment"], "it is positive");
  ASSERT_EQ(*teams_->SubmitSamples(d, t.id, a_, {s2}), 1);
  // Reviewing what is not submitted is refused, naming its state.
  auto not_sub = Review(d, t, r_, {{"samples", {s1}}, {"comment", {{"result", "accept"}}}});
  EXPECT_NE(not_sub.status().message().find("is accepted, not submitted for review"), std::string::npos)
      << not_sub.status().message();
  ASSERT_TRUE(Review(d, t, r_, {{"samples", {s2}}, {"comment", {{"result", "accept"}}}}).ok());
  EXPECT_EQ(DatasetSample(d, s2).ToJson()["labels"][0]["name"], "pos");

  // A supervisor who labels cannot review their own labeling.
  Actor a_supervising = a_;
  a_supervising.supervisor = true;
  const std::string s3 = mine.back().sample.id;
  ASSERT_TRUE(Label(d, t, a_, s3, Cls("neg")).ok());
  ASSERT_TRUE(teams_->SubmitSamples(d, t.id, a_, {s3}).ok());
  auto own = Review(d, t, a_supervising, {{"samples", {s3}}, {"comment", {{"result", "accept"}}}});
  EXPECT_EQ(own.status().code(), Code::kPermissionDenied);
  EXPECT_NE(own.status().message().find("your own labeling"), std::string::npos);
}

TEST_F(TeamsTest, ProgressPerMemberCountsEveryState) {
  Dataset d = Make("ds", TextLines(8));
  Workforce w = UsualTeam();
  WorkforceTask t = Task(d, w);
  auto a = Share(d, t, a_), b = Share(d, t, b_);
  ASSERT_EQ(a.size(), 4u);
  ASSERT_EQ(b.size(), 4u);
  // a: 3 labeled, 2 of them submitted, one accepted and one rejected; b: 1 labeled.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Label(d, t, a_, a[i].sample.id, Cls("p")).ok());
  ASSERT_EQ(*teams_->SubmitSamples(d, t.id, a_, {a[0].sample.id, a[1].sample.id}), 2);
  ASSERT_TRUE(Review(d, t, r_, {{"samples", {a[0].sample.id}}, {"comment", {{"result", "accept"}}}}).ok());
  ASSERT_TRUE(Review(d, t, r_, {{"samples", {a[1].sample.id}}, {"comment", {{"result", "reject"}, {"comment", "no"}}}}).ok());
  ASSERT_TRUE(Label(d, t, b_, b[0].sample.id, Cls("p")).ok());
  ASSERT_EQ(*teams_->SubmitSamples(d, t.id, b_, {}), 1);

  auto p = teams_->Progress(d, t.id, r_);
  ASSERT_TRUE(p.ok()) << p.status().message();
  ASSERT_EQ(p->members.size(), 2u);
  const MemberProgress& pa = p->members[0];
  EXPECT_EQ(pa.email, "a@x.io");
  EXPECT_EQ(pa.assigned, 4);
  EXPECT_EQ(pa.labeled, 3);
  EXPECT_EQ(pa.submitted, 2);
  EXPECT_EQ(pa.pending_review, 0);
  EXPECT_EQ(pa.accepted, 1);
  EXPECT_EQ(pa.rejected, 1);
  const MemberProgress& pb = p->members[1];
  EXPECT_EQ(pb.email, "b@x.io");
  EXPECT_EQ(pb.labeled, 1);
  EXPECT_EQ(pb.submitted, 1);
  EXPECT_EQ(pb.pending_review, 1);
  EXPECT_EQ(p->total.assigned, 8);
  EXPECT_EQ(p->total.accepted, 1);
  EXPECT_EQ(p->sample_count, 8);
  EXPECT_EQ(p->accepted_sample_count, 1);
  EXPECT_EQ(p->ToJson()["status"], "LABELING");
  // A labeler sees their own row only.
  auto own = teams_->Progress(d, t.id, b_);
  ASSERT_EQ(own->members.size(), 1u);
  EXPECT_EQ(own->members[0].email, "b@x.io");
  EXPECT_EQ(teams_->Progress(d, t.id, stranger_).status().code(), Code::kPermissionDenied);
  // Review-state filters for the reviewer.
  TaskSampleQuery q;
  q.states = *DecodeTaskSampleState("__UNREVIEWED__");
  EXPECT_EQ(Ids(Share(d, t, r_, q)), std::set<std::string>{b[0].sample.id});
  q.states = *DecodeTaskSampleState("__REVIEWED__");
  EXPECT_EQ(Ids(Share(d, t, r_, q)), (std::set<std::string>{a[0].sample.id, a[1].sample.id}));
  EXPECT_EQ(DecodeTaskSampleState("__AUTO_ANNOTATION__").status().code(), Code::kInvalidArgument);
}

TEST_F(TeamsTest, EntitiesAndBoxesAreValidatedAsInManualLabeling) {
  // Named entities: offsets inside the text, UTF-16 converted to code points.
  Dataset ner = Make("ner", "{\"source\":\"content://\xF0\x9F\x98\x80 Hua Wei\"}\n", 101);
  Workforce w = UsualTeam();
  WorkforceTask t = Task(ner, w);
  auto share = Share(ner, t, m_);
  ASSERT_EQ(share.size(), 1u);
  const std::string id = share[0].sample.id;
  Actor labeler = share[0].email == "a@x.io" ? a_ : b_;
  auto span = [](int start, int end) {
    return Json::array({{{"name", "Org"}, {"property", {{"@modelarts:start_index", start}, {"@modelarts:end_index", end}}}}});
  };
  auto past = teams_->LabelSamples(ner, t.id, labeler, Updates(ner, Json::array({{{"sample_id", id}, {"labels", span(2, 40)}}})));
  EXPECT_EQ(past.status().code(), Code::kInvalidArgument);
  EXPECT_NE(past.status().message().find("samples[0]"), std::string::npos);
  EXPECT_NE(past.status().message().find("past the end of the text"), std::string::npos) << past.status().message();
  // "Hua" is UTF-16 [3, 6) after the emoji's two code units: code points [2, 5).
  auto utf16 = teams_->LabelSamples(ner, t.id, labeler,
                                    Updates(ner, Json::array({{{"sample_id", id}, {"labels", span(3, 6)}}}), "utf16"));
  ASSERT_TRUE(utf16.ok()) << utf16.status().message();
  ASSERT_TRUE(teams_->SubmitSamples(ner, t.id, labeler, {}).ok());
  ASSERT_TRUE(Review(ner, t, r_, {{"samples", {id}}, {"comment", {{"result", "accept"}}}}).ok());
  Json stored = DatasetSample(ner, id).ToJson()["labels"];
  EXPECT_EQ(stored[0]["property"]["@modelarts:start_index"], 2);
  EXPECT_EQ(stored[0]["property"]["@modelarts:end_index"], 5);

  // Boxes: inside the image, whose size the labeler sends.
  Dataset det = Make("det", "{\"source\":\"s3://dsin/det/a.jpg\"}\n", 1);
  WorkforceTask dt = Task(det, w);
  auto box_share = Share(det, dt, m_);
  ASSERT_EQ(box_share.size(), 1u);
  const std::string img = box_share[0].sample.id;
  Actor box_labeler = box_share[0].email == "a@x.io" ? a_ : b_;
  auto box = [&](int x2) {
    return Json::array({{{"sample_id", img}, {"width", 100}, {"height", 80},
                         {"labels", Json::array({{{"name", "cat"},
                                                  {"property", {{"@modelarts:shape", "bndbox"},
                                                                {"@modelarts:feature", {{10, 10}, {x2, 40}}}}}}})}}});
  };
  auto outside = teams_->LabelSamples(det, dt.id, box_labeler, Updates(det, box(150)));
  EXPECT_EQ(outside.status().code(), Code::kInvalidArgument);
  EXPECT_NE(outside.status().message().find("samples[0]"), std::string::npos) << outside.status().message();
  ASSERT_TRUE(teams_->LabelSamples(det, dt.id, box_labeler, Updates(det, box(90))).ok());
  ASSERT_TRUE(teams_->SubmitSamples(det, dt.id, box_labeler, {}).ok());
  ASSERT_TRUE(Review(det, dt, r_, {{"samples", {img}}, {"comment", {{"result", "accept"}}}}).ok());
  Json boxes = DatasetSample(det, img).ToJson()["labels"];
  ASSERT_EQ(boxes.size(), 1u);
  EXPECT_EQ(boxes[0]["name"], "cat");
  EXPECT_EQ(boxes[0]["property"]["@modelarts:feature"], Json::parse("[[10,10],[90,40]]"));
}

TEST_F(TeamsTest, SpeechSegmentsMustEndWithinTheRecordingWhenLabeled) {
  // 1.5 s of 16 kHz mono 16-bit silence.
  auto le = [](uint32_t v, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += static_cast<char>(v >> (8 * i));
    return out;
  };
  std::string body = "WAVEfmt " + le(16, 4) + le(1, 2) + le(1, 2) + le(16000, 4) + le(32000, 4) + le(2, 2) +
                     le(16, 2) + "data" + le(48000, 4) + std::string(48000, '\0');
  StringSource wav("RIFF" + le(static_cast<uint32_t>(body.size()), 4) + body);
  ASSERT_TRUE(objects_->Put("dsin", "speech/a.wav", wav).ok());
  Dataset d = Make("speech", "{\"source\":\"s3://dsin/speech/a.wav\"}\n", 202);
  WorkforceTask t = Task(d, UsualTeam());
  auto share = Share(d, t, m_);
  ASSERT_EQ(share.size(), 1u);
  Actor labeler = share[0].email == "a@x.io" ? a_ : b_;
  auto segment = [](const char* end) {
    return Json::array({{{"name", "speaker1"},
                         {"property", {{"@modelarts:start_time", "00:00:00.500"}, {"@modelarts:end_time", end}}}}});
  };
  Status late = Label(d, t, labeler, share[0].sample.id, segment("00:00:01.600"));
  EXPECT_EQ(late.code(), Code::kInvalidArgument);
  EXPECT_EQ(late.message(), "samples[0]: a segment ends at 1.600 s, after the end of the recording (1.500 s)");
  EXPECT_TRUE(Label(d, t, labeler, share[0].sample.id, segment("00:00:01.500")).ok());
}

TEST_F(TeamsTest, ARestartLosesNothingAndFinishesAnInterruptedAcceptance) {
  Dataset d = Make("ds", TextLines(4));
  Workforce w = UsualTeam();
  WorkforceTask t = Task(d, w);
  auto a = Share(d, t, a_);
  ASSERT_EQ(a.size(), 2u);
  const std::string s1 = a[0].sample.id, s2 = a[1].sample.id;
  ASSERT_TRUE(Label(d, t, a_, s1, Cls("pos")).ok());
  ASSERT_TRUE(Label(d, t, a_, s2, Cls("neg")).ok());
  ASSERT_EQ(*teams_->SubmitSamples(d, t.id, a_, {}), 2);
  // The review's first transaction committed, then the daemon died before the dataset write:
  // both rows "accepting" (5).
  ASSERT_TRUE(db_->Exec("UPDATE workforce_task_samples SET state = 5, reviewer = 'rita', review_time = 1 WHERE state = 2")
                  .ok());
  // Meanwhile nothing else may review or delete the task (ModelArts.4623).
  Status del = teams_->DeleteTask(d, t.id);
  EXPECT_EQ(del.code(), Code::kFailedPrecondition);
  EXPECT_NE(del.message().find("ModelArts.4623 Workforce task is checking"), std::string::npos);
  Stop();
  Start();
  ASSERT_FALSE(HasFatalFailure());
  // Restarted: s1 is in the dataset and accepted.
  EXPECT_EQ(DatasetSample(d, s1).state, SampleState::kLabeled);
  EXPECT_EQ(teams_->GetTaskSample(d, t.id, a_, s1)->state, TaskSampleState::kAccepted);
  EXPECT_EQ(teams_->GetTaskSample(d, t.id, a_, s2)->state, TaskSampleState::kAccepted);
  auto rows = db_->Query("SELECT COUNT(*) FROM workforce_task_samples WHERE state = 5");
  EXPECT_EQ(rows->at(0).Int(0), 0);

  // A write that fails on restart is undone: the submission waits for review again.
  Dataset d2 = Make("ds2", TextLines(2));
  WorkforceTask t2 = Task(d2, w);
  auto b = Share(d2, t2, b_);
  ASSERT_EQ(b.size(), 1u);
  ASSERT_TRUE(Label(d2, t2, b_, b[0].sample.id, Cls("pos")).ok());
  ASSERT_EQ(*teams_->SubmitSamples(d2, t2.id, b_, {}), 1);
  // A label name manual labeling refuses, smuggled past the task's own check.
  ASSERT_TRUE(db_->Exec("UPDATE workforce_task_samples SET state = 5, doc = replace(doc, '\"pos\"', '\"\"') "
                        "WHERE state = 2")
                  .ok());
  Stop();
  Start();
  ASSERT_FALSE(HasFatalFailure());
  auto undone = teams_->GetTaskSample(d2, t2.id, b_, b[0].sample.id);
  ASSERT_TRUE(undone.ok()) << undone.status().message();
  EXPECT_EQ(undone->state, TaskSampleState::kSubmitted);
  EXPECT_EQ(undone->review_time, 0);
  EXPECT_EQ(DatasetSample(d2, b[0].sample.id).state, SampleState::kUnlabeled);

  // Everything acknowledged before the restarts is still there.
  auto p = teams_->Progress(d, t.id, olga_);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->accepted_sample_count, 2);
  EXPECT_EQ(teams_->ListWorkers("p1", w.id)->size(), 4u);

  // A deleted dataset takes its tasks along; the team's unfinished task count drops with it.
  ASSERT_TRUE(data_->DeleteDataset(d2.project_id, d2.id).ok());
  EXPECT_EQ(teams_->ListMyTasks("p1", b_)->size(), 1u);
}

}  // namespace
}  // namespace openarts::data
