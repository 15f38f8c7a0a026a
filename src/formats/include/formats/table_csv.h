// CSV files (spec/data.md §5, §10): RFC 4180 records, the column schema of table datasets and
// their typed cells, the import rules (column counts, ragged rows, invalid values → null), the
// writer with formula hardening, and `path,label` classification lists.
//
//   CsvTableReader reader("data/part-0.csv", schema);     // streaming: bounded memory
//   while (ReadChunk(&chunk)) {                           // the caller does the I/O
//     OA_TRY(reader.Feed(chunk));                         // fails only for a wrong header
//     for (TableRow row; reader.Next(row);) Store(row);   // ragged rows are skipped
//   }
//   OA_TRY(reader.Finish());
//   for (TableRow row; reader.Next(row);) Store(row);
//   Report(reader.report());  // rejected rows "<file>:<line>: 5 columns, the schema has 4", nulls
//
// Pure values and functions: no I/O, no exceptions (nlohmann's are caught inside), thread-safe;
// a reader object belongs to one thread at a time. Errors are kInvalidArgument naming the source
// and line ("t.csv:7: ...") or the schema field. The format is described in docs/formats/csv.md.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/status.h"
#include "formats/manifest.h"  // RejectedLine

namespace openarts::formats {

// ------------------------------------------------------------------------------------------------
// Records (RFC 4180, with what real files do)
//
// Fields are separated by ','. A record ends at LF, CRLF or a lone CR; the last one may lack it.
// A field that starts with '"' is quoted: it may hold ',', '"' (written "") and line breaks, kept
// byte-exact; text after its closing quote is appended as is (`"ab"c` reads `abc`, as Excel and
// Python do). A '"' inside an unquoted field is an ordinary character. Lines with no bytes at all
// are skipped (a one-column record holding an empty string is written `""`). A UTF-8 BOM at the
// start is dropped. Nothing is trimmed.

// One record, as in the file minus the quoting.
struct CsvRecord {
  int64_t line = 0;  // 1-based line on which the record begins (line breaks inside quotes count)
  std::vector<std::string> fields;
  bool operator==(const CsvRecord&) const = default;
};

struct CsvReaderOptions {
  // A longer record is an error: it is usually an unclosed quote swallowing the rest of the file
  // (§5), and the limit is what keeps the reader's memory bounded.
  size_t max_record_bytes = size_t{16} << 20;
};

// Incremental reader: feed chunks of any size (boundaries may fall anywhere, inside a quote, a
// CRLF or the BOM), take complete records with Next. Memory is the records of the chunks fed but
// not yet taken plus the record in progress, so a 1 GB file read in 1 MiB chunks, draining after
// each Feed, needs a few MiB.
class CsvReader {
 public:
  explicit CsvReader(std::string_view source_name, CsvReaderOptions options = {});

  // kInvalidArgument "<source>:<line>: record longer than N bytes (an unclosed quote?)". Errors are
  // sticky: every later call returns the same one.
  Status Feed(std::string_view chunk);
  // Ends the input; the last record may lack its line break. kInvalidArgument
  // "<source>:<line>: unclosed quote: the quoted field that begins on this line never ends".
  Status Finish();
  // Moves the next complete record into `record`; false when none is ready.
  bool Next(CsvRecord& record);

 private:
  enum class State { kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted };
  void Process(std::string_view bytes);
  void EndField();
  void EndRecord();

