// The manifest reader parses each line with simdjson (a per-thread DOM parser, the line read in
// place when the text has SIMDJSON_PADDING bytes after it) and fills the structs straight from
// the DOM; only `property`, unknown keys and values quoted in messages become nlohmann::json.
// Its results and messages are those of the reference reader it replaced, which parsed every
// line with nlohmann::json::parse: that parser is still what explains a line simdjson refuses,
// and what reads the few lines simdjson refuses but nlohmann accepts (a BOM before the '{',
// integers beyond 64 bits). tests/manifest_fuzz.cc holds the reference and checks the equality.
#include "formats/manifest.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <exception>
#include <memory>
#include <utility>

#include "json_line.h"

#include "base/strings.h"

namespace openarts::formats {
namespace {

namespace dom = simdjson::dom;

constexpr std::string_view kBom = "\xEF\xBB\xBF";
// A line longer than this gets a parser and buffer of its own, so that one huge line does not
// leave the thread holding some 15 times its size.
constexpr size_t kLongLine = size_t{1} << 20;

// Errors of one line: every message starts "<source>:<line>: ".
class LineContext {
 public:
  LineContext(std::string_view source, int64_t line) : source_(source), line_(line) {}
  [[gnu::cold]] Status Error(std::string_view field, std::string_view problem) const {
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

// The object being read: the sample (annotation < 0) or annotation[annotation]. Field names in
// messages are built only when there is an error.
struct Where {
  const LineContext& ctx;
  int64_t annotation = -1;

  [[gnu::cold]] Status Error(std::string_view key, std::string_view problem) const {
    if (annotation < 0) return ctx.Error(key, problem);
    std::string field = "annotation[" + std::to_string(annotation) + "]";
    if (!key.empty()) {
      field += '.';
      field += key;
    }
    return ctx.Error(field, problem);
  }
};

// A short rendering of a value for messages.
std::string Show(const Json& v) {
  std::string s = v.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

// ------------------------------------------------------------------------------------------------
// simdjson values

// What nlohmann::json::parse makes of the same text: integers without a sign unsigned, negative
// ones signed ("-0", an unsigned 0 here, a signed one there, compares and writes the same), and
// of a key given twice the last value.
Json ToJson(dom::element e) {
  switch (e.type()) {
    case dom::element_type::ARRAY: {
      Json a(Json::value_t::array);  // Json::array() goes through an initializer_list: slower
      const dom::array array = e.get_array().value_unsafe();
      for (dom::element x : array) a.push_back(ToJson(x));
      return a;
    }
    case dom::element_type::OBJECT: {
      Json o(Json::value_t::object);
      auto& map = o.get_ref<Json::object_t&>();
      const dom::object object = e.get_object().value_unsafe();
      for (dom::key_value_pair kv : object)
        map.insert_or_assign(std::string(kv.key), ToJson(kv.value));
      return o;
    }
    case dom::element_type::INT64: {
      int64_t v = e.get_int64().value_unsafe();
      return v < 0 ? Json(v) : Json(static_cast<uint64_t>(v));
    }
    case dom::element_type::UINT64: return Json(e.get_uint64().value_unsafe());
    case dom::element_type::DOUBLE: return Json(e.get_double().value_unsafe());
    case dom::element_type::STRING: return Json(std::string(e.get_string().value_unsafe()));
    case dom::element_type::BOOL: return Json(e.get_bool().value_unsafe());
    case dom::element_type::NULL_VALUE: break;
  }
  return Json();
}

// nlohmann's type_name() for the same value.
std::string_view TypeName(dom::element e) {
  switch (e.type()) {
    case dom::element_type::ARRAY: return "array";
    case dom::element_type::OBJECT: return "object";
    case dom::element_type::STRING: return "string";
    case dom::element_type::BOOL: return "boolean";
    case dom::element_type::NULL_VALUE: return "null";
    default: return "number";
  }
}

// A known key and, for hyphenated ones, its underscore alias (§4.7).
struct Key {
  std::string_view name;
  std::string_view alias;
};

// The keys of a sample and of an annotation, in the order in which they are checked (and so the
// order in which their errors are reported).
enum SampleKey {
  kSource, kUsage, kSampleId, kSampleType, kSourceType, kInferenceLoc, kSampleHard,
  kSampleHardCoefficient, kSampleHardReasons, kSampleProperty, kAnnotation,
};
constexpr std::array<Key, 11> kSampleKeys = {{
    {"source", {}}, {"usage", {}}, {"id", {}}, {"sample-type", "sample_type"},
    {"source-type", "source_type"}, {"inference-loc", "inference_loc"}, {"hard", {}},
    {"hard-coefficient", "hard_coefficient"}, {"hard-reasons", "hard_reasons"},
    {"property", {}}, {"annotation", {}},
}};
enum AnnotationKey {
  kType, kName, kId, kProperty, kConfidence, kAnnotatedBy, kCreationTime, kHard,
  kHardCoefficient, kHardReasons, kAnnotationLoc, kAnnotationFormat,
};
constexpr std::array<Key, 12> kAnnotationKeys = {{
    {"type", {}}, {"name", {}}, {"id", {}}, {"property", {}}, {"confidence", {}},
    {"annotated-by", "annotated_by"}, {"creation-time", "creation_time"}, {"hard", {}},
    {"hard-coefficient", "hard_coefficient"}, {"hard-reasons", "hard_reasons"},
    {"annotation-loc", "annotation_loc"}, {"annotation-format", "annotation_format"},
}};

// One JSON object sorted into its known keys (each spelling apart) and the rest, then read key
// by key with the reference reader's rules: null reads as absent, a key given both hyphenated
// and with underscores is an error, a key given twice keeps its last value.
template <size_t N>
class ObjectReader {
 public:
  ObjectReader(const std::array<Key, N>& keys, Where where) : keys_(keys), where_(where) {}

  // Sorts the fields of `obj`; unknown ones go to `extra` (a JSON object).
  void Collect(dom::object obj, Json& extra) {
    for (dom::key_value_pair kv : obj) {
      size_t i = 0;
      for (; i < N; ++i) {
        const Key& k = keys_[i];
        if (kv.key.size() != k.name.size()) continue;
        if (kv.key == k.name) {
          plain_[i].value = kv.value;
          has_plain_ |= 1u << i;
          break;
        }
        if (kv.key == k.alias) {
          alias_[i].value = kv.value;
          has_alias_ |= 1u << i;
          break;
        }
      }
      if (i == N)
        extra.get_ref<Json::object_t&>().insert_or_assign(std::string(kv.key), ToJson(kv.value));
    }
  }

  // Messages are built out of line, keeping the readers below small enough to inline.
  [[gnu::cold]] Status Error(size_t key, std::string_view problem) const {
    return where_.Error(keys_[key].name, problem);
  }
  // "<key>: expected <what>, got <v>"
  [[gnu::cold]] Status Expected(size_t key, std::string_view what, dom::element v) const {
    return Error(key, "expected " + std::string(what) + ", got " + Show(ToJson(v)));
  }
  [[gnu::cold]] Status BothSpellings(size_t key) const {
    return Error(key, "given both as '" + std::string(keys_[key].name) + "' and '" +
                          std::string(keys_[key].alias) + "'");
  }

  // Key `key`'s value; nullptr when absent or null.
  Status Take(size_t key, const dom::element*& out) const {
    out = nullptr;
    const uint32_t bit = 1u << key;
    if (!((has_plain_ | has_alias_) & bit)) return {};
    if (has_plain_ & has_alias_ & bit) return BothSpellings(key);
    const dom::element& v = (has_plain_ & bit ? plain_ : alias_)[key].value;
    if (!v.is_null()) out = &v;
    return {};
  }

  Status String(size_t key, std::optional<std::string>& out) const {
    const dom::element* v;
    OA_TRY(Take(key, v));
    out.reset();
    if (!v) return {};
    std::string_view s;
    if (v->get_string().get(s) != simdjson::SUCCESS)
      return Expected(key, "a string", *v);
    out.emplace(s);
    return {};
  }

  // A number in [0, 1]; a numeric string ("0.8") is accepted too.
  Status Unit(size_t key, std::optional<double>& out) const {
    const dom::element* v;
    OA_TRY(Take(key, v));
    out.reset();
    if (!v) return {};
    std::optional<double> d;
    switch (v->type()) {
      case dom::element_type::INT64: d = static_cast<double>(v->get_int64().value_unsafe()); break;
      case dom::element_type::UINT64: d = static_cast<double>(v->get_uint64().value_unsafe()); break;
      case dom::element_type::DOUBLE: d = v->get_double().value_unsafe(); break;
      case dom::element_type::STRING: {
        std::string_view s = v->get_string().value_unsafe();
        double x = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
        if (ec == std::errc() && end == s.data() + s.size()) d = x;
        break;
      }
      default: break;
    }
    if (!d || !std::isfinite(*d) || *d < 0 || *d > 1)
      return Expected(key, "a number in [0, 1]", *v);
    out = d;
    return {};
  }

  // "true"/"false" (any case), a JSON boolean.
  Status Hard(size_t key, std::optional<bool>& out) const {
    const dom::element* v;
    OA_TRY(Take(key, v));
    out.reset();
    if (!v) return {};
    bool b = false;
    std::string_view s;
    if (v->get_bool().get(b) == simdjson::SUCCESS) {
      out = b;
    } else if (v->get_string().get(s) == simdjson::SUCCESS && IEquals(s, "true")) {
      out = true;
    } else if (v->get_string().get(s) == simdjson::SUCCESS && IEquals(s, "false")) {
      out = false;
    } else {
      return Expected(key, "\"true\" or \"false\"", *v);
    }
    return {};
  }

  // `property`: an object or array as is; a JSON string holding an object or array is decoded
  // (§4.7); any other string is kept verbatim so that a round trip cannot change its meaning.
  Status Property(size_t key, Json& out) const {
    const dom::element* v;
    OA_TRY(Take(key, v));
    out = Json();
    if (!v) return {};
    if (v->is_object() || v->is_array()) {
      out = ToJson(*v);
      return {};
    }
    std::string_view s;
    if (v->get_string().get(s) != simdjson::SUCCESS)
      return Expected(key, "an object or a JSON-encoded string", *v);
    // The decoded value is written back nested in the line (sample, annotation array, annotation).
    // Rare enough to leave to nlohmann, whose leniency (a BOM, integers beyond 64 bits) it keeps.
    if (!JsonTooDeep(s, kMaxJsonDepth - 3)) {
      Json decoded = Json::parse(s, nullptr, /*allow_exceptions=*/false);
      if (decoded.is_object() || decoded.is_array()) {
        out = std::move(decoded);
        return {};
      }
    }
    out = std::string(s);
    return {};
  }

 private:
  // Left uninitialized: a slot is read only when its bit in has_plain_ / has_alias_ is set.
  union Slot {
    Slot() {}
    dom::element value;
  };

  const std::array<Key, N>& keys_;
  Where where_;
  std::array<Slot, N> plain_, alias_;
  uint32_t has_plain_ = 0, has_alias_ = 0;
};

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

Status ParseAnnotation(dom::element e, size_t index, const ManifestOptions& options,
                       const LineContext& ctx, ManifestAnnotation& a) {
  const Where where{ctx, static_cast<int64_t>(index)};
  dom::object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS)
    return where.Error("", "expected an object, got " + Show(ToJson(e)));
  ObjectReader r(kAnnotationKeys, where);
  r.Collect(obj, a.extra);
  std::optional<std::string> type;
  OA_TRY(r.String(kType, type));
  if (!type) return r.Error(kType, "required (e.g. \"modelarts/image_classification\")");
  a.type = std::move(*type);
  OA_TRY(r.String(kName, a.name));
  OA_TRY(r.String(kId, a.id));
  OA_TRY(r.Property(kProperty, a.property));
  OA_TRY(r.Unit(kConfidence, a.confidence));
  OA_TRY(r.String(kAnnotatedBy, a.annotated_by));
  OA_TRY(r.String(kCreationTime, a.creation_time));
  OA_TRY(r.Hard(kHard, a.hard));
  OA_TRY(r.Unit(kHardCoefficient, a.hard_coefficient));
  OA_TRY(r.String(kHardReasons, a.hard_reasons));
  OA_TRY(r.String(kAnnotationLoc, a.annotation_loc));
  OA_TRY(r.String(kAnnotationFormat, a.annotation_format));
  if (a.annotation_loc && !options.base_uri.empty() && IsRelative(*a.annotation_loc))
    a.annotation_loc = Resolve(options.base_uri, *a.annotation_loc);
  return {};
}

// REQUIRES: `s` is default-constructed.
Status ParseSample(dom::element root, const ManifestOptions& options, const LineContext& ctx,
                   ManifestSample& s) {
  dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS)
    return ctx.Error("", "expected a JSON object, got " + std::string(TypeName(root)));
  ObjectReader r(kSampleKeys, Where{ctx});
  r.Collect(obj, s.extra);
  std::optional<std::string> source;
  OA_TRY(r.String(kSource, source));
  if (!source) return r.Error(kSource, "required (e.g. \"s3://bucket/a.jpg\")");
  s.source = std::move(*source);
  const dom::element* v;
  OA_TRY(r.Take(kUsage, v));
  if (v) {
    std::string_view usage;
    if (v->get_string().get(usage) != simdjson::SUCCESS)
      return r.Expected(kUsage, "a string", *v);
    if (usage.empty())
      s.usage = Usage::kUnset;
    else if (IEquals(usage, "train"))
      s.usage = Usage::kTrain;
    else if (IEquals(usage, "eval"))
      s.usage = Usage::kEval;
    else if (IEquals(usage, "test"))
      s.usage = Usage::kTest;
    else if (IEquals(usage, "inference"))
      s.usage = Usage::kInference;
    else
      return r.Expected(kUsage, "TRAIN, EVAL, TEST or INFERENCE", *v);
  }
  OA_TRY(r.String(kSampleId, s.id));
  OA_TRY(r.Take(kSampleType, v));
  if (v) {
    switch (v->type()) {
      case dom::element_type::INT64: s.sample_type = v->get_int64().value_unsafe(); break;
      case dom::element_type::UINT64:  // as nlohmann's get<int64_t>()
        s.sample_type = static_cast<int64_t>(v->get_uint64().value_unsafe());
        break;
      case dom::element_type::STRING: {
        std::string_view t = v->get_string().value_unsafe();
        int64_t n = 0;
        auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
        if (ec == std::errc() && end == t.data() + t.size()) s.sample_type = n;
        break;
      }
      default: break;
    }
    if (!s.sample_type)
      return r.Expected(kSampleType, "an integer (0 image, 1 text, 2 audio, 4 table, 6 video)", *v);
  }
  OA_TRY(r.String(kSourceType, s.source_type));
  OA_TRY(r.String(kInferenceLoc, s.inference_loc));
  OA_TRY(r.Hard(kSampleHard, s.hard));
  OA_TRY(r.Unit(kSampleHardCoefficient, s.hard_coefficient));
  OA_TRY(r.String(kSampleHardReasons, s.hard_reasons));
  OA_TRY(r.Property(kSampleProperty, s.property));
  OA_TRY(r.Take(kAnnotation, v));
  if (v) {
    dom::array annotations;
    if (v->get_array().get(annotations) != simdjson::SUCCESS)
      return r.Expected(kAnnotation, "an array", *v);
    s.annotations.reserve(annotations.size());
    size_t i = 0;
    for (dom::element a : annotations)
      OA_TRY(ParseAnnotation(a, i++, options, ctx, s.annotations.emplace_back()));
  }
  return {};
}

// A simdjson parser and a padded copy of the line, reused by a thread from line to line.
struct Scratch {
  dom::parser parser;
  std::string buffer;
};

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

// Parses `json`, whose memory must extend SIMDJSON_PADDING bytes past its end, refusing nesting
// deeper than kMaxJsonDepth: simdjson then accepts a line only if TooDeep does.
simdjson::error_code ParseJson(dom::parser& parser, std::string_view json, dom::element& root) {
  if (parser.max_depth() != kMaxJsonDepth) {
    simdjson::error_code error = parser.allocate(std::max<size_t>(json.size(), 4096), kMaxJsonDepth);
    if (error != simdjson::SUCCESS) return error;
  }
  return parser.parse(json.data(), json.size(), /*realloc_if_needed=*/false).get(root);
}

// The reference reader's parse of a line simdjson refused: its error, or (for what only
// nlohmann accepts) the object written out canonically, which simdjson then reads.
Result<std::string> ReferenceParse(std::string_view line, const LineContext& ctx) {
  auto obj = ParseJsonObjectLine(line);
  if (!obj.ok()) return ctx.Error("", obj.status().message());
  return obj->dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Parses one line (without its '\n') into the default-constructed `s`. `padded`: the memory
// after `line` holds at least SIMDJSON_PADDING more bytes, so simdjson can read it in place.
Status ParseLine(std::string_view line, bool padded, const ManifestOptions& options,
                 const LineContext& ctx, ManifestSample& s) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (TrimWhitespace(line).empty()) return ctx.Error("", "expected a JSON object, got a blank line");
  try {
    std::unique_ptr<Scratch> own;
    Scratch* scratch = &ThreadScratch();
    if (line.size() > kLongLine) {
      own = std::make_unique<Scratch>();
      scratch = own.get();
    }
    std::string_view json = line;
    if (!padded) {
      std::string& buffer = scratch->buffer;
      if (buffer.size() < line.size() + simdjson::SIMDJSON_PADDING)
        buffer.resize(line.size() + simdjson::SIMDJSON_PADDING);
      std::memcpy(buffer.data(), line.data(), line.size());
      json = std::string_view(buffer.data(), line.size());
    }
    dom::element root;
    if (ParseJson(scratch->parser, json, root) == simdjson::SUCCESS)
      return ParseSample(root, options, ctx, s);
    OA_ASSIGN_OR_RETURN(std::string canonical, ReferenceParse(line, ctx));
    const simdjson::padded_string padded_canonical(canonical);
    if (auto error = ParseJson(scratch->parser, padded_canonical, root); error != simdjson::SUCCESS)
      return ctx.Error("", std::string("unreadable line: ") + simdjson::error_message(error));
    return ParseSample(root, options, ctx, s);
  } catch (const std::exception& e) {  // std::bad_alloc
    return ctx.Error("", std::string("unreadable line: ") + e.what());
  }
}

// Calls `fn(line_number, line, padded)` for every non-blank line of `text`, the first of which
// is line `first_line`; a BOM before line 1 is removed. `padded` as for ParseLine.
template <typename Fn>
void ForEachLine(std::string_view text, int64_t first_line, Fn&& fn) {
  if (first_line == 1 && text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
  const char* const end = text.data() + text.size();
  int64_t number = first_line - 1;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++number;
    if (TrimWhitespace(line).empty()) continue;
    const bool padded =
        static_cast<size_t>(end - (line.data() + line.size())) >= simdjson::SIMDJSON_PADDING;
    if (!fn(number, line, padded)) return;
  }
}

// An upper bound on the samples in `text`, to size vectors once.
size_t CountLines(std::string_view text) {
  size_t lines = 1;
  for (const char *p = text.data(), *end = p + text.size();
       (p = static_cast<const char*>(std::memchr(p, '\n', end - p))); ++p)
    ++lines;
  return lines;
}

// ------------------------------------------------------------------------------------------------
// Writer

// Bytes that a JSON string must escape.
constexpr std::array<bool, 256> kEscape = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = true;
  t['"'] = t['\\'] = true;
  return t;
}();

// Whether one of the 8 bytes of `w` is a control character, '"', '\\' or not ASCII (a borrow can
// flag a byte after one that is: callers then look at the bytes one by one).
bool AnySpecial(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101, kHigh = 0x8080808080808080;
  const uint64_t quote = w ^ (kOnes * '"'), backslash = w ^ (kOnes * '\\');
  return ((w - kOnes * 0x20) | (quote - kOnes) | (backslash - kOnes) | w) & kHigh;
}

// Appends `s` as nlohmann's dump writes a string: '"', '\\' and control characters escaped
// (\b \f \n \r \t, the others \u00xx), every other byte as is. Invalid UTF-8 (only in a
// hand-built sample) is left to nlohmann, which writes U+FFFD for it.
void AppendString(std::string& out, std::string_view s) {
  const size_t start = out.size();
  out += '"';
  bool ascii = true;
  size_t run = 0;  // s[run, i) is still to be copied
  size_t i = 0;
  while (i < s.size()) {
    if (i + 8 <= s.size()) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      if (!AnySpecial(w)) {
        i += 8;
        continue;
      }
    }
    const auto c = static_cast<unsigned char>(s[i++]);
    if (c >= 0x80) ascii = false;
    if (!kEscape[c]) continue;
    out.append(s.data() + run, i - 1 - run);
    run = i;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        const char u[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(u, sizeof u);
      }
    }
  }
  if (!ascii && !simdjson::validate_utf8(s)) {
    out.resize(start);
    out += Json(std::string(s)).dump(-1, ' ', false, Json::error_handler_t::replace);
    return;
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

template <typename Int>
void AppendInt(std::string& out, Int n) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, end);
}

