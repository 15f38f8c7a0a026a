// Objects: /v1/{project_id}/buckets/{bucket}/objects/{key+} — streamed PUT (or server-side copy
// with X-OA-Copy-Source), GET/HEAD with Range and conditional requests, DELETE.
#include <time.h>

#include <cstring>

#include "api/decode.h"
#include "base/crypto.h"
#include "route_table.h"

namespace openarts::api {

namespace {

constexpr char kCopySourceHeader[] = "X-OA-Copy-Source";

// RFC 7231 IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string HttpDate(int64_t millis) {
  time_t secs = static_cast<time_t>(millis / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7],
           tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
           tm.tm_sec);
  return buf;
}

std::string Quoted(const std::string& etag) { return "\"" + etag + "\""; }

void SetObjectHeaders(http::Response& resp, const objstore::ObjectInfo& info) {
  resp.headers["ETag"] = Quoted(info.etag);
  resp.headers["Last-Modified"] = HttpDate(info.last_modified);
  resp.headers["Accept-Ranges"] = "bytes";
}

Json PutReply(const objstore::ObjectInfo& info) {
  return {{"key", info.key}, {"size", info.size}, {"etag", info.etag}};
}

// "/bucket/key" (percent-encoded like a path; the leading '/' is optional).
Result<std::pair<std::string, std::string>> ParseCopySource(const std::string& header) {
  auto decoded = http::PercentDecode(header);
  if (!decoded.ok()) return decoded.status().WithContext(std::string("header '") + kCopySourceHeader + "'");
  std::string_view s = *decoded;
  if (!s.empty() && s.front() == '/') s.remove_prefix(1);
  const size_t slash = s.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == s.size()) {
    return InvalidArgument(std::string("header '") + kCopySourceHeader +
                           "' must be /bucket/key (percent-encoded)");
  }
  return std::make_pair(std::string(s.substr(0, slash)), std::string(s.substr(slash + 1)));
}

Status PutObject(Call& c) {
  OA_TRY(c.CheckProject());
  const std::string& bucket_name = c.req.Param("bucket");
  const std::string& key = c.req.Param("key");
  OA_ASSIGN_OR_RETURN(objstore::BucketInfo bucket, c.deps.objects.GetBucket(bucket_name));
  OA_TRY(c.Authorize("obs:object:PutObject", bucket.workspace_id));

  if (const std::string* copy = c.req.Header(kCopySourceHeader)) {
    if (c.req.content_length && *c.req.content_length > 0) {
      return InvalidArgument(std::string("a copy (header '") + kCopySourceHeader +
                             "') takes no request body");
    }
    OA_ASSIGN_OR_RETURN(auto source, ParseCopySource(*copy));
    OA_ASSIGN_OR_RETURN(objstore::BucketInfo src_bucket, c.deps.objects.GetBucket(source.first));
    // Copying reads the source: the caller must be allowed to download it too.
    OA_TRY(c.Authorize("obs:object:GetObject", src_bucket.workspace_id));
    OA_ASSIGN_OR_RETURN(objstore::ObjectInfo info,
                        c.deps.objects.Copy(source.first, source.second, bucket_name, key));
    c.Reply(200, PutReply(info));
    c.resp.headers["ETag"] = Quoted(info.etag);
    return Status::Ok();
  }

  objstore::PutOptions options;
  if (const std::string* type = c.req.Header("Content-Type")) options.content_type = *type;
  if (const std::string* md5 = c.req.Header("Content-MD5")) {
    OA_ASSIGN_OR_RETURN(std::string raw, DecodeBase64(*md5, "header 'Content-MD5'"));
    if (raw.size() != 16) {
      return InvalidArgument("header 'Content-MD5' must be the base64 of a 16-byte MD5 digest");
    }
    options.expected_md5_hex = HexEncode(raw);
  }
  options.expected_size = c.req.content_length;

  StringSource buffered(std::move(c.req.body));
  ByteSource& source = c.req.body_stream ? *c.req.body_stream : buffered;
  OA_ASSIGN_OR_RETURN(objstore::ObjectInfo info,
                      c.deps.objects.Put(bucket_name, key, source, options));
  c.Reply(200, PutReply(info));
  c.resp.headers["ETag"] = Quoted(info.etag);
  return Status::Ok();
}

