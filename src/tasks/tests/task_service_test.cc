#include <gtest/gtest.h>

#include <set>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <stdexcept>

#include "base/base.h"
#include "meta/meta.h"
#include "tasks/tasks.h"
#include "testing/sync.h"

namespace openarts::tasks {
namespace {

using testing::Counter;
using testing::Gate;

constexpr int kWaitMs = 5000;

class TaskServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("oa-tasks-" + NewId());
    ASSERT_TRUE(MakeDirs(dir_).ok());
    db_ = OpenDb();
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<meta::Database> OpenDb() {
    auto db = meta::Open({.url = "sqlite:" + (dir_ / "meta.db").string()});
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(*db) : nullptr;
  }

  std::unique_ptr<TaskService> NewService(Options options = {.max_concurrency = 2,
                                                             .poll_interval_ms = 20}) {
    auto s = Create(*db_, clock_, options);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return std::move(*s);
  }

  TaskInfo MustSubmit(TaskService& s, const std::string& type, Json params = Json::object(),
                      const std::string& project = "p1", const std::string& workspace = "0") {
    auto t = s.Submit(project, workspace, type, params, "u1");
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : TaskInfo{};
  }

  TaskInfo MustWait(TaskService& s, const std::string& id) {
    auto t = s.WaitFor(id, kWaitMs);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : TaskInfo{};
  }

  // Inserts a row as another process (or an older binary) would have left it.
  void InsertRow(const std::string& id, const std::string& type, TaskStatus status,
                 int attempts = 0, bool cancel_requested = false) {
    auto n = db_->Exec(
        "INSERT INTO tasks (id, project_id, type, status, attempts, cancel_requested, "
        "create_time, update_time) VALUES ($1, 'p1', $2, $3, $4, $5, $6, $6)",
        {id, type, std::string(TaskStatusName(status)), int64_t{attempts},
         int64_t{cancel_requested ? 1 : 0}, clock_.NowMillis()});
    ASSERT_TRUE(n.ok()) << n.status().ToString();
  }

  std::filesystem::path dir_;
  FakeClock clock_;
  std::unique_ptr<meta::Database> db_;
};

TEST(TaskStatusTest, NamesRoundTrip) {
  for (auto s : {TaskStatus::kQueued, TaskStatus::kRunning, TaskStatus::kSucceeded,
                 TaskStatus::kFailed, TaskStatus::kCancelled}) {
    EXPECT_EQ(ParseTaskStatus(TaskStatusName(s)), s);
  }
  EXPECT_EQ(TaskStatusName(TaskStatus::kSucceeded), "Succeeded");
  EXPECT_EQ(ParseTaskStatus("succeeded"), std::nullopt);
}

TEST(TaskInfoTest, ToJsonHasTheApiShape) {
  TaskInfo t;
  t.id = "abc";
  t.project_id = "p";
  t.type = "data.import";
  t.status = TaskStatus::kRunning;
  t.progress = 1.0 / 3;
  t.params = {{"dataset", "d1"}};
  t.result = {{"stale", true}};
  t.checkpoint = "secret-resume-state";
  t.create_time = 5;
  Json j = t.ToJson();
  EXPECT_EQ(j["id"], "abc");
  EXPECT_EQ(j["status"], "Running");
  EXPECT_DOUBLE_EQ(j["progress"].get<double>(), 33.3);
  EXPECT_EQ(j["params"]["dataset"], "d1");
  EXPECT_TRUE(j["result"].is_null()) << "result appears only once Succeeded";
  EXPECT_EQ(j["workspace_id"], "0");
  EXPECT_EQ(j["create_time"], 5);
  EXPECT_FALSE(j.contains("checkpoint")) << "handler state is not part of the API";
  for (const char* k : {"type", "project_id", "error", "created_by", "start_time", "end_time",
                        "update_time"}) {
    EXPECT_TRUE(j.contains(k)) << k;
  }
  t.status = TaskStatus::kSucceeded;
  t.progress = 1;
  EXPECT_EQ(t.ToJson()["result"]["stale"], true);
  EXPECT_DOUBLE_EQ(t.ToJson()["progress"].get<double>(), 100.0);
}

TEST_F(TaskServiceTest, CreateRejectsBadOptions) {
  EXPECT_EQ(Create(*db_, clock_, {.max_concurrency = 0}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Create(*db_, clock_, {.poll_interval_ms = 0}).status().code(),
            Code::kInvalidArgument);
}

TEST_F(TaskServiceTest, SubmitRunsTheHandlerAndStoresItsResult) {
  auto svc = NewService();
  std::string seen_param;
  svc->Register("echo", [&](TaskContext& ctx) -> Result<Json> {
    seen_param = ctx.task().params.value("word", "");
    return Json{{"echo", seen_param}};
  });
  ASSERT_TRUE(svc->Start().ok());
  TaskInfo submitted = MustSubmit(*svc, "echo", {{"word", "hi"}});
  EXPECT_EQ(submitted.status, TaskStatus::kQueued);
  EXPECT_EQ(submitted.create_time, clock_.NowMillis());

  TaskInfo done = MustWait(*svc, submitted.id);
  EXPECT_EQ(done.status, TaskStatus::kSucceeded);
  EXPECT_EQ(done.result, (Json{{"echo", "hi"}}));
  EXPECT_EQ(seen_param, "hi");
  EXPECT_DOUBLE_EQ(done.progress, 1.0);
  EXPECT_EQ(done.attempts, 1);
  EXPECT_EQ(done.created_by, "u1");
  EXPECT_EQ(done.start_time, clock_.NowMillis());
  EXPECT_EQ(done.end_time, clock_.NowMillis());
  EXPECT_TRUE(done.error.empty());
}

// Other subsystems' tests run the real service on an in-memory store.
TEST(TaskServiceMemoryTest, RunsOnAnInMemoryStore) {
  auto db = meta::Open({.url = "sqlite::memory:"});
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  FakeClock clock;
  auto svc = Create(**db, clock, {.max_concurrency = 1, .poll_interval_ms = 5});
  ASSERT_TRUE(svc.ok());
  (*svc)->Register("add", [](TaskContext& ctx) -> Result<Json> {
    return Json(ctx.task().params.value("a", 0) + ctx.task().params.value("b", 0));
  });
  ASSERT_TRUE((*svc)->Start().ok());
  auto t = (*svc)->Submit("p1", "", "add", Json{{"a", 2}, {"b", 3}}, "u1");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->workspace_id, "0") << "an empty workspace means the default one";
  auto done = (*svc)->WaitFor(t->id, kWaitMs);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->result, Json(5));
}