// Appends value.dump(-1, ' ', false, Json::error_handler_t::replace), byte for byte, without
// going through nlohmann's serializer, which costs more than the rest of a line; floating-point
// numbers (nlohmann's own shortest form), binary and discarded values are still left to it.
void AppendJson(std::string& out, const Json& value) {
  switch (value.type()) {
    case Json::value_t::null: out += "null"; return;
    case Json::value_t::boolean: out += value.get<bool>() ? "true" : "false"; return;
    case Json::value_t::string: AppendString(out, value.get_ref<const std::string&>()); return;
    case Json::value_t::number_integer: AppendInt(out, value.get<int64_t>()); return;
    case Json::value_t::number_unsigned: AppendInt(out, value.get<uint64_t>()); return;
    case Json::value_t::object: {
      char separator = '{';
      for (const auto& [k, v] : value.get_ref<const Json::object_t&>()) {
        out += separator;
        separator = ',';
        AppendString(out, k);
        out += ':';
        AppendJson(out, v);
      }
      out += separator == '{' ? "{}" : "}";
      return;
    }
    case Json::value_t::array: {
      char separator = '[';
      for (const Json& v : value.get_ref<const Json::array_t&>()) {
        out += separator;
        separator = ',';
        AppendJson(out, v);
      }
      out += separator == '[' ? "[]" : "]";
      return;
    }
    default: break;
  }
  out += value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// `key` is the literal ,"name": to write before the value.
void StringField(std::string& out, std::string_view key, std::string_view value) {
  out += key;
  AppendString(out, value);
}
void Field(std::string& out, std::string_view key, const std::optional<std::string>& value) {
  if (value) StringField(out, key, *value);
}
void Field(std::string& out, std::string_view key, const std::optional<double>& value) {
  if (!value) return;
  out += key;
  AppendJson(out, *value);
}
void Field(std::string& out, std::string_view key, const std::optional<bool>& value) {
  if (!value) return;
  out += key;
  out += *value ? "\"true\"" : "\"false\"";
}
void PropertyField(std::string& out, const Json& property) {
  if (property.is_null()) return;
  out += ",\"property\":";
  AppendJson(out, property);
}

void Extras(std::string& out, const Json& extra) {
  if (!extra.is_object()) return;
  for (const auto& [k, v] : extra.get_ref<const Json::object_t&>()) {
    out += ',';
    AppendString(out, k);
    out += ':';
    AppendJson(out, v);
  }
}

void AppendAnnotation(std::string& out, const ManifestAnnotation& a) {
  StringField(out, "{\"type\":", a.type);
  Field(out, ",\"name\":", a.name);
  Field(out, ",\"id\":", a.id);
  PropertyField(out, a.property);
  Field(out, ",\"confidence\":", a.confidence);
  Field(out, ",\"annotation-loc\":", a.annotation_loc);
  Field(out, ",\"annotation-format\":", a.annotation_format);
  Field(out, ",\"hard\":", a.hard);
  Field(out, ",\"hard-coefficient\":", a.hard_coefficient);
  Field(out, ",\"hard-reasons\":", a.hard_reasons);
  Field(out, ",\"annotated-by\":", a.annotated_by);
  Field(out, ",\"creation-time\":", a.creation_time);
  Extras(out, a.extra);
  out += '}';
}

void AppendLine(std::string& out, const ManifestSample& s) {
  StringField(out, "{\"source\":", s.source);
  if (s.usage != Usage::kUnset) {
    out += ",\"usage\":\"";
    out += UsageName(s.usage);
    out += '"';
  }
  Field(out, ",\"id\":", s.id);
  if (s.sample_type) {
    out += ",\"sample-type\":";
    AppendInt(out, *s.sample_type);
  }
  Field(out, ",\"source-type\":", s.source_type);
  Field(out, ",\"inference-loc\":", s.inference_loc);
  Field(out, ",\"hard\":", s.hard);
  Field(out, ",\"hard-coefficient\":", s.hard_coefficient);
  Field(out, ",\"hard-reasons\":", s.hard_reasons);
  PropertyField(out, s.property);
  if (!s.annotations.empty()) {
    out += ",\"annotation\":[";
    for (size_t i = 0; i < s.annotations.size(); ++i) {
      if (i) out += ',';
      AppendAnnotation(out, s.annotations[i]);
    }
    out += ']';
  }
  Extras(out, s.extra);
  out += '}';
}

}  // namespace

