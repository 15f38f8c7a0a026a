#include "transfer.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "progress.h"

namespace openarts::cli {

namespace fs = std::filesystem;

namespace {

std::string NormalizeHash(std::string_view h) {
  if (h.size() >= 2 && h.front() == '"' && h.back() == '"') h = h.substr(1, h.size() - 2);
  std::string out(h);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsMd5Hex(const std::string& h) {
  return h.size() == 32 && h.find_first_not_of("0123456789abcdef") == std::string::npos;
}

std::string Basename(const std::string& key) {
  std::string k = key;
  while (!k.empty() && k.back() == '/') k.pop_back();
  auto slash = k.rfind('/');
  return slash == std::string::npos ? k : k.substr(slash + 1);
}

std::string AsPrefix(std::string key) {
  if (!key.empty() && key.back() != '/') key += '/';
  return key;
}

// A key below a download prefix becomes a path below the destination directory; a key that
// would climb out of it (a ".." segment, an absolute path) is refused, whatever the server says.
Result<fs::path> SafeRelative(const std::string& rel) {
  if (rel.empty() || rel.front() == '/') return InvalidArgument("object key '" + rel + "' is not a relative path");
  fs::path out;
  size_t start = 0;
  while (start <= rel.size()) {
    size_t end = rel.find('/', start);
    if (end == std::string::npos) end = rel.size();
    std::string seg = rel.substr(start, end - start);
    if (seg == "." || seg == "..") {
      return InvalidArgument("object key '" + rel + "' has a '" + seg + "' segment; refusing to write outside the destination");
    }
    if (!seg.empty()) out /= seg;
    start = end + 1;
  }
  return out;
}

Result<std::map<std::string, client::ObjectInfo>> ExistingUnder(client::Client& c, const std::string& bucket,
                                                                const std::string& prefix) {
  OA_ASSIGN_OR_RETURN(auto objects, c.ListAllObjects(bucket, prefix));
  std::map<std::string, client::ObjectInfo> by_key;
  for (auto& o : objects) by_key.emplace(o.key, std::move(o));
  return by_key;
}

Result<std::optional<client::ObjectInfo>> HeadIfExists(client::Client& c, const std::string& bucket,
                                                       const std::string& key) {
  auto info = c.HeadObject(bucket, key);
  if (info.ok()) return std::optional<client::ObjectInfo>(std::move(*info));
  if (info.status().code() == Code::kNotFound) return std::optional<client::ObjectInfo>();
  return info.status();
}

Result<CopyPlan> PlanUpload(client::Client& c, const fs::path& src, const ObsPath& dst, bool recursive) {
  std::error_code ec;
  auto st = fs::status(src, ec);
  if (ec || !fs::exists(st)) return NotFound("local path '" + src.string() + "' does not exist");
  CopyPlan plan;
  if (fs::is_directory(st)) {
    if (!recursive) {
      return InvalidArgument("'" + src.string() + "' is a directory; add -r to copy it with everything in it");
    }
    std::string prefix = AsPrefix(dst.key);
    OA_ASSIGN_OR_RETURN(auto existing, ExistingUnder(c, dst.bucket, prefix));
    std::vector<CopyItem> items;
    // Symlinked directories are not followed (no cycles); symlinks to files are copied as files.
    fs::recursive_directory_iterator it(src, fs::directory_options::skip_permission_denied, ec), end;
    if (ec) return Internal("cannot read directory " + src.string() + ": " + ec.message());
    for (; it != end; it.increment(ec)) {
      if (ec) return Internal("cannot read directory under " + src.string() + ": " + ec.message());
      std::error_code fec;
      if (!it->is_regular_file(fec)) continue;
      CopyItem item;
      item.kind = CopyItem::Kind::kUpload;
      item.local = it->path();
      item.dst_bucket = dst.bucket;
      item.dst_key = prefix + fs::relative(it->path(), src).generic_string();
      item.size = it->file_size(fec);
      if (auto e = existing.find(item.dst_key); e != existing.end()) item.existing = e->second;
      items.push_back(std::move(item));
    }
    std::sort(items.begin(), items.end(), [](const CopyItem& a, const CopyItem& b) { return a.dst_key < b.dst_key; });
    plan.items = std::move(items);
  } else {
    CopyItem item;
    item.kind = CopyItem::Kind::kUpload;
    item.local = src;
    item.dst_bucket = dst.bucket;
    item.dst_key = dst.is_prefix() ? dst.key + src.filename().string() : dst.key;
    item.size = fs::file_size(src, ec);
    if (ec) return Internal("cannot read " + src.string() + ": " + ec.message());
    OA_ASSIGN_OR_RETURN(item.existing, HeadIfExists(c, dst.bucket, item.dst_key));
    plan.items.push_back(std::move(item));
  }
  return plan;
}

// The objects a remote source names: everything under the prefix for a directory, or the one
// object. `prefix` receives the part of each key to strip to get its relative path.
Result<std::vector<client::ObjectInfo>> ResolveRemoteSource(client::Client& c, const ObsPath& src, bool recursive,
                                                            std::string* prefix, bool* single) {
  *single = false;
  if (src.is_prefix() || recursive) {
    if (!recursive) {
      return InvalidArgument("'" + src.ToString() + "' is a directory; add -r to copy everything under it");
    }
    *prefix = AsPrefix(src.key);
    OA_ASSIGN_OR_RETURN(auto objects, c.ListAllObjects(src.bucket, *prefix));
    if (!objects.empty() || src.is_prefix()) return objects;
    // "obs://b/file -r": no directory of that name; the object itself then.
  }
  auto info = c.HeadObject(src.bucket, src.key);
  if (!info.ok()) {
    if (info.status().code() == Code::kNotFound && !recursive) {
      return NotFound("'" + src.ToString() + "' does not exist (for a directory, end it with '/' and add -r)");
    }
    if (info.status().code() == Code::kNotFound) return NotFound("nothing found at '" + src.ToString() + "'");
    return info.status();
  }
  *single = true;
  *prefix = "";
  return std::vector<client::ObjectInfo>{*info};
}

Result<CopyPlan> PlanDownload(client::Client& c, const ObsPath& src, const std::string& dst_str, bool recursive) {
  std::string prefix;
  bool single = false;
  OA_ASSIGN_OR_RETURN(auto objects, ResolveRemoteSource(c, src, recursive, &prefix, &single));
  fs::path dst(dst_str);
  CopyPlan plan;
  if (single) {
    const auto& o = objects.front();
    std::error_code ec;
    bool into_dir = dst_str.ends_with('/') || fs::is_directory(dst, ec);
    CopyItem item;
    item.kind = CopyItem::Kind::kDownload;
    item.src_bucket = src.bucket;
    item.src_key = o.key;
    item.size = o.size;
    item.src_etag = o.etag;
    item.local = into_dir ? dst / Basename(o.key) : dst;
    plan.items.push_back(std::move(item));
    return plan;
  }
  for (const auto& o : objects) {
    std::string rel = o.key.substr(prefix.size());
    CopyItem item;
    item.src_bucket = src.bucket;
    item.src_key = o.key;
    if (rel.empty()) continue;  // the prefix's own directory marker
    bool dir_marker = rel.back() == '/';
    auto path = SafeRelative(dir_marker ? rel.substr(0, rel.size() - 1) : rel);
    if (!path.ok()) return Status(path.status().code(), path.status().message() + " (in " + src.ToString() + ")");
    item.local = dst / *path;
    item.kind = dir_marker ? CopyItem::Kind::kMakeDir : CopyItem::Kind::kDownload;
    item.size = dir_marker ? 0 : o.size;
    item.src_etag = o.etag;
    plan.items.push_back(std::move(item));
  }
  return plan;
}

Result<CopyPlan> PlanServerCopy(client::Client& c, const ObsPath& src, const ObsPath& dst, bool recursive) {
  std::string prefix;
  bool single = false;
  OA_ASSIGN_OR_RETURN(auto objects, ResolveRemoteSource(c, src, recursive, &prefix, &single));
  CopyPlan plan;
  std::string dst_prefix = single ? dst.key : AsPrefix(dst.key);
  std::map<std::string, client::ObjectInfo> existing;
  if (!single) {
    OA_ASSIGN_OR_RETURN(existing, ExistingUnder(c, dst.bucket, dst_prefix));
  }
  for (const auto& o : objects) {
    CopyItem item;
    item.kind = CopyItem::Kind::kServerCopy;
    item.src_bucket = src.bucket;
    item.src_key = o.key;
    item.size = o.size;
    item.src_etag = o.etag;
    item.dst_bucket = dst.bucket;
    if (single) {
      item.dst_key = dst.is_prefix() ? dst.key + Basename(o.key) : dst.key;
      OA_ASSIGN_OR_RETURN(item.existing, HeadIfExists(c, dst.bucket, item.dst_key));
    } else {
      std::string rel = o.key.substr(prefix.size());
      if (rel.empty()) continue;
      item.dst_key = dst_prefix + rel;
      if (auto e = existing.find(item.dst_key); e != existing.end()) item.existing = e->second;
    }
    if (item.src_bucket == item.dst_bucket && item.src_key == item.dst_key) {
      return InvalidArgument("source and destination are the same object: " + src.ToString());
    }
    plan.items.push_back(std::move(item));
  }
  return plan;
}

}  // namespace

bool SameContent(uint64_t src_size, std::string_view src_md5, uint64_t dst_size, std::string_view dst_etag) {
  if (src_size != dst_size) return false;
  std::string a = NormalizeHash(src_md5), b = NormalizeHash(dst_etag);
  return IsMd5Hex(a) && a == b;
}

std::string CopyItem::Source() const {
  return kind == Kind::kUpload ? local.string() : "obs://" + src_bucket + "/" + src_key;
}

std::string CopyItem::Destination() const {
  return kind == Kind::kDownload || kind == Kind::kMakeDir ? local.string() : "obs://" + dst_bucket + "/" + dst_key;
}

Result<CopyPlan> PlanCopy(client::Client& c, const std::string& src, const std::string& dst, bool recursive) {
  bool src_remote = IsObsUri(src), dst_remote = IsObsUri(dst);
  Result<CopyPlan> plan = InvalidArgument("");
  if (!src_remote && !dst_remote) {
    return InvalidArgument("one of SRC and DST must be an obs:// path (for local copies use cp)");
  }
  if (src_remote) {
    OA_ASSIGN_OR_RETURN(ObsPath s, ParseObsPath(src));
    if (dst_remote) {
      OA_ASSIGN_OR_RETURN(ObsPath d, ParseObsPath(dst));
      plan = PlanServerCopy(c, s, d, recursive);
    } else {
      plan = PlanDownload(c, s, dst, recursive);
    }
  } else {
    OA_ASSIGN_OR_RETURN(ObsPath d, ParseObsPath(dst));
    plan = PlanUpload(c, fs::path(src), d, recursive);
  }
  if (!plan.ok()) return plan;
  for (const auto& item : plan->items) plan->total_bytes += item.size;
  return plan;
}

void ParallelFor(const std::shared_ptr<client::Session>& session, size_t n, int jobs,
                 const std::function<void(client::Client&, size_t)>& fn) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    client::Client c(session);
    for (size_t i = next++; i < n; i = next++) fn(c, i);
  };
  size_t threads = std::min<size_t>(static_cast<size_t>(std::max(jobs, 1)), n);
  if (threads <= 1) {
    if (n > 0) worker();
    return;
  }
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
}

