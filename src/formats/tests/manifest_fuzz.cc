// Manifests come from users and other systems (imports, cross-region migration). Parsing must
// never crash, throw or hang; every rejection is kInvalidArgument naming the file and line;
// whatever parses must survive a round trip, ParseManifest(WriteManifest(s)) == s; chunks cut at
// any newline parse as the whole text does.
//
// Differential: namespace `reference` below is the reader and writer as they were before the
// simdjson rewrite (one nlohmann::json per line), frozen. The library must give the same
// samples, the same written text and the same messages. When the format changes on purpose,
// delete the reference and its checks; the golden files (golden/manifest/) take over.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string_view>
#include <utility>

#include "base/strings.h"
#include "formats/formats.h"

namespace openarts::formats::reference {

namespace {

constexpr int kMaxDepth = 100;
constexpr std::string_view kBom = "\xEF\xBB\xBF";

// Errors of one line: every message starts "<source>:<line>: ".
class LineContext {
 public:
  LineContext(std::string_view source, int64_t line) : source_(source), line_(line) {}
  Status Error(std::string_view field, std::string_view problem) const {
    std::string m(source_);
    m += ':';
    m += std::to_string(line_);
    m += ": ";
    if (!field.empty()) {
      m += field;
      m += ": ";
    }
    m += problem;
    return InvalidArgument(std::move(m));
  }

