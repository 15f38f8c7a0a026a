// Text datasets (spec/data.md §3.2, §4.4, §10): offsets in code points and their UTF-16 and UTF-8
// equivalents, entity spans and relations, doccano JSONL, CoNLL-2003 BIO, the two text
// classification directory formats, and GBK input.
//
//   OA_ASSIGN_OR_RETURN(auto offsets, TextOffsets::Index(text));        // a browser's offsets:
//   OA_ASSIGN_OR_RETURN(int64_t start, offsets.Convert(7, OffsetUnit::kUtf16,
//                                                      OffsetUnit::kCodePoint));
//   DoccanoParse d = ParseDoccano(jsonl, "ner.jsonl");                 // rejects per line
//   OA_ASSIGN_OR_RETURN(std::string conll, WriteConll({{d.records[0].text, d.records[0].spans}}));
//
// Offsets in OpenArts are Unicode code points (§4.4 design note; Python str indices, as doccano
// uses), end exclusive. Pure functions over values: no I/O, no exceptions, thread-safe. Errors are
// kInvalidArgument naming the file and line ("<source>:<line>: <field>: <problem>") or the field
// of a value ("spans[2]: end 12 is beyond ..."). The formats are described in
// docs/formats/text.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "formats/manifest.h"  // RejectedLine

namespace openarts::formats {

// ------------------------------------------------------------------------------------------------
// UTF-8 and offsets

// Strict UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF). kInvalidArgument
// "invalid UTF-8 at byte 12 (0xb0)".
Status ValidateUtf8(std::string_view text);

enum class OffsetUnit {
  kCodePoint,  // OpenArts, doccano, Python str indices
  kUtf16,      // what a browser sends (JavaScript string indices): U+10000 and up take 2 units
  kUtf8Byte,   // byte offsets into the UTF-8 text
};

// "code point", "UTF-16", "UTF-8 byte".
std::string_view OffsetUnitName(OffsetUnit unit);

// The boundaries of one text in the three units, indexed once for many conversions.
class TextOffsets {
 public:
  // kInvalidArgument as ValidateUtf8.
  static Result<TextOffsets> Index(std::string_view text);

  // The text's length in `unit`.
  int64_t length(OffsetUnit unit) const;

  // `offset` (0..length, end offsets included) in `from` units, in `to` units. kInvalidArgument:
  // "UTF-16 offset -1 is negative", "code point offset 12 is beyond the end of the text
  // (10 code points)", "UTF-16 offset 3 falls inside the surrogate pair of U+1F600 (units 2-3)",
  // "UTF-8 byte offset 2 falls inside the 3-byte sequence of U+534E (bytes 0-2)".
  Result<int64_t> Convert(int64_t offset, OffsetUnit from, OffsetUnit to) const;

