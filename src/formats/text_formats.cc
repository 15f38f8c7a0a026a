#include "formats/text_formats.h"

#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <exception>
#include <limits>
#include <map>
#include <utility>

#include "base/strings.h"
#include "json_line.h"

namespace openarts::formats {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// ---- UTF-8 --------------------------------------------------------------------------------------

// The length (1-4) of the strictly valid UTF-8 sequence at s[i], with its code point; 0 if invalid.
int DecodeAt(std::string_view s, size_t i, char32_t& cp) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  int n = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;  // no overlong forms
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (int k = 2; k < n; ++k)
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
  cp = c & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
  for (int k = 1; k < n; ++k) cp = (cp << 6) | (b(i + k) & 0x3F);
  return n;
}

std::string Hex(unsigned v, int width) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%0*X", width, v);
  return buf;
}

std::string CodePointName(char32_t cp) { return "U+" + Hex(cp, 4); }

// A text decoded to code points, with the byte offset of each (and of the end).
struct Decoded {
  std::vector<char32_t> cps;
  std::vector<size_t> bytes;  // size cps.size() + 1
};

Result<Decoded> Decode(std::string_view text) {
  Decoded d;
  d.cps.reserve(text.size());
  d.bytes.reserve(text.size() + 1);
  for (size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    int n = DecodeAt(text, i, cp);
    if (n == 0) {
      return InvalidArgument("invalid UTF-8 at byte " + std::to_string(i) + " (0x" +
                             AsciiLower(Hex(static_cast<unsigned char>(text[i]), 2)) + ")");
    }
    d.cps.push_back(cp);
    d.bytes.push_back(i);
    i += n;
  }
  d.bytes.push_back(text.size());
  return d;
}