CopyReport RunCopy(const std::shared_ptr<client::Session>& session, const CopyPlan& plan, const RunOptions& options) {
  ProgressReporter progress(options.progress, plan.total_bytes, plan.items.size());
  std::atomic<uint64_t> succeeded{0}, skipped{0}, transferred{0};
  std::vector<std::optional<std::string>> errors(plan.items.size());

  ParallelFor(session, plan.items.size(), options.jobs, [&](client::Client& c, size_t i) {
    const CopyItem& item = plan.items[i];
    uint64_t counted = 0;
    client::ProgressFn on_progress = [&](uint64_t done, uint64_t) {
      progress.AddBytes(static_cast<int64_t>(done) - static_cast<int64_t>(counted));
      counted = done;
    };
    auto finish = [&](Status st, bool was_skipped) {
      // Account for the whole item on success so the bar ends at 100 % even when the transfer
      // reported fewer callbacks (empty files, skipped items).
      if (st.ok()) {
        progress.AddBytes(static_cast<int64_t>(item.size) - static_cast<int64_t>(counted));
        (was_skipped ? skipped : succeeded)++;
        if (!was_skipped) transferred += item.size;
      } else {
        errors[i] = st.message();
      }
      progress.FileDone();
    };

    switch (item.kind) {
      case CopyItem::Kind::kMakeDir: {
        std::error_code ec;
        fs::create_directories(item.local, ec);
        return finish(ec ? Internal("create directory " + item.local.string() + ": " + ec.message()) : Status::Ok(),
                      false);
      }
      case CopyItem::Kind::kUpload: {
        // Hash first: the skip decision and Content-MD5 both need it, and the file is then
        // hot in the page cache for the upload.
        auto md5 = client::FileMd5Hex(item.local);
        if (!md5.ok()) return finish(md5.status(), false);
        std::error_code ec;
        uint64_t size = fs::file_size(item.local, ec);
        if (item.existing && SameContent(size, *md5, item.existing->size, item.existing->etag)) {
          return finish(Status::Ok(), true);
        }
        auto r = c.PutObjectFromFile(item.dst_bucket, item.dst_key, item.local, *md5, on_progress);
        return finish(r.status(), false);
      }
      case CopyItem::Kind::kDownload: {
        std::error_code ec;
        if (fs::is_regular_file(item.local, ec) && fs::file_size(item.local, ec) == item.size) {
          auto md5 = client::FileMd5Hex(item.local);
          if (md5.ok() && SameContent(item.size, *md5, item.size, item.src_etag)) return finish(Status::Ok(), true);
        }
        auto r = c.GetObjectToFile(item.src_bucket, item.src_key, item.local, on_progress);
        return finish(r.status(), false);
      }
      case CopyItem::Kind::kServerCopy: {
        if (item.existing && SameContent(item.size, item.src_etag, item.existing->size, item.existing->etag)) {
          return finish(Status::Ok(), true);
        }
        auto r = c.CopyObject(item.src_bucket, item.src_key, item.dst_bucket, item.dst_key);
        return finish(r.status(), false);
      }
    }
  });
  progress.Finish();

  CopyReport report;
  report.succeeded = succeeded;
  report.skipped = skipped;
  report.bytes_transferred = transferred;
  report.seconds = progress.elapsed_seconds();
  for (size_t i = 0; i < errors.size(); ++i) {
    if (!errors[i]) continue;
    ++report.failed;
    report.failures.push_back({plan.items[i].Source(), plan.items[i].Destination(), *errors[i]});
  }
  return report;
}

}  // namespace openarts::cli