  std::string source_;
  CsvReaderOptions options_;
  Status status_;
  std::string bom_head_;  // the first bytes while they may still be a BOM
  bool bom_done_ = false;
  bool finished_ = false;
  State state_ = State::kFieldStart;
  bool pending_cr_ = false;      // the last byte was a CR (a following LF belongs to it)
  bool record_started_ = false;  // a byte of the current record has been seen
  int64_t line_ = 1;
  int64_t record_line_ = 1;
  int64_t quote_line_ = 1;  // where the open quoted field began
  size_t record_bytes_ = 0;
  std::string field_;
  std::vector<std::string> fields_;
  std::deque<CsvRecord> ready_;
};

// The whole text at once (CsvReader fed once).
Result<std::vector<CsvRecord>> ParseCsv(std::string_view text, std::string_view source_name,
                                        const CsvReaderOptions& options = {});

// One record and its "\n". A field is quoted when it holds ',', '"', CR or LF, starts with a
// UTF-8 BOM, or is the only field and empty. With `harden_formulas`, a field starting with '=',
// '+', '-' or '@' is written quoted with a Tab in front ("\t=1+2", spec §5), so spreadsheets show
// it as text; reading gives it back with the Tab.
std::string WriteCsvRecord(const std::vector<std::string>& fields, bool harden_formulas = false);

// ------------------------------------------------------------------------------------------------
// Schema and typed cells

// The column types of §5, named exactly as the spec and the API write them.
enum class ColumnType {
  kString, kShort, kInt, kLong, kDouble, kFloat, kByte, kDate, kTimestamp, kBoolean
};

// "String", "Short", "Int", "Long", "Double", "Float", "Byte", "Date", "Timestamp", "Boolean".
std::string_view ColumnTypeName(ColumnType type);

struct Column {
  std::string name;  // non-empty, unique within a schema
  ColumnType type = ColumnType::kString;
  bool operator==(const Column&) const = default;
};
using Schema = std::vector<Column>;

// `[{"name":"age","type":"Int"},...]`. Type names are matched exactly; other keys of a column
// object (`description`, `schema_id`) are ignored. kInvalidArgument "schema[2].type: ..." for
// anything else: not an array, no columns, a missing or empty name, a repeated name, an unknown
// type (the message lists the valid ones).
Result<Schema> ParseSchema(std::string_view json);
// The same JSON, compact, keys `name` then `type`. ParseSchema(SchemaToJson(s)) == s.
std::string SchemaToJson(const Schema& schema);

// A Date: yyyy-MM-dd, a real day of the proleptic Gregorian calendar, year 0000–9999.
struct CsvDate {
  int32_t year = 0;
  int32_t month = 1;
  int32_t day = 1;
  auto operator<=>(const CsvDate&) const = default;
};
// A Timestamp: yyyy-MM-dd HH:mm:ss, hour 00–23, minute and second 00–59, no zone, no fraction.
struct CsvTimestamp {
  CsvDate date;
  int32_t hour = 0;
  int32_t minute = 0;
  int32_t second = 0;
  auto operator<=>(const CsvTimestamp&) const = default;
};

// A typed value; std::monostate is null. Byte, Short, Int and Long hold int64_t; Double and Float
// hold double (a Float's value is the nearest float, widened); Boolean holds bool.
using CellValue =
    std::variant<std::monostate, std::string, int64_t, double, bool, CsvDate, CsvTimestamp>;

// A cell as read: the text of the file and its value for the column type.
struct Cell {
  std::string text;
  CellValue value;
  bool is_null() const { return std::holds_alternative<std::monostate>(value); }
  bool operator==(const Cell&) const = default;
};

// The value of `text` in a column of `type`; null when the text is empty (for String too: an
// empty string and null are the same in a table) or does not parse or is out of range:
//   Byte -128..127, Short -32768..32767, Int 32-bit, Long 64-bit: decimal digits, one optional
//     leading '+' or '-', leading zeros allowed, nothing else (no spaces, no "1.0", no "1e3");
//   Double, Float: decimal or exponent notation ("-1.5", ".5", "1e-3", optional '+'), within the
//     type's range (no NaN or Infinity; 1e999 as Double and 1e39 as Float overflow, 1e-400 as
//     Double and 1e-50 as Float underflow: all null; subnormal values are kept);
//   Boolean: TRUE or FALSE in any case; Date and Timestamp: exactly the formats above.
CellValue ConvertCell(std::string_view text, ColumnType type);

// The canonical text of a value: what the writer emits and ConvertCell reads back as the same
// value. Integers in decimal, floating values in shortest round-trip form (a Float as a float:
// 0.1f is "0.1"), TRUE/FALSE, zero-padded dates; null is "".
std::string FormatCell(const CellValue& value, ColumnType type);

// Detects a schema from a sample: `records[0]` is the header when `with_column_header` (names
// from it), else the columns are named column_1, column_2, …; the column count is that of the
// first record, and sample records with another count are ignored. A column's type is the first
// of Boolean, Byte, Short, Int, Long, Double, Date, Timestamp that every non-empty sample value
// converts to, else String (also when every value is empty). Float is never detected: a decimal
// kept as a float loses digits, so Double is the narrowest safe type.
// kInvalidArgument "<source>: no rows to detect a schema from"; "<source>:<line>: header column 3
// is empty" (or "is not valid UTF-8"); "<source>:<line>: header columns 2 and 5 are both named
// "x"".
Result<Schema> DetectSchema(const std::vector<CsvRecord>& records, std::string_view source_name,
                            bool with_column_header);

// ------------------------------------------------------------------------------------------------
// Table import (§5 design note) and export

struct TableReadOptions {
  // The first record is a header (checked for its column count, then skipped); else it is data.
  bool with_column_header = true;
  // At most this many rejected rows keep their reason; all are counted.
  size_t max_rejected_reported = 1000;
  CsvReaderOptions csv;
};

// An accepted row: one cell per schema column.
struct TableRow {
  int64_t line = 0;
  std::vector<Cell> cells;
  bool operator==(const TableRow&) const = default;
};

struct TableReport {
  int64_t rows_accepted = 0;
  int64_t rows_rejected = 0;
  // "<source>:<line>: 5 columns, the schema has 4", the first max_rejected_reported, file order.
  std::vector<RejectedLine> rejected;
  // Non-empty cells that became null (unparsable or out of range), in total and per column.
  int64_t cells_nulled = 0;
  std::vector<int64_t> cells_nulled_per_column;
  bool operator==(const TableReport&) const = default;
};

// Reads one CSV file of a table dataset against its schema. Columns are matched by position: a
// header's names are not compared with the schema (§5 checks only the count).
class CsvTableReader {
 public:
  // REQUIRES: `schema` is not empty (ParseSchema and DetectSchema never return an empty one).
  CsvTableReader(std::string_view source_name, Schema schema, TableReadOptions options = {});