TEST_F(TaskServiceTest, SubmitIsDurableBeforeStart) {
  auto svc = NewService();
  svc->Register("noop", [](TaskContext&) -> Result<Json> { return Json(); });
  TaskInfo t = MustSubmit(*svc, "noop");
  // Visible through an independent connection: committed, not just cached.
  auto other = OpenDb();
  auto rows = other->Query("SELECT status FROM tasks WHERE id = $1", {t.id});
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].Str(0), "Queued");
}

TEST_F(TaskServiceTest, ListFindsTheTasksOfOneSubject) {
  auto svc = NewService();
  svc->Register("noop", [](TaskContext&) -> Result<Json> { return Json(); });
  auto a = svc->Submit("p1", "0", "noop", Json::object(), "u1", "dataset:a");
  auto b = svc->Submit("p1", "0", "noop", Json::object(), "u1", "dataset:b");
  auto a2 = svc->Submit("p1", "0", "noop", Json::object(), "u1", "dataset:a");
  ASSERT_TRUE(a.ok() && b.ok() && a2.ok());
  EXPECT_EQ(a->subject, "dataset:a");
  auto of_a = svc->List({.subject = "dataset:a"});
  ASSERT_TRUE(of_a.ok());
  ASSERT_EQ(of_a->size(), 2u);
  EXPECT_EQ((*of_a)[0].subject, "dataset:a");  // read back from the store
  std::set<std::string> ids = {(*of_a)[0].id, (*of_a)[1].id};
  EXPECT_EQ(ids, (std::set<std::string>{a->id, a2->id}));
  EXPECT_EQ(svc->List({.subject = "dataset:c"})->size(), 0u);
  EXPECT_EQ(svc->List({})->size(), 3u);
}

TEST_F(TaskServiceTest, SubmitRejectsUnknownTypeAndMissingProject) {
  auto svc = NewService();
  svc->Register("known", [](TaskContext&) -> Result<Json> { return Json(); });
  auto t = svc->Submit("p1", "0", "unknown", Json::object(), "u1");
  EXPECT_EQ(t.status().code(), Code::kInvalidArgument);
  EXPECT_NE(t.status().message().find("'unknown'"), std::string::npos);
  EXPECT_EQ(svc->Submit("", "0", "known", Json::object(), "u1").status().code(),
            Code::kInvalidArgument);
  auto all = svc->List({});
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty()) << "nothing is stored for a rejected submit";
}

