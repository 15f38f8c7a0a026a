// Reading objects for the data service: whole (bounded) or line by line (manifests of any size).
#include "data_internal.h"
#include "objstore/names.h"

namespace openarts::data {

Result<std::string> ReadObject(objstore::ObjectStore& objects, const std::string& uri_text, uint64_t max_bytes) {
  OA_ASSIGN_OR_RETURN(auto uri, objstore::ParseObsUri(uri_text));
  OA_ASSIGN_OR_RETURN(auto h, objects.Get(uri.bucket, uri.key));
  if (h.info.size > max_bytes) {
    return InvalidArgument(uri_text + " is " + std::to_string(h.info.size) + " bytes; the limit is " +
                           std::to_string(max_bytes));
  }
  std::string out(h.info.size, '\0');
  size_t done = 0;
  while (done < out.size()) {
    OA_ASSIGN_OR_RETURN(size_t n, h.reader->ReadAt(done, out.data() + done, out.size() - done));
    if (n == 0) break;
    done += n;
  }
  out.resize(done);
  return out;
}

Status ForEachObjectLine(objstore::ObjectStore& objects, const std::string& uri_text,
                         const std::function<Status(std::string_view line, int64_t line_no)>& fn,
                         const std::function<void(double)>& progress) {
  OA_ASSIGN_OR_RETURN(auto uri, objstore::ParseObsUri(uri_text));
  OA_ASSIGN_OR_RETURN(auto h, objects.Get(uri.bucket, uri.key));
  std::string buf, chunk(1 << 20, '\0');
  uint64_t off = 0;
  int64_t line_no = 0;
  while (off < h.info.size) {
    OA_ASSIGN_OR_RETURN(size_t n, h.reader->ReadAt(off, chunk.data(), chunk.size()));
    if (n == 0) break;
    off += n;
    buf.append(chunk.data(), n);
    size_t start = 0, nl;
    while ((nl = buf.find('\n', start)) != std::string::npos) {
      OA_TRY(fn(std::string_view(buf).substr(start, nl - start), ++line_no));
      start = nl + 1;
    }
    buf.erase(0, start);
    if (progress) progress(static_cast<double>(off) / static_cast<double>(h.info.size + 1));
  }
  if (!buf.empty()) OA_TRY(fn(buf, ++line_no));
  return Status::Ok();
}

}  // namespace openarts::data
