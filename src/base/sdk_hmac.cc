#include "base/sdk_hmac.h"

#include "base/encoding.h"
#include "base/strings.h"

#include <algorithm>
#include <cctype>

#include "base/crypto.h"

namespace openarts::sdk_hmac {

namespace {

// Decoding then re-encoding with the RFC 3986 unreserved set makes "%7e", "%7E" and "~" (or
// lowercase and uppercase hex) sign alike, so a client and the server that saw the same bytes
// agree even when some proxy or library re-encoded the URL on the way.
std::string Normalize(std::string_view s) { return PercentEncode(PercentDecodeLenient(s)); }

std::string CanonicalUri(std::string_view raw_path) {
  std::string out;
  out.reserve(raw_path.size() + 2);
  // Segment by segment so an encoded "%2F" stays inside its segment.
  size_t start = 0;
  while (true) {
    size_t slash = raw_path.find('/', start);
    std::string_view seg = raw_path.substr(start, slash == std::string_view::npos
                                                      ? std::string_view::npos
                                                      : slash - start);
    out += Normalize(seg);
    if (slash == std::string_view::npos) break;
    out += '/';
    start = slash + 1;
  }
  if (out.empty() || out.back() != '/') out += '/';
  return out;
}

std::string CanonicalQuery(std::string_view raw_query) {
  // Sorted on the decoded key then value, as the Huawei SDKs sort their parameter maps.
  std::vector<std::pair<std::string, std::string>> params;
  size_t start = 0;
  while (start <= raw_query.size()) {
    size_t amp = raw_query.find('&', start);
    if (amp == std::string_view::npos) amp = raw_query.size();
    std::string_view part = raw_query.substr(start, amp - start);
    if (!part.empty()) {
      size_t eq = part.find('=');
      std::string_view k = part.substr(0, eq);
      std::string_view v = eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
      params.emplace_back(PercentDecodeLenient(k), PercentDecodeLenient(v));
    }
    start = amp + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += PercentEncode(k);
    out += '=';
    out += PercentEncode(v);
  }
  return out;
}

std::vector<std::string> SortedLower(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  out.reserve(names.size());
  for (const auto& n : names) out.push_back(AsciiLower(TrimWhitespace(n)));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

std::string CanonicalRequest(const SignInput& in, const std::vector<std::string>& signed_headers) {
  std::vector<std::string> names = SortedLower(signed_headers);
  std::string out;
  out.reserve(256 + in.raw_path.size() + in.raw_query.size());
  for (char c : in.method) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  out += '\n';
  out += CanonicalUri(in.raw_path);
  out += '\n';
  out += CanonicalQuery(in.raw_query);
  out += '\n';
  for (const auto& name : names) {
    out += name;
    out += ':';
    for (const auto& [k, v] : in.headers) {
      if (IEquals(k, name)) {
        out += TrimWhitespace(v);
        break;
      }
    }
    out += '\n';
  }
  out += '\n';
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out += ';';
    out += names[i];
  }
  out += '\n';
  out += in.body_sha256_hex;
  return out;
}

std::string StringToSign(std::string_view sdk_date, std::string_view canonical_request) {
  std::string out;
  out.reserve(kAlgorithm.size() + sdk_date.size() + 66);
  out += kAlgorithm;
  out += '\n';
  out += sdk_date;
  out += '\n';
  out += HexEncode(Sha256(canonical_request));
  return out;
}

std::string Signature(std::string_view secret_key, std::string_view string_to_sign) {
  return HexEncode(HmacSha256(secret_key, string_to_sign));
}

std::string Authorization(std::string_view access_key, std::string_view secret_key,
                          const SignInput& in, const std::vector<std::string>& signed_headers) {
  std::vector<std::string> names = SortedLower(signed_headers);
  std::string date;
  for (const auto& [k, v] : in.headers) {
    if (IEquals(k, "x-sdk-date")) {
      date = std::string(TrimWhitespace(v));
      break;
    }
  }
  std::string sig = Signature(secret_key, StringToSign(date, CanonicalRequest(in, names)));
  std::string out;
  out += kAlgorithm;
  out += " Access=";
  out += access_key;
  out += ", SignedHeaders=";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out += ';';
    out += names[i];
  }
  out += ", Signature=";
  out += sig;
  return out;
}

Result<ParsedAuthorization> ParseAuthorization(std::string_view header) {
  header = TrimWhitespace(header);
  if (header.size() <= kAlgorithm.size() || header.substr(0, kAlgorithm.size()) != kAlgorithm ||
      (header[kAlgorithm.size()] != ' ' && header[kAlgorithm.size()] != '\t')) {
    return Unauthenticated(
        "Authorization header must start with 'SDK-HMAC-SHA256 ' (algorithm, then a space)");
  }
  ParsedAuthorization out;
  bool have_access = false, have_headers = false, have_sig = false;
  std::string_view rest = header.substr(kAlgorithm.size() + 1);
  size_t start = 0;
  while (start <= rest.size()) {
    size_t comma = rest.find(',', start);
    if (comma == std::string_view::npos) comma = rest.size();
    std::string_view item = TrimWhitespace(rest.substr(start, comma - start));
    start = comma + 1;
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return Unauthenticated("Authorization header item '" + std::string(item.substr(0, 64)) +
                             "' is not of the form Name=value");
    }
    std::string_view name = TrimWhitespace(item.substr(0, eq));
    std::string_view value = TrimWhitespace(item.substr(eq + 1));
    if (name == "Access") {
      if (value.empty()) return Unauthenticated("Authorization header has an empty Access");
      out.access_key = std::string(value);
      have_access = true;
    } else if (name == "SignedHeaders") {
      size_t s = 0;
      while (s <= value.size()) {
        size_t semi = value.find(';', s);
        if (semi == std::string_view::npos) semi = value.size();
        std::string_view h = TrimWhitespace(value.substr(s, semi - s));
        if (h.empty()) {
          return Unauthenticated("Authorization header SignedHeaders has an empty header name");
        }
        out.signed_headers.push_back(AsciiLower(h));
        s = semi + 1;
      }
      have_headers = true;
    } else if (name == "Signature") {
      if (value.size() != 64 || !HexDecode(value).ok()) {
        return Unauthenticated("Authorization header Signature must be 64 hex characters");
      }
      out.signature = AsciiLower(value);
      have_sig = true;
    }
    // Unknown items are ignored, as the gateway does, so newer clients can add some.
  }
  if (!have_access) return Unauthenticated("Authorization header is missing Access=<access key>");
  if (!have_headers) return Unauthenticated("Authorization header is missing SignedHeaders=a;b");
  if (!have_sig) return Unauthenticated("Authorization header is missing Signature=<hex>");
  return out;
}

}  // namespace openarts::sdk_hmac
