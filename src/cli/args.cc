#include "args.h"

#include <cctype>

namespace openarts::cli {

namespace {

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

Status ValidateBucket(std::string_view b, std::string_view uri) {
  auto bad = [&](const std::string& why) {
    return InvalidArgument("bucket name '" + std::string(b) + "' in '" + std::string(uri) + "' " + why);
  };
  if (b.size() < 3 || b.size() > 63) return bad("must be 3-63 characters long");
  for (char c : b) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-' ||
          c == '.')) {
      return bad("may contain only lowercase letters, digits, '-' and '.'");
    }
  }
  auto alnum = [](char c) { return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)); };
  if (!alnum(b.front()) || !alnum(b.back())) return bad("must start and end with a letter or digit");
  return Status::Ok();
}

}  // namespace

bool IsObsUri(std::string_view s) { return StartsWithNoCase(s, "obs://") || StartsWithNoCase(s, "s3://"); }

Result<ObsPath> ParseObsPath(std::string_view uri) {
  std::string_view rest;
  if (StartsWithNoCase(uri, "obs://")) {
    rest = uri.substr(6);
  } else if (StartsWithNoCase(uri, "s3://")) {
    rest = uri.substr(5);
  } else {
    return InvalidArgument("'" + std::string(uri) + "' is not an object-storage path; write obs://bucket/key");
  }
  auto slash = rest.find('/');
  ObsPath p;
  p.bucket = std::string(rest.substr(0, slash));
  if (p.bucket.empty()) return InvalidArgument("'" + std::string(uri) + "' has no bucket; write obs://bucket/key");
  OA_TRY(ValidateBucket(p.bucket, uri));
  if (slash == std::string_view::npos) return p;
  p.key = std::string(rest.substr(slash + 1));
  if (p.key.size() > 1024) return InvalidArgument("the key in '" + std::string(uri) + "' is longer than 1024 bytes");
  if (p.key.find("//") != std::string::npos || (!p.key.empty() && p.key.front() == '/')) {
    return InvalidArgument("'" + std::string(uri) + "' has an empty path segment ('//'); remove the extra '/'");
  }
  size_t start = 0;
  while (start < p.key.size()) {
    size_t end = p.key.find('/', start);
    if (end == std::string::npos) end = p.key.size();
    std::string_view seg(p.key.data() + start, end - start);
    if (seg == "." || seg == "..") {
      return InvalidArgument("'" + std::string(uri) + "' has a '" + std::string(seg) +
                             "' segment; object keys are not relative paths");
    }
    start = end + 1;
  }
  for (unsigned char c : p.key) {
    if (c < 0x20 || c == 0x7f) return InvalidArgument("'" + std::string(uri) + "' has a control character in the key");
  }
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