int64_t CodePointLength(std::string_view text) {
  int64_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// ---- Character classes for CoNLL tokens ---------------------------------------------------------

// Unicode White_Space, plus U+FEFF (a BOM inside a text separates nothing visible).
bool IsSpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

// Characters written without spaces between words: each is a token of its own.
bool IsWide(char32_t c) {
  return (c >= 0x2E80 && c <= 0x2FDF) ||    // CJK radicals, Kangxi radicals
         (c >= 0x3001 && c <= 0x303F) ||    // CJK symbols and punctuation (not U+3000)
         (c >= 0x3040 && c <= 0x31FF) ||    // kana, bopomofo, CJK strokes
         (c >= 0x3200 && c <= 0x4DBF) ||    // enclosed CJK, compatibility, extension A
         (c >= 0x4E00 && c <= 0x9FFF) ||    // unified ideographs
         (c >= 0xF900 && c <= 0xFAFF) ||    // compatibility ideographs
         (c >= 0xFE30 && c <= 0xFE4F) ||    // CJK compatibility forms
         (c >= 0xFF00 && c <= 0xFFEF) ||    // halfwidth and fullwidth forms
         (c >= 0x20000 && c <= 0x3134F);    // extensions B-G
}

bool IsPunct(char32_t c) {
  return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
         (c >= 0x7B && c <= 0x7E) || (c >= 0xA1 && c <= 0xBF) || c == 0xD7 || c == 0xF7 ||
         (c >= 0x2010 && c <= 0x2027) || (c >= 0x2030 && c <= 0x205E);
}

// Valid UTF-8 made of whitespace only (such a token vanishes when the text is tokenized again).
bool OnlySpace(std::string_view s) {
  char32_t cp = 0;
  for (size_t i = 0; i < s.size();) {
    int n = DecodeAt(s, i, cp);
    if (n == 0 || !IsSpace(cp)) return false;
    i += n;
  }
  return true;
}

bool HasAsciiSpace(std::string_view s) {
  return s.find_first_of(" \t\n\r\v\f") != std::string_view::npos;
}

// ---- Messages -----------------------------------------------------------------------------------

std::string Quote(std::string_view s) {
  Json j = std::string(s.size() > 40 ? std::string(s.substr(0, 37)) + "..." : std::string(s));
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string Show(const Json& v) {
  std::string s = v.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

std::string At(std::string_view source, int64_t line) {
  return std::string(source) + ":" + std::to_string(line) + ": ";
}

// ---- Span and relation checks, under the field names of each format -----------------------------

struct SpanNames {
  std::string_view array = "spans";
  std::string_view start = "start";
  std::string_view end = "end";
  std::string_view label = "label";
  std::string_view id = "id";
};
struct RelationNames {
  std::string_view array = "relations";
  std::string_view id = "id";
  std::string_view from = "from";
  std::string_view to = "to";
  std::string_view label = "label";
};

// "field: problem" for the first offender, or "" when all is well. `length` in code points.
std::string FindProblem(int64_t length, const std::vector<TextSpan>& spans,
                        const std::vector<TextRelation>& relations, const SpanNames& sn = {},
                        const RelationNames& rn = {}) {
  std::map<std::string_view, size_t> ids;
  for (size_t i = 0; i < spans.size(); ++i) {
    const TextSpan& s = spans[i];
    std::string at = std::string(sn.array) + "[" + std::to_string(i) + "]: ";
    if (s.start < 0) return at + std::string(sn.start) + " " + std::to_string(s.start) + " is negative";
    if (s.start >= s.end)
      return at + std::string(sn.start) + " " + std::to_string(s.start) + " is not before " +
             std::string(sn.end) + " " + std::to_string(s.end);
    if (s.end > length)
      return at + std::string(sn.end) + " " + std::to_string(s.end) +
             " is beyond the end of the text (" + std::to_string(length) + " code points)";
    if (s.label.empty()) return at + std::string(sn.label) + " is empty";
    if (s.id) {
      if (auto [it, fresh] = ids.emplace(*s.id, i); !fresh)
        return at + std::string(sn.id) + " " + Quote(*s.id) + " is also the id of " +
               std::string(sn.array) + "[" + std::to_string(it->second) + "]";
    }
  }
  std::map<std::string_view, size_t> relation_ids;
  for (size_t i = 0; i < relations.size(); ++i) {
    const TextRelation& r = relations[i];
    std::string at = std::string(rn.array) + "[" + std::to_string(i) + "]: ";
    if (!r.id.empty()) {
      if (auto [it, fresh] = relation_ids.emplace(r.id, i); !fresh)
        return at + std::string(rn.id) + " " + Quote(r.id) + " is also the id of " +
               std::string(rn.array) + "[" + std::to_string(it->second) + "]";
    }
    for (auto [name, ref] : {std::pair{rn.from, &r.from}, std::pair{rn.to, &r.to}}) {
      if (!ids.contains(*ref))
        return at + std::string(name) + " " + Quote(*ref) +
               " names no entity (ModelArts.4414 Triplet label's from_entity or to_entity does "
               "not exist)";
    }
    if (r.label.empty()) return at + std::string(rn.label) + " is empty";
  }
  return "";
}

// ---- Lines --------------------------------------------------------------------------------------

struct Line {
  int64_t number;
  std::string_view text;  // without '\n' and trailing '\r's
};

// Every line (blank ones included), a leading BOM dropped; a final '\n' does not open a line.
// All trailing CRs go (a CRLF file saved again on Windows: "\r\r\n").
std::vector<Line> SplitLines(std::string_view text) {
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
  std::vector<Line> lines;
  int64_t number = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back({++number, line});
  }
  return lines;
}

bool Blank(std::string_view s) { return TrimWhitespace(s).empty(); }

// A BOM at the start of a file is dropped on read; a first line that really starts with U+FEFF
// gets a second one so that it survives.
void ProtectLeadingBom(std::string& file) {
  if (file.substr(0, kBom.size()) == kBom) file.insert(0, kBom);
}

// ---- doccano ------------------------------------------------------------------------------------

class LineError {
 public:
  LineError(std::string_view source, int64_t line) : prefix_(At(source, line)) {}
  Status operator()(std::string_view field, std::string_view problem) const {
    std::string m = prefix_;
    if (!field.empty()) {
      m += field;
      m += ": ";
    }
    m += problem;
    return InvalidArgument(std::move(m));
  }
  // A "field: problem" string from FindProblem.
  Status operator()(std::string_view field_problem) const {
    return InvalidArgument(prefix_ + std::string(field_problem));
  }

 private:
  std::string prefix_;
};

std::optional<int64_t> AsInt64(const Json& v) {
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<int64_t>();
  return std::nullopt;
}

// Ids of doccano entities and relations: integers (doccano's own) or strings, not both in a line.
class IdReader {
 public:
  explicit IdReader(const LineError& err) : err_(err) {}
  Result<std::string> Read(const Json& v, const std::string& field) {
    bool integer = v.is_number_integer();
    if (!integer && !v.is_string())
      return err_(field, "expected an integer or a string, got " + Show(v));
    if (integer && !AsInt64(v)) return err_(field, "integer out of range: " + Show(v));
    if (kind_ == 0) kind_ = integer ? 1 : 2;
    if ((kind_ == 1) != integer)
      return err_(field, "ids mix integers and strings (" + Show(v) + ")");
    return integer ? std::to_string(*AsInt64(v)) : v.get<std::string>();
  }
  bool integers() const { return kind_ == 1; }

 private:
  const LineError& err_;
  int kind_ = 0;  // 0 none seen, 1 integers, 2 strings
};

Result<int64_t> Offset(const Json& obj, const char* key, const std::string& at,
                       const LineError& err) {
  auto it = obj.find(key);
  std::string field = at + "." + key;
  if (it == obj.end()) return err(field, "required");
  auto v = AsInt64(*it);
  if (!v) return err(field, "expected an integer, got " + Show(*it));
  return *v;
}

Result<std::string> StringKey(const Json& obj, const char* key, const std::string& at,
                              const LineError& err) {
  auto it = obj.find(key);
  std::string field = at + "." + key;
  if (it == obj.end()) return err(field, "required");
  if (!it->is_string()) return err(field, "expected a string, got " + Show(*it));
  return it->get<std::string>();
}

Result<DoccanoRecord> ParseDoccanoObject(Json obj, const LineError& err) {
  DoccanoRecord r;
  auto text = obj.find("text");
  if (text == obj.end()) return err("text", "required");
  if (!text->is_string()) return err("text", "expected a string, got " + Show(*text));
  r.text = text->get<std::string>();
  obj.erase(text);

  bool triples = false;
  if (auto label = obj.find("label"); label != obj.end()) {
    if (!label->is_null()) {
      if (!label->is_array()) return err("label", "expected an array, got " + Show(*label));
      for (size_t i = 0; i < label->size(); ++i) {
        const Json& e = (*label)[i];
        std::string at = "label[" + std::to_string(i) + "]";
        if (e.is_string()) {
          if (triples) return err(at, "mixes category strings with [start, end, label] triples");
          if (e.get_ref<const std::string&>().empty()) return err(at, "category is empty");
          r.categories.push_back(e.get<std::string>());
          continue;
        }
        if (!r.categories.empty())
          return err(at, "mixes [start, end, label] triples with category strings");
        auto start = e.is_array() && e.size() == 3 ? AsInt64(e[0]) : std::nullopt;
        auto end = e.is_array() && e.size() == 3 ? AsInt64(e[1]) : std::nullopt;
        if (!start || !end || !e[2].is_string())
          return err(at, "expected [start, end, \"label\"] or a category string, got " + Show(e));
        triples = true;
        r.spans.push_back({*start, *end, e[2].get<std::string>(), std::nullopt});
      }
    }
    obj.erase(label);
  }

  IdReader ids(err);
  auto entities = obj.find("entities");
  auto relations = obj.find("relations");
  r.entities_form = entities != obj.end() || relations != obj.end();
  if (entities != obj.end()) {
    if (triples) return err("entities", "given together with [start, end, label] triples in label");
    if (!entities->is_null() && !entities->is_array())
      return err("entities", "expected an array, got " + Show(*entities));
    for (size_t i = 0; entities->is_array() && i < entities->size(); ++i) {
      const Json& e = (*entities)[i];
      std::string at = "entities[" + std::to_string(i) + "]";
      if (!e.is_object()) return err(at, "expected an object, got " + Show(e));
      TextSpan s;
      OA_ASSIGN_OR_RETURN(s.start, Offset(e, "start_offset", at, err));
      OA_ASSIGN_OR_RETURN(s.end, Offset(e, "end_offset", at, err));
      OA_ASSIGN_OR_RETURN(s.label, StringKey(e, "label", at, err));
      if (auto id = e.find("id"); id != e.end() && !id->is_null()) {
        OA_ASSIGN_OR_RETURN(s.id, ids.Read(*id, at + ".id"));
      }
      r.spans.push_back(std::move(s));
    }
    obj.erase(entities);
  }
  relations = obj.find("relations");
  if (relations != obj.end()) {
    if (!relations->is_null() && !relations->is_array())
      return err("relations", "expected an array, got " + Show(*relations));
    for (size_t i = 0; relations->is_array() && i < relations->size(); ++i) {
      const Json& e = (*relations)[i];
      std::string at = "relations[" + std::to_string(i) + "]";
      if (!e.is_object()) return err(at, "expected an object, got " + Show(e));
      TextRelation rel;
      if (auto id = e.find("id"); id != e.end() && !id->is_null()) {
        OA_ASSIGN_OR_RETURN(rel.id, ids.Read(*id, at + ".id"));
      }
      for (auto [key, out] : {std::pair{"from_id", &rel.from}, std::pair{"to_id", &rel.to}}) {
        auto v = e.find(key);
        if (v == e.end() || v->is_null()) return err(at + "." + key, "required");
        OA_ASSIGN_OR_RETURN(*out, ids.Read(*v, at + "." + key));
      }
      OA_ASSIGN_OR_RETURN(rel.label, StringKey(e, "type", at, err));
      r.relations.push_back(std::move(rel));
    }
    obj.erase(relations);
  }
  r.integer_ids = ids.integers();

  SpanNames sn;
  if (r.entities_form) {
    sn = {.array = "entities", .start = "start_offset", .end = "end_offset"};
  } else {
    sn = {.array = "label"};
  }
  const RelationNames rn{.from = "from_id", .to = "to_id", .label = "type"};
  if (std::string p = FindProblem(CodePointLength(r.text), r.spans, r.relations, sn, rn);
      !p.empty())
    return err(p);
  r.extra = std::move(obj);
  return r;
}

bool IsDecimalInt64(std::string_view s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && end == s.data() + s.size() && std::to_string(v) == s;
}

Json IdJson(const std::string& id, bool integer_ids) {
  if (integer_ids && IsDecimalInt64(id)) return std::stoll(id);
  return id;
}

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

// ---- CoNLL --------------------------------------------------------------------------------------

struct TokenRange {
  int64_t start;
  int64_t end;
};

// The writer's first split of `d`: at whitespace, and each CJK character alone. Span cuts and
// edge punctuation come after (EdgeSplit), so that every final token re-tokenizes to itself.
std::vector<TokenRange> Chunks(const Decoded& d) {
  std::vector<TokenRange> out;
  int64_t run = -1;
  const int64_t n = static_cast<int64_t>(d.cps.size());
  for (int64_t i = 0; i < n; ++i) {
    char32_t c = d.cps[i];
    if (IsSpace(c) || IsWide(c)) {
      if (run >= 0) out.push_back({run, i});
      run = -1;
      if (!IsSpace(c)) out.push_back({i, i + 1});
    } else if (run < 0) {
      run = i;
    }
  }
  if (run >= 0) out.push_back({run, n});
  return out;
}

// Punctuation at either edge of [a, b) becomes one token per character.
void EdgeSplit(const Decoded& d, int64_t a, int64_t b, std::vector<TokenRange>& out) {
  while (a < b && IsPunct(d.cps[a])) out.push_back({a, a + 1}), ++a;
  int64_t m = b;
  while (m > a && IsPunct(d.cps[m - 1])) --m;
  if (a < m) out.push_back({a, m});
  for (int64_t k = m; k < b; ++k) out.push_back({k, k + 1});
}

// Tokens with their text and the index of the span each belongs to (-1 for none).
struct Tokenized {
  std::vector<ConllToken> tokens;
  std::vector<int64_t> span_of;
};

Result<Tokenized> Tokenize(std::string_view text, const std::vector<TextSpan>& spans) {
  OA_ASSIGN_OR_RETURN(Decoded d, Decode(text));
  if (std::string p = FindProblem(static_cast<int64_t>(d.cps.size()), spans, {}); !p.empty())
    return InvalidArgument(p);
  std::vector<size_t> order(spans.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::pair(spans[a].start, spans[a].end) < std::pair(spans[b].start, spans[b].end);
  });
  for (size_t k = 0; k < order.size(); ++k) {
    const TextSpan& s = spans[order[k]];
    if (HasAsciiSpace(s.label))
      return InvalidArgument("spans[" + std::to_string(order[k]) + "]: label " + Quote(s.label) +
                             " holds whitespace, which CoNLL cannot hold");
    if (k > 0 && s.start < spans[order[k - 1]].end) {
      size_t a = std::min(order[k - 1], order[k]), b = std::max(order[k - 1], order[k]);
      return InvalidArgument("spans[" + std::to_string(a) + "] and spans[" + std::to_string(b) +
                             "] overlap; CoNLL cannot hold overlapping entities");
    }
  }
  std::vector<int64_t> cuts;
  for (const TextSpan& s : spans) cuts.push_back(s.start), cuts.push_back(s.end);
  std::sort(cuts.begin(), cuts.end());
  Tokenized out;
  std::vector<bool> covered(spans.size(), false);
  size_t next_span = 0;  // into `order`
  std::vector<TokenRange> pieces;
  for (TokenRange chunk : Chunks(d)) {
    auto cut = std::upper_bound(cuts.begin(), cuts.end(), chunk.start);
    for (int64_t a = chunk.start; a < chunk.end;) {
      while (cut != cuts.end() && *cut <= a) ++cut;
      int64_t b = cut != cuts.end() && *cut < chunk.end ? *cut : chunk.end;
      EdgeSplit(d, a, b, pieces);
      a = b;
    }
  }
  for (TokenRange piece : pieces) {
    const int64_t a = piece.start, b = piece.end;
    while (next_span < order.size() && spans[order[next_span]].end <= a) ++next_span;
    int64_t owner = -1;
    if (next_span < order.size() && spans[order[next_span]].start <= a)
      owner = static_cast<int64_t>(order[next_span]);
    ConllToken t;
    t.text = std::string(text.substr(d.bytes[a], d.bytes[b] - d.bytes[a]));
    t.start = a;
    t.end = b;
    if (owner < 0) {
      t.tag = "O";
    } else {
      t.tag = (covered[owner] ? "I-" : "B-") + spans[owner].label;
      covered[owner] = true;
    }
    out.tokens.push_back(std::move(t));
    out.span_of.push_back(owner);
  }
  for (size_t i = 0; i < spans.size(); ++i) {
    if (!covered[i])
      return InvalidArgument("spans[" + std::to_string(i) + "] covers no token (only whitespace)");
  }
  return out;
}

// Joins tokens the reader's way; `offsets` receives each token's [start, end) in code points.
std::string JoinTokens(const std::vector<std::string_view>& tokens,
                       std::vector<TokenRange>* offsets) {
  std::string text;
  int64_t pos = 0;
  char32_t last = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    std::string_view t = tokens[i];
    if (t.empty()) continue;
    char32_t first = 0;
    DecodeAt(t, 0, first);
    if (i > 0 && !(IsWide(last) && IsWide(first))) {
      text += ' ';
      ++pos;
    }
    int64_t len = CodePointLength(t);
    if (offsets) offsets->push_back({pos, pos + len});
    text += t;
    pos += len;
    // The last code point: step back over continuation bytes.
    size_t k = t.size() - 1;
    while (k > 0 && (static_cast<unsigned char>(t[k]) & 0xC0) == 0x80) --k;
    DecodeAt(t, k, last);
  }
  return text;
}

}  // namespace

