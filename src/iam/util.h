// Small helpers shared by the iam sources.
#pragma once

#include <cctype>
#include <string>
#include <string_view>

#include "base/crypto.h"
#include "base/status.h"
#include "base/strings.h"

namespace openarts::iam {

// `n` characters drawn uniformly from `alphabet` (rejection sampling: no modulo bias).
inline std::string RandomFrom(std::string_view alphabet, size_t n) {
  const size_t limit = 256 - 256 % alphabet.size();
  std::string out;
  while (out.size() < n) {
    for (unsigned char b : RandomBytes(n * 2)) {
      if (b < limit && out.size() < n) out += alphabet[b % alphabet.size()];
    }
  }
  return out;
}

// Number of UTF-8 code points, for length limits users count in characters.
inline size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Names of users and groups: 1-64 characters, letters, digits and "-_.@" (no spaces or control
// characters, so they are safe in logs, URLs and condition values).
inline Status ValidateName(std::string_view what, std::string_view name) {
  if (name.empty() || name.size() > 64) {
    return InvalidArgument(std::string(what) + " name must be 1-64 characters");
  }
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' &&
        c != '@') {
      return InvalidArgument(std::string(what) + " name '" + std::string(name) +
                             "' may contain only letters, digits, '-', '_', '.' and '@'");
    }
  }
  return Status::Ok();
}

inline Status ValidateText(std::string_view field, std::string_view value, size_t max_chars) {
  if (Utf8Length(value) > max_chars) {
    return InvalidArgument(std::string(field) + " must be at most " + std::to_string(max_chars) +
                           " characters");
  }
  return Status::Ok();
}

}  // namespace openarts::iam
