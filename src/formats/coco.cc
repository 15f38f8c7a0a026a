#include "formats/coco.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "base/strings.h"

namespace openarts::formats {
namespace {

namespace dom = simdjson::dom;
using namespace std::string_view_literals;

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// ------------------------------------------------------------------------------------------------
// Reading

std::string Show(dom::element e) {
  std::string s = simdjson::minify(e);
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

Status Error(std::string_view source, std::string_view path, std::string_view problem) {
  std::string m(source);
  m += ": ";
  m += path;
  m += ": ";
  m += problem;
  return InvalidArgument(std::move(m));
}

// nlohmann's SAX parser, building nothing, to find where a document simdjson rejected is broken:
// simdjson says what is wrong but not where.
struct Locator : nlohmann::json_sax<Json> {
  size_t position = 0;
  bool failed = false;
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t pos, const std::string&,
                   const nlohmann::detail::exception&) override {
    position = pos;
    failed = true;
    return false;
  }
};

Status JsonError(std::string_view text, std::string_view source, simdjson::error_code code) {
  std::string where(source);
  Locator locator;
  try {
    Json::sax_parse(text, &locator);
  } catch (...) {
    locator.failed = false;
  }
  if (locator.failed) {
    // nlohmann counts the offending character as read.
    size_t end = std::min(text.size(), locator.position > 0 ? locator.position - 1 : 0);
    int64_t line = 1, column = 1;
    for (size_t i = 0; i < end; ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    where += ":" + std::to_string(line) + ":" + std::to_string(column);
  }
  return InvalidArgument(where + ": not valid JSON: " + simdjson::error_message(code));
}

std::string_view TypeName(dom::element e) {
  switch (e.type()) {
    case dom::element_type::ARRAY:
      return "an array";
    case dom::element_type::OBJECT:
      return "an object";
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE:
      return "a number";
    case dom::element_type::STRING:
      return "a string";
    case dom::element_type::BOOL:
      return "a boolean";
    case dom::element_type::NULL_VALUE:
      return "null";
  }
  return "?";
}

// simdjson → nlohmann, for the parts kept verbatim. simdjson caps nesting at 1024 levels.
Json ToJson(dom::element e) {
  switch (e.type()) {
    case dom::element_type::ARRAY: {
      Json a = Json::array();
      for (dom::element x : dom::array(e)) a.push_back(ToJson(x));
      return a;
    }
    case dom::element_type::OBJECT: {
      Json o = Json::object();
      for (dom::key_value_pair kv : dom::object(e)) o[std::string(kv.key)] = ToJson(kv.value);
      return o;
    }
    case dom::element_type::INT64:
      return int64_t(e);
    case dom::element_type::UINT64:
      return uint64_t(e);
    case dom::element_type::DOUBLE:
      return double(e);
    case dom::element_type::STRING:
      return std::string(std::string_view(e));
    case dom::element_type::BOOL:
      return bool(e);
    case dom::element_type::NULL_VALUE:
      return nullptr;
  }
  return nullptr;
}

bool IsNumber(dom::element e) {
  auto t = e.type();
  return t == dom::element_type::INT64 || t == dom::element_type::UINT64 ||
         t == dom::element_type::DOUBLE;
}

double NumberOf(dom::element e) {
  switch (e.type()) {
    case dom::element_type::INT64:
      return static_cast<double>(int64_t(e));
    case dom::element_type::UINT64:
      return static_cast<double>(uint64_t(e));
    default:
      return double(e);
  }
}

// v when e is a finite number.
bool FiniteOf(dom::element e, double& v) {
  if (!IsNumber(e)) return false;
  v = NumberOf(e);
  return std::isfinite(v);
}

std::string Indexed(std::string_view field, size_t i) {
  return std::string(field) + "[" + std::to_string(i) + "]";
}

// One element of an array being read, and the errors it fails with. The path ("images[3]") is
// only built for an error.
class Item {
 public:
  Item(std::string_view source, std::string_view array, size_t index)
      : source_(source), array_(array), index_(index) {}
  std::string path() const { return Indexed(array_, index_); }
  Status Error(std::string_view field, std::string_view problem) const {
    return formats::Error(source_, path() + std::string(field), problem);
  }
  Result<int64_t> Integer(dom::element e, std::string_view field) const {
    if (e.type() == dom::element_type::INT64) return int64_t(e);
    return Error(field, "expected an integer, got " + Show(e));
  }
  Result<int64_t> Positive(dom::element e, std::string_view field) const {
    if (e.type() == dom::element_type::INT64 && int64_t(e) > 0) return int64_t(e);
    return Error(field, "expected a positive integer, got " + Show(e));
  }
  Status NotFinite(dom::element e, std::string_view field) const {
    return Error(field, "expected a finite number, got " + Show(e));
  }
  Result<std::string> Name(dom::element e, std::string_view field) const {
    if (e.type() != dom::element_type::STRING)
      return Error(field, "expected a string, got " + Show(e));
    std::string_view s(e);
    if (TrimWhitespace(s).empty()) return Error(field, "empty");
    return std::string(s);
  }
  // Records known key number `bit`; kInvalidArgument when it was seen before.
  Status Seen(std::string_view key, int bit, uint32_t& seen) const {
    if (seen & (1u << bit)) return Error("", "duplicate key \"" + std::string(key) + "\"");
    seen |= 1u << bit;
    return Status::Ok();
  }
  Status Extra(std::string_view key, dom::element value, Json& extra) const {
    std::string k(key);
    if (extra.contains(k)) return Error("", "duplicate key \"" + k + "\"");
    extra[k] = ToJson(value);
    return Status::Ok();
  }
  Status Missing(std::string_view key) const { return Error("." + std::string(key), "missing"); }

 private:
  std::string_view source_;
  std::string_view array_;
  size_t index_;
};

Result<dom::object> ObjectOf(dom::element e, const Item& item) {
  if (e.type() != dom::element_type::OBJECT)
    return item.Error("", std::string("expected an object, got ") + std::string(TypeName(e)));
  return dom::object(e);
}

Result<CocoCategory> ReadCategory(dom::element e, const Item& item) {
  OA_ASSIGN_OR_RETURN(dom::object obj, ObjectOf(e, item));
  CocoCategory c;
  bool id = false, name = false;
  uint32_t seen = 0;
  for (dom::key_value_pair kv : obj) {
    if (kv.key == "id") {
      OA_TRY(item.Seen(kv.key, 0, seen));
      OA_ASSIGN_OR_RETURN(c.id, item.Integer(kv.value, ".id"));
      id = true;
    } else if (kv.key == "name") {
      OA_TRY(item.Seen(kv.key, 1, seen));
      OA_ASSIGN_OR_RETURN(c.name, item.Name(kv.value, ".name"));
      name = true;
    } else if (kv.key == "supercategory") {
      OA_TRY(item.Seen(kv.key, 2, seen));
      if (kv.value.type() != dom::element_type::STRING)
        return item.Error(".supercategory", "expected a string, got " + Show(kv.value));
      c.supercategory = std::string(std::string_view(kv.value));
    } else {
      OA_TRY(item.Extra(kv.key, kv.value, c.extra));
    }
  }
  if (!id) return item.Missing("id");
  if (!name) return item.Missing("name");
  return c;
}

Result<CocoImage> ReadImage(dom::element e, const Item& item) {
  OA_ASSIGN_OR_RETURN(dom::object obj, ObjectOf(e, item));
  CocoImage m;
  bool id = false, file_name = false, width = false, height = false;
  uint32_t seen = 0;
  for (dom::key_value_pair kv : obj) {
    if (kv.key == "id") {
      OA_TRY(item.Seen(kv.key, 0, seen));
      OA_ASSIGN_OR_RETURN(m.id, item.Integer(kv.value, ".id"));
      id = true;
    } else if (kv.key == "file_name") {
      OA_TRY(item.Seen(kv.key, 1, seen));
      OA_ASSIGN_OR_RETURN(m.file_name, item.Name(kv.value, ".file_name"));
      file_name = true;
    } else if (kv.key == "width") {
      OA_TRY(item.Seen(kv.key, 2, seen));
      OA_ASSIGN_OR_RETURN(m.width, item.Positive(kv.value, ".width"));
      width = true;
    } else if (kv.key == "height") {
      OA_TRY(item.Seen(kv.key, 3, seen));
      OA_ASSIGN_OR_RETURN(m.height, item.Positive(kv.value, ".height"));
      height = true;
    } else {
      OA_TRY(item.Extra(kv.key, kv.value, m.extra));
    }
  }
  if (!id) return item.Missing("id");
  if (!file_name) return item.Missing("file_name");
  if (!width) return item.Missing("width");
  if (!height) return item.Missing("height");
  return m;
}

Status ReadBbox(dom::element e, const Item& item, std::array<double, 4>& bbox) {
  if (e.type() != dom::element_type::ARRAY)
    return item.Error(".bbox", "expected [x, y, width, height], got " + Show(e));
  dom::array a(e);
  if (a.size() != 4)
    return item.Error(".bbox", "expected 4 numbers [x, y, width, height], got " +
                                   std::to_string(a.size()) + " elements");
  size_t i = 0;
  for (dom::element x : a) {
    if (!FiniteOf(x, bbox[i])) return item.NotFinite(x, Indexed(".bbox", i));
    ++i;
  }
  if (bbox[2] < 0) return item.Error(".bbox", "width must not be negative, got " + Show(e));
  if (bbox[3] < 0) return item.Error(".bbox", "height must not be negative, got " + Show(e));
  return Status::Ok();
}

Status ReadRle(dom::element e, const Item& item) {
  dom::object obj(e);
  dom::element size, counts;
  if (obj["size"].get(size) != simdjson::SUCCESS) return item.Missing("segmentation.size");
  if (obj["counts"].get(counts) != simdjson::SUCCESS) return item.Missing("segmentation.counts");
  auto non_negative = [](dom::element x) {
    return (x.type() == dom::element_type::INT64 && int64_t(x) >= 0) ||
           x.type() == dom::element_type::UINT64;
  };
  bool size_ok = size.type() == dom::element_type::ARRAY && dom::array(size).size() == 2;
  if (size_ok) {
    for (dom::element x : dom::array(size)) size_ok &= non_negative(x);
  }
  if (!size_ok)
    return item.Error(".segmentation.size", "expected [height, width], got " + Show(size));
  if (counts.type() == dom::element_type::STRING) return Status::Ok();
  if (counts.type() == dom::element_type::ARRAY) {
    size_t i = 0;
    for (dom::element x : dom::array(counts)) {
      if (!non_negative(x))
        return item.Error(Indexed(".segmentation.counts", i),
                          "expected a non-negative integer, got " + Show(x));
      ++i;
    }
    return Status::Ok();
  }
  return item.Error(".segmentation.counts",
                    "expected a list of run lengths or a compressed string, got " + Show(counts));
}

Status ReadSegmentation(dom::element e, const Item& item, CocoAnnotation& a) {
  if (e.type() == dom::element_type::OBJECT) {
    OA_TRY(ReadRle(e, item));
    a.rle = ToJson(e);
    return Status::Ok();
  }
  if (e.type() != dom::element_type::ARRAY)
    return item.Error(".segmentation",
                      "expected a list of polygons or an RLE object, got " + Show(e));
  size_t i = 0;
  for (dom::element ring : dom::array(e)) {
    if (ring.type() != dom::element_type::ARRAY)
      return item.Error(Indexed(".segmentation", i),
                        "expected a polygon [x1, y1, x2, y2, ...], got " + Show(ring));
    dom::array numbers(ring);
    size_t n = numbers.size();
    if (n % 2 != 0)
      return item.Error(Indexed(".segmentation", i),
                        "a polygon needs an even count of numbers, got " + std::to_string(n));
    if (n < 6)
      return item.Error(Indexed(".segmentation", i),
                        "a polygon needs at least 3 points (6 numbers), got " + std::to_string(n));
    std::vector<double> poly(n);
    size_t j = 0;
    for (dom::element x : numbers) {
      if (!FiniteOf(x, poly[j])) return item.NotFinite(x, Indexed(Indexed(".segmentation", i), j));
      ++j;
    }
    a.polygons.push_back(std::move(poly));
    ++i;
  }
  return Status::Ok();
}

Result<CocoAnnotation> ReadAnnotation(dom::element e, const Item& item) {
  OA_ASSIGN_OR_RETURN(dom::object obj, ObjectOf(e, item));
  CocoAnnotation a;
  bool id = false, image_id = false, category_id = false, bbox = false;
  uint32_t seen = 0;
  for (dom::key_value_pair kv : obj) {
    if (kv.key == "id") {
      OA_TRY(item.Seen(kv.key, 0, seen));
      OA_ASSIGN_OR_RETURN(a.id, item.Integer(kv.value, ".id"));
      id = true;
    } else if (kv.key == "image_id") {
      OA_TRY(item.Seen(kv.key, 1, seen));
      OA_ASSIGN_OR_RETURN(a.image_id, item.Integer(kv.value, ".image_id"));
      image_id = true;
    } else if (kv.key == "category_id") {
      OA_TRY(item.Seen(kv.key, 2, seen));
      OA_ASSIGN_OR_RETURN(a.category_id, item.Integer(kv.value, ".category_id"));
      category_id = true;
    } else if (kv.key == "bbox") {
      OA_TRY(item.Seen(kv.key, 3, seen));
      OA_TRY(ReadBbox(kv.value, item, a.bbox));
      bbox = true;
    } else if (kv.key == "segmentation") {
      OA_TRY(item.Seen(kv.key, 4, seen));
      OA_TRY(ReadSegmentation(kv.value, item, a));
    } else if (kv.key == "area") {
      OA_TRY(item.Seen(kv.key, 5, seen));
      double area = 0;
      if (!FiniteOf(kv.value, area)) return item.NotFinite(kv.value, ".area");
      if (area < 0) return item.Error(".area", "must not be negative, got " + Show(kv.value));
      a.area = area;
    } else if (kv.key == "iscrowd") {
      OA_TRY(item.Seen(kv.key, 6, seen));
      dom::element v = kv.value;
      if (v.type() == dom::element_type::BOOL) {
        a.iscrowd = bool(v);
      } else if (v.type() == dom::element_type::INT64 && (int64_t(v) == 0 || int64_t(v) == 1)) {
        a.iscrowd = int64_t(v) == 1;
      } else {
        return item.Error(".iscrowd", "expected 0 or 1, got " + Show(v));
      }
    } else {
      OA_TRY(item.Extra(kv.key, kv.value, a.extra));
    }
  }
  if (!id) return item.Missing("id");
  if (!image_id) return item.Missing("image_id");
  if (!category_id) return item.Missing("category_id");
  if (!bbox) return item.Missing("bbox");
  return a;
}

// The id of an element when it has a readable one, for cross-references to rejected elements.
std::optional<int64_t> PeekId(dom::element e) {
  if (e.type() != dom::element_type::OBJECT) return std::nullopt;
  dom::element id;
  if (dom::object(e)["id"].get(id) != simdjson::SUCCESS) return std::nullopt;
  if (id.type() != dom::element_type::INT64) return std::nullopt;
  return int64_t(id);
}

// The valid elements of one array: their ids (to their array index) and, for cross-references, the
// ids of rejected ones (to their path).
struct Index {
  std::unordered_map<int64_t, size_t> good;
  std::unordered_map<int64_t, std::string> rejected;
};

// Reads one of the three arrays with `read`, appending good elements to `out` and bad ones to
// `rejected`. `check` (optional) validates an element against the others.
template <typename T, typename Read, typename Check>
void ReadArray(dom::array array, std::string_view source, std::string_view name, Read read,
               Check check, std::vector<T>& out, Index& index, std::vector<CocoIssue>& rejected) {
  index.good.reserve(array.size());
  out.reserve(array.size());
  size_t i = 0;
  for (dom::element e : array) {
    Item item(source, name, i++);
    Result<T> value = read(e, item);
    Status status = value.ok() ? check(*value, item) : value.status();
    if (status.ok()) {
      auto [it, inserted] = index.good.emplace(value->id, i - 1);
      if (inserted) {
        out.push_back(std::move(*value));
        continue;
      }
      status = item.Error(".id", "duplicate id " + std::to_string(value->id) + " (also " +
                                     std::string(name) + "[" + std::to_string(it->second) + "])");
    }
    if (auto id = PeekId(e); id && !index.good.count(*id)) index.rejected.emplace(*id, item.path());
    rejected.push_back({item.path(), status.message()});
  }
}

}  // namespace

Result<CocoParse> ParseCocoLenient(std::string_view text, std::string_view source_name) {
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
  dom::parser parser;
  dom::element root;
  if (auto code = parser.parse(text.data(), text.size()).get(root); code != simdjson::SUCCESS)
    return JsonError(text, source_name, code);
  if (root.type() != dom::element_type::OBJECT)
    return Error(source_name, "top level",
                 std::string("expected an object, got ") + std::string(TypeName(root)));
  CocoParse parse;
  CocoFile& coco = parse.coco;
  std::optional<dom::array> images, annotations, categories;
  std::unordered_set<std::string_view> seen;
  for (dom::key_value_pair kv : dom::object(root)) {
    std::string key(kv.key);
    if (!seen.insert(kv.key).second) return Error(source_name, key, "duplicate key");
    auto array = [&](std::optional<dom::array>& slot) -> Status {
      if (kv.value.type() != dom::element_type::ARRAY)
        return Error(source_name, key,
                     std::string("expected an array, got ") + std::string(TypeName(kv.value)));
      slot = dom::array(kv.value);
      return Status::Ok();
    };
    if (key == "images") {
      OA_TRY(array(images));
    } else if (key == "annotations") {
      OA_TRY(array(annotations));
    } else if (key == "categories") {
      OA_TRY(array(categories));
    } else if (key == "info") {
      if (kv.value.type() != dom::element_type::OBJECT)
        return Error(source_name, key,
                     std::string("expected an object, got ") + std::string(TypeName(kv.value)));
      coco.info = ToJson(kv.value);
    } else if (key == "licenses") {
      if (kv.value.type() != dom::element_type::ARRAY)
        return Error(source_name, key,
                     std::string("expected an array, got ") + std::string(TypeName(kv.value)));
      coco.licenses = ToJson(kv.value);
    } else {
      coco.extra[key] = ToJson(kv.value);
    }
  }
  if (!images) return Error(source_name, "images", "missing");
  if (!annotations) return Error(source_name, "annotations", "missing");
  if (!categories) return Error(source_name, "categories", "missing");

  auto no_check = [](const auto&, const Item&) { return Status::Ok(); };
  Index category_index, image_index, annotation_index;
  ReadArray<CocoCategory>(*categories, source_name, "categories", ReadCategory, no_check,
                          coco.categories, category_index, parse.rejected);
  ReadArray<CocoImage>(*images, source_name, "images", ReadImage, no_check, coco.images,
                       image_index, parse.rejected);
  auto refers = [&](const CocoAnnotation& a, const Item& item) -> Status {
    auto ref = [&](int64_t id, const Index& index, std::string_view field,
                   std::string_view what) -> Status {
      if (index.good.count(id)) return Status::Ok();
      std::string idstr = std::to_string(id);
      if (auto it = index.rejected.find(id); it != index.rejected.end())
        return item.Error(field,
                          std::string(what) + " " + idstr + " was rejected (" + it->second + ")");
      return item.Error(field, "no " + std::string(what) + " with id " + idstr);
    };
    OA_TRY(ref(a.image_id, image_index, ".image_id", "image"));
    return ref(a.category_id, category_index, ".category_id", "category");
  };
  ReadArray<CocoAnnotation>(*annotations, source_name, "annotations", ReadAnnotation, refers,
                            coco.annotations, annotation_index, parse.rejected);
  return parse;
}

Result<CocoFile> ParseCoco(std::string_view text, std::string_view source_name) {
  OA_ASSIGN_OR_RETURN(CocoParse parse, ParseCocoLenient(text, source_name));
  if (!parse.rejected.empty()) return InvalidArgument(parse.rejected.front().reason);
  return std::move(parse.coco);
}

// ------------------------------------------------------------------------------------------------
// Writing

namespace {

// The length of the UTF-8 sequence at s[i], or 0 when it is not valid UTF-8.
size_t Utf8Length(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t n;
  uint32_t min;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  uint32_t cp = c & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    auto d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (d & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

void AppendString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t i = 0;
  while (i < s.size()) {
    size_t run = i;
    while (i < s.size()) {
      auto c = static_cast<unsigned char>(s[i]);
      if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') break;
      ++i;
    }
    out.append(s.data() + run, i - run);
    if (i == s.size()) break;
    char ch = s[i];
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80) {
      size_t n = Utf8Length(s, i);
      if (n == 0) {
        out += "\xEF\xBF\xBD"sv;  // U+FFFD
        ++i;
      } else {
        out.append(s.data() + i, n);
        i += n;
      }
      continue;
    }
    switch (ch) {
      case '"':
        out += "\\\""sv;
        break;
      case '\\':
        out += "\\\\"sv;
        break;
      case '\n':
        out += "\\n"sv;
        break;
      case '\r':
        out += "\\r"sv;
        break;
      case '\t':
        out += "\\t"sv;
        break;
      case '\b':
        out += "\\b"sv;
        break;
      case '\f':
        out += "\\f"sv;
        break;
      default:
        out += "\\u00"sv;
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
    ++i;
  }
  out += '"';
}

// v as a decimal with at most 6 fractional digits: *micros = v · 10^6, when v is the double
// nearest to such a decimal. Below 1e9 a double's spacing is under 10^-6, so that decimal is then
// v's shortest round-trip form. Coordinates and areas almost always are.
bool SixDecimals(double v, double* micros) {
  if (!(std::abs(v) < 1e9)) return false;
  double m = std::nearbyint(v * 1e6);
  if (m / 1e6 != v) return false;
  *micros = m;
  return true;
}

// Numbers as Python's repr writes them (json.dump without the ".0"): the shortest decimal that
// reads back as the same double, in plain notation from 1e-4 to 1e16, in exponent notation
// outside (a plain integer of 2^64 or more is not a number simdjson reads).
void AppendNumber(std::string& out, double v) {
  char buf[48];
  char* end = buf + sizeof buf;
  char* p = buf;
  double a = std::abs(v);
  double m = 0;
  if (!std::isfinite(v)) {
    out += "null";
    return;
  } else if (v == 0 || (a >= 1e-4 && SixDecimals(v, &m))) {
    // -0 is written 0: simdjson may read "-0" as the integer 0 (and -0.0 == 0.0).
    auto k = static_cast<int64_t>(std::abs(m));
    if (m < 0) *p++ = '-';
    p = std::to_chars(p, end, k / 1000000).ptr;
    if (int64_t frac = k % 1000000; frac != 0) {
      *p++ = '.';
      for (int i = 5; i >= 0; --i, frac /= 10) p[i] = static_cast<char>('0' + frac % 10);
      p += 6;
      while (p[-1] == '0') --p;
    }
  } else if (a >= 1e-4 && a < 1e16) {
    p = std::to_chars(p, end, v, std::chars_format::fixed).ptr;
  } else {
    p = std::to_chars(p, end, v, std::chars_format::scientific).ptr;
  }
  out.append(buf, p);
}

void AppendInt(std::string& out, int64_t v) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, p);
}

void AppendJson(std::string& out, const Json& j) {
  out += j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// ,"key":
void AppendKey(std::string& out, std::string_view key) {
  char buf[32];
  buf[0] = ',';
  buf[1] = '"';
  key.copy(buf + 2, key.size());
  buf[key.size() + 2] = '"';
  buf[key.size() + 3] = ':';
  out.append(buf, key.size() + 4);
}

// The keys of `extra` not in `known`, sorted (nlohmann objects iterate sorted).
void AppendExtra(std::string& out, const Json& extra,
                 std::initializer_list<std::string_view> known) {
  if (!extra.is_object() || extra.empty()) return;
  for (auto it = extra.begin(); it != extra.end(); ++it) {
    if (std::find(known.begin(), known.end(), it.key()) != known.end()) continue;
    out += ',';
    AppendString(out, it.key());
    out += ':';
    AppendJson(out, it.value());
  }
}

constexpr std::array<std::string_view, 5> kTopKeys = {"info", "licenses", "categories", "images",
                                                      "annotations"};

}  // namespace

CocoWriter::CocoWriter(std::string* out) : out_(out) {}

CocoWriter::CocoWriter(std::function<void(std::string_view)> sink, size_t chunk_bytes)
    : out_(&buffer_), sink_(std::move(sink)), chunk_bytes_(chunk_bytes) {}

void CocoWriter::Flush(bool all) {
  if (!sink_ || buffer_.empty() || (!all && buffer_.size() < chunk_bytes_)) return;
  sink_(buffer_);
  buffer_.clear();
}

void CocoWriter::Open(std::string_view key) {
  std::string& out = *out_;
  out += empty_array_ ? "]" : "\n]";
  out += ",\n\""sv;
  out += key;
  out += "\":["sv;
  empty_array_ = true;
}

void CocoWriter::BeginElement() {
  *out_ += empty_array_ ? "\n" : ",\n";
  empty_array_ = false;
}

void CocoWriter::Begin(const Json& info, const Json& licenses,
                       const std::vector<CocoCategory>& categories, const Json& extra) {
  OA_CHECK(state_ == State::kNew);
  std::string& out = *out_;
  out += "{\n"sv;
  if (!info.is_null()) {
    out += "\"info\":"sv;
    AppendJson(out, info);
    out += ",\n"sv;
  }
  if (!licenses.is_null()) {
    out += "\"licenses\":"sv;
    AppendJson(out, licenses);
    out += ",\n"sv;
  }
  if (extra.is_object()) {
    for (auto it = extra.begin(); it != extra.end(); ++it) {
      if (std::find(kTopKeys.begin(), kTopKeys.end(), it.key()) != kTopKeys.end()) continue;
      AppendString(out, it.key());
      out += ':';
      AppendJson(out, it.value());
      out += ",\n"sv;
    }
  }
  out += "\"categories\":["sv;
  empty_array_ = true;
  for (const auto& c : categories) {
    BeginElement();
    out += "{\"id\":"sv;
    AppendInt(out, c.id);
    AppendKey(out, "name");
    AppendString(out, c.name);
    if (c.supercategory) {
      AppendKey(out, "supercategory");
      AppendString(out, *c.supercategory);
    }
    AppendExtra(out, c.extra, {"id", "name", "supercategory"});
    out += '}';
  }
  Open("images");
  state_ = State::kImages;
  Flush(false);
}

void CocoWriter::AddImage(const CocoImage& m) {
  OA_CHECK(state_ == State::kImages);
  std::string& out = *out_;
  BeginElement();
  out += "{\"id\":"sv;
  AppendInt(out, m.id);
  AppendKey(out, "file_name");
  AppendString(out, m.file_name);
  AppendKey(out, "width");
  AppendInt(out, m.width);
  AppendKey(out, "height");
  AppendInt(out, m.height);
  AppendExtra(out, m.extra, {"id", "file_name", "width", "height"});
  out += '}';
  Flush(false);
}

void CocoWriter::AddAnnotation(const CocoAnnotation& a) {
  if (state_ == State::kImages) {
    Open("annotations");
    state_ = State::kAnnotations;
  }
  OA_CHECK(state_ == State::kAnnotations);
  std::string& out = *out_;
  BeginElement();
  out += "{\"id\":"sv;
  AppendInt(out, a.id);
  AppendKey(out, "image_id");
  AppendInt(out, a.image_id);
  AppendKey(out, "category_id");
  AppendInt(out, a.category_id);
  AppendKey(out, "bbox");
  for (size_t i = 0; i < 4; ++i) {
    out += i == 0 ? '[' : ',';
    AppendNumber(out, a.bbox[i]);
  }
  out += ']';
  if (a.area) {
    AppendKey(out, "area");
    AppendNumber(out, *a.area);
  }
  AppendKey(out, "iscrowd");
  out += a.iscrowd ? '1' : '0';
  AppendKey(out, "segmentation");
  if (!a.rle.is_null()) {
    AppendJson(out, a.rle);
  } else {
    out += '[';
    for (size_t r = 0; r < a.polygons.size(); ++r) {
      if (r > 0) out += ',';
      const auto& poly = a.polygons[r];
      out += '[';
      for (size_t i = 0; i < poly.size(); ++i) {
        if (i > 0) out += ',';
        AppendNumber(out, poly[i]);
      }
      out += ']';
    }
    out += ']';
  }
  AppendExtra(out, a.extra,
              {"id", "image_id", "category_id", "bbox", "area", "iscrowd", "segmentation"});
  out += '}';
  Flush(false);
}

void CocoWriter::Finish() {
  if (state_ == State::kImages) {
    Open("annotations");
    state_ = State::kAnnotations;
  }
  OA_CHECK(state_ == State::kAnnotations);
  *out_ += empty_array_ ? "]\n}\n" : "\n]\n}\n";
  state_ = State::kDone;
  Flush(true);
}

std::string WriteCoco(const CocoFile& coco) {
  std::string out;
  // About 100 bytes per image and 150 per box annotation.
  out.reserve(4096 + coco.images.size() * 100 + coco.annotations.size() * 150);
  CocoWriter writer(&out);
  writer.Begin(coco.info, coco.licenses, coco.categories, coco.extra);
  for (const auto& m : coco.images) writer.AddImage(m);
  for (const auto& a : coco.annotations) writer.AddAnnotation(a);
  writer.Finish();
  return out;
}

// ------------------------------------------------------------------------------------------------
// Conversions

namespace {

// The shortest decimal d (fewest significant digits) with lo + d == hi in double arithmetic, so
// that a width converted back as xmax = x + width gives hi exactly; hi − lo when none does.
double ShortestDelta(double lo, double hi) {
  double d0 = hi - lo;
  if (!std::isfinite(d0)) return d0;
  char buf[64];
  for (int precision = 1; precision <= 17; ++precision) {
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d0, std::chars_format::general, precision);
    double d = 0;
    std::from_chars(buf, p, d);
    if (lo + d == hi) return d;
  }
  return d0;
}

// v's shortest round-trip decimal form as digits × 10^exponent.
struct Decimal {
  __int128 digits = 0;
  int exponent = 0;
  int significant = 0;  // how many digits
};

Decimal ToDecimal(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  Decimal d;
  const char* p = buf;
  bool negative = *p == '-';
  if (negative) ++p;
  int fraction = 0;
  bool after_point = false;
  for (; p < end && *p != 'e'; ++p) {
    if (*p == '.') {
      after_point = true;
      continue;
    }
    d.digits = d.digits * 10 + (*p - '0');
    ++d.significant;
    fraction += after_point;
  }
  int exponent = 0;
  if (p < end) std::from_chars(p + (p[1] == '+' ? 2 : 1), end, exponent);
  d.exponent = exponent - fraction;
  if (negative) d.digits = -d.digits;
  return d;
}

// hi − lo computed exactly on their shortest decimal forms (240.79 − 224.24 = 16.55, where the
// double subtraction gives 16.549999999999983); nullopt when the exponents are too far apart.
std::optional<double> DecimalDifference(double lo, double hi) {
  Decimal a = ToDecimal(lo), b = ToDecimal(hi);
  int exponent = std::min(a.exponent, b.exponent);
  if (a.exponent - exponent > 20 || b.exponent - exponent > 20) return std::nullopt;
  for (; a.exponent > exponent; --a.exponent) a.digits *= 10;
  for (; b.exponent > exponent; --b.exponent) b.digits *= 10;
  __int128 diff = b.digits - a.digits;
  bool negative = diff < 0;
  if (negative) diff = -diff;
  char buf[64];
  char* p = buf + sizeof buf;
  do {
    *--p = static_cast<char>('0' + static_cast<int>(diff % 10));
    diff /= 10;
  } while (diff != 0);
  if (negative) *--p = '-';
  std::string text(p, buf + sizeof buf);
  text += 'e' + std::to_string(exponent);
  double d = 0;
  auto [q, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (ec != std::errc() || !std::isfinite(d)) return std::nullopt;
  return d;
}

// The width of [lo, hi] for a COCO bbox: the shorter of ShortestDelta (a box's x + w gives xmax
// back) and DecimalDifference (a polygon's bounds written as decimals give a decimal width).
double Width(double lo, double hi) {
  // Both ends with at most 6 decimals (the common case): their difference in millionths is
  // exact, and no other decimal of 6 decimals or fewer is within a double's spacing of it.
  double a = 0, b = 0;
  if (SixDecimals(lo, &a) && SixDecimals(hi, &b)) return (b - a) / 1e6;
  double shortest = ShortestDelta(lo, hi);
  std::optional<double> decimal = DecimalDifference(lo, hi);
  if (decimal && ToDecimal(*decimal).significant < ToDecimal(shortest).significant) return *decimal;
  return shortest;
}

VocObject NewObject(const std::string& name) {
  VocObject o;
  o.name = name;
  o.pose = "Unspecified";
  return o;
}

std::string Numbers(const std::array<double, 4>& v) {
  std::string s = "[";
  for (size_t i = 0; i < 4; ++i) {
    if (i > 0) s += ", ";
    AppendNumber(s, v[i]);
  }
  return s + "]";
}

}  // namespace

VocAnnotation VocForImage(std::string_view image_path, int64_t width, int64_t height) {
  VocAnnotation voc;
  size_t slash = image_path.rfind('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == image_path.size()) {
    voc.folder = "images";
    voc.filename = std::string(image_path);
  } else {
    voc.folder = std::string(image_path.substr(0, slash));
    voc.filename = std::string(image_path.substr(slash + 1));
  }
  voc.database = "Unknown";
  voc.width = width;
  voc.height = height;
  voc.depth = 3;
  return voc;
}

CocoToVocResult CocoToVoc(const CocoFile& coco) {
  CocoToVocResult result;
  std::unordered_map<int64_t, size_t> images;
  std::unordered_map<int64_t, const std::string*> names;
  for (const auto& c : coco.categories) names.emplace(c.id, &c.name);
  result.images.reserve(coco.images.size());
  for (const auto& m : coco.images) {
    if (!images.emplace(m.id, result.images.size()).second) continue;
    result.images.push_back({m.file_name, VocForImage(m.file_name, m.width, m.height)});
  }
  for (size_t i = 0; i < coco.annotations.size(); ++i) {
    const CocoAnnotation& a = coco.annotations[i];
    std::string path = "annotation id " + std::to_string(a.id);
    auto skip = [&](std::string reason) { result.skipped.push_back({path, std::move(reason)}); };
    auto image = images.find(a.image_id);
    if (image == images.end()) {
      skip("no image with id " + std::to_string(a.image_id));
      continue;
    }
    auto name = names.find(a.category_id);
    if (name == names.end()) {
      skip("no category with id " + std::to_string(a.category_id));
      continue;
    }
    if (a.iscrowd) {
      skip("iscrowd: a crowd region is not a VOC object");
      continue;
    }
    if (!a.rle.is_null()) {
      skip("an RLE mask is not a VOC shape");
      continue;
    }
    auto& objects = result.images[image->second].voc.objects;
    if (!a.polygons.empty()) {
      bool ok = true;
      for (const auto& poly : a.polygons)
        ok &= poly.size() % 2 == 0 && poly.size() >= 6 &&
              std::all_of(poly.begin(), poly.end(), [](double v) { return std::isfinite(v); });
      if (!ok) {
        skip("a polygon needs an even count of at least 6 finite numbers");
        continue;
      }
      for (const auto& poly : a.polygons) {
        VocObject o = NewObject(*name->second);
        o.shape.kind = VocShapeKind::kPolygon;
        for (size_t k = 0; k < poly.size(); k += 2)
          o.shape.points.push_back({poly[k], poly[k + 1]});
        objects.push_back(std::move(o));
      }
      continue;
    }
    double x = a.bbox[0], y = a.bbox[1];
    double xmax = x + a.bbox[2], ymax = y + a.bbox[3];
    if (!std::isfinite(xmax) || !std::isfinite(ymax) || !(x < xmax) || !(y < ymax)) {
      skip("bbox " + Numbers(a.bbox) + " has no area; a VOC box needs xmin < xmax and ymin < ymax");
      continue;
    }
    VocObject o = NewObject(*name->second);
    o.shape.kind = VocShapeKind::kBndbox;
    o.shape.points = {{x, y}, {xmax, ymax}};
    objects.push_back(std::move(o));
  }
  return result;
}

Result<CocoAnnotation> VocObjectToCoco(const VocObject& object) {
  const VocShape& s = object.shape;
  CocoAnnotation a;
  if (s.kind == VocShapeKind::kBndbox) {
    if (s.points.size() != 2) return InvalidArgument("a bndbox needs 2 points");
    const VocPoint& lo = s.points[0];
    const VocPoint& hi = s.points[1];
    a.bbox = {lo.x, lo.y, Width(lo.x, hi.x), Width(lo.y, hi.y)};
    a.area = a.bbox[2] * a.bbox[3];
    if (!std::isfinite(a.bbox[0]) || !std::isfinite(a.bbox[1]) || !std::isfinite(a.bbox[2]) ||
        !std::isfinite(a.bbox[3]) || !std::isfinite(*a.area))
      return InvalidArgument("bndbox coordinates too large: its size overflows a double");
    return a;
  }
  if (s.kind != VocShapeKind::kPolygon)
    return InvalidArgument(std::string(VocShapeName(s.kind)) + " is not a COCO shape");
  if (s.points.size() < 3) return InvalidArgument("a polygon needs at least 3 points");
  std::vector<double> poly;
  poly.reserve(s.points.size() * 2);
  double xmin = s.points[0].x, xmax = xmin, ymin = s.points[0].y, ymax = ymin;
  double twice_area = 0;
  for (size_t i = 0; i < s.points.size(); ++i) {
    const VocPoint& p = s.points[i];
    const VocPoint& q = s.points[(i + 1) % s.points.size()];
    poly.push_back(p.x);
    poly.push_back(p.y);
    xmin = std::min(xmin, p.x);
    xmax = std::max(xmax, p.x);
    ymin = std::min(ymin, p.y);
    ymax = std::max(ymax, p.y);
    twice_area += p.x * q.y - q.x * p.y;
  }
  a.bbox = {xmin, ymin, Width(xmin, xmax), Width(ymin, ymax)};
  a.area = std::abs(twice_area) / 2;
  if (!std::isfinite(a.bbox[2]) || !std::isfinite(a.bbox[3]) || !std::isfinite(*a.area))
    return InvalidArgument("polygon coordinates too large: its size overflows a double");
  a.polygons.push_back(std::move(poly));
  return a;
}

VocToCocoResult VocToCoco(const std::vector<CocoVocImage>& images,
                          const VocToCocoOptions& options) {
  VocToCocoResult result;
  CocoFile& coco = result.coco;
  coco.info = options.info;
  coco.licenses = options.licenses;
  coco.categories = options.categories;
  std::unordered_map<std::string, int64_t> ids;
  int64_t next_category = 1;
  for (const auto& c : coco.categories) {
    ids.emplace(c.name, c.id);
    next_category = std::max(next_category, c.id + 1);
  }
  std::map<VocShapeKind, int64_t> skipped_kinds;
  int64_t next_annotation = 1;
  coco.images.reserve(images.size());
  for (size_t i = 0; i < images.size(); ++i) {
    const CocoVocImage& item = images[i];
    int64_t image_id = static_cast<int64_t>(i) + 1;
    coco.images.push_back(
        {image_id, item.file_name, item.voc.width, item.voc.height, Json::object()});
    for (size_t j = 0; j < item.voc.objects.size(); ++j) {
      const VocObject& o = item.voc.objects[j];
      Result<CocoAnnotation> a = VocObjectToCoco(o);
      if (!a.ok()) {
        ++skipped_kinds[o.shape.kind];
        result.skipped.push_back(
            {item.file_name + ": annotation/object[" + std::to_string(j + 1) + "]",
             a.status().message()});
        continue;
      }
      auto [it, added] = ids.emplace(o.name, next_category);
      if (added) coco.categories.push_back({next_category++, o.name, std::nullopt, Json::object()});
      a->id = next_annotation++;
      a->image_id = image_id;
      a->category_id = it->second;
      coco.annotations.push_back(std::move(*a));
    }
  }
  if (!result.skipped.empty()) {
    result.warning = "skipped " + std::to_string(result.skipped.size()) +
                     (result.skipped.size() == 1 ? " object" : " objects") +
                     " that are not COCO shapes:";
    const char* sep = " ";
    for (const auto& [kind, n] : skipped_kinds) {
      result.warning += sep + std::to_string(n) + " " + std::string(VocShapeName(kind));
      sep = ", ";
    }
  }
  return result;
}

}  // namespace openarts::formats