// ---- Offsets ------------------------------------------------------------------------------------

Status ValidateUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    int n = DecodeAt(text, i, cp);
    if (n == 0)
      return InvalidArgument("invalid UTF-8 at byte " + std::to_string(i) + " (0x" +
                             AsciiLower(Hex(static_cast<unsigned char>(text[i]), 2)) + ")");
    i += n;
  }
  return Status::Ok();
}

std::string_view OffsetUnitName(OffsetUnit unit) {
  switch (unit) {
    case OffsetUnit::kCodePoint: return "code point";
    case OffsetUnit::kUtf16: return "UTF-16";
    case OffsetUnit::kUtf8Byte: return "UTF-8 byte";
  }
  return "";
}

Result<TextOffsets> TextOffsets::Index(std::string_view text) {
  OA_ASSIGN_OR_RETURN(Decoded d, Decode(text));
  TextOffsets t;
  t.text_ = std::string(text);
  t.bytes_.reserve(d.bytes.size());
  t.units_.reserve(d.bytes.size());
  int64_t units = 0;
  for (size_t i = 0; i < d.cps.size(); ++i) {
    t.bytes_.push_back(static_cast<int64_t>(d.bytes[i]));
    t.units_.push_back(units);
    units += d.cps[i] >= 0x10000 ? 2 : 1;
  }
  t.bytes_.push_back(static_cast<int64_t>(text.size()));
  t.units_.push_back(units);
  return t;
}

