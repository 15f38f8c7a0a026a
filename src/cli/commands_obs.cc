// obs-copy and the obs family (ls, mb, rm), with obsutil's wording where users grep for it.
#include <chrono>
#include <thread>

#include "args.h"
#include "command.h"
#include "progress.h"
#include "transfer.h"

namespace openarts::cli {

namespace {

std::string SummaryLine(uint64_t ok, uint64_t failed, uint64_t skipped) {
  return "Succeed count is: " + std::to_string(ok) + " Failed count is: " + std::to_string(failed) +
         " Skipped count is: " + std::to_string(skipped);
}

// Prints the failures (at most a screenful) on stdout; the caller returns the one error line.
Status ReportFailures(const std::vector<CopyFailure>& failures, uint64_t total, const std::string& what) {
  if (failures.empty()) return Status::Ok();
  size_t shown = std::min<size_t>(failures.size(), 20);
  for (size_t i = 0; i < shown; ++i) {
    PrintLine("Failed: " + failures[i].source + " -> " + failures[i].destination + ": " + failures[i].error);
  }
  if (failures.size() > shown) PrintLine("... and " + std::to_string(failures.size() - shown) + " more failures");
  return Unavailable(std::to_string(failures.size()) + " of " + std::to_string(total) + " " + what +
                     " failed (first: " + failures.front().error + "); run the same command again to retry them");
}

// ---- obs-copy ----

struct CopyArgs {
  std::string src, dst;
  bool recursive = false;
  bool force = false;
  int jobs = 4;
};

Status RunObsCopy(Cli& cli, const CopyArgs& a) {
  OA_ASSIGN_OR_RETURN(auto session, cli.Session());
  OA_ASSIGN_OR_RETURN(client::Client * c, cli.Client());
  OA_ASSIGN_OR_RETURN(CopyPlan plan, PlanCopy(*c, a.src, a.dst, a.recursive));
  RunOptions ro;
  ro.jobs = a.jobs;
  ro.progress = !cli.common().json() && ProgressReporter::StderrIsTty();
  CopyReport r = RunCopy(session, plan, ro);
  if (cli.common().json()) {
    Json failures = Json::array();
    for (const auto& f : r.failures) failures.push_back({{"source", f.source}, {"destination", f.destination}, {"error", f.error}});
    PrintJson({{"succeeded", r.succeeded},
               {"failed", r.failed},
               {"skipped", r.skipped},
               {"bytes_transferred", r.bytes_transferred},
               {"seconds", r.seconds},
               {"failures", failures}});
  } else {
    if (plan.items.empty()) PrintLine("Nothing to copy: no objects under " + a.src);
    Status failures = ReportFailures(r.failures, plan.items.size(), "transfers");
    PrintLine(SummaryLine(r.succeeded, r.failed, r.skipped));
    PrintLine("Transferred " + FormatBytes(r.bytes_transferred) + " in " + FormatDuration(r.seconds) + " (" +
              FormatRate(r.seconds > 0 ? static_cast<double>(r.bytes_transferred) / r.seconds : 0) + ")");
    return failures;
  }
  if (r.failed == 0) return Status::Ok();
  return Unavailable(std::to_string(r.failed) + " of " + std::to_string(plan.items.size()) +
                     " transfers failed (first: " + r.failures.front().error +
                     "); run the same command again to retry them");
}

// ---- obs ls ----

struct LsArgs {
  std::string uri;
  bool recursive = false;
  int64_t limit = 0;
};

Status RunLs(Cli& cli, const LsArgs& a) {
  OA_ASSIGN_OR_RETURN(client::Client * c, cli.Client());
  const bool json = cli.common().json();
  if (a.uri.empty()) {
    OA_ASSIGN_OR_RETURN(auto buckets, c->ListBuckets());
    if (json) {
      PrintJson({{"buckets", RawList(buckets)}});
      return Status::Ok();
    }
    Table t({"bucket", "workspace", "owner", "created"});
    for (const auto& b : buckets) t.AddRow({"obs://" + b.name, b.workspace_id, b.owner, FormatTime(b.create_time)});
    PrintTable(t);
    PrintLine("Bucket number is: " + std::to_string(buckets.size()));
    return Status::Ok();
  }
  OA_ASSIGN_OR_RETURN(ObsPath p, ParseObsPath(a.uri));
  client::ListObjectsOptions o;
  o.prefix = p.key;
  if (!a.recursive) o.delimiter = "/";
  std::vector<client::ObjectInfo> objects;
  std::vector<std::string> prefixes;
  bool truncated = false;
  for (;;) {
    if (a.limit > 0) {
      int64_t left = a.limit - static_cast<int64_t>(objects.size() + prefixes.size());
      o.max_keys = static_cast<int>(std::min<int64_t>(1000, left));
    }
    OA_ASSIGN_OR_RETURN(client::ObjectList page, c->ListObjects(p.bucket, o));
    for (auto& pr : page.common_prefixes) prefixes.push_back(std::move(pr));
    for (auto& obj : page.objects) objects.push_back(std::move(obj));
    truncated = page.is_truncated;
    if (!page.is_truncated || page.next_marker.empty() || page.next_marker == o.marker) break;
    if (a.limit > 0 && static_cast<int64_t>(objects.size() + prefixes.size()) >= a.limit) break;
    o.marker = page.next_marker;
  }
  if (json) {
    Json objs = Json::array();
    for (const auto& obj : objects) {
      objs.push_back({{"key", obj.key}, {"size", obj.size}, {"etag", obj.etag}, {"last_modified", obj.last_modified}});
    }
    PrintJson({{"bucket", p.bucket}, {"prefix", p.key}, {"objects", objs}, {"common_prefixes", prefixes},
               {"is_truncated", truncated}});
    return Status::Ok();
  }
  Table t({"last modified", "size", "etag", "key"});
  for (const auto& pr : prefixes) t.AddRow({"", "DIR", "", "obs://" + p.bucket + "/" + pr});
  uint64_t total = 0;
  for (const auto& obj : objects) {
    total += obj.size;
    t.AddRow({FormatTime(obj.last_modified), FormatBytes(obj.size), obj.etag, "obs://" + p.bucket + "/" + obj.key});
  }
  PrintTable(t);
  PrintLine("Folder number is: " + std::to_string(prefixes.size()));
  PrintLine("File number is: " + std::to_string(objects.size()) + " (" + FormatBytes(total) + ")" +
            (truncated ? "; more exist (raise --limit, 0 = all)" : ""));
  return Status::Ok();
}

// ---- obs mb ----

struct MbArgs {
  std::string uri, workspace_id;
};

Status RunMb(Cli& cli, const MbArgs& a) {
  OA_ASSIGN_OR_RETURN(ObsPath p, ParseObsPath(a.uri));
  if (!p.key.empty()) return InvalidArgument("'" + a.uri + "' names an object; mb takes a bucket: obs://bucket");
  OA_ASSIGN_OR_RETURN(client::Client * c, cli.Client());
  OA_ASSIGN_OR_RETURN(client::Bucket b, c->CreateBucket(p.bucket, a.workspace_id));
  if (cli.common().json()) {
    PrintJson(b.raw.is_object() && !b.raw.empty() ? b.raw : Json{{"name", b.name}});
  } else {
    PrintLine("Create bucket [" + p.bucket + "] successfully!");
  }
  return Status::Ok();
}

// ---- obs rm ----

struct RmArgs {
  std::string uri;
  bool recursive = false, force = false;
  int jobs = 4;
};

Status WaitForTask(Cli& cli, client::Client& c, const std::string& task_id) {
  const bool draw = !cli.common().json() && ProgressReporter::StderrIsTty();
  auto start = std::chrono::steady_clock::now();
  for (;;) {
    OA_ASSIGN_OR_RETURN(client::Task t, c.GetTask(task_id));
    if (draw) {
      double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      ProgressState s{static_cast<uint64_t>(t.progress * 1000), 1000, 0, 0, 0};
      std::string line = FormatProgress(s, 60);
      // The byte counters mean nothing for a task: keep the bar and the percentage.
      line = line.substr(0, line.find('%') + 1) + "  " + t.status + "  " + FormatDuration(elapsed);
      std::fprintf(stderr, "\r%s\033[K", line.c_str());
      std::fflush(stderr);
    }
    if (t.Finished()) {
      if (draw) std::fputs("\r\033[K", stderr);
      if (t.status == "Succeeded") return Status::Ok();
      return Internal("task " + task_id + " " + t.status + (t.error.empty() ? "" : ": " + t.error));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
}

Status RunRm(Cli& cli, const RmArgs& a) {
  OA_ASSIGN_OR_RETURN(ObsPath p, ParseObsPath(a.uri));
  OA_ASSIGN_OR_RETURN(auto session, cli.Session());
  OA_ASSIGN_OR_RETURN(client::Client * c, cli.Client());
  const bool json = cli.common().json();

  if (p.key.empty()) {
    if (!a.recursive) {
      if (!a.force) OA_TRY(Confirm("Delete the empty bucket [" + p.bucket + "]?"));
      OA_TRY(c->DeleteBucket(p.bucket));
    } else {
      if (!a.force) OA_TRY(Confirm("Delete bucket [" + p.bucket + "] and EVERY object in it?"));
      OA_ASSIGN_OR_RETURN(std::string task_id, c->ForceDeleteBucket(p.bucket));
      if (!task_id.empty()) {
        if (!json) PrintLine("Task id is: " + task_id);
        OA_TRY(WaitForTask(cli, *c, task_id));
      }
    }
    if (json) {
      PrintJson({{"deleted_bucket", p.bucket}});
    } else {
      PrintLine("Delete bucket [" + p.bucket + "] successfully!");
    }
    return Status::Ok();
  }

  if (!a.recursive) {
    if (p.is_prefix()) return InvalidArgument("'" + a.uri + "' is a directory; add -r to delete everything under it");
    if (!a.force) OA_TRY(Confirm("Delete object [" + p.key + "] in the bucket [" + p.bucket + "]?"));
    OA_TRY(c->DeleteObject(p.bucket, p.key));
    if (json) {
      PrintJson({{"deleted", Json::array({p.key})}, {"bucket", p.bucket}});
    } else {
      PrintLine("Delete object [" + p.key + "] in the bucket [" + p.bucket + "] successfully!");
    }
    return Status::Ok();
  }

  // -r: the object itself (if any) and everything under "key/" — not "key2/..." as a bare
  // string prefix would.
  std::string dir = p.key.back() == '/' ? p.key : p.key + "/";
  OA_ASSIGN_OR_RETURN(auto listed, c->ListAllObjects(p.bucket, p.key));
  std::vector<std::string> keys;
  for (const auto& o : listed) {
    if (o.key == p.key || o.key.starts_with(dir)) keys.push_back(o.key);
  }
  if (keys.empty()) return NotFound("nothing to delete under '" + a.uri + "'");
  if (!a.force) {
    OA_TRY(Confirm("Delete " + std::to_string(keys.size()) + " objects under " + a.uri + "?"));
  }
  ProgressReporter progress(!json && ProgressReporter::StderrIsTty(), 0, keys.size());
  std::vector<std::optional<std::string>> errors(keys.size());
  ParallelFor(session, keys.size(), a.jobs, [&](client::Client& wc, size_t i) {
    Status st = wc.DeleteObject(p.bucket, keys[i]);
    if (!st.ok()) errors[i] = st.message();
    progress.FileDone();
  });
  progress.Finish();
  std::vector<CopyFailure> failures;
  Json deleted = Json::array();
  for (size_t i = 0; i < keys.size(); ++i) {
    if (errors[i]) {
      failures.push_back({"obs://" + p.bucket + "/" + keys[i], "(delete)", *errors[i]});
    } else {
      deleted.push_back(keys[i]);
    }
  }
  if (json) {
    PrintJson({{"bucket", p.bucket}, {"deleted", deleted}, {"failed", failures.size()}});
    return failures.empty() ? Status::Ok()
                            : Unavailable(std::to_string(failures.size()) + " deletes failed (first: " +
                                          failures.front().error + ")");
  }
  Status st = ReportFailures(failures, keys.size(), "deletes");
  PrintLine("Succeed count is: " + std::to_string(keys.size() - failures.size()) +
            " Failed count is: " + std::to_string(failures.size()));
  return st;
}

}  // namespace

void AddObsCommands(Cli& cli) {
  auto ca = std::make_shared<CopyArgs>();
  CLI::App* cp = cli.Command(&cli.app(), "obs-copy", "Copy files and directories to, from and between buckets",
                             R"(SRC and DST are local paths or obs://bucket/key (s3:// is an alias).
A directory is copied with -r: its contents go under DST. Objects whose size and MD5 already
match the destination are skipped, so re-running an interrupted copy finishes it.

Examples:
  ma-cli obs-copy ./train.py obs://my-bucket/code/
  ma-cli obs-copy ./dataset/ obs://my-bucket/dataset/ -r -j 8
  ma-cli obs-copy obs://my-bucket/dataset/ ./dataset/ -r
  ma-cli obs-copy obs://my-bucket/model.pt ./model.pt
  ma-cli obs-copy obs://my-bucket/v1/ obs://backup-bucket/v1/ -r)",
                             [&cli, ca] { return RunObsCopy(cli, *ca); });
  cp->add_option("SRC", ca->src, "Source: local path or obs://bucket/key")->required();
  cp->add_option("DST", ca->dst, "Destination: local path or obs://bucket/key")->required();
  cp->add_flag("-r,--recursive", ca->recursive, "Copy directories (prefixes) with everything under them");
  cp->add_flag("-f,--force", ca->force, "Accepted for obsutil compatibility (obs-copy never prompts)");
  cp->add_option("-j,--jobs", ca->jobs, "Parallel transfers, one connection each")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();

  CLI::App* obs = cli.Group(&cli.app(), "obs", "Buckets and objects: ls, mb, rm",
                            "Examples:\n  ma-cli obs ls\n  ma-cli obs mb obs://my-bucket\n"
                            "  ma-cli obs rm obs://my-bucket/old/ -r -f");

  auto la = std::make_shared<LsArgs>();
  CLI::App* ls = cli.Command(obs, "ls", "List buckets, or the objects under obs://bucket[/prefix]",
                             R"(Without -r, lists one level: "directories" (common prefixes) and objects.

Examples:
  ma-cli obs ls
  ma-cli obs ls obs://my-bucket
  ma-cli obs ls obs://my-bucket/dataset/ -r --limit 100
  ma-cli obs ls obs://my-bucket --output json)",
                             [&cli, la] { return RunLs(cli, *la); });
  ls->add_option("URI", la->uri, "obs://bucket[/prefix]; none lists the buckets");
  ls->add_flag("-r,--recursive", la->recursive, "List every object under the prefix, not one level");
  ls->add_option("--limit", la->limit, "Show at most N entries (0 = all)")->check(CLI::NonNegativeNumber)->capture_default_str();

  auto ma = std::make_shared<MbArgs>();
  CLI::App* mb = cli.Command(obs, "mb", "Make a bucket",
                             "Examples:\n  ma-cli obs mb obs://my-bucket\n"
                             "  ma-cli obs mb obs://team-bucket --workspace-id 4f0c...",
                             [&cli, ma] { return RunMb(cli, *ma); });
  mb->add_option("URI", ma->uri, "obs://bucket")->required();
  mb->add_option("--workspace-id", ma->workspace_id, "Workspace that owns the bucket (default \"0\")");

  auto ra = std::make_shared<RmArgs>();
  CLI::App* rm = cli.Command(obs, "rm", "Delete an object, everything under a prefix (-r), or a bucket",
                             R"(Asks for confirmation on a terminal unless -f; without a terminal, -f is required.
'obs rm obs://bucket -r -f' deletes the bucket and all its objects in a background task and
waits for it. This cannot be undone.

Examples:
  ma-cli obs rm obs://my-bucket/tmp.txt -f
  ma-cli obs rm obs://my-bucket/logs/ -r -f
  ma-cli obs rm obs://my-bucket -r -f)",
                             [&cli, ra] { return RunRm(cli, *ra); });
  rm->add_option("URI", ra->uri, "obs://bucket[/key]")->required();
  rm->add_flag("-r,--recursive", ra->recursive, "Delete everything under the prefix (with a bucket: the bucket too)");
  rm->add_flag("-f,--force", ra->force, "Do not ask for confirmation");
  rm->add_option("-j,--jobs", ra->jobs, "Parallel deletes")->check(CLI::Range(1, 64))->capture_default_str();
}

}  // namespace openarts::cli
