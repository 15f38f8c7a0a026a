// The small value helpers of the public header: header-name comparison, Request/Response
// accessors, percent coding and Range parsing. Pure functions, no I/O.
#include <algorithm>
#include <charconv>

#include "base/strings.h"
#include "http/http.h"
#include "internal.h"

namespace openarts::http {
namespace internal {
thread_local const std::string* current_request_id = nullptr;
}  // namespace internal

namespace {

// Strict unsigned decimal: digits only, no sign, no overflow.
bool ParseU64(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Whether the comma-separated list `value` holds `token` (RFC 9110 §5.6.1; case-insensitive).
bool HasToken(const std::string* value, std::string_view token) {
  if (!value) return false;
  std::string_view rest = *value;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    if (IEquals(TrimWhitespace(rest.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return false;
}

// Sec-WebSocket-Key is the base64 of 16 random bytes: 22 characters and "==".
bool ValidWebSocketKey(const std::string* key) {
  if (!key || key->size() != 24 || key->compare(22, 2, "==") != 0) return false;
  return std::all_of(key->begin(), key->begin() + 22, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
  });
}

}  // namespace

bool CaseLess::operator()(const std::string& a, const std::string& b) const {
  return std::lexicographical_compare(
      a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return AsciiLower(x) < AsciiLower(y);
      });
}

const std::string* Request::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? nullptr : &it->second;
}

std::optional<std::string> Request::Query(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

const std::string& Request::Param(const std::string& name) const {
  static const std::string kEmpty;
  auto it = params.find(name);
  return it == params.end() ? kEmpty : it->second;
}

bool Request::IsWebSocketUpgrade() const {
  const std::string* version = Header("Sec-WebSocket-Version");
  return method == "GET" && Header("Host") && HasToken(Header("Connection"), "upgrade") &&
         HasToken(Header("Upgrade"), "websocket") && ValidWebSocketKey(Header("Sec-WebSocket-Key")) &&
         version && TrimWhitespace(*version) == "13";
}

void Response::SetJson(int code, const Json& j) {
  status = code;
  headers["Content-Type"] = "application/json";
  // Replace rather than throw on invalid UTF-8: a handler echoing user bytes must not turn a
  // response into a crash.
  body = j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

void Response::SetError(int code, std::string_view error_code, std::string_view error_msg) {
  Json j = Json::object();
  j["error_code"] = error_code;
  j["error_msg"] = error_msg;
  const std::string* id = internal::current_request_id;
  j["request_id"] = id ? *id : std::string();
  SetJson(code, j);
}

Result<std::optional<ByteRange>> ParseRange(std::string_view header, uint64_t size) {
  // RFC 9110 §14.2: a Range we cannot make sense of is ignored (serve the whole thing); only a
  // well-formed range that misses the representation is an error (416).
  std::string_view h = TrimWhitespace(header);
  constexpr std::string_view kUnit = "bytes=";
  if (h.size() < kUnit.size()) return std::optional<ByteRange>();
  for (size_t i = 0; i < kUnit.size(); ++i) {
    if (AsciiLower(h[i]) != kUnit[i]) return std::optional<ByteRange>();
  }
  std::string_view spec = TrimWhitespace(h.substr(kUnit.size()));
  // Multipart ranges are legal but nobody we serve needs them; the whole body is a valid answer.
  if (spec.find(',') != std::string_view::npos) return std::optional<ByteRange>();
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return std::optional<ByteRange>();
  std::string_view first = TrimWhitespace(spec.substr(0, dash));
  std::string_view last = TrimWhitespace(spec.substr(dash + 1));
  auto unsatisfiable = [&] {
    return InvalidArgument("range '" + std::string(spec) + "' cannot be satisfied: the object is " +
                           std::to_string(size) + " bytes");
  };
  if (first.empty()) {  // suffix: the last n bytes
    uint64_t n;
    if (!ParseU64(last, &n)) return std::optional<ByteRange>();
    if (n == 0 || size == 0) return unsatisfiable();
    uint64_t len = std::min(n, size);
    return std::optional<ByteRange>(ByteRange{size - len, len});
  }
  uint64_t a;
  if (!ParseU64(first, &a)) return std::optional<ByteRange>();
  uint64_t b = UINT64_MAX;
  if (!last.empty()) {
    if (!ParseU64(last, &b)) return std::optional<ByteRange>();
    if (b < a) return std::optional<ByteRange>();  // syntactically invalid → ignored
  }
  if (a >= size) return unsatisfiable();
  uint64_t end = std::min(b, size - 1);
  return std::optional<ByteRange>(ByteRange{a, end - a + 1});
}

}  // namespace openarts::http