// GET and (through the router's HEAD fallback) HEAD: the http layer sends headers only for HEAD.
Status GetObject(Call& c) {
  OA_TRY(c.CheckProject());
  const std::string& bucket_name = c.req.Param("bucket");
  OA_ASSIGN_OR_RETURN(objstore::BucketInfo bucket, c.deps.objects.GetBucket(bucket_name));
  OA_TRY(c.Authorize("obs:object:GetObject", bucket.workspace_id));
  OA_ASSIGN_OR_RETURN(objstore::ObjectHandle object,
                      c.deps.objects.Get(bucket_name, c.req.Param("key")));
  const objstore::ObjectInfo& info = object.info;
  const uint64_t size = object.reader->Size();

  if (const std::string* inm = c.req.Header("If-None-Match"); inm && NoneMatchHits(*inm, info.etag)) {
    c.resp.status = 304;
    SetObjectHeaders(c.resp, info);
    return Status::Ok();
  }

  http::StreamBody body{object.reader, 0, size};
  int status = 200;
  if (const std::string* range = c.req.Header("Range")) {
    auto parsed = http::ParseRange(*range, size);
    if (!parsed.ok()) {
      // 416 is not a Status code: it is an answer about this object's size, made here.
      WriteJson(c.resp, 416,
                Json{{"error_code", "OA.RANGE.0416"},
                     {"error_msg", "Range '" + *range + "' cannot be satisfied: the object has " +
                                       std::to_string(size) + " bytes"},
                     {"request_id", c.req.request_id}});
      c.resp.headers["Content-Range"] = "bytes */" + std::to_string(size);
      return Status::Ok();
    }
    if (parsed->has_value()) {
      const http::ByteRange r = **parsed;
      body.offset = r.offset;
      body.length = r.length;
      status = 206;
      c.resp.headers["Content-Range"] = "bytes " + std::to_string(r.offset) + "-" +
                                        std::to_string(r.offset + r.length - 1) + "/" +
                                        std::to_string(size);
    }
  }
  c.resp.status = status;
  SetObjectHeaders(c.resp, info);
  c.resp.headers["Content-Type"] =
      info.content_type.empty() ? "application/octet-stream" : info.content_type;
  c.resp.stream = std::move(body);
  return Status::Ok();
}

Status DeleteObject(Call& c) {
  OA_TRY(c.CheckProject());
  const std::string& bucket_name = c.req.Param("bucket");
  OA_ASSIGN_OR_RETURN(objstore::BucketInfo bucket, c.deps.objects.GetBucket(bucket_name));
  OA_TRY(c.Authorize("obs:object:DeleteObject", bucket.workspace_id));
  OA_TRY(c.deps.objects.Delete(bucket_name, c.req.Param("key")));
  c.NoContent();
  return Status::Ok();
}

}  // namespace

bool NoneMatchHits(const std::string& header, const std::string& etag) {
  size_t pos = 0;
  while (pos <= header.size()) {
    size_t comma = header.find(',', pos);
    if (comma == std::string::npos) comma = header.size();
    std::string_view tag(header.data() + pos, comma - pos);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == "*" || tag == Quoted(etag) || tag == etag) return true;
    pos = comma + 1;
  }
  return false;
}


void RegisterObjectRoutes(RouteTable& t) {
  const std::string path = "/v1/{project_id}/buckets/{bucket}/objects/{key+}";
  t.Authed("PUT", path, PutObject, http::RouteOptions{.stream_body = true});
  t.Authed("GET", path, GetObject);
  t.Authed("DELETE", path, DeleteObject);
}

}  // namespace openarts::api