 private:
  std::string_view source_;
  int64_t line_;
};

// A short rendering of a value for messages.
std::string Show(const Json& v) {
  std::string s = v.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

// Rejects nesting deeper than kMaxDepth before nlohmann (whose dump recurses) sees it.
bool TooDeep(std::string_view text, int max_depth = kMaxDepth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

// Takes `key` or its underscore alias out of `obj` (so that what is left are the unknown keys).
// kInvalidArgument when both spellings are present.
Result<std::optional<Json>> Take(Json& obj, std::string_view key, std::string_view prefix,
                                 const LineContext& ctx) {
  std::string alias(key);
  for (char& c : alias) c = c == '-' ? '_' : c;
  auto it = obj.find(std::string(key));
  auto alt = alias == key ? obj.end() : obj.find(alias);
  if (it != obj.end() && alt != obj.end())
    return ctx.Error(std::string(prefix) + std::string(key),
                     "given both as '" + std::string(key) + "' and '" + alias + "'");
  if (alt != obj.end()) it = alt;
  if (it == obj.end()) return std::optional<Json>();
  Json v = std::move(*it);
  obj.erase(it);
  if (v.is_null()) return std::optional<Json>();  // `"id":null` reads as absent
  return std::optional<Json>(std::move(v));
}

Result<std::optional<std::string>> TakeString(Json& obj, std::string_view key,
                                              std::string_view prefix, const LineContext& ctx) {
  OA_ASSIGN_OR_RETURN(auto v, Take(obj, key, prefix, ctx));
  if (!v) return std::optional<std::string>();
  if (!v->is_string())
    return ctx.Error(std::string(prefix) + std::string(key), "expected a string, got " + Show(*v));
  return std::optional<std::string>(v->get<std::string>());
}

// A number in [0, 1]; a numeric string ("0.8") is accepted too.
Result<std::optional<double>> TakeUnit(Json& obj, std::string_view key, std::string_view prefix,
                                       const LineContext& ctx) {
  OA_ASSIGN_OR_RETURN(auto v, Take(obj, key, prefix, ctx));
  if (!v) return std::optional<double>();
  std::optional<double> d;
  if (v->is_number()) {
    d = v->get<double>();
  } else if (v->is_string()) {
    const std::string& s = v->get_ref<const std::string&>();
    double x = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
    if (ec == std::errc() && end == s.data() + s.size()) d = x;
  }
  if (!d || !std::isfinite(*d) || *d < 0 || *d > 1)
    return ctx.Error(std::string(prefix) + std::string(key),
                     "expected a number in [0, 1], got " + Show(*v));
  return d;
}

// "true"/"false" (any case), a JSON boolean.
Result<std::optional<bool>> TakeHard(Json& obj, std::string_view prefix, const LineContext& ctx) {
  OA_ASSIGN_OR_RETURN(auto v, Take(obj, "hard", prefix, ctx));
  if (!v) return std::optional<bool>();
  if (v->is_boolean()) return std::optional<bool>(v->get<bool>());
  if (v->is_string()) {
    const std::string& s = v->get_ref<const std::string&>();
    if (IEquals(s, "true")) return std::optional<bool>(true);
    if (IEquals(s, "false")) return std::optional<bool>(false);
  }
  return ctx.Error(std::string(prefix) + "hard", "expected \"true\" or \"false\", got " + Show(*v));
}

// `property`: an object or array as is; a JSON string holding an object or array is decoded
// (§4.7); any other string is kept verbatim so that a round trip cannot change its meaning.
Result<Json> TakeProperty(Json& obj, std::string_view prefix, const LineContext& ctx) {
  OA_ASSIGN_OR_RETURN(auto v, Take(obj, "property", prefix, ctx));
  if (!v) return Json();
  if (v->is_object() || v->is_array()) return std::move(*v);
  if (v->is_string()) {
    const std::string& s = v->get_ref<const std::string&>();
    // The decoded value is written back nested in the line (sample, annotation array, annotation).
    if (!TooDeep(s, kMaxDepth - 3)) {
      Json decoded = Json::parse(s, nullptr, /*allow_exceptions=*/false);
      if (decoded.is_object() || decoded.is_array()) return decoded;
    }
    return std::move(*v);
  }
  return ctx.Error(std::string(prefix) + "property",
                   "expected an object or a JSON-encoded string, got " + Show(*v));
}

bool IsRelative(std::string_view loc) {
  return !loc.empty() && loc.find("://") == std::string_view::npos && loc.front() != '/';
}

// "./voc/a.xml" against "s3://b/out/" → "s3://b/out/voc/a.xml"; ".." never climbs above the
// scheme and bucket (or the root of a plain path).
std::string Resolve(std::string_view base, std::string_view rel) {
  std::string out(base);
  size_t floor = 0;  // out[0, floor) is never removed
  if (auto scheme = out.find("://"); scheme != std::string::npos) {
    size_t slash = out.find('/', scheme + 3);
    floor = slash == std::string::npos ? out.size() : slash;
  }
  while (out.size() > floor + 1 && out.back() == '/') out.pop_back();
  while (!rel.empty()) {
    size_t slash = rel.find('/');
    std::string_view seg = rel.substr(0, slash);
    rel = slash == std::string_view::npos ? std::string_view() : rel.substr(slash + 1);
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      size_t cut = out.rfind('/');
      if (cut != std::string::npos && cut >= floor) out.resize(cut == floor ? floor + 1 : cut);
      if (out.size() == floor + 1 && out.back() == '/') out.pop_back();
      continue;
    }
    if (out.empty() || out.back() != '/') out += '/';
    out += seg;
  }
  return out;
}

Result<ManifestAnnotation> ParseAnnotation(Json obj, size_t index, const ManifestOptions& options,
                                           const LineContext& ctx) {
  std::string prefix = "annotation[" + std::to_string(index) + "].";
  if (!obj.is_object())
    return ctx.Error(prefix.substr(0, prefix.size() - 1), "expected an object, got " + Show(obj));
  ManifestAnnotation a;
  OA_ASSIGN_OR_RETURN(auto type, TakeString(obj, "type", prefix, ctx));
  if (!type) return ctx.Error(prefix + "type", "required (e.g. \"modelarts/image_classification\")");
  a.type = std::move(*type);
  OA_ASSIGN_OR_RETURN(a.name, TakeString(obj, "name", prefix, ctx));
  OA_ASSIGN_OR_RETURN(a.id, TakeString(obj, "id", prefix, ctx));
  OA_ASSIGN_OR_RETURN(a.property, TakeProperty(obj, prefix, ctx));
  OA_ASSIGN_OR_RETURN(a.confidence, TakeUnit(obj, "confidence", prefix, ctx));
  OA_ASSIGN_OR_RETURN(a.annotated_by, TakeString(obj, "annotated-by", prefix, ctx));
  OA_ASSIGN_OR_RETURN(a.creation_time, TakeString(obj, "creation-time", prefix, ctx));
  OA_ASSIGN_OR_RETURN(a.hard, TakeHard(obj, prefix, ctx));
  OA_ASSIGN_OR_RETURN(a.hard_coefficient, TakeUnit(obj, "hard-coefficient", prefix, ctx));
  OA_ASSIGN_OR_RETURN(a.hard_reasons, TakeString(obj, "hard-reasons", prefix, ctx));
  OA_ASSIGN_OR_RETURN(a.annotation_loc, TakeString(obj, "annotation-loc", prefix, ctx));
  OA_ASSIGN_OR_RETURN(a.annotation_format, TakeString(obj, "annotation-format", prefix, ctx));
  if (a.annotation_loc && !options.base_uri.empty() && IsRelative(*a.annotation_loc))
    a.annotation_loc = Resolve(options.base_uri, *a.annotation_loc);
  a.extra = std::move(obj);
  return a;
}

Result<ManifestSample> ParseObject(Json obj, const ManifestOptions& options,
                                   const LineContext& ctx) {
  ManifestSample s;
  OA_ASSIGN_OR_RETURN(auto source, TakeString(obj, "source", "", ctx));
  if (!source) return ctx.Error("source", "required (e.g. \"s3://bucket/a.jpg\")");
  s.source = std::move(*source);
  OA_ASSIGN_OR_RETURN(auto usage, TakeString(obj, "usage", "", ctx));
  if (usage && !usage->empty()) {
    if (IEquals(*usage, "train"))
      s.usage = Usage::kTrain;
    else if (IEquals(*usage, "eval"))
      s.usage = Usage::kEval;
    else if (IEquals(*usage, "test"))
      s.usage = Usage::kTest;
    else if (IEquals(*usage, "inference"))
      s.usage = Usage::kInference;
    else
      return ctx.Error("usage", "expected TRAIN, EVAL, TEST or INFERENCE, got " + Show(*usage));
  }
  OA_ASSIGN_OR_RETURN(s.id, TakeString(obj, "id", "", ctx));
  OA_ASSIGN_OR_RETURN(auto sample_type, Take(obj, "sample-type", "", ctx));
  if (sample_type) {
    if (sample_type->is_number_integer()) {
      s.sample_type = sample_type->get<int64_t>();
    } else if (sample_type->is_string()) {
      const std::string& t = sample_type->get_ref<const std::string&>();
      int64_t n = 0;
      auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
      if (ec == std::errc() && end == t.data() + t.size()) s.sample_type = n;
    }
    if (!s.sample_type)
      return ctx.Error("sample-type", "expected an integer (0 image, 1 text, 2 audio, 4 table, "
                                      "6 video), got " + Show(*sample_type));
  }
  OA_ASSIGN_OR_RETURN(s.source_type, TakeString(obj, "source-type", "", ctx));
  OA_ASSIGN_OR_RETURN(s.inference_loc, TakeString(obj, "inference-loc", "", ctx));
  OA_ASSIGN_OR_RETURN(s.hard, TakeHard(obj, "", ctx));
  OA_ASSIGN_OR_RETURN(s.hard_coefficient, TakeUnit(obj, "hard-coefficient", "", ctx));
  OA_ASSIGN_OR_RETURN(s.hard_reasons, TakeString(obj, "hard-reasons", "", ctx));
  OA_ASSIGN_OR_RETURN(s.property, TakeProperty(obj, "", ctx));
  OA_ASSIGN_OR_RETURN(auto annotations, Take(obj, "annotation", "", ctx));
  if (annotations && !annotations->is_null()) {
    if (!annotations->is_array())
      return ctx.Error("annotation", "expected an array, got " + Show(*annotations));
    s.annotations.reserve(annotations->size());
    for (size_t i = 0; i < annotations->size(); ++i) {
      OA_ASSIGN_OR_RETURN(auto a, ParseAnnotation(std::move((*annotations)[i]), i, options, ctx));
      s.annotations.push_back(std::move(a));
    }
  }
  s.extra = std::move(obj);
  return s;
}

// Calls `fn(line_number, line)` for every non-blank line, CR and a leading BOM removed.
template <typename Fn>
void ForEachLine(std::string_view text, Fn&& fn) {
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
  int64_t number = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++number;
    if (TrimWhitespace(line).empty()) continue;
    if (!fn(number, line)) return;
  }
}

// Appends `"key":<value>` (with a leading comma unless first).
void Field(std::string& out, std::string_view key, const Json& value) {
  if (out.size() > 1) out += ',';
  out += Json(key).dump();
  out += ':';
  out += value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

void Extras(std::string& out, const Json& extra) {
  if (!extra.is_object()) return;
  for (const auto& [k, v] : extra.items()) Field(out, k, v);
}

std::string WriteAnnotation(const ManifestAnnotation& a) {
  std::string out = "{";
  Field(out, "type", a.type);
  if (a.name) Field(out, "name", *a.name);
  if (a.id) Field(out, "id", *a.id);
  if (!a.property.is_null()) Field(out, "property", a.property);
  if (a.confidence) Field(out, "confidence", *a.confidence);
  if (a.annotation_loc) Field(out, "annotation-loc", *a.annotation_loc);
  if (a.annotation_format) Field(out, "annotation-format", *a.annotation_format);
  if (a.hard) Field(out, "hard", *a.hard ? "true" : "false");
  if (a.hard_coefficient) Field(out, "hard-coefficient", *a.hard_coefficient);
  if (a.hard_reasons) Field(out, "hard-reasons", *a.hard_reasons);
  if (a.annotated_by) Field(out, "annotated-by", *a.annotated_by);
  if (a.creation_time) Field(out, "creation-time", *a.creation_time);
  Extras(out, a.extra);
  out += '}';
  return out;
}

}  // namespace

Result<ManifestSample> ParseManifestLine(std::string_view line, std::string_view source_name,
                                         int64_t line_number, const ManifestOptions& options) {
  LineContext ctx(source_name, line_number);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (TrimWhitespace(line).empty()) return ctx.Error("", "expected a JSON object, got a blank line");
  if (TooDeep(line))
    return ctx.Error("", "JSON nested deeper than " + std::to_string(kMaxDepth) + " levels");
  Json obj;
  try {
    obj = Json::parse(line);
  } catch (const std::exception& e) {
    // nlohmann's message: "[json.exception.parse_error.101] parse error at line 1, column 9: ..."
    std::string what = e.what();
    if (auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
    return ctx.Error("", "not valid JSON: " + what);
  }
  if (!obj.is_object())
    return ctx.Error("", "expected a JSON object, got " + std::string(obj.type_name()));
  try {
    return ParseObject(std::move(obj), options, ctx);
  } catch (const std::exception& e) {  // not expected: every access is type-checked
    return ctx.Error("", std::string("unreadable line: ") + e.what());
  }
}

Result<std::vector<ManifestSample>> ParseManifest(std::string_view text,
                                                  std::string_view source_name,
                                                  const ManifestOptions& options) {
  std::vector<ManifestSample> samples;
  Status error;
  ForEachLine(text, [&](int64_t number, std::string_view line) {
    auto s = reference::ParseManifestLine(line, source_name, number, options);
    if (!s.ok()) {
      error = s.status();
      return false;
    }
    samples.push_back(std::move(s).value());
    return true;
  });
  if (!error.ok()) return error;
  return samples;
}

ManifestParse ParseManifestLenient(std::string_view text, std::string_view source_name,
                                   const ManifestOptions& options) {
  ManifestParse out;
  ForEachLine(text, [&](int64_t number, std::string_view line) {
    auto s = reference::ParseManifestLine(line, source_name, number, options);
    if (s.ok())
      out.samples.push_back(std::move(s).value());
    else
      out.rejected.push_back({number, s.status().message()});
    return true;
  });
  return out;
}

std::string WriteManifestLine(const ManifestSample& s) {
  std::string out = "{";
  Field(out, "source", s.source);
  if (s.usage != Usage::kUnset) Field(out, "usage", UsageName(s.usage));
  if (s.id) Field(out, "id", *s.id);
  if (s.sample_type) Field(out, "sample-type", *s.sample_type);
  if (s.source_type) Field(out, "source-type", *s.source_type);
  if (s.inference_loc) Field(out, "inference-loc", *s.inference_loc);
  if (s.hard) Field(out, "hard", *s.hard ? "true" : "false");
  if (s.hard_coefficient) Field(out, "hard-coefficient", *s.hard_coefficient);
  if (s.hard_reasons) Field(out, "hard-reasons", *s.hard_reasons);
  if (!s.property.is_null()) Field(out, "property", s.property);
  if (!s.annotations.empty()) {
    out += ",\"annotation\":[";
    for (size_t i = 0; i < s.annotations.size(); ++i) {
      if (i) out += ',';
      out += WriteAnnotation(s.annotations[i]);
    }
    out += ']';
  }
  Extras(out, s.extra);
  out += '}';
  return out;
}

std::string WriteManifest(const std::vector<ManifestSample>& samples) {
  std::string out;
  for (const auto& s : samples) {
    out += reference::WriteManifestLine(s);
    out += '\n';
  }
  return out;
}

}  // namespace openarts::formats::reference

using namespace openarts;
using namespace openarts::formats;

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

bool SameParse(const ManifestParse& a, const ManifestParse& b) {
  return a.samples == b.samples && a.rejected == b.rejected &&
         WriteManifest(a.samples) == WriteManifest(b.samples);  // == takes 1 and 1.0 as equal
}

// A sample built by hand from raw bytes (invalid UTF-8, any double): the writers must agree.
ManifestSample HandBuilt(std::string_view in) {
  ManifestSample s;
  s.source = std::string(in);
  s.id = std::string(in.substr(in.size() / 2));
  s.extra["x-" + std::string(in.substr(0, in.size() / 3))] = std::string(in);  // not a known key
  double d = 0;
  int64_t i = 0;
  std::memcpy(&d, in.data(), std::min(in.size(), sizeof d));
  std::memcpy(&i, in.data() + in.size() / 2, std::min(in.size() - in.size() / 2, sizeof i));
  s.extra["x-values"] = Json::array({d, i, static_cast<uint64_t>(i), i & 1, nullptr, Json::object(),
                                     Json::array(), Json::binary({1, 2, 3}), Json::object({{"", d}})});
  ManifestAnnotation a;
  a.type = std::string(in.substr(in.size() / 3));
  a.name = std::string(in.substr(0, in.size() / 4));
  a.property = Json::object({{"k", std::string(in)}});
  s.annotations.push_back(std::move(a));
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const ManifestOptions options{.base_uri = "s3://bucket/dir/"};
  auto strict = ParseManifest(in, "fuzz.manifest", options);
  auto lenient = ParseManifestLenient(in, "fuzz.manifest", options);
  for (const auto& r : lenient.rejected)
    Check(r.reason.rfind("fuzz.manifest:", 0) == 0);  // names the file
  Check(lenient.sample_lines.size() == lenient.samples.size());
  if (strict.ok()) {
    Check(lenient.rejected.empty() && lenient.samples == *strict);
  } else {
    Check(strict.status().code() == Code::kInvalidArgument);
    Check(!lenient.rejected.empty() && lenient.rejected[0].reason == strict.status().message());
  }

  // The reference reader and writer.
  auto ref_strict = reference::ParseManifest(in, "fuzz.manifest", options);
  Check(ref_strict.ok() == strict.ok());
  if (!strict.ok()) Check(ref_strict.status().message() == strict.status().message());
  ManifestParse ref = reference::ParseManifestLenient(in, "fuzz.manifest", options);
  Check(SameParse(ref, lenient));
  for (const auto& s : lenient.samples) Check(WriteManifestLine(s) == reference::WriteManifestLine(s));

  // Two chunks cut after a newline chosen by the input.
  size_t cut = in.find('\n', size ? data[0] * size / 256 : 0);
  cut = cut == std::string_view::npos ? size : cut + 1;
  const int64_t second = 1 + std::count(in.begin(), in.begin() + cut, '\n');
  ManifestParse a = ParseManifestChunk(in.substr(0, cut), "fuzz.manifest", 1, options);
  ManifestParse b = ParseManifestChunk(in.substr(cut), "fuzz.manifest", second, options);
  for (auto& s : b.samples) a.samples.push_back(std::move(s));
  for (auto& r : b.rejected) a.rejected.push_back(std::move(r));
  for (int64_t l : b.sample_lines) a.sample_lines.push_back(l);
  Check(SameParse(a, lenient) && a.sample_lines == lenient.sample_lines);

  std::string text = WriteManifest(lenient.samples);
  auto again = ParseManifest(text, "rewritten.manifest", options);
  Check(again.ok() && *again == lenient.samples);
  Check(WriteManifest(*again) == text);  // canonical: writing is idempotent

  ManifestSample hand = HandBuilt(in);
  std::string written = WriteManifestLine(hand);
  try {
    Check(written == reference::WriteManifestLine(hand));
  } catch (const Json::exception&) {
    // The reference threw on an unknown key that is not UTF-8; the library writes U+FFFD.
  }
  auto reread = ParseManifestLine(written, "hand.manifest", 1);
  Check(reread.ok() && WriteManifestLine(*reread) == written);
  return 0;
}