  // CsvReader's errors, and the file is rejected as a whole (kInvalidArgument) when its first
  // record has another column count: "<source>:1: the header has 5 columns, the schema has 4"
  // ("the first row has …" without a header). Errors are sticky.
  Status Feed(std::string_view chunk);
  // As Feed; also "<source>: no header row (the file is empty), expected 4 columns" when a header
  // is expected and the file has no record. Without a header an empty file is zero rows.
  Status Finish();
  // Moves the next accepted row into `row`; false when none is ready (or after an error).
  // Ragged rows are skipped here and recorded in report().
  bool Next(TableRow& row);
  // Counts up to the rows taken so far.
  const TableReport& report() const { return report_; }

 private:
  Status CheckFirst();

  std::string source_;
  Schema schema_;
  TableReadOptions options_;
  CsvReader csv_;
  Status status_;
  bool first_seen_ = false;
  std::optional<CsvRecord> first_row_;  // a first record that is data, not yet taken
  TableReport report_;
};

struct TableImport {
  std::vector<TableRow> rows;
  TableReport report;
};

// A whole file at once, with CsvTableReader's rules and errors.
Result<TableImport> ReadCsvTable(std::string_view text, std::string_view source_name,
                                 const Schema& schema, const TableReadOptions& options = {});

struct CsvWriteOptions {
  bool with_column_header = true;  // the export flag of §9/§10, default true
  bool harden_formulas = true;     // §5 export hardening of text cells
};

// The column names as a record (hardened like String cells when asked: a name is text too).
std::string WriteCsvHeader(const Schema& schema, bool harden_formulas = false);

// One row from its cells' values (`text` is not consulted): FormatCell per column, null as an
// empty field. Hardening applies to String cells only: a number such as -5 is written as is,
// since the canonical text of a typed value is never a formula. kInvalidArgument
// "3 cells, the schema has 4", "column "age" (Int): holds a string", "column "n" (Short):
// 40000 is out of range", "column "x" (Double): NaN or Infinity", "column "d" (Date):
// 2023-02-30 is not a day".
Result<std::string> WriteCsvRow(const Schema& schema, const std::vector<Cell>& cells,
                                bool harden_formulas = true);

// Header (when asked, hardened with the cells) plus every row; errors are WriteCsvRow's prefixed
// "row <i>: " (0-based).
// ReadCsvTable(WriteCsvTable(rows)) gives back the same values for every row ReadCsvTable
// returned, except String cells that hardening changed: they read back with the Tab in front
// (a leading Tab may be real data, so the reader never strips it).
Result<std::string> WriteCsvTable(const Schema& schema, const std::vector<TableRow>& rows,
                                  const CsvWriteOptions& options = {});

// ------------------------------------------------------------------------------------------------
// Classification lists (§10 export "classification as path,label")
//
// One row per (sample, label): a multi-label sample takes several rows, in label order, so a label
// may hold any character (no second separator to escape). An unlabeled sample is one row with an
// empty label. Reading groups rows by path in order of first appearance.

struct LabeledPath {
  std::string path;                 // non-empty, byte-exact
  std::vector<std::string> labels;  // in file order, without repeats; empty = unlabeled
  bool operator==(const LabeledPath&) const = default;
};

struct ClassificationCsv {
  std::vector<LabeledPath> samples;
  std::vector<RejectedLine> rejected;  // "<source>:<line>: 3 columns, expected 2 (path,label)",
                                       // "<source>:<line>: path is empty"
};

// With a header, the first record must have 2 columns (its names are not checked). Record-level
// errors (CsvReader's, a wrong header) fail the whole file; bad rows are rejected one by one.
Result<ClassificationCsv> ReadClassificationCsv(std::string_view text,
                                                std::string_view source_name,
                                                bool with_column_header = true);

// Header `path,label` when asked, then the rows. Hardening (default on) applies to paths and
// labels, so a label "-1" is written "\t-1" and reads back with the Tab: turn it off for files
// meant for training scripts rather than spreadsheets. Without hardening,
// ReadClassificationCsv(WriteClassificationCsv(s)) == s for every `s` it returned.
std::string WriteClassificationCsv(const std::vector<LabeledPath>& samples,
                                   const CsvWriteOptions& options = {});

}  // namespace openarts::formats