int64_t TextOffsets::length(OffsetUnit unit) const {
  switch (unit) {
    case OffsetUnit::kCodePoint: return static_cast<int64_t>(bytes_.size()) - 1;
    case OffsetUnit::kUtf16: return units_.back();
    case OffsetUnit::kUtf8Byte: return bytes_.back();
  }
  return 0;
}

Result<int64_t> TextOffsets::Convert(int64_t offset, OffsetUnit from, OffsetUnit to) const {
  auto name = [&] { return std::string(OffsetUnitName(from)) + " offset " + std::to_string(offset); };
  if (offset < 0) return InvalidArgument(name() + " is negative");
  if (offset > length(from)) {
    static constexpr std::string_view kPlural[] = {"code points", "UTF-16 units", "bytes"};
    return InvalidArgument(name() + " is beyond the end of the text (" +
                           std::to_string(length(from)) + " " +
                           std::string(kPlural[static_cast<int>(from)]) + ")");
  }
  size_t k = static_cast<size_t>(offset);
  if (from != OffsetUnit::kCodePoint) {
    const auto& table = from == OffsetUnit::kUtf16 ? units_ : bytes_;
    auto it = std::lower_bound(table.begin(), table.end(), offset);
    k = static_cast<size_t>(it - table.begin());
    if (*it != offset) {  // strictly inside code point k-1
      char32_t cp = 0;
      int n = DecodeAt(text_, static_cast<size_t>(bytes_[k - 1]), cp);
      if (from == OffsetUnit::kUtf16) {
        return InvalidArgument(name() + " falls inside the surrogate pair of " + CodePointName(cp) +
                               " (units " + std::to_string(units_[k - 1]) + "-" +
                               std::to_string(units_[k - 1] + 1) + ")");
      }
      return InvalidArgument(name() + " falls inside the " + std::to_string(n) +
                             "-byte sequence of " + CodePointName(cp) + " (bytes " +
                             std::to_string(bytes_[k - 1]) + "-" +
                             std::to_string(bytes_[k - 1] + n - 1) + ")");
    }
  }
  switch (to) {
    case OffsetUnit::kCodePoint: return static_cast<int64_t>(k);
    case OffsetUnit::kUtf16: return units_[k];
    case OffsetUnit::kUtf8Byte: return bytes_[k];
  }
  return static_cast<int64_t>(k);
}

