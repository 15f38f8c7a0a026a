// Sample content and thumbnails (data.h GetSampleContent / SampleThumbnail).
#include <cstdio>

#include "base/strings.h"
#include "formats/wav.h"
#include "imaging/imaging.h"
#include "objstore/names.h"
#include "service_impl.h"

namespace openarts::data {
namespace {

std::string_view TypeByExtension(std::string_view key) {
  auto dot = key.rfind('.');
  if (dot == std::string_view::npos) return "application/octet-stream";
  std::string e = AsciiLower(key.substr(dot + 1));
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {"jpg", "image/jpeg"}, {"jpeg", "image/jpeg"}, {"png", "image/png"},  {"bmp", "image/bmp"},
      {"gif", "image/gif"},  {"webp", "image/webp"}, {"wav", "audio/wav"},  {"mp3", "audio/mpeg"},
      {"flac", "audio/flac"}, {"ogg", "audio/ogg"},  {"m4a", "audio/mp4"},  {"aac", "audio/aac"},
      {"mp4", "video/mp4"},  {"txt", "text/plain; charset=utf-8"},          {"csv", "text/csv; charset=utf-8"},
      {"json", "application/json"}};
  for (auto [ext, type] : kTypes) {
    if (e == ext) return type;
  }
  return "application/octet-stream";
}

}  // namespace

Result<SampleContent> DataServiceImpl::GetSampleContent(const Dataset& ds, const std::string& sample_id) {
  OA_ASSIGN_OR_RETURN(Sample s, GetSample(ds, sample_id));
  SampleContent c;
  c.source = s.source;
  if (auto text = ContentText(s.source)) {
    c.text = std::string(*text);
    c.content_type = "text/plain; charset=utf-8";
    char etag[24];
    std::snprintf(etag, sizeof etag, "t%016llx", static_cast<unsigned long long>(std::hash<std::string>()(c.text)));
    c.etag = etag;
    return c;
  }
  auto uri = objstore::ParseObsUri(s.source);
  if (!uri.ok()) {
    return FailedPrecondition("sample " + sample_id + ": source " + s.source + " is not in object storage");
  }
  auto h = objects_.Get(uri->bucket, uri->key);
  if (!h.ok()) {
    return NotFound("sample " + sample_id + ": its object " + s.source + " is gone from object storage (" +
                    h.status().message() + "); delete the sample or put the object back");
  }
  c.object = std::move(*h);
  c.etag = c.object.info.etag;
  // A known extension wins: uploaders often send a generic or wrong content type (curl's
  // default is application/x-www-form-urlencoded).
  std::string_view by_ext = TypeByExtension(uri->key);
  c.content_type = by_ext != "application/octet-stream" || c.object.info.content_type.empty()
                       ? std::string(by_ext)
                       : c.object.info.content_type;
  return c;
}

Result<std::string> DataServiceImpl::SampleThumbnail(const Dataset& ds, const std::string& sample_id, int max_side) {
  if (max_side < 16 || max_side > 1024) {
    return InvalidArgument("size: " + std::to_string(max_side) + " is out of range; give 16 to 1024 pixels");
  }
  OA_ASSIGN_OR_RETURN(SampleContent c, GetSampleContent(ds, sample_id));
  auto not_image = [&] {
    return FailedPrecondition("sample " + sample_id + " is not an image (" + c.content_type +
                              "); thumbnails are made of image samples; read its content instead");
  };
  if (!c.object.reader) return not_image();
  std::string key = c.etag + "/" + std::to_string(max_side);
  {
    std::lock_guard lock(thumbnails_.mu);
    auto it = thumbnails_.index.find(key);
    if (it != thumbnails_.index.end()) {
      thumbnails_.lru.splice(thumbnails_.lru.begin(), thumbnails_.lru, it->second);
      return it->second->second;
    }
  }
  constexpr uint64_t kMaxImageBytes = 64 << 20;
  uint64_t size = c.object.reader->Size();
  if (size > kMaxImageBytes) {
    return InvalidArgument("sample " + sample_id + ": the image has " + std::to_string(size) +
                           " bytes, more than the 64 MiB a thumbnail is made of");
  }
  std::string bytes(size, '\0');
  OA_ASSIGN_OR_RETURN(size_t n, c.object.reader->ReadAt(0, bytes.data(), bytes.size()));
  bytes.resize(n);
  // The header decides, not the name or the content type.
  if (!imaging::Probe(bytes).ok()) return not_image();
  auto jpg = imaging::Thumbnail(bytes, max_side);
  if (!jpg.ok()) return InvalidArgument("sample " + sample_id + " (" + c.source + "): " + jpg.status().message());
  std::lock_guard lock(thumbnails_.mu);
  if (!thumbnails_.index.count(key)) {
    thumbnails_.lru.emplace_front(key, *jpg);
    thumbnails_.index[key] = thumbnails_.lru.begin();
    thumbnails_.bytes += jpg->size();
    while (thumbnails_.bytes > kThumbnailCacheBytes && !thumbnails_.lru.empty()) {
      thumbnails_.bytes -= thumbnails_.lru.back().second.size();
      thumbnails_.index.erase(thumbnails_.lru.back().first);
      thumbnails_.lru.pop_back();
    }
  }
  return std::move(*jpg);
}

Status DataServiceImpl::CheckSegmentsFitRecording(const formats::ManifestSample& s, int dataset_type,
                                                  const std::string& field) {
  std::optional<int64_t> end_ms = LatestSegmentEndMs(s, dataset_type);
  if (!end_ms) return Status::Ok();
  auto uri = objstore::ParseObsUri(s.source);
  if (!uri.ok()) return Status::Ok();
  auto h = objects_.Get(uri->bucket, uri->key);
  if (!h.ok()) return Status::Ok();  // a missing object is reported where it is read
  uint64_t size = h->reader->Size();
  std::string head(std::min<uint64_t>(size, 64 << 10), '\0');
  OA_ASSIGN_OR_RETURN(size_t n, h->reader->ReadAt(0, head.data(), head.size()));
  head.resize(n);
  auto wav = formats::ProbeWav(head, size, s.source);
  if (!wav.ok()) return Status::Ok();  // not a WAV: its length is unknown here
  if (static_cast<double>(*end_ms) > wav->duration_seconds * 1000.0 + 1e-6) {
    char msg[160];
    std::snprintf(msg, sizeof msg, "a segment ends at %.3f s, after the end of the recording (%.3f s)",
                  static_cast<double>(*end_ms) / 1000.0, wav->duration_seconds);
    return InvalidArgument(field + ": " + msg);
  }
  return Status::Ok();
}

}  // namespace openarts::data
