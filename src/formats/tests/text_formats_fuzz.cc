// Text datasets come from users and other tools (doccano, CoNLL files, text directories, offsets
// sent by browsers). Nothing may crash, throw or hang; every rejection names the file. The first
// input byte selects what the rest is:
//   0 doccano JSONL: read → write → read is the identity, writing is idempotent, every record's
//     spans validate, and spans that CoNLL can hold come back as ConllNormalForm says;
//   1 CoNLL: whatever reads can be written; one write–read pass reaches the normal form
//     (ConllNormalForm of what was read), after which write → read is the identity;
//   2 combine 1.0 (two more bytes are the separators), 3 text + _result (the texts and results
//     split at the first NUL): read → write → read is the identity;
//   4 offsets and encodings: conversions between the three units agree both ways, every offset
//     that is not a boundary is refused, and DecodeText returns UTF-8.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "formats/text_formats.h"

using namespace openarts;
using namespace openarts::formats;

namespace {

void CheckRejects(const std::vector<RejectedLine>& rejected, std::string_view source) {
  for (const auto& r : rejected)
    if (r.reason.rfind(source, 0) != 0) std::abort();
}

// What CoNLL keeps of spans: no ids, and text order.
std::vector<TextSpan> AsConllKeepsThem(std::vector<TextSpan> spans) {
  for (auto& s : spans) s.id.reset();
  std::sort(spans.begin(), spans.end(),
            [](const TextSpan& a, const TextSpan& b) { return a.start < b.start; });
  return spans;
}

void Doccano(std::string_view in) {
  DoccanoParse p = ParseDoccano(in, "fuzz.jsonl");
  CheckRejects(p.rejected, "fuzz.jsonl:");
  std::string text = WriteDoccano(p.records);
  DoccanoParse again = ParseDoccano(text, "rewritten.jsonl");
  if (!again.rejected.empty() || again.records != p.records) std::abort();
  if (WriteDoccano(again.records) != text) std::abort();
  for (const DoccanoRecord& r : p.records) {
    if (!ValidateAnnotations(r.text, r.spans, r.relations).ok()) std::abort();
    auto conll = WriteConll({{r.text, r.spans}});
    if (!conll.ok()) continue;  // overlapping spans, labels with spaces, an empty text
    ConllParse back = ParseConll(*conll, "w.conll");
    auto normal = ConllNormalForm(r.text, r.spans);
    if (!normal.ok() || !back.rejected.empty() || back.samples.size() != 1) std::abort();
    if (back.samples[0].text != normal->text) std::abort();
    if (back.samples[0].spans != AsConllKeepsThem(normal->spans)) std::abort();
  }
}

void Conll(std::string_view in) {
  ConllParse r0 = ParseConll(in, "fuzz.conll");
  CheckRejects(r0.rejected, "fuzz.conll:");
  auto w1 = WriteConll(r0.samples);
  if (!w1.ok()) std::abort();  // what the reader returns, the writer can write
  ConllParse r1 = ParseConll(*w1, "w1.conll");
  if (!r1.rejected.empty() || r1.samples.size() != r0.samples.size()) std::abort();
  for (size_t i = 0; i < r0.samples.size(); ++i) {
    auto normal = ConllNormalForm(r0.samples[i].text, r0.samples[i].spans);
    if (!normal.ok() || !(*normal == r1.samples[i])) std::abort();
  }
  auto w2 = WriteConll(r1.samples);
  if (!w2.ok() || *w2 != *w1) std::abort();
  ConllParse r2 = ParseConll(*w2, "w2.conll");
  if (!r2.rejected.empty() || r2.samples != r1.samples) std::abort();
}

void Combine(std::string_view in) {
  if (in.size() < 2) return;
  TextSeparators seps{std::string(1, in[0]), std::string(1, in[1])};
  in.remove_prefix(2);
  auto p = ParseTextCombine(in, "fuzz.txt", seps);
  if (!ValidateSeparators(seps).ok()) {
    if (p.ok()) std::abort();
    return;
  }
  if (!p.ok()) std::abort();
  CheckRejects(p->rejected, "fuzz.txt:");
  auto written = WriteTextCombine(p->samples, seps);
  if (!written.ok()) std::abort();
  auto back = ParseTextCombine(*written, "w.txt", seps);
  if (!back.ok() || !back->rejected.empty() || back->samples != p->samples) std::abort();
}

void WithResult(std::string_view in) {
  if (in.empty()) return;
  std::string sep(1, in[0]);
  in.remove_prefix(1);
  size_t nul = in.find('\0');
  std::string_view texts = in.substr(0, nul);
  std::string_view results = nul == std::string_view::npos ? "" : in.substr(nul + 1);
  auto p = ParseTextWithResult(texts, "a.txt", results, "a_result.txt", sep);
  if (!p.ok()) return;  // a bad separator
  for (const auto& r : p->rejected)
    if (r.reason.rfind("a.txt:", 0) != 0 && r.reason.rfind("a_result.txt:", 0) != 0) std::abort();
  auto written = WriteTextWithResult(p->samples, sep);
  if (!written.ok()) std::abort();
  auto back = ParseTextWithResult(written->texts, "a.txt", written->results, "a_result.txt", sep);
  if (!back.ok() || !back->rejected.empty() || back->samples != p->samples) std::abort();
}

void Offsets(std::string_view in) {
  auto decoded = DecodeText(in, "fuzz.txt");
  if (decoded.ok()) {
    if (!ValidateUtf8(decoded->utf8).ok()) std::abort();
    if (decoded->encoding == TextEncoding::kUtf8 && decoded->utf8 != in) std::abort();
  } else if (decoded.status().message().rfind("fuzz.txt: ", 0) != 0) {
    std::abort();
  }
  auto index = TextOffsets::Index(in);
  if (!index.ok()) {
    if (ValidateUtf8(in).ok() || index.status().message() != ValidateUtf8(in).message())
      std::abort();
    return;
  }
  constexpr OffsetUnit kUnits[] = {OffsetUnit::kCodePoint, OffsetUnit::kUtf16,
                                   OffsetUnit::kUtf8Byte};
  const int64_t n = index->length(OffsetUnit::kCodePoint);
  if (index->length(OffsetUnit::kUtf8Byte) != static_cast<int64_t>(in.size())) std::abort();
  for (int64_t k = 0; k <= n; ++k) {
    for (OffsetUnit to : kUnits) {
      auto v = index->Convert(k, OffsetUnit::kCodePoint, to);
      if (!v.ok()) std::abort();
      auto back = index->Convert(*v, to, OffsetUnit::kCodePoint);
      if (!back.ok() || *back != k) std::abort();
    }
  }
  // Every offset of a unit either is a boundary (and converts back to itself) or is refused.
  for (OffsetUnit from : {OffsetUnit::kUtf16, OffsetUnit::kUtf8Byte}) {
    int64_t boundaries = 0;
    for (int64_t off = -1; off <= index->length(from) + 1; ++off) {
      auto cp = index->Convert(off, from, OffsetUnit::kCodePoint);
      if (!cp.ok()) continue;
      ++boundaries;
      if (*index->Convert(*cp, OffsetUnit::kCodePoint, from) != off) std::abort();
    }
    if (boundaries != n + 1) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 5) {
    case 0: Doccano(in); break;
    case 1: Conll(in); break;
    case 2: Combine(in); break;
    case 3: WithResult(in); break;
    case 4: Offsets(in); break;
  }
  return 0;
}