Result<int64_t> ConvertOffset(std::string_view text, int64_t offset, OffsetUnit from,
                              OffsetUnit to) {
  OA_ASSIGN_OR_RETURN(TextOffsets t, TextOffsets::Index(text));
  return t.Convert(offset, from, to);
}

Status ValidateAnnotations(std::string_view text, const std::vector<TextSpan>& spans,
                           const std::vector<TextRelation>& relations) {
  OA_TRY(ValidateUtf8(text).WithContext("text"));
  if (std::string p = FindProblem(CodePointLength(text), spans, relations); !p.empty())
    return InvalidArgument(std::move(p));
  return Status::Ok();
}

// ---- doccano ------------------------------------------------------------------------------------

Result<DoccanoRecord> ParseDoccanoLine(std::string_view line, std::string_view source_name,
                                       int64_t line_number) {
  LineError err(source_name, line_number);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (Blank(line)) return err("", "expected a JSON object, got a blank line");
  auto parsed = ParseJsonObjectLine(line);
  if (!parsed.ok()) return err("", parsed.status().message());
  Json obj = std::move(*parsed);
  try {
    return ParseDoccanoObject(std::move(obj), err);
  } catch (const std::exception& e) {  // not expected: every access is type-checked
    return err("", std::string("unreadable line: ") + e.what());
  }
}

DoccanoParse ParseDoccano(std::string_view text, std::string_view source_name) {
  DoccanoParse out;
  for (const Line& line : SplitLines(text)) {
    if (Blank(line.text)) continue;
    auto r = ParseDoccanoLine(line.text, source_name, line.number);
    if (r.ok())
      out.records.push_back(std::move(r).value());
    else
      out.rejected.push_back({line.number, r.status().message()});
  }
  return out;
}

