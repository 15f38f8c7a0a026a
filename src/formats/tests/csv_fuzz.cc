// CSV files come from users (table imports, classification lists). Reading must never crash,
// throw or hang, and every error is kInvalidArgument naming the file. Properties checked:
//   - the streaming reader, fed chunks of random sizes, gives exactly the whole-text result;
//   - records written and read again give the same fields (hardened: formula cells gain a Tab);
//   - a detected schema reads the file, each cell's value is ConvertCell of its text, the
//     canonical text of a value converts back to it, and a written table reads back to the same
//     values except hardened String cells, which come back with their Tab.
// The first input byte drives the chunk sizes and the header flag; the rest is the file.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "formats/table_csv.h"

using namespace openarts;
using namespace openarts::formats;

namespace {

bool Formula(std::string_view s) {
  return !s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@');
}

void CheckError(const Status& s, std::string_view source) {
  if (s.code() != Code::kInvalidArgument || s.message().rfind(source, 0) != 0) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t control = data[0];
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  const CsvReaderOptions options{.max_record_bytes = 4096};  // small enough to be reached

  auto whole = ParseCsv(in, "fuzz.csv", options);

  CsvReader reader("fuzz.csv", options);
  std::vector<CsvRecord> streamed;
  Status status;
  uint32_t seed = control * 2654435761u + 1;
  for (size_t pos = 0; pos < in.size() && status.ok();) {
    seed = seed * 1103515245u + 12345u;
    size_t n = (seed >> 16) % 9;  // 0..8 bytes: empty chunks too
    status = reader.Feed(in.substr(pos, n));
    pos += n;
    for (CsvRecord r; reader.Next(r);) streamed.push_back(std::move(r));
  }
  if (status.ok()) status = reader.Finish();
  for (CsvRecord r; reader.Next(r);) streamed.push_back(std::move(r));

  if (whole.ok() != status.ok()) std::abort();
  if (!whole.ok()) {
    CheckError(whole.status(), "fuzz.csv:");
    if (whole.status().message() != status.message()) std::abort();
    return 0;
  }
  if (*whole != streamed) std::abort();

  // Records: write, read back.
  std::string plain, hardened;
  for (const CsvRecord& r : *whole) {
    if (r.fields.empty()) std::abort();
    plain += WriteCsvRecord(r.fields);
    hardened += WriteCsvRecord(r.fields, true);
  }
  auto again = ParseCsv(plain, "w.csv");
  auto again_hardened = ParseCsv(hardened, "w.csv");
  if (!again.ok() || !again_hardened.ok()) std::abort();
  if (again->size() != whole->size() || again_hardened->size() != whole->size()) std::abort();
  for (size_t i = 0; i < whole->size(); ++i) {
    const auto& fields = (*whole)[i].fields;
    if ((*again)[i].fields != fields) std::abort();
    const auto& h = (*again_hardened)[i].fields;
    if (h.size() != fields.size()) std::abort();
    for (size_t c = 0; c < fields.size(); ++c)
      if (h[c] != (Formula(fields[c]) ? "\t" + fields[c] : fields[c])) std::abort();
  }

  // Typed tables.
  const bool header = control & 1;
  auto schema = DetectSchema(*whole, "fuzz.csv", header);
  if (!schema.ok()) {
    CheckError(schema.status(), "fuzz.csv");
    return 0;
  }
  if (ParseSchema(SchemaToJson(*schema)).value_or({}) != *schema) std::abort();
  TableReadOptions read_options{.with_column_header = header, .csv = options};
  auto table = ReadCsvTable(in, "fuzz.csv", *schema, read_options);
  if (!table.ok()) std::abort();  // the schema was detected from this very file
  const int64_t data_records = static_cast<int64_t>(whole->size()) - (header ? 1 : 0);
  if (table->report.rows_accepted + table->report.rows_rejected != data_records) std::abort();
  if (table->report.rows_accepted != static_cast<int64_t>(table->rows.size())) std::abort();
  for (const TableRow& row : table->rows) {
    for (size_t c = 0; c < row.cells.size(); ++c) {
      const ColumnType type = (*schema)[c].type;
      const Cell& cell = row.cells[c];
      if (cell.value != ConvertCell(cell.text, type)) std::abort();
      if (ConvertCell(FormatCell(cell.value, type), type) != cell.value) std::abort();
    }
  }
  auto written = WriteCsvTable(*schema, table->rows, {.with_column_header = header});
  if (!written.ok()) std::abort();
  auto back = ReadCsvTable(*written, "w.csv", *schema, {.with_column_header = header});
  if (!back.ok() || back->rows.size() != table->rows.size() || back->report.rows_rejected != 0)
    std::abort();
  for (size_t r = 0; r < table->rows.size(); ++r) {
    for (size_t c = 0; c < schema->size(); ++c) {
      const CellValue& before = table->rows[r].cells[c].value;
      const CellValue& after = back->rows[r].cells[c].value;
      const std::string* text = std::get_if<std::string>(&before);
      if (text && Formula(*text)) {
        if (after != CellValue("\t" + *text)) std::abort();
      } else if (after != before) {
        std::abort();
      }
    }
  }
  return 0;
}