TEST_F(TaskServiceTest, HandlerErrorMarksTaskFailedWithItsMessage) {
  auto svc = NewService();
  svc->Register("fail", [](TaskContext& ctx) -> Result<Json> {
    EXPECT_TRUE(ctx.ReportProgress(0.5).ok());
    return InvalidArgument("dataset 'd1' has no samples; import some first");
  });
  ASSERT_TRUE(svc->Start().ok());
  TaskInfo t = MustWait(*svc, MustSubmit(*svc, "fail").id);
  EXPECT_EQ(t.status, TaskStatus::kFailed);
  EXPECT_EQ(t.error, "dataset 'd1' has no samples; import some first");
  EXPECT_TRUE(t.result.is_null());
  EXPECT_DOUBLE_EQ(t.progress, 0.5) << "a failed task shows how far it got";
}

TEST_F(TaskServiceTest, HandlerExceptionMarksTaskFailedAsInternalError) {
  auto svc = NewService();
  svc->Register("throw", [](TaskContext&) -> Result<Json> {
    throw std::runtime_error("boom");
  });
  svc->Register("throw_int", [](TaskContext&) -> Result<Json> { throw 42; });
  ASSERT_TRUE(svc->Start().ok());
  TaskInfo t = MustWait(*svc, MustSubmit(*svc, "throw").id);
  EXPECT_EQ(t.status, TaskStatus::kFailed);
  EXPECT_EQ(t.error, "internal error: boom");
  TaskInfo u = MustWait(*svc, MustSubmit(*svc, "throw_int").id);
  EXPECT_EQ(u.status, TaskStatus::kFailed);
  EXPECT_EQ(u.error, "internal error: unknown exception");
}

TEST_F(TaskServiceTest, ProgressIsVisibleWhileRunning) {
  auto svc = NewService();
  Counter reported;
  Gate gate;
  svc->Register("slow", [&](TaskContext& ctx) -> Result<Json> {
    OA_TRY(ctx.ReportProgress(0.4, "item-40"));
    reported.Add();
    if (!gate.WaitOrCancelled(ctx)) return Cancelled("cancelled");
    return Json{{"items", 100}};
  });
  ASSERT_TRUE(svc->Start().ok());
  TaskInfo t = MustSubmit(*svc, "slow");
  ASSERT_TRUE(reported.WaitAtLeast(1));

  auto mid = svc->Get(t.id);
  ASSERT_TRUE(mid.ok());
  EXPECT_EQ(mid->status, TaskStatus::kRunning);
  EXPECT_DOUBLE_EQ(mid->progress, 0.4);
  EXPECT_EQ(mid->checkpoint, "item-40");
  EXPECT_DOUBLE_EQ(mid->ToJson()["progress"].get<double>(), 40.0);
  EXPECT_EQ(mid->ToJson()["status"], "Running");

  gate.Open();
  EXPECT_EQ(MustWait(*svc, t.id).status, TaskStatus::kSucceeded);
}

TEST_F(TaskServiceTest, ProgressWritesAreThrottledButCheckpointsAreNot) {
  auto svc = NewService();
  std::vector<double> stored;
  svc->Register("steps", [&](TaskContext& ctx) -> Result<Json> {
    auto read_back = [&] {
      auto t = svc->Get(ctx.task().id);
      stored.push_back(t.ok() ? t->progress : -1);
    };
    OA_TRY(ctx.ReportProgress(0.1));  // first report: written
    read_back();
    OA_TRY(ctx.ReportProgress(0.2));  // same instant: held back
    read_back();
    clock_.Advance(std::chrono::milliseconds(300));
    OA_TRY(ctx.ReportProgress(0.3));  // interval passed: written
    read_back();
    OA_TRY(ctx.ReportProgress(0.35, "cp"));  // checkpoint: written at once
    read_back();
    EXPECT_FALSE(ctx.ReportProgress(std::nan("")).ok());
    return Json();
  });
  ASSERT_TRUE(svc->Start().ok());
  EXPECT_EQ(MustWait(*svc, MustSubmit(*svc, "steps").id).status, TaskStatus::kSucceeded);
  EXPECT_EQ(stored, (std::vector<double>{0.1, 0.1, 0.3, 0.35}));
}