std::string WriteDoccanoLine(const DoccanoRecord& r) {
  std::string out = "{\"text\":" + Dump(r.text);
  auto categories = [&] {
    Json a = Json::array();
    for (const auto& c : r.categories) a.push_back(c);
    return Dump(a);
  };
  if (r.entities_form || !r.relations.empty() || (!r.spans.empty() && !r.categories.empty())) {
    if (!r.categories.empty()) out += ",\"label\":" + categories();
    // nlohmann objects are sorted by key; doccano's order reads better, so write by hand.
    out += ",\"entities\":[";
    for (size_t i = 0; i < r.spans.size(); ++i) {
      const TextSpan& s = r.spans[i];
      if (i) out += ',';
      out += '{';
      if (s.id) out += "\"id\":" + Dump(IdJson(*s.id, r.integer_ids)) + ",";
      out += "\"start_offset\":" + std::to_string(s.start) +
             ",\"end_offset\":" + std::to_string(s.end) + ",\"label\":" + Dump(s.label) + "}";
    }
    out += "],\"relations\":[";
    for (size_t i = 0; i < r.relations.size(); ++i) {
      const TextRelation& rel = r.relations[i];
      if (i) out += ',';
      out += '{';
      if (!rel.id.empty()) out += "\"id\":" + Dump(IdJson(rel.id, r.integer_ids)) + ",";
      out += "\"from_id\":" + Dump(IdJson(rel.from, r.integer_ids)) +
             ",\"to_id\":" + Dump(IdJson(rel.to, r.integer_ids)) + ",\"type\":" + Dump(rel.label) +
             "}";
    }
    out += ']';
  } else if (!r.spans.empty()) {
    out += ",\"label\":[";
    for (size_t i = 0; i < r.spans.size(); ++i) {
      const TextSpan& s = r.spans[i];
      if (i) out += ',';
      out += "[" + std::to_string(s.start) + "," + std::to_string(s.end) + "," + Dump(s.label) +
             "]";
    }
    out += ']';
  } else if (!r.categories.empty()) {
    out += ",\"label\":" + categories();
  }
  if (r.extra.is_object()) {
    for (const auto& [k, v] : r.extra.items()) {
      if (k == "text" || k == "label" || k == "entities" || k == "relations") continue;
      out += ',' + Dump(k) + ':' + Dump(v);
    }
  }
  out += '}';
  return out;
}

std::string WriteDoccano(const std::vector<DoccanoRecord>& records) {
  std::string out;
  for (const auto& r : records) {
    out += WriteDoccanoLine(r);
    out += '\n';
  }
  return out;
}

// ---- CoNLL --------------------------------------------------------------------------------------

Result<std::vector<ConllToken>> TokenizeForConll(std::string_view text,
                                                 const std::vector<TextSpan>& spans) {
  OA_ASSIGN_OR_RETURN(Tokenized t, Tokenize(text, spans));
  return std::move(t.tokens);
}

Result<ConllSample> ConllNormalForm(std::string_view text, const std::vector<TextSpan>& spans) {
  OA_ASSIGN_OR_RETURN(Tokenized t, Tokenize(text, spans));
  std::vector<std::string_view> views;
  for (const auto& tok : t.tokens) views.push_back(tok.text);
  std::vector<TokenRange> at;
  ConllSample out;
  out.text = JoinTokens(views, &at);
  out.spans = spans;
  std::vector<bool> seen(spans.size(), false);
  for (size_t i = 0; i < t.tokens.size(); ++i) {
    int64_t s = t.span_of[i];
    if (s < 0) continue;
    if (!seen[s]) out.spans[s].start = at[i].start;
    out.spans[s].end = at[i].end;
    seen[s] = true;
  }
  return out;
}

Result<std::string> WriteConll(const std::vector<ConllSample>& samples) {
  std::string out;
  for (size_t i = 0; i < samples.size(); ++i) {
    auto tokens = TokenizeForConll(samples[i].text, samples[i].spans);
    if (!tokens.ok()) return tokens.status().WithContext("sample " + std::to_string(i));
    if (tokens->empty())
      return InvalidArgument("sample " + std::to_string(i) +
                             ": no tokens (the text is empty or whitespace)");
    for (const ConllToken& t : *tokens) {
      out += t.text;
      out += ' ';
      out += t.tag;
      out += '\n';
    }
    out += '\n';
  }
  return out;
}

ConllParse ParseConll(std::string_view text, std::string_view source_name) {
  ConllParse out;
  std::vector<std::string_view> tokens, tags;
  std::optional<RejectedLine> bad;  // the first bad line of the current sample
  auto finish = [&] {
    if (bad) {
      out.rejected.push_back(std::move(*bad));
    } else if (!tokens.empty()) {
      std::vector<TokenRange> at;
      ConllSample s;
      s.text = JoinTokens(tokens, &at);
      std::optional<TextSpan> open;
      auto close = [&] {
        if (open) s.spans.push_back(std::move(*open));
        open.reset();
      };
      for (size_t i = 0; i < tags.size(); ++i) {
        std::string_view tag = tags[i];
        if (tag == "O") {
          close();
          continue;
        }
        std::string_view label = tag.substr(2);
        if (tag[0] == 'I' && open && open->label == label) {
          open->end = at[i].end;
          continue;
        }
        close();  // B-, or an I- that starts an entity (IOB1)
        open = TextSpan{at[i].start, at[i].end, std::string(label), std::nullopt};
      }
      close();
      out.samples.push_back(std::move(s));
    }
    tokens.clear();
    tags.clear();
    bad.reset();
  };
  for (const Line& line : SplitLines(text)) {
    std::vector<std::string_view> fields;
    for (size_t i = 0; i < line.text.size();) {
      size_t j = line.text.find_first_of(" \t\v\f\r", i);
      if (j == std::string_view::npos) j = line.text.size();
      if (j > i) fields.push_back(line.text.substr(i, j - i));
      i = j + 1;
    }
    if (fields.empty()) {  // a blank line ends the sample
      finish();
      continue;
    }
    if (fields[0] == "-DOCSTART-") continue;
    if (bad) continue;
    auto reject = [&](std::string problem) {
      bad = RejectedLine{line.number, At(source_name, line.number) + problem};
    };
    if (fields.size() < 2) {
      reject("expected \"token tag\", got one column " + Quote(fields[0]));
      continue;
    }
    std::string_view tag = fields.back();
    bool ok_tag = tag == "O" || (tag.size() > 2 && (tag[0] == 'B' || tag[0] == 'I') && tag[1] == '-');
    if (!ok_tag) {
      reject("tag " + Quote(tag) + " is not O, B-<label> or I-<label>");
      continue;
    }
    if (Status s = ValidateUtf8(fields[0]); !s.ok()) {
      reject("token: " + s.message());
      continue;
    }
    if (OnlySpace(fields[0])) {
      reject("token " + Quote(fields[0]) + " is only whitespace");
      continue;
    }
    if (Status s = ValidateUtf8(tag); !s.ok()) {
      reject("tag: " + s.message());
      continue;
    }
    tokens.push_back(fields[0]);
    tags.push_back(tag);
  }
  finish();
  return out;
}