std::string_view UsageName(Usage usage) {
  switch (usage) {
    case Usage::kTrain: return "TRAIN";
    case Usage::kEval: return "EVAL";
    case Usage::kTest: return "TEST";
    case Usage::kInference: return "INFERENCE";
    case Usage::kUnset: break;
  }
  return "";
}

Result<ManifestSample> ParseManifestLine(std::string_view line, std::string_view source_name,
                                         int64_t line_number, const ManifestOptions& options) {
  ManifestSample s;
  OA_TRY(ParseLine(line, /*padded=*/false, options, LineContext(source_name, line_number), s));
  return s;
}

Result<std::vector<ManifestSample>> ParseManifest(std::string_view text,
                                                  std::string_view source_name,
                                                  const ManifestOptions& options) {
  std::vector<ManifestSample> samples;
  samples.reserve(CountLines(text));
  Status error;
  ForEachLine(text, 1, [&](int64_t number, std::string_view line, bool padded) {
    error = ParseLine(line, padded, options, LineContext(source_name, number),
                      samples.emplace_back());
    return error.ok();
  });
  if (!error.ok()) return error;
  return samples;
}

ManifestParse ParseManifestChunk(std::string_view text, std::string_view source_name,
                                 int64_t first_line, const ManifestOptions& options) {
  ManifestParse out;
  const size_t lines = CountLines(text);
  out.samples.reserve(lines);
  out.sample_lines.reserve(lines);
  ForEachLine(text, first_line, [&](int64_t number, std::string_view line, bool padded) {
    Status status = ParseLine(line, padded, options, LineContext(source_name, number),
                              out.samples.emplace_back());
    if (status.ok()) {
      out.sample_lines.push_back(number);
    } else {
      out.samples.pop_back();
      out.rejected.push_back({number, status.message()});
    }
    return true;
  });
  return out;
}

ManifestParse ParseManifestLenient(std::string_view text, std::string_view source_name,
                                   const ManifestOptions& options) {
  return ParseManifestChunk(text, source_name, 1, options);
}

std::string WriteManifestLine(const ManifestSample& s) {
  std::string out;
  out.reserve(256);
  AppendLine(out, s);
  return out;
}

std::string WriteManifest(const std::vector<ManifestSample>& samples) {
  std::string out;
  for (const auto& s : samples) {
    AppendLine(out, s);
    out += '\n';
  }
  return out;
}

}  // namespace openarts::formats