TEST_F(TaskServiceTest, CancelQueuedTaskNeverRunsIt) {
  auto svc = NewService({.max_concurrency = 1, .poll_interval_ms = 20});
  std::atomic<int> runs{0};
  svc->Register("count", [&](TaskContext&) -> Result<Json> {
    ++runs;
    return Json();
  });
  TaskInfo victim = MustSubmit(*svc, "count");
  clock_.Advance(std::chrono::milliseconds(1));
  ASSERT_TRUE(svc->Cancel(victim.id).ok());
  auto cancelled = svc->Get(victim.id);
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(cancelled->status, TaskStatus::kCancelled);
  EXPECT_EQ(cancelled->end_time, clock_.NowMillis());

  // With one runner and FIFO order, the victim would have run before this one.
  ASSERT_TRUE(svc->Start().ok());
  TaskInfo after = MustSubmit(*svc, "count");
  EXPECT_EQ(MustWait(*svc, after.id).status, TaskStatus::kSucceeded);
  EXPECT_EQ(runs.load(), 1);
  EXPECT_EQ(MustWait(*svc, victim.id).status, TaskStatus::kCancelled);
}

TEST_F(TaskServiceTest, CancelRunningTaskSignalsTheHandler) {
  auto svc = NewService();
  Counter started;
  Gate never;
  svc->Register("wait", [&](TaskContext& ctx) -> Result<Json> {
    OA_TRY(ctx.ReportProgress(0.25));
    started.Add();
    if (!never.WaitOrCancelled(ctx)) return Cancelled("stopped on request");
    return Json();
  });
  ASSERT_TRUE(svc->Start().ok());
  TaskInfo t = MustSubmit(*svc, "wait");
  ASSERT_TRUE(started.WaitAtLeast(1));
  ASSERT_TRUE(svc->Cancel(t.id).ok());
  TaskInfo done = MustWait(*svc, t.id);
  EXPECT_EQ(done.status, TaskStatus::kCancelled);
  EXPECT_TRUE(done.cancel_requested);
  EXPECT_DOUBLE_EQ(done.progress, 0.25);
  EXPECT_GT(done.end_time, 0);
}

TEST_F(TaskServiceTest, CancelFinishedOrUnknownTask) {
  auto svc = NewService();
  svc->Register("noop", [](TaskContext&) -> Result<Json> { return Json(); });
  ASSERT_TRUE(svc->Start().ok());
  TaskInfo t = MustWait(*svc, MustSubmit(*svc, "noop").id);
  Status s = svc->Cancel(t.id);
  EXPECT_EQ(s.code(), Code::kFailedPrecondition);
  EXPECT_EQ(s.message(), "task is already Succeeded");
  EXPECT_EQ(svc->Cancel("nope").code(), Code::kNotFound);
  EXPECT_EQ(svc->Get("nope").status().code(), Code::kNotFound);
}

TEST_F(TaskServiceTest, ConcurrencyBoundIsRespected) {
  constexpr int kMax = 3;
  constexpr int kTasks = 8;
  auto svc = NewService({.max_concurrency = kMax, .poll_interval_ms = 20});
  std::mutex mu;
  int active = 0, peak = 0;
  Counter running;
  Gate gate;
  svc->Register("work", [&](TaskContext& ctx) -> Result<Json> {
    {
      std::lock_guard lock(mu);
      peak = std::max(peak, ++active);
    }
    running.Add();
    bool opened = gate.WaitOrCancelled(ctx);
    {
      std::lock_guard lock(mu);
      --active;
    }
    if (!opened) return Cancelled("cancelled");
    return Json();
  });
  ASSERT_TRUE(svc->Start().ok());
  std::vector<std::string> ids;
  for (int i = 0; i < kTasks; ++i) ids.push_back(MustSubmit(*svc, "work").id);
  // All runners busy at once proves the bound is reached; the peak proves it is never passed.
  ASSERT_TRUE(running.WaitAtLeast(kMax));
  auto queued = svc->List({.status = TaskStatus::kQueued});
  ASSERT_TRUE(queued.ok());
  EXPECT_EQ(queued->size(), static_cast<size_t>(kTasks - kMax));
  gate.Open();
  for (const auto& id : ids) EXPECT_EQ(MustWait(*svc, id).status, TaskStatus::kSucceeded);
  EXPECT_EQ(peak, kMax);
  EXPECT_EQ(running.value(), kTasks);
}