// ---- Text classification ------------------------------------------------------------------------

namespace {

constexpr std::string_view kSeparatorSymbols = "!@#$%^&*_=|?/':.;,";

Status CheckSeparator(std::string_view name, std::string_view sep) {
  char c = sep.size() == 1 ? sep[0] : '\0';
  bool ok = c == '\t' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || (c && kSeparatorSymbols.find(c) != std::string_view::npos);
  if (!ok)
    return InvalidArgument(std::string(name) + " separator " + Quote(sep) +
                           " is not allowed: use one character, a letter, a digit, Tab or one "
                           "of " + std::string(kSeparatorSymbols));
  return Status::Ok();
}

std::string Lines(size_t n) { return std::to_string(n) + (n == 1 ? " line" : " lines"); }

// The labels of one line ("" = none). "" on success, else the problem.
std::string SplitLabels(std::string_view s, char sep, std::vector<std::string>& labels) {
  if (s.empty()) return "";
  size_t n = 0;
  for (size_t i = 0;; ++n) {
    size_t j = s.find(sep, i);
    std::string_view label = s.substr(i, j == std::string_view::npos ? j : j - i);
    if (label.empty()) return "label " + std::to_string(n + 1) + " is empty";
    labels.emplace_back(label);
    if (j == std::string_view::npos) break;
    i = j + 1;
  }
  return "";
}

// Why `sample` cannot be written; "" when it can. `text_sep` is 0 for the result-file format.
std::string SampleProblem(const LabeledText& sample, char text_sep, char label_sep) {
  if (Blank(sample.text)) return "text is blank";
  if (sample.text.find('\n') != std::string::npos) return "text holds a line break";
  for (size_t i = 0; i < sample.labels.size(); ++i) {
    const std::string& l = sample.labels[i];
    std::string at = "labels[" + std::to_string(i) + "]: ";
    if (l.empty()) return at + "empty";
    if (l.find('\n') != std::string::npos) return at + Quote(l) + " holds a line break";
    if (l.find(label_sep) != std::string::npos ||
        (text_sep && l.find(text_sep) != std::string::npos))
      return at + Quote(l) + " holds a separator";
  }
  return "";
}

// Readers drop the CRs at the end of a line, so a line must not end with one.
bool EndsWithCr(std::string_view line) { return !line.empty() && line.back() == '\r'; }

std::string JoinLabels(const std::vector<std::string>& labels, char sep) {
  std::string out;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) out += sep;
    out += labels[i];
  }
  return out;
}

}  // namespace

Status ValidateSeparators(const TextSeparators& separators) {
  OA_TRY(CheckSeparator("sample", separators.sample));
  OA_TRY(CheckSeparator("label", separators.label));
  if (separators.sample == separators.label)
    return InvalidArgument("the sample and label separators are both " + Quote(separators.sample));
  return Status::Ok();
}

Result<TextClassParse> ParseTextCombine(std::string_view text, std::string_view source_name,
                                        const TextSeparators& separators) {
  OA_TRY(ValidateSeparators(separators));
  const char sample_sep = separators.sample[0], label_sep = separators.label[0];
  TextClassParse out;
  for (const Line& line : SplitLines(text)) {
    if (Blank(line.text)) continue;
    auto reject = [&](std::string problem) {
      out.rejected.push_back({line.number, At(source_name, line.number) + problem});
    };
    if (Status s = ValidateUtf8(line.text); !s.ok()) {
      reject(s.message() + "; decode GBK first (DecodeText)");
      continue;
    }
    size_t cut = line.text.rfind(sample_sep);
    LabeledText sample;
    sample.text = std::string(line.text.substr(0, cut));
    if (Blank(sample.text)) {
      reject("text is blank");
      continue;
    }
    if (cut != std::string_view::npos) {
      if (std::string p = SplitLabels(line.text.substr(cut + 1), label_sep, sample.labels);
          !p.empty()) {
        reject(p);
        continue;
      }
    }
    out.samples.push_back(std::move(sample));
  }
  return out;
}

Result<std::string> WriteTextCombine(const std::vector<LabeledText>& samples,
                                     const TextSeparators& separators) {
  OA_TRY(ValidateSeparators(separators));
  const char sample_sep = separators.sample[0], label_sep = separators.label[0];
  std::string out;
  for (size_t i = 0; i < samples.size(); ++i) {
    const LabeledText& s = samples[i];
    if (std::string p = SampleProblem(s, sample_sep, label_sep); !p.empty())
      return InvalidArgument("sample " + std::to_string(i) + ": " + p);
    std::string line = s.text;
    // The text ends at the last separator: write one when the text holds one (or ends with a CR).
    if (!s.labels.empty() || line.find(sample_sep) != std::string::npos || EndsWithCr(line))
      line += sample_sep;
    line += JoinLabels(s.labels, label_sep);
    if (EndsWithCr(line))
      return InvalidArgument("sample " + std::to_string(i) +
                             ": the last label ends with a carriage return");
    out += line;
    out += '\n';
  }
  ProtectLeadingBom(out);
  return out;
}

