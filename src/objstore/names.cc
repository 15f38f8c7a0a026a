// Bucket-name, object-key and obs:// URI rules. Pure functions: they run on every request and
// inside the fuzzers, so they allocate only to build an error message.
#include <cstdio>
#include <string>

#include "objstore/names.h"

namespace openarts::objstore {

namespace {

std::string ByteHex(unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", c);
  return buf;
}

std::string CodePoint(uint32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", cp);
  return buf;
}

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// "192.168.5.4": four dot-separated runs of 1–3 digits. S3 and OBS refuse such names because
// virtual-host addressing would turn them into IP literals.
bool LooksLikeIpv4(std::string_view s) {
  int groups = 0;
  size_t i = 0;
  while (i <= s.size()) {
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    size_t len = i - start;
    if (len == 0 || len > 3) return false;
    ++groups;
    if (i == s.size()) break;
    if (s[i] != '.') return false;
    ++i;
  }
  return groups == 4;
}

// Decodes one UTF-8 sequence at s[i]. Returns its length, or 0 if it is not well-formed
// (overlong forms, surrogates and code points above U+10FFFF are all rejected, as RFC 3629 says).
size_t DecodeUtf8(std::string_view s, size_t i, uint32_t* cp) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = b(0);
  size_t n;
  uint32_t v;
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    v = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    v = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    v = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    v = (v << 6) | (b(k) & 0x3F);
  }
  if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000) || v > 0x10FFFF ||
      (v >= 0xD800 && v <= 0xDFFF)) {
    return 0;
  }
  *cp = v;
  return n;
}

// Case-insensitive scheme match; returns the length of the scheme + "://" or 0.
size_t SchemeLength(std::string_view s) {
  auto starts = [&](std::string_view p) {
    if (s.size() < p.size()) return false;
    for (size_t i = 0; i < p.size(); ++i) {
      char c = s[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != p[i]) return false;
    }
    return true;
  };
  if (starts("obs://")) return 6;
  if (starts("s3://")) return 5;
  return 0;
}

}  // namespace

Status ValidateBucketName(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) {
    return InvalidArgument("bucket name must be 3 to 63 characters long (got " +
                           std::to_string(name.size()) + ")");
  }
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (IsLowerAlnum(c) || c == '-' || c == '.') continue;
    std::string shown = (c >= 0x20 && c < 0x7F) ? std::string("'") + c + "'"
                                                 : ByteHex(static_cast<unsigned char>(c));
    std::string hint = (c >= 'A' && c <= 'Z') ? "; use lowercase letters" : "";
    return InvalidArgument("bucket name may contain only lowercase letters, digits, '-' and '.' "
                           "(found " + shown + " at position " + std::to_string(i) + hint + ")");
  }
  if (!IsLowerAlnum(name.front()) || !IsLowerAlnum(name.back())) {
    return InvalidArgument("bucket name must start and end with a lowercase letter or digit");
  }
  if (name.find("..") != std::string_view::npos) {
    return InvalidArgument("bucket name must not contain two adjacent periods ('..')");
  }
  if (name.find(".-") != std::string_view::npos || name.find("-.") != std::string_view::npos) {
    return InvalidArgument("bucket name must not have a period next to a hyphen ('.-' or '-.')");
  }
  if (LooksLikeIpv4(name)) {
    return InvalidArgument("bucket name must not be formatted as an IP address (like 192.168.5.4)");
  }
  return Status::Ok();
}

Status ValidateObjectKey(std::string_view key) {
  if (key.empty()) return InvalidArgument("object key must not be empty");
  if (key.size() > 1024) {
    return InvalidArgument("object key must be at most 1024 bytes (got " +
                           std::to_string(key.size()) + ")");
  }
  for (size_t i = 0; i < key.size();) {
    uint32_t cp = 0;
    size_t n = DecodeUtf8(key, i, &cp);
    if (n == 0) {
      return InvalidArgument("object key must be valid UTF-8 (bad byte " +
                             ByteHex(static_cast<unsigned char>(key[i])) + " at offset " +
                             std::to_string(i) + ")");
    }
    // C0, DEL and C1: invisible in listings and mangled by terminals, XML and HTTP headers.
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
      return InvalidArgument("object key must not contain control characters (" + CodePoint(cp) +
                             " at offset " + std::to_string(i) + "); remove it");
    }
    i += n;
  }
  if (key.front() == '/') {
    return InvalidArgument("object key must not start with '/'; write 'a/b', not '/a/b'");
  }
  // Segments: "a/b/" has segments "a", "b" and a trailing empty one (a folder marker), which is
  // fine; an empty segment anywhere else is "//".
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    std::string_view seg = key.substr(start, end - start);
    if (seg.empty() && end < key.size()) {
      return InvalidArgument("object key must not contain an empty segment ('//')");
    }
    if (seg == ".") return InvalidArgument("object key must not contain a '.' segment");
    if (seg == "..") return InvalidArgument("object key must not contain a '..' segment");
    if (end == key.size()) break;
    start = end + 1;
  }
  return Status::Ok();
}

std::string ObsUri::ToString() const {
  std::string out = "obs://" + bucket;
  if (!key.empty()) out += "/" + key;
  return out;
}

bool IsObsUri(std::string_view s) { return SchemeLength(s) != 0; }

Result<ObsUri> ParseObsUri(std::string_view uri) {
  size_t scheme = SchemeLength(uri);
  // Quote at most a bounded prefix so a hostile 1 MB URI does not become a 1 MB message.
  std::string shown(uri.substr(0, 200));
  if (uri.size() > 200) shown += "...";
  if (scheme == 0) {
    return InvalidArgument("URI '" + shown + "' must start with obs:// or s3:// (obs://bucket/key)");
  }
  std::string_view rest = uri.substr(scheme);
  size_t slash = rest.find('/');
  std::string_view bucket = rest.substr(0, slash);
  if (bucket.empty()) {
    return InvalidArgument("URI '" + shown + "' names no bucket (expected obs://bucket/key)");
  }
  if (Status s = ValidateBucketName(bucket); !s.ok()) return s.WithContext("URI '" + shown + "'");
  ObsUri out;
  out.bucket = std::string(bucket);
  if (slash != std::string_view::npos) {
    std::string_view key = rest.substr(slash + 1);
    if (!key.empty()) {
      if (Status s = ValidateObjectKey(key); !s.ok()) return s.WithContext("URI '" + shown + "'");
      out.key = std::string(key);
    }
  }
  return out;
}

}  // namespace openarts::objstore