TEST_F(TaskServiceTest, QueuedTaskOfUnknownTypeFailsInsteadOfStaying) {
  InsertRow("0123456789abcdef0123456789abcdef", "retired.type", TaskStatus::kQueued);
  auto svc = NewService();
  svc->Register("noop", [](TaskContext&) -> Result<Json> { return Json(); });
  ASSERT_TRUE(svc->Start().ok());
  TaskInfo t = MustWait(*svc, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(t.status, TaskStatus::kFailed);
  EXPECT_EQ(t.error, "no handler for task type 'retired.type'");
}

TEST_F(TaskServiceTest, StartAndStopLifecycle) {
  auto svc = NewService();
  EXPECT_TRUE(svc->Start().ok());
  EXPECT_EQ(svc->Start().code(), Code::kFailedPrecondition);
  svc->Stop();
  svc->Stop();  // idempotent
  EXPECT_EQ(svc->Start().code(), Code::kFailedPrecondition);
  auto never_started = NewService();
  never_started->Stop();
}

TEST_F(TaskServiceTest, WaitForTimesOut) {
  auto svc = NewService();
  svc->Register("noop", [](TaskContext&) -> Result<Json> { return Json(); });
  TaskInfo t = MustSubmit(*svc, "noop");  // never started: stays Queued
  auto r = svc->WaitFor(t.id, 30);
  EXPECT_EQ(r.status().code(), Code::kDeadlineExceeded);
  EXPECT_EQ(svc->WaitFor("nope", 30).status().code(), Code::kNotFound);
}

// Service A is stopped mid-task (as at shutdown); service B on the same file recovers by policy.
TEST_F(TaskServiceTest, RestartResumesResumableAndFailsTheRest) {
  Counter started;
  std::string resumable_id, plain_id;
  {
    auto a = NewService();
    Gate never;
    auto block = [&](const std::string& cp) {
      return [&, cp](TaskContext& ctx) -> Result<Json> {
        OA_TRY(ctx.ReportProgress(0.5, cp));
        started.Add();
        never.WaitOrCancelled(ctx);
        return Cancelled("shutting down");
      };
    };
    a->Register("resumable", block("key-500"), {.resumable = true});
    a->Register("plain", block("ignored"));
    ASSERT_TRUE(a->Start().ok());
    resumable_id = MustSubmit(*a, "resumable").id;
    plain_id = MustSubmit(*a, "plain").id;
    ASSERT_TRUE(started.WaitAtLeast(2));
    a->Stop();
    for (const auto& id : {resumable_id, plain_id}) {
      auto t = a->Get(id);
      ASSERT_TRUE(t.ok());
      EXPECT_EQ(t->status, TaskStatus::kRunning) << "shutdown is not a user cancel";
    }
  }  // the destructor stops again: harmless

  db_ = OpenDb();  // a new process would reopen the file
  auto b = NewService();
  std::string resumed_from;
  b->Register("resumable", [&](TaskContext& ctx) -> Result<Json> {
    resumed_from = ctx.task().checkpoint;
    EXPECT_DOUBLE_EQ(ctx.task().progress, 0.5);
    return Json{{"resumed_from", ctx.task().checkpoint}};
  }, {.resumable = true});
  b->Register("plain", [](TaskContext&) -> Result<Json> {
    ADD_FAILURE() << "a non-resumable task must not run twice";
    return Json();
  });
  ASSERT_TRUE(b->Start().ok());
  TaskInfo r = MustWait(*b, resumable_id);
  EXPECT_EQ(r.status, TaskStatus::kSucceeded);
  EXPECT_EQ(r.result["resumed_from"], "key-500");
  EXPECT_EQ(resumed_from, "key-500");
  EXPECT_EQ(r.attempts, 2);
  TaskInfo p = MustWait(*b, plain_id);
  EXPECT_EQ(p.status, TaskStatus::kFailed);
  EXPECT_EQ(p.error, "interrupted by a daemon restart");
}

TEST_F(TaskServiceTest, ResumableTaskFailsAfterMaxAttempts) {
  std::string id;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    Counter started;
    Gate never;  // declared before the service: its destructor joins the handler using them
    auto svc = NewService();
    svc->Register("flaky", [&](TaskContext& ctx) -> Result<Json> {
      EXPECT_EQ(ctx.task().attempts, attempt);
      started.Add();
      never.WaitOrCancelled(ctx);
      return Cancelled("shutting down");
    }, {.resumable = true, .max_attempts = 3});
    ASSERT_TRUE(svc->Start().ok());
    if (id.empty()) id = MustSubmit(*svc, "flaky").id;
    ASSERT_TRUE(started.WaitAtLeast(1)) << "attempt " << attempt;
  }  // destroyed mid-run each time
  auto svc = NewService();
  svc->Register("flaky", [](TaskContext&) -> Result<Json> {
    ADD_FAILURE() << "the fourth start must not happen";
    return Json();
  }, {.resumable = true, .max_attempts = 3});
  ASSERT_TRUE(svc->Start().ok());
  TaskInfo t = MustWait(*svc, id);
  EXPECT_EQ(t.status, TaskStatus::kFailed);
  EXPECT_EQ(t.error, "interrupted by a daemon restart too many times");
  EXPECT_EQ(t.attempts, 3);
}