 private:
  TextOffsets() = default;
  std::string text_;
  // For code point i (0..n): its first UTF-8 byte and first UTF-16 unit; [n] is the end.
  std::vector<int64_t> bytes_;
  std::vector<int64_t> units_;
};

// One conversion (TextOffsets::Index + Convert).
Result<int64_t> ConvertOffset(std::string_view text, int64_t offset, OffsetUnit from,
                              OffsetUnit to);

// ------------------------------------------------------------------------------------------------
// Entities and relations

// A labelled span of a text, in code points.
struct TextSpan {
  int64_t start = 0;  // inclusive
  int64_t end = 0;    // exclusive
  std::string label;
  std::optional<std::string> id;  // "E1" (triplets, doccano entities); relations refer to it
  bool operator==(const TextSpan&) const = default;
};

// A directed relation between two spans (a text triplet).
struct TextRelation {
  std::string id;  // "R1"; may be empty
  std::string from;  // a span id
  std::string to;    // a span id
  std::string label;
  bool operator==(const TextRelation&) const = default;
};

// Checks spans and relations against `text`: valid UTF-8; 0 ≤ start < end ≤ length in code
// points; non-empty labels; span ids and non-empty relation ids unique; every relation's `from`
// and `to` name a span id. kInvalidArgument naming the first offender: "spans[1]: start 5 is not
// before end 5", "spans[0]: end 12 is beyond the end of the text (10 code points)",
// "relations[0]: to "E9" names no entity (ModelArts.4414 Triplet label's from_entity or
// to_entity does not exist)", "text: invalid UTF-8 at byte 3 (0xff)".
Status ValidateAnnotations(std::string_view text, const std::vector<TextSpan>& spans,
                           const std::vector<TextRelation>& relations);

// ------------------------------------------------------------------------------------------------
// doccano JSONL (§10): one JSON object per line, in one of three shapes
//   sequence labeling   {"text":"..","label":[[0,5,"ORG"],...]}
//   classification      {"text":"..","label":["pos","neg"]}
//   relations           {"text":"..","entities":[{"id":1,"start_offset":0,"end_offset":5,
//                        "label":"ORG"}],"relations":[{"id":3,"from_id":1,"to_id":2,
//                        "type":"works_for"}]}
// Offsets are code points, end exclusive.

struct DoccanoRecord {
  std::string text;
  std::vector<TextSpan> spans;          // `label` triples (no ids) or `entities`
  std::vector<TextRelation> relations;  // `relations`
  std::vector<std::string> categories;  // `label` strings
  bool entities_form = false;  // spans came as `entities` (written back so; relations force it)
  bool integer_ids = false;    // entity and relation ids were JSON integers (doccano's own)
  Json extra = Json::object();  // every other key of the line ("id", "meta", "Comments"), verbatim
  bool operator==(const DoccanoRecord&) const = default;
};

struct DoccanoParse {
  std::vector<DoccanoRecord> records;  // the good lines, in file order
  std::vector<RejectedLine> rejected;  // "<source>:<line>: <field>: <problem>", in file order
};

// One line (without its '\n'; a trailing '\r' is ignored). kInvalidArgument
// "<source>:<line>: <field>: <problem>": not a JSON object, `text` missing or not a string,
// `label` mixing triples and strings, a malformed triple, an entity or relation without its
// keys, ids mixing integers and strings, `label` triples together with `entities`, nesting
// deeper than 100 levels, and ValidateAnnotations' problems under doccano's field names
// ("entities[1]: end_offset 9 is beyond the end of the text (2 code points)",
// "relations[0]: from_id "1" names no entity (ModelArts.4414 ...)").
Result<DoccanoRecord> ParseDoccanoLine(std::string_view line, std::string_view source_name,
                                       int64_t line_number);

// Lenient: blank lines skipped, CRLF, no final newline, a UTF-8 BOM; bad lines are rejected one by
// one. Unknown keys inside entity and relation objects are not kept.
DoccanoParse ParseDoccano(std::string_view text, std::string_view source_name);

// `{"text":..,` then `"label":[..]` (triples, or strings) — or, when entities_form or relations
// exist, `"entities":[..],"relations":[..]` (plus `"label"` for categories) — then the unknown
// keys sorted; `label` is left out when there is nothing to put in it. Ids are written as JSON
// integers when integer_ids and the id is a decimal integer. ParseDoccano(WriteDoccano(r)) == r
// for every `r` that ParseDoccano returned.
std::string WriteDoccanoLine(const DoccanoRecord& record);
std::string WriteDoccano(const std::vector<DoccanoRecord>& records);  // each line ends in '\n'

// ------------------------------------------------------------------------------------------------
// CoNLL-2003 (§10): one token per line, `token tag`, BIO tags (B-PER, I-PER, O), a blank line
// between samples.
//
// Tokens (the writer): the text is split at whitespace (Unicode White_Space, and U+FEFF); each
// CJK character (ideographs, kana, CJK punctuation and symbols, fullwidth forms) is a token of its
// own; punctuation at either edge of a remaining run is one token per character ("(U.S.)" gives
// "(", "U.S", ".", ")"; "don't" stays whole); a span boundary inside a token splits it.
// Text (the reader): tokens joined by one space, except that two CJK characters are joined with
// none. The text is in normal form when joining its tokens gives it back ("Hello , world !",
// "华为总部位于深圳。", "I love 🍕 !"); for such text Read(Write(spans)) gives the same spans, in
// text order and without ids.

struct ConllSample {
  std::string text;
  std::vector<TextSpan> spans;  // ids are not written; read spans have none
  bool operator==(const ConllSample&) const = default;
};

struct ConllToken {
  std::string text;
  std::string tag;    // "O", "B-<label>", "I-<label>"
  int64_t start = 0;  // code points in the sample's text
  int64_t end = 0;
  bool operator==(const ConllToken&) const = default;
};

// The writer's tokens and tags for one sample. kInvalidArgument: ValidateAnnotations' problems,
// "spans[1] and spans[2] overlap; CoNLL cannot hold overlapping entities", "spans[0]: label
// "big city" holds whitespace, which CoNLL cannot hold", "spans[3] covers no token (only
// whitespace)".
Result<std::vector<ConllToken>> TokenizeForConll(std::string_view text,
                                                 const std::vector<TextSpan>& spans);

// The text the reader rebuilds from the writer's tokens (the normal form of `text`), with the
// spans moved onto it (spans that start or end on whitespace are trimmed to their tokens).
// Errors as TokenizeForConll.
Result<ConllSample> ConllNormalForm(std::string_view text, const std::vector<TextSpan>& spans);

// Every sample's tokens, one `token tag` line each, and a blank line after each sample.
// Errors are TokenizeForConll's prefixed "sample <i>: " (0-based); a sample without tokens (empty
// or whitespace text) is an error too.
Result<std::string> WriteConll(const std::vector<ConllSample>& samples);

struct ConllParse {
  std::vector<ConllSample> samples;
  std::vector<RejectedLine> rejected;  // a bad line rejects its sample: "<source>:<line>: ..."
};

// Lines hold `token tag` or more columns (the original CoNLL-2003 `EU NNP B-NP B-ORG`): the token
// is the first, the tag the last. Blank lines separate samples; `-DOCSTART-` lines are skipped;
// CRLF and a BOM are accepted. An I- tag after O or another label starts an entity (IOB1, as the
// original CoNLL-2003 files are written). Rejected: a line with one column, a tag that is not O,
// B-<label> or I-<label>, a token that is not UTF-8 or is only whitespace.
ConllParse ParseConll(std::string_view text, std::string_view source_name);

// ------------------------------------------------------------------------------------------------
// Text classification directories (§3.2)

// The separators of "text classification combine 1.0" (and the label separator of
// "text classification 1.0"): each exactly one character, an ASCII letter or digit, Tab, or one
// of !@#$%^&*_=|?/':.;, — and the two must differ.
struct TextSeparators {
  std::string sample = "\t";
  std::string label = ",";
};

// kInvalidArgument "label separator " " is not allowed: use one character, a letter, a digit,
// Tab or one of !@#$%^&*_=|?/':.;,", "the sample and label separators are both ",""
Status ValidateSeparators(const TextSeparators& separators);

struct LabeledText {
  std::string text;                 // byte-exact, one line
  std::vector<std::string> labels;  // byte-exact (" positive" keeps its space); empty = unlabeled
  bool operator==(const LabeledText&) const = default;
};

struct TextClassParse {
  std::vector<LabeledText> samples;
  std::vector<RejectedLine> rejected;  // "<source>:<line>: <problem>"
};

// "combine 1.0": `text<sample sep>label1<label sep>label2` per line. The text ends at the LAST
// sample separator, so a text may hold the separator and a label may not; a line without one, or
// with nothing after it, is an unlabeled text. Blank lines are skipped; CRLF (every CR at a line's
// end goes), no final newline and a BOM are accepted. Rejected lines: "c.txt:8: invalid UTF-8 at
// byte 0 (0xff); decode GBK first (DecodeText)", "text is blank", "label 2 is empty".
// kInvalidArgument for bad separators only.
Result<TextClassParse> ParseTextCombine(std::string_view text, std::string_view source_name,
                                        const TextSeparators& separators = {});

// One line per sample (the sample separator only when there are labels, or when the text holds it
// or ends with a CR). A first text starting with U+FEFF gets a BOM in front, which readers drop.
// kInvalidArgument "sample 3: ..." for a blank text or one with a line break, an empty label or
// one holding a separator or line break, a last label ending with a CR.
// ParseTextCombine(WriteTextCombine(s)) == s.
Result<std::string> WriteTextCombine(const std::vector<LabeledText>& samples,
                                     const TextSeparators& separators = {});

// "text classification 1.0": line i of `results` (a_result.txt) holds the labels of line i of
// `texts` (a.txt), separated by `label_separator`; a blank result line leaves the text unlabeled.
// Lines without a partner are rejected one by one ("a.txt:7: no line 7 in a_result.txt (it has
// 6 lines)", "a_result.txt:9: no line 9 in a.txt (it has 8 lines)"), as are labels for a blank
// text and the problems of ParseTextCombine. kInvalidArgument for a bad separator only.
Result<TextClassParse> ParseTextWithResult(std::string_view texts, std::string_view texts_name,
                                           std::string_view results,
                                           std::string_view results_name,
                                           std::string_view label_separator = ",");

struct TextResultFiles {
  std::string texts;    // a.txt
  std::string results;  // a_result.txt
  bool operator==(const TextResultFiles&) const = default;
};

// Both files, one line per sample. Errors as WriteTextCombine, and a text ending with a CR or
// labels that are only whitespace (they would read as none).
// ParseTextWithResult(WriteTextWithResult(s)) == s.
Result<TextResultFiles> WriteTextWithResult(const std::vector<LabeledText>& samples,
                                            std::string_view label_separator = ",");

// ------------------------------------------------------------------------------------------------
// Encodings (§3.2: text files are UTF-8 or GBK)

enum class TextEncoding { kUtf8, kGbk };

struct DecodedText {
  std::string utf8;
  TextEncoding encoding = TextEncoding::kUtf8;
};

// Valid UTF-8 is returned unchanged; anything else is converted from GBK (glibc iconv).
// kInvalidArgument "<source>: neither UTF-8 (invalid UTF-8 at byte 3 (0xff)) nor GBK (invalid
// sequence at byte 3)"; kInternal when iconv has no GBK converter on this system.
Result<DecodedText> DecodeText(std::string_view bytes, std::string_view source_name);

}  // namespace openarts::formats