Result<TextClassParse> ParseTextWithResult(std::string_view texts, std::string_view texts_name,
                                           std::string_view results,
                                           std::string_view results_name,
                                           std::string_view label_separator) {
  OA_TRY(CheckSeparator("label", label_separator));
  const char label_sep = label_separator[0];
  std::vector<Line> text_lines = SplitLines(texts), result_lines = SplitLines(results);
  TextClassParse out;
  const size_t n = std::max(text_lines.size(), result_lines.size());
  for (size_t i = 0; i < n; ++i) {
    const Line* t = i < text_lines.size() ? &text_lines[i] : nullptr;
    const Line* r = i < result_lines.size() ? &result_lines[i] : nullptr;
    bool text_blank = !t || Blank(t->text);
    bool result_blank = !r || Blank(r->text);
    if (text_blank && result_blank) continue;
    auto reject = [&](std::string_view name, int64_t number, std::string problem) {
      out.rejected.push_back({number, At(name, number) + problem});
    };
    const int64_t number = static_cast<int64_t>(i) + 1;
    if (!t) {
      reject(results_name, number, "no line " + std::to_string(number) + " in " +
                                       std::string(texts_name) + " (it has " +
                                       Lines(text_lines.size()) + ")");
      continue;
    }
    if (!r) {
      reject(texts_name, number, "no line " + std::to_string(number) + " in " +
                                     std::string(results_name) + " (it has " +
                                     Lines(result_lines.size()) + ")");
      continue;
    }
    if (text_blank) {
      reject(results_name, number, "labels for a blank line of " + std::string(texts_name));
      continue;
    }
    if (Status s = ValidateUtf8(t->text); !s.ok()) {
      reject(texts_name, number, s.message() + "; decode GBK first (DecodeText)");
      continue;
    }
    if (Status s = ValidateUtf8(r->text); !s.ok()) {
      reject(results_name, number, s.message() + "; decode GBK first (DecodeText)");
      continue;
    }
    LabeledText sample;
    sample.text = std::string(t->text);
    if (!result_blank) {
      if (std::string p = SplitLabels(r->text, label_sep, sample.labels); !p.empty()) {
        reject(results_name, number, p);
        continue;
      }
    }
    out.samples.push_back(std::move(sample));
  }
  return out;
}

Result<TextResultFiles> WriteTextWithResult(const std::vector<LabeledText>& samples,
                                            std::string_view label_separator) {
  OA_TRY(CheckSeparator("label", label_separator));
  const char label_sep = label_separator[0];
  TextResultFiles out;
  for (size_t i = 0; i < samples.size(); ++i) {
    const LabeledText& s = samples[i];
    if (std::string p = SampleProblem(s, 0, label_sep); !p.empty())
      return InvalidArgument("sample " + std::to_string(i) + ": " + p);
    std::string labels = JoinLabels(s.labels, label_sep);
    if (EndsWithCr(s.text))
      return InvalidArgument("sample " + std::to_string(i) + ": text ends with a carriage return");
    if (EndsWithCr(labels))
      return InvalidArgument("sample " + std::to_string(i) +
                             ": the last label ends with a carriage return");
    if (!s.labels.empty() && Blank(labels))
      return InvalidArgument("sample " + std::to_string(i) +
                             ": labels are only whitespace, which reads as no label");
    out.texts += s.text;
    out.texts += '\n';
    out.results += labels;
    out.results += '\n';
  }
  ProtectLeadingBom(out.texts);
  ProtectLeadingBom(out.results);
  return out;
}

// ---- Encodings ----------------------------------------------------------------------------------

Result<DecodedText> DecodeText(std::string_view bytes, std::string_view source_name) {
  Status utf8 = ValidateUtf8(bytes);
  if (utf8.ok()) return DecodedText{std::string(bytes), TextEncoding::kUtf8};
  iconv_t cd = iconv_open("UTF-8", "GBK");
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    return Internal(std::string(source_name) + ": not UTF-8 (" + utf8.message() +
                    "), and this system's iconv has no GBK converter: " + std::strerror(errno));
  }
  std::string out(bytes.size() * 2 + 4, '\0');  // GBK's 2 bytes become at most 3 in UTF-8
  char* in = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  char* dst = out.data();
  size_t out_left = out.size();
  size_t r = iconv(cd, &in, &in_left, &dst, &out_left);
  int error = errno;
  iconv_close(cd);
  if (r == static_cast<size_t>(-1)) {
    std::string why = error == EINVAL ? "incomplete sequence" : "invalid sequence";
    return InvalidArgument(std::string(source_name) + ": neither UTF-8 (" + utf8.message() +
                           ") nor GBK (" + why + " at byte " +
                           std::to_string(bytes.size() - in_left) + ")");
  }
  out.resize(out.size() - out_left);
  return DecodedText{std::move(out), TextEncoding::kGbk};
}

}  // namespace openarts::formats