TEST_F(TaskServiceTest, RecoveryOfOrphanedRows) {
  const std::string gone = "00000000000000000000000000000001";
  const std::string asked = "00000000000000000000000000000002";
  InsertRow(gone, "retired.type", TaskStatus::kRunning, 1);
  InsertRow(asked, "resumable", TaskStatus::kRunning, 1, /*cancel_requested=*/true);
  auto svc = NewService();
  svc->Register("resumable", [](TaskContext&) -> Result<Json> {
    ADD_FAILURE() << "a task whose cancel was requested must not resume";
    return Json();
  }, {.resumable = true});
  ASSERT_TRUE(svc->Start().ok());
  TaskInfo g = MustWait(*svc, gone);
  EXPECT_EQ(g.status, TaskStatus::kFailed);
  EXPECT_EQ(g.error, "no handler for task type 'retired.type'");
  EXPECT_EQ(MustWait(*svc, asked).status, TaskStatus::kCancelled);
}

TEST_F(TaskServiceTest, UserCancelDuringShutdownStillCancels) {
  auto svc = NewService();
  Counter started;
  Gate never;
  svc->Register("wait", [&](TaskContext& ctx) -> Result<Json> {
    started.Add();
    never.WaitOrCancelled(ctx);
    return Cancelled("stopped");
  }, {.resumable = true});
  ASSERT_TRUE(svc->Start().ok());
  TaskInfo t = MustSubmit(*svc, "wait");
  ASSERT_TRUE(started.WaitAtLeast(1));
  ASSERT_TRUE(svc->Cancel(t.id).ok());
  svc->Stop();
  auto after = svc->Get(t.id);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->status, TaskStatus::kCancelled);
}

TEST_F(TaskServiceTest, ListFiltersAndOrdersNewestFirst) {
  auto svc = NewService();
  svc->Register("a", [](TaskContext&) -> Result<Json> { return Json(); });
  svc->Register("b", [](TaskContext&) -> Result<Json> { return Json(); });
  auto at = [&](const std::string& type, const std::string& project, const std::string& ws) {
    clock_.Advance(std::chrono::milliseconds(10));
    return MustSubmit(*svc, type, Json::object(), project, ws).id;
  };
  std::string t1 = at("a", "p1", "0");
  std::string t2 = at("b", "p1", "w1");
  std::string t3 = at("a", "p1", "w2");
  std::string t4 = at("a", "p2", "0");
  ASSERT_TRUE(svc->Cancel(t2).ok());

  auto ids = [&](const ListFilter& f) {
    std::vector<std::string> out;
    auto r = svc->List(f);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (r.ok()) {
      for (const auto& t : *r) out.push_back(t.id);
    }
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids({}), (V{t4, t3, t2, t1}));
  EXPECT_EQ(ids({.project_id = "p1"}), (V{t3, t2, t1}));
  EXPECT_EQ(ids({.project_id = "p1", .workspace_ids = V{"0", "w2"}}), (V{t3, t1}));
  EXPECT_EQ(ids({.workspace_ids = V{}}), V{});
  EXPECT_EQ(ids({.status = TaskStatus::kCancelled}), (V{t2}));
  EXPECT_EQ(ids({.status = TaskStatus::kQueued, .type = "a"}), (V{t4, t3, t1}));
  EXPECT_EQ(ids({.limit = 2}), (V{t4, t3}));
  EXPECT_EQ(ids({.limit = 2, .offset = 2}), (V{t2, t1}));
  EXPECT_EQ(svc->List({.limit = 0}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(svc->List({.offset = -1}).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace openarts::tasks
