// End-to-end: team labeling with the real `openarts serve` and the real `ma-cli`, as four users
// (spec/data.md §8; docs/team-labeling.md): the owner (a developer) builds a team and gives a
// text dataset's unlabeled samples to it; labelers ann and bob, who hold no IAM role at all, each
// see and label only their share; reviewer rita accepts (the labels land in the dataset) and
// rejects (the comment reaches ann, who fixes and resubmits); progress per member; a SIGKILL of
// the daemon loses nothing; the ModelArts refusals of §8 on the way out.
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/json.h"
#include "e2e_util.h"

namespace openarts {
namespace {

using namespace e2e;  // NOLINT: RunResult, DaemonTest

constexpr char kPassword[] = "Team-Passw0rd-e2e";

bool Contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

class TeamE2eTest : public DaemonTest {
 protected:
  TeamE2eTest() : DaemonTest("team_e2e_") {}

  void SetUp() override {
    DaemonTest::SetUp();
    if (HasFatalFailure()) return;
    ConfigureAdmin();
  }

  void User(const std::string& name, const std::string& email) {
    RunResult r = Cli({"user", "create", name, "--password", kPassword, "--email", email});
    ASSERT_EQ(r.rc, 0) << r;
    Profile(name);
  }
  void Profile(const std::string& name) {
    RunResult r = Cli({"configure", "-P", name, "--server", url_, "--username", name, "--password", kPassword});
    ASSERT_EQ(r.rc, 0) << r;
  }
  // `ma-cli ARGS -P who`.
  RunResult As(const std::string& who, std::vector<std::string> args) {
    args.push_back("-P");
    args.push_back(who);
    return Cli(args);
  }
  Json AsJson(const std::string& who, std::vector<std::string> args) {
    args.push_back("-P");
    args.push_back(who);
    return CliJson(args);
  }
  // sample id → the task sample, of what `who` sees in the task (one page of up to 100).
  std::map<std::string, Json> Seen(const std::string& who, std::vector<std::string> filters = {}) {
    std::vector<std::string> args = {"workforce", "task", "samples", "--task", "round1", "--limit", "100"};
    args.insert(args.end(), filters.begin(), filters.end());
    Json r = AsJson(who, args);
    std::map<std::string, Json> out;
    for (const auto& s : r.value("samples", Json::array())) out[s["sample_id"].get<std::string>()] = s;
    EXPECT_EQ(r.value("sample_count", int64_t{-1}), static_cast<int64_t>(out.size())) << r.dump(2);
    return out;
  }
  static std::set<std::string> Keys(const std::map<std::string, Json>& m) {
    std::set<std::string> out;
    for (const auto& [k, v] : m) out.insert(k);
    return out;
  }
  static Json Member(const Json& progress, const std::string& email) {
    for (const auto& m : progress["members"]) {
      if (m["email"] == email) return m;
    }
    return Json();
  }
};

TEST_F(TeamE2eTest, TwoLabelersAndAReviewerLabelADatasetThroughMaCli) {
  User("owner", "owner@e2e.test");
  User("ann", "ann@e2e.test");
  User("bob", "bob@e2e.test");
  User("rita", "rita@e2e.test");
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_EQ(Cli({"role", "bind", "--user", "owner", "--role", "ModelArts CommonOperations"}).rc, 0);

  // The owner's dataset: six unlabeled lines and one labeled before the task.
  const fs::path lines = root_ / "reviews.txt";
  std::ofstream(lines) << "great food\nslow service\nnice staff\ncold soup\nfair prices\nloud music\nwould return\tpos\n";
  ASSERT_EQ(As("owner", {"obs", "mb", "obs://team-e2e"}).rc, 0);
  ASSERT_EQ(As("owner", {"obs-copy", lines.string(), "obs://team-e2e/texts/reviews.txt"}).rc, 0);
  RunResult create = As("owner", {"dataset", "create", "-n", "reviews", "-t", "text_classification", "--input",
                                  "obs://team-e2e/texts/", "--output-path", "obs://team-e2e/out/", "--import"});
  ASSERT_EQ(create.rc, 0) << create;
  Json ds = AsJson("owner", {"dataset", "get", "-i", "reviews"});
  ASSERT_EQ(ds["total_sample_count"], 7) << ds.dump(2);
  const std::string dataset_id = ds["dataset_id"].get<std::string>();

  // The team: the owner manages, ann and bob label, rita reviews. One manager only.
  RunResult team = As("owner", {"workforce", "create", "-n", "annotators", "--worker", "owner@e2e.test:manager",
                                "--worker", "ann@e2e.test", "--worker", "Bob@e2e.test", "--worker",
                                "rita@e2e.test:reviewer"});
  ASSERT_EQ(team.rc, 0) << team;
  EXPECT_TRUE(Contains(team.out, "with 4 member(s)")) << team;
  ASSERT_EQ(Cli({"user", "create", "max", "--password", kPassword, "--email", "max@e2e.test"}).rc, 0);
  RunResult second = As("owner", {"workforce", "add-worker", "-w", "annotators", "--email", "max@e2e.test",
                                  "--role", "manager"});
  EXPECT_EQ(second.rc, 1) << second;
  EXPECT_TRUE(Contains(second.err, "ModelArts.4617 The number of manager should be one")) << second;
  RunResult stranger = As("owner", {"workforce", "add-worker", "-w", "annotators", "--email", "nobody@e2e.test"});
  EXPECT_EQ(stranger.rc, 1) << stranger;
  EXPECT_TRUE(Contains(stranger.err, "no platform user has the e-mail nobody@e2e.test")) << stranger;
  RunResult workers = As("owner", {"workforce", "workers", "-w", "annotators"});
  ASSERT_EQ(workers.rc, 0) << workers;
  EXPECT_TRUE(Contains(workers.out, "bob@e2e.test")) << workers;  // e-mails are stored lowercase
  EXPECT_TRUE(Contains(workers.out, "reviewer")) << workers;

  // A type without team labeling is refused, naming those with it.
  ASSERT_EQ(As("owner", {"dataset", "create", "-n", "segs", "-t", "image_segmentation", "--input",
                         "obs://team-e2e/segs/", "--output-path", "obs://team-e2e/segs-out/"})
                .rc,
            0);
  RunResult seg = As("owner", {"workforce", "task", "create", "-i", "segs", "-n", "round1", "-w", "annotators"});
  EXPECT_EQ(seg.rc, 1) << seg;
  EXPECT_TRUE(Contains(seg.err, "has no team labeling; teams label image_classification (0)")) << seg;

  Json task = AsJson("owner", {"workforce", "task", "create", "-i", "reviews", "-n", "round1", "-w", "annotators"});
  EXPECT_EQ(task["sample_count"], 6) << task.dump(2);  // the unlabeled ones

  // Ann holds no role: she finds her task and her share through the team alone.
  Json mine = AsJson("ann", {"workforce", "task", "list"});
  ASSERT_EQ(mine["tasks"].size(), 1u) << mine.dump(2);
  EXPECT_EQ(mine["tasks"][0]["role"], "labeler");
  EXPECT_EQ(mine["tasks"][0]["dataset_id"], dataset_id);
  auto ann = Seen("ann"), bob = Seen("bob");
  ASSERT_EQ(ann.size(), 3u);
  ASSERT_EQ(bob.size(), 3u);
  std::set<std::string> both = Keys(ann);
  for (const auto& id : Keys(bob)) EXPECT_TRUE(both.insert(id).second) << id << " in both shares";
  EXPECT_EQ(both.size(), 6u);
  const std::string a0 = ann.begin()->first, a1 = std::next(ann.begin())->first, b0 = bob.begin()->first;
  RunResult steal = As("ann", {"workforce", "task", "label", "--task", "round1", "--sample", b0, "--label", "pos"});
  EXPECT_EQ(steal.rc, 1) << steal;
  ASSERT_EQ(steal.ErrLines().size(), 1u) << steal;
  EXPECT_TRUE(Contains(steal.err, "another labeler's share")) << steal;
  RunResult peek = As("ann", {"dataset", "samples", "-i", dataset_id});
  EXPECT_EQ(peek.rc, 1) << peek;  // the dataset itself stays closed to her

  RunResult l0 = As("ann", {"workforce", "task", "label", "--task", "round1", "--sample", a0, "--label", "pos"});
  ASSERT_EQ(l0.rc, 0) << l0;
  EXPECT_TRUE(Contains(l0.out, "Labeled 1 sample(s)")) << l0;
  ASSERT_EQ(As("ann", {"workforce", "task", "label", "--task", "round1", "--sample", a1, "--label", "neg"}).rc, 0);
  RunResult submit = As("ann", {"workforce", "task", "submit", "--task", "round1"});
  ASSERT_EQ(submit.rc, 0) << submit;
  EXPECT_TRUE(Contains(submit.out, "Submitted 2 sample(s) for review.")) << submit;
  // Not in the dataset yet.
  Json labeled = AsJson("owner", {"dataset", "samples", "-i", "reviews", "--state", "labeled"});
  EXPECT_EQ(labeled["sample_count"], 1);

  // Rita reviews exactly what was submitted; she does not label.
  EXPECT_EQ(Keys(Seen("rita", {"--state", "submitted"})), (std::set<std::string>{a0, a1}));
  EXPECT_TRUE(Seen("rita", {"--state", "unlabeled"}).empty());
  EXPECT_EQ(As("rita", {"workforce", "task", "label", "--task", "round1", "--sample", a0, "--label", "x"}).rc, 1);
  RunResult accept = As("rita", {"workforce", "task", "review", "--task", "round1", "--sample", a0, "--accept",
                                 "--score", "A"});
  ASSERT_EQ(accept.rc, 0) << accept;
  EXPECT_TRUE(Contains(accept.out, "Accepted 1 sample(s).")) << accept;
  RunResult reject = As("rita", {"workforce", "task", "review", "--task", "round1", "--sample", a1, "--reject",
                                 "--comment", "it reads positive"});
  ASSERT_EQ(reject.rc, 0) << reject;
  RunResult bare = As("rita", {"workforce", "task", "review", "--task", "round1", "--sample", a1, "--reject"});
  EXPECT_EQ(bare.rc, 1) << bare;

  // Accepted: in the dataset, labeled "pos".
  Json in_ds = AsJson("owner", {"dataset", "sample", "-i", "reviews", "--sample", a0});
  EXPECT_EQ(in_ds["state"], "LABELED") << in_ds.dump(2);
  EXPECT_EQ(in_ds["labels"][0]["name"], "pos");
  // Rejected: back with ann, the comment on it.
  RunResult back = As("ann", {"workforce", "task", "samples", "--task", "round1", "--state", "rejected"});
  ASSERT_EQ(back.rc, 0) << back;
  EXPECT_TRUE(Contains(back.out, a1)) << back;
  EXPECT_TRUE(Contains(back.out, "it reads positive")) << back;
  ASSERT_EQ(As("ann", {"workforce", "task", "label", "--task", "round1", "--sample", a1, "--label", "pos"}).rc, 0);
  ASSERT_EQ(As("ann", {"workforce", "task", "submit", "--task", "round1", "--sample", a1}).rc, 0);
  ASSERT_EQ(As("rita", {"workforce", "task", "review", "--task", "round1", "--sample", a1, "--accept"}).rc, 0);

  // Progress: the owner sees everyone, ann herself.
  Json progress = AsJson("owner", {"workforce", "task", "progress", "--task", "round1", "-i", "reviews"});
  Json pa = Member(progress, "ann@e2e.test"), pb = Member(progress, "bob@e2e.test");
  ASSERT_FALSE(pa.is_null()) << progress.dump(2);
  EXPECT_EQ(pa["assigned"], 3);
  EXPECT_EQ(pa["labeled"], 2);
  EXPECT_EQ(pa["submitted"], 2);
  EXPECT_EQ(pa["accepted"], 2);
  EXPECT_EQ(pa["rejected"], 0);
  EXPECT_EQ(pa["pending_review"], 0);
  EXPECT_EQ(pb["assigned"], 3);
  EXPECT_EQ(pb["labeled"], 0);
  EXPECT_EQ(progress["accepted_sample_count"], 2);
  Json own = AsJson("ann", {"workforce", "task", "progress", "--task", "round1"});
  ASSERT_EQ(own["members"].size(), 1u);
  RunResult table = As("owner", {"workforce", "task", "progress", "--task", "round1", "-i", "reviews"});
  EXPECT_TRUE(Contains(table.out, "LABELING: 2 of 6 sample(s) accepted")) << table;

  // A SIGKILL loses nothing acknowledged.
  StopDaemon(SIGKILL);
  StartDaemon();
  ASSERT_FALSE(HasFatalFailure());
  Profile("owner");
  Profile("bob");
  Json after = AsJson("owner", {"workforce", "task", "progress", "--task", "round1", "-i", "reviews"});
  EXPECT_EQ(after["members"], progress["members"]);
  EXPECT_EQ(AsJson("owner", {"dataset", "get", "-i", "reviews"})["annotated_sample_count"], 3);
  EXPECT_EQ(Seen("bob").size(), 3u);

  // Removing a member with work, or the team with an unfinished task, is refused.
  RunResult busy = As("owner", {"workforce", "remove-worker", "-w", "annotators", "--email", "ann@e2e.test"});
  EXPECT_EQ(busy.rc, 1) << busy;
  EXPECT_TRUE(Contains(busy.err, "ModelArts.4628")) << busy;
  RunResult unfinished = As("owner", {"workforce", "delete", "-w", "annotators", "-y"});
  EXPECT_EQ(unfinished.rc, 1) << unfinished;
  EXPECT_TRUE(Contains(unfinished.err, "ModelArts.4615")) << unfinished;
  ASSERT_EQ(As("owner", {"workforce", "task", "delete", "-i", "reviews", "--task", "round1", "-y"}).rc, 0);
  EXPECT_EQ(As("owner", {"workforce", "remove-worker", "-w", "annotators", "--email", "ann@e2e.test"}).rc, 0);
  EXPECT_EQ(As("owner", {"workforce", "delete", "-w", "annotators", "-y"}).rc, 0);
  // The accepted labels stay in the dataset.
  EXPECT_EQ(AsJson("owner", {"dataset", "get", "-i", "reviews"})["annotated_sample_count"], 3);

  // Help names every command.
  RunResult help = Cli({"workforce", "--help"});
  EXPECT_EQ(help.rc, 0) << help;
  for (const char* sub : {"create", "list", "delete", "add-worker", "remove-worker", "workers", "task"}) {
    EXPECT_TRUE(Contains(help.out, std::string("  ") + sub + " ")) << sub << "\n" << help;
  }
  RunResult task_help = Cli({"workforce", "task", "--help"});
  for (const char* sub : {"create", "list", "show", "samples", "label", "submit", "review", "progress", "delete"}) {
    EXPECT_TRUE(Contains(task_help.out, std::string("  ") + sub + " ")) << sub << "\n" << task_help;
  }
}

}  // namespace
}  // namespace openarts
