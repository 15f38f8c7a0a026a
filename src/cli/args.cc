#include "args.h"

#include <cctype>

#include "objstore/names.h"

namespace openarts::cli {

bool IsObsUri(std::string_view s) { return objstore::IsObsUri(s); }

Result<ObsPath> ParseObsPath(std::string_view uri) {
  OA_ASSIGN_OR_RETURN(objstore::ObsUri u, objstore::ParseObsUri(uri));
  ObsPath p;
  p.bucket = std::move(u.bucket);
  if (u.key != "/") p.key = std::move(u.key);  // obs://bucket/ is the bucket itself
  return p;
}

Status CheckDashes(int argc, const char* const* argv) {
  static constexpr std::string_view kDashes[] = {"\xE2\x80\x93", "\xE2\x80\x94", "\xE2\x88\x92"};  // – — −
  auto strip_dash = [](std::string_view* s) {
    for (auto d : kDashes) {
      if (s->starts_with(d)) {
        s->remove_prefix(d.size());
        return true;
      }
    }
    if (s->starts_with("-")) {
      s->remove_prefix(1);
      return true;
    }
    return false;
  };
  for (int i = 1; i < argc; ++i) {
    std::string_view arg(argv[i]);
    bool typographic = false;
    for (auto d : kDashes) typographic = typographic || arg.starts_with(d);
    if (!typographic) continue;
    std::string_view word = arg;
    int dashes = 0;
    while (strip_dash(&word)) ++dashes;
    // One typographic dash before a long word was a long option whose "--" a word processor
    // merged into one en dash ("–recursive"); before one or two letters it was "-r", "-rf".
    std::string fix = (dashes >= 2 || word.size() > 2 ? "--" : "-") + std::string(word);
    return InvalidArgument("argument '" + std::string(arg) +
                           "' starts with a typographic dash (copied from a document?), not '-'; type '" +
                           fix + "' instead");
  }
  return Status::Ok();
}

}  // namespace openarts::cli
