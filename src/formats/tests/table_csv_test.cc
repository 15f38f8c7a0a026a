// CSV tables (spec/data.md §5, §10): RFC 4180 records and what real files add (CRLF, a BOM, no
// final newline, text after a closing quote), the streaming reader against the whole-text one at
// every chunk boundary, typed cells at the edges of their ranges, schema parsing and detection,
// the import rules (wrong header, ragged rows, nulls), the writer with formula hardening, the
// `path,label` lists, and golden files (tests/golden/csv/*.csv [+ *.schema.json] → *.golden:
// schema, typed rows, rejected rows, the rewrite). OPENARTS_UPDATE_GOLDEN=1 rewrites the goldens.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "base/fs.h"
#include "base/json.h"
#include "formats/table_csv.h"

namespace openarts::formats {
namespace {

namespace fs = std::filesystem;

const fs::path kCsvGolden = fs::path(OPENARTS_SOURCE_DIR) / "src/formats/tests/golden/csv";

std::string ReadText(const fs::path& p) {
  auto text = ReadFile(p);
  EXPECT_TRUE(text.ok()) << p << ": " << text.status().ToString();
  return text.ok() ? *text : "";
}

std::vector<CsvRecord> Records(std::string_view text) {
  auto r = ParseCsv(text, "t.csv");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<CsvRecord>{};
}

std::string CsvError(std::string_view text, CsvReaderOptions options = {}) {
  auto r = ParseCsv(text, "t.csv", options);
  EXPECT_FALSE(r.ok()) << text;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  return r.status().message();
}

using Fields = std::vector<std::string>;

Schema MustSchema(std::string_view json) {
  auto s = ParseSchema(json);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *s : Schema{{"x", ColumnType::kString}};
}

std::string SchemaError(std::string_view json) {
  auto s = ParseSchema(json);
  EXPECT_FALSE(s.ok()) << json;
  return s.ok() ? "" : s.status().message();
}

TableImport MustRead(std::string_view text, const Schema& schema, TableReadOptions options = {}) {
  auto r = ReadCsvTable(text, "t.csv", schema, options);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : TableImport{};
}

std::vector<CellValue> Values(const TableRow& row) {
  std::vector<CellValue> v;
  for (const Cell& c : row.cells) v.push_back(c.value);
  return v;
}

// ------------------------------------------------------------------------------------------------
// Records

TEST(CsvRecords, QuotingPerRfc4180) {
  auto r = Records("a,\"b,c\",\"say \"\"hi\"\"\"\n\"multi\nline\",,\"\"\n");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].fields, (Fields{"a", "b,c", "say \"hi\""}));
  EXPECT_EQ(r[0].line, 1);
  EXPECT_EQ(r[1].fields, (Fields{"multi\nline", "", ""}));
  EXPECT_EQ(r[1].line, 2);
}

TEST(CsvRecords, CrlfBomNoFinalNewlineAndLineNumbers) {
  auto r = Records("\xEF\xBB\xBFh1,h2\r\n\"x\r\ny\",2\r\n\r\nlast,3");
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].fields, (Fields{"h1", "h2"}));  // BOM dropped
  EXPECT_EQ(r[1].fields, (Fields{"x\r\ny", "2"}));  // CRLF inside quotes kept byte-exact
  EXPECT_EQ(r[1].line, 2);
  EXPECT_EQ(r[2].fields, (Fields{"last", "3"}));
  EXPECT_EQ(r[2].line, 5);  // the quoted line break and the blank line count
}

TEST(CsvRecords, LoneCrEndsARecordBlankLinesAreSkipped) {
  auto r = Records("a\rb\n\n\nc\r\r\nd");
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].fields, Fields{"a"});
  EXPECT_EQ(r[1].fields, Fields{"b"});
  EXPECT_EQ(r[2].fields, Fields{"c"});
  EXPECT_EQ(r[2].line, 5);
  EXPECT_EQ(r[3].fields, Fields{"d"});
  EXPECT_EQ(r[3].line, 7);  // "\r\r\n" is two line breaks
  EXPECT_TRUE(Records("").empty());
  EXPECT_TRUE(Records("\xEF\xBB\xBF").empty());
  EXPECT_TRUE(Records("\n\r\n").empty());
}

TEST(CsvRecords, WhatRealFilesDo) {
  // Text after a closing quote is kept; a quote inside an unquoted field is a character; spaces
  // are never trimmed; a space before a quote makes the field unquoted.
  auto r = Records("\"ab\"c,d\"e\"f, \"g,h\" \n");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].fields, (Fields{"abc", "d\"e\"f", " \"g", "h\" "}));
  // A lone BOM-like prefix that is not a BOM stays.
  EXPECT_EQ(Records("\xEF\xBB,x")[0].fields, (Fields{"\xEF\xBB", "x"}));
  EXPECT_EQ(Records("a,")[0].fields, (Fields{"a", ""}));
}

TEST(CsvRecords, UnclosedQuoteNamesTheLineWhereTheFieldBegan) {
  EXPECT_EQ(CsvError("a,b\nc,\"d\ne\nf\n"),
            "t.csv:2: unclosed quote: the quoted field that begins on this line never ends");
  EXPECT_EQ(CsvError("\""), "t.csv:1: unclosed quote: the quoted field that begins on this line never ends");
  EXPECT_EQ(CsvError("x\n\"abc,def\n", {.max_record_bytes = 5}),
            "t.csv:2: record longer than 5 bytes (an unclosed quote?)");
  // A record of exactly the limit is fine (its line break does not count).
  EXPECT_EQ(ParseCsv("abcde\n", "t.csv", {.max_record_bytes = 5})->at(0).fields, Fields{"abcde"});
}

std::vector<CsvRecord> Streamed(std::string_view text, const std::vector<size_t>& cuts,
                                Status* status) {
  CsvReader reader("t.csv");
  std::vector<CsvRecord> out;
  size_t pos = 0;
  for (size_t cut : cuts) {
    *status = reader.Feed(text.substr(pos, cut - pos));
    if (!status->ok()) return out;
    for (CsvRecord r; reader.Next(r);) out.push_back(std::move(r));
    pos = cut;
  }
  *status = reader.Feed(text.substr(pos));
  if (status->ok()) *status = reader.Finish();
  for (CsvRecord r; reader.Next(r);) out.push_back(std::move(r));
  return out;
}

TEST(CsvRecords, StreamingEqualsWholeTextAtEveryBoundary) {
  const std::string text =
      "\xEF\xBB\xBFid,\"na,me\"\r\n1,\"a \"\"q\"\"\r\nb\"\r2,x\"y\n\n3,\"\"\"\",\r\n4,end";
  auto whole = Records(text);
  ASSERT_EQ(whole.size(), 5u);
  for (size_t a = 0; a <= text.size(); ++a) {
    for (size_t b = a; b <= text.size(); ++b) {
      Status status;
      auto got = Streamed(text, {a, b}, &status);
      ASSERT_TRUE(status.ok()) << a << "," << b;
      ASSERT_EQ(got, whole) << "chunks cut at " << a << " and " << b;
    }
  }
  std::vector<size_t> every_byte;
  for (size_t i = 1; i < text.size(); ++i) every_byte.push_back(i);
  Status status;
  EXPECT_EQ(Streamed(text, every_byte, &status), whole);
  // The same error, wherever the chunks end.
  Status err;
  Streamed("a\n\"open", {3}, &err);
  EXPECT_EQ(err.message(), "t.csv:2: unclosed quote: the quoted field that begins on this line never ends");
}

TEST(CsvRecords, RecordsAreReadyBeforeTheEnd) {
  CsvReader reader("t.csv");
  ASSERT_TRUE(reader.Feed("a,b\nc,").ok());
  CsvRecord r;
  ASSERT_TRUE(reader.Next(r));
  EXPECT_EQ(r.fields, (Fields{"a", "b"}));
  EXPECT_FALSE(reader.Next(r));  // "c," may go on
  ASSERT_TRUE(reader.Feed("d").ok());
  EXPECT_FALSE(reader.Next(r));
  ASSERT_TRUE(reader.Finish().ok());
  ASSERT_TRUE(reader.Next(r));
  EXPECT_EQ(r.fields, (Fields{"c", "d"}));
  EXPECT_EQ(reader.Feed("x").code(), Code::kFailedPrecondition);
}

TEST(CsvWriter, QuotesOnlyWhereNeeded) {
  EXPECT_EQ(WriteCsvRecord({"plain", " spaced ", "a,b", "say \"hi\"", "l1\nl2", "cr\r", ""}),
            "plain, spaced ,\"a,b\",\"say \"\"hi\"\"\",\"l1\nl2\",\"cr\r\",\n");
  EXPECT_EQ(WriteCsvRecord({""}), "\"\"\n");  // not a blank line, which readers skip
  EXPECT_EQ(WriteCsvRecord({"\xEF\xBB\xBFx", "y"}), "\"\xEF\xBB\xBFx\",y\n");  // not a BOM
  EXPECT_EQ(WriteCsvRecord({"=1+2", "-5"}), "=1+2,-5\n");  // no hardening unless asked
}

TEST(CsvWriter, FormulaHardening) {
  EXPECT_EQ(WriteCsvRecord({"=SUM(A1:A9)", "+1", "-1", "@cmd", "a=b", "\"=x\""}, true),
            "\"\t=SUM(A1:A9)\",\"\t+1\",\"\t-1\",\"\t@cmd\",a=b,\"\"\"=x\"\"\"\n");
  EXPECT_EQ(WriteCsvRecord({"=HYPERLINK(\"http://x\")"}, true),
            "\"\t=HYPERLINK(\"\"http://x\"\")\"\n");
  // A hardened cell reads back with its Tab: the reader never strips one.
  EXPECT_EQ(Records(WriteCsvRecord({"=1", "x"}, true))[0].fields, (Fields{"\t=1", "x"}));
}

TEST(CsvWriter, RecordsRoundTrip) {
  std::vector<Fields> rows = {{"a", "", "b,c"},
                              {"\"", "\r\n", "\r"},
                              {""},
                              {" ", "\xEF\xBB\xBF", "\xE5\x8D\x8E"}};
  std::string text;
  for (const auto& r : rows) text += WriteCsvRecord(r);
  auto back = Records(text);
  ASSERT_EQ(back.size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(back[i].fields, rows[i]);
}

// ------------------------------------------------------------------------------------------------
// Typed cells

TEST(CsvCells, IntegerRangesPerSpec) {
  EXPECT_EQ(ConvertCell("127", ColumnType::kByte), CellValue(int64_t{127}));
  EXPECT_EQ(ConvertCell("-128", ColumnType::kByte), CellValue(int64_t{-128}));
  EXPECT_EQ(ConvertCell("128", ColumnType::kByte), CellValue());
  EXPECT_EQ(ConvertCell("-129", ColumnType::kByte), CellValue());
  EXPECT_EQ(ConvertCell("32767", ColumnType::kShort), CellValue(int64_t{32767}));
  EXPECT_EQ(ConvertCell("-32768", ColumnType::kShort), CellValue(int64_t{-32768}));
  EXPECT_EQ(ConvertCell("32768", ColumnType::kShort), CellValue());
  EXPECT_EQ(ConvertCell("2147483647", ColumnType::kInt), CellValue(int64_t{2147483647}));
  EXPECT_EQ(ConvertCell("-2147483648", ColumnType::kInt), CellValue(int64_t{-2147483648LL}));
  EXPECT_EQ(ConvertCell("2147483648", ColumnType::kInt), CellValue());
  EXPECT_EQ(ConvertCell("9223372036854775807", ColumnType::kLong),
            CellValue(int64_t{9223372036854775807LL}));
  EXPECT_EQ(ConvertCell("-9223372036854775808", ColumnType::kLong),
            CellValue(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(ConvertCell("9223372036854775808", ColumnType::kLong), CellValue());
  EXPECT_EQ(ConvertCell("+42", ColumnType::kInt), CellValue(int64_t{42}));
  EXPECT_EQ(ConvertCell("007", ColumnType::kInt), CellValue(int64_t{7}));
  for (const char* bad : {"", " 1", "1 ", "1.0", "1e3", "+-1", "--1", "+", "-", "0x10", "١"})
    EXPECT_EQ(ConvertCell(bad, ColumnType::kLong), CellValue()) << bad;
}

TEST(CsvCells, FloatingPoint) {
  EXPECT_EQ(ConvertCell("-1.5", ColumnType::kDouble), CellValue(-1.5));
  EXPECT_EQ(ConvertCell(".5", ColumnType::kDouble), CellValue(0.5));
  EXPECT_EQ(ConvertCell("1.", ColumnType::kDouble), CellValue(1.0));
  EXPECT_EQ(ConvertCell("+2e3", ColumnType::kDouble), CellValue(2000.0));
  EXPECT_EQ(ConvertCell("1E-3", ColumnType::kDouble), CellValue(0.001));
  EXPECT_EQ(ConvertCell("1.7976931348623157e308", ColumnType::kDouble),
            CellValue(1.7976931348623157e308));
  for (const char* bad : {"1e309", "nan", "NaN", "inf", "Infinity", "-inf", "1e", "e5", ".", "1,5",
                          " 1", "0x1p3", "1.5f"})
    EXPECT_EQ(ConvertCell(bad, ColumnType::kDouble), CellValue()) << bad;
  // A Float holds the nearest float.
  EXPECT_EQ(ConvertCell("0.1", ColumnType::kFloat), CellValue(static_cast<double>(0.1f)));
  EXPECT_EQ(ConvertCell("3.4e38", ColumnType::kFloat), CellValue(static_cast<double>(3.4e38f)));
  EXPECT_EQ(ConvertCell("3.5e38", ColumnType::kFloat), CellValue());
  EXPECT_EQ(ConvertCell("1e39", ColumnType::kFloat), CellValue());
  // Underflow is out of range too; subnormal values are kept.
  EXPECT_EQ(ConvertCell("1e-400", ColumnType::kDouble), CellValue());
  EXPECT_EQ(ConvertCell("4.9e-324", ColumnType::kDouble), CellValue(4.9e-324));
  EXPECT_EQ(ConvertCell("1e-50", ColumnType::kFloat), CellValue());
  EXPECT_EQ(ConvertCell("1e-45", ColumnType::kFloat), CellValue(static_cast<double>(1e-45f)));
}

TEST(CsvCells, BooleanDateTimestampString) {
  EXPECT_EQ(ConvertCell("TRUE", ColumnType::kBoolean), CellValue(true));
  EXPECT_EQ(ConvertCell("false", ColumnType::kBoolean), CellValue(false));
  EXPECT_EQ(ConvertCell("tRuE", ColumnType::kBoolean), CellValue(true));
  for (const char* bad : {"1", "0", "yes", "T", "TRUE "})
    EXPECT_EQ(ConvertCell(bad, ColumnType::kBoolean), CellValue()) << bad;

  EXPECT_EQ(ConvertCell("2014-05-29", ColumnType::kDate), CellValue(CsvDate{2014, 5, 29}));
  EXPECT_EQ(ConvertCell("2024-02-29", ColumnType::kDate), CellValue(CsvDate{2024, 2, 29}));
  EXPECT_EQ(ConvertCell("2000-02-29", ColumnType::kDate), CellValue(CsvDate{2000, 2, 29}));
  for (const char* bad : {"2023-02-29", "1900-02-29", "2014-5-29", "2014-13-01", "2014-00-10",
                          "2014-04-31", "14-05-29", "2014/05/29", "2014-05-29 00:00:00"})
    EXPECT_EQ(ConvertCell(bad, ColumnType::kDate), CellValue()) << bad;

  EXPECT_EQ(ConvertCell("2019-01-23 11:30:30", ColumnType::kTimestamp),
            CellValue(CsvTimestamp{{2019, 1, 23}, 11, 30, 30}));
  EXPECT_EQ(ConvertCell("2019-01-23 23:59:59", ColumnType::kTimestamp),
            CellValue(CsvTimestamp{{2019, 1, 23}, 23, 59, 59}));
  for (const char* bad : {"2019-01-23 24:00:00", "2019-01-23 11:60:00", "2019-01-23 11:30:60",
                          "2019-01-23T11:30:30", "2019-01-23 11:30", "2019-01-23 11:30:30.5",
                          "2019-01-23"})
    EXPECT_EQ(ConvertCell(bad, ColumnType::kTimestamp), CellValue()) << bad;

  EXPECT_EQ(ConvertCell(" x ", ColumnType::kString), CellValue(std::string(" x ")));
  EXPECT_EQ(ConvertCell("", ColumnType::kString), CellValue());  // empty string = null
}

TEST(CsvCells, CanonicalText) {
  EXPECT_EQ(FormatCell(int64_t{-5}, ColumnType::kInt), "-5");
  EXPECT_EQ(FormatCell(0.1, ColumnType::kDouble), "0.1");
  EXPECT_EQ(FormatCell(static_cast<double>(0.1f), ColumnType::kFloat), "0.1");
  EXPECT_EQ(FormatCell(static_cast<double>(0.1f), ColumnType::kDouble), "0.10000000149011612");
  EXPECT_EQ(FormatCell(1e300, ColumnType::kDouble), "1e+300");
  EXPECT_EQ(FormatCell(true, ColumnType::kBoolean), "TRUE");
  EXPECT_EQ(FormatCell(CsvDate{7, 3, 1}, ColumnType::kDate), "0007-03-01");
  EXPECT_EQ(FormatCell(CsvTimestamp{{2019, 1, 2}, 3, 4, 5}, ColumnType::kTimestamp),
            "2019-01-02 03:04:05");
  EXPECT_EQ(FormatCell(CellValue(), ColumnType::kInt), "");
  for (ColumnType t : {ColumnType::kDouble, ColumnType::kFloat}) {
    for (double v : {0.1, -2.5e-7, 123456.789, 3e38}) {
      CellValue read = ConvertCell(FormatCell(ConvertCell(std::to_string(v), t), t), t);
      EXPECT_EQ(read, ConvertCell(std::to_string(v), t)) << v;
    }
  }
}

// ------------------------------------------------------------------------------------------------
// Schema

TEST(CsvSchema, ParseAndWrite) {
  Schema s = MustSchema(
      R"([{"name":"id","type":"Long"},{"name":"名字","type":"String","description":"x"},)"
      R"({"name":"ok","type":"Boolean","schema_id":3}])");
  EXPECT_EQ(s, (Schema{{"id", ColumnType::kLong},
                       {"名字", ColumnType::kString},
                       {"ok", ColumnType::kBoolean}}));
  EXPECT_EQ(SchemaToJson(s),
            R"([{"name":"id","type":"Long"},{"name":"名字","type":"String"},{"name":"ok","type":"Boolean"}])");
  Schema all;
  for (auto t : {ColumnType::kString, ColumnType::kShort, ColumnType::kInt, ColumnType::kLong,
                 ColumnType::kDouble, ColumnType::kFloat, ColumnType::kByte, ColumnType::kDate,
                 ColumnType::kTimestamp, ColumnType::kBoolean})
    all.push_back({"c" + std::string(ColumnTypeName(t)), t});
  EXPECT_EQ(MustSchema(SchemaToJson(all)), all);
}

TEST(CsvSchema, Errors) {
  EXPECT_EQ(SchemaError("{"), "schema: not valid JSON");
  EXPECT_EQ(SchemaError("{}"), "schema: expected an array of {\"name\", \"type\"} objects, got object");
  EXPECT_EQ(SchemaError("[]"), "schema: no columns");
  EXPECT_EQ(SchemaError("[3]"), "schema[0]: expected an object, got number");
  EXPECT_EQ(SchemaError(R"([{"type":"Int"}])"), "schema[0].name: required, a string");
  EXPECT_EQ(SchemaError(R"([{"name":"","type":"Int"}])"), "schema[0].name: empty");
  EXPECT_EQ(SchemaError(R"([{"name":"a","type":"Int"},{"name":"a","type":"Int"}])"),
            "schema[1].name: \"a\" is also the name of schema[0]");
  EXPECT_EQ(SchemaError(R"([{"name":"a"}])"), "schema[0].type: required, a string");
  EXPECT_EQ(SchemaError(R"([{"name":"a","type":"int"}])"),
            "schema[0].type: unknown type \"int\"; expected one of String, Short, Int, Long, "
            "Double, Float, Byte, Date, Timestamp, Boolean");
}

TEST(CsvSchema, DetectNarrowestType) {
  auto records = Records(
      "flag,tiny,small,mid,big,real,day,when,text,none,mixed\n"
      "TRUE,1,200,70000,5000000000,1.5,2014-05-29,2019-01-23 11:30:30,abc,,1\n"
      "false,-128,-32768,-2147483648,1,2,2014-05-30,,x,,2.5\n"
      ",,,,,,,2019-01-23 11:30:31,,,\n"
      "ragged\n");
  auto s = DetectSchema(records, "t.csv", true);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(*s, (Schema{{"flag", ColumnType::kBoolean},
                        {"tiny", ColumnType::kByte},
                        {"small", ColumnType::kShort},
                        {"mid", ColumnType::kInt},
                        {"big", ColumnType::kLong},
                        {"real", ColumnType::kDouble},  // never Float
                        {"day", ColumnType::kDate},
                        {"when", ColumnType::kTimestamp},
                        {"text", ColumnType::kString},
                        {"none", ColumnType::kString},  // all empty
                        {"mixed", ColumnType::kDouble}}));
  // A date and a timestamp in one column: String. Integers past Long: Double.
  auto mixed = DetectSchema(Records("2014-05-29,9223372036854775808\n2019-01-23 11:30:30,1\n"),
                            "t.csv", false);
  ASSERT_TRUE(mixed.ok());
  EXPECT_EQ(*mixed, (Schema{{"column_1", ColumnType::kString}, {"column_2", ColumnType::kDouble}}));
}

TEST(CsvSchema, DetectErrors) {
  auto err = [](std::string_view text, bool header) {
    auto s = DetectSchema(Records(text), "t.csv", header);
    EXPECT_FALSE(s.ok());
    return s.ok() ? "" : s.status().message();
  };
  EXPECT_EQ(err("", true), "t.csv: no rows to detect a schema from");
  EXPECT_EQ(err("\n\na,,c\n", true), "t.csv:3: header column 2 is empty");
  EXPECT_EQ(err("x,y,z,y\n", true), "t.csv:1: header columns 2 and 4 are both named \"y\"");
  EXPECT_EQ(err("ok,\xFF\n", true), "t.csv:1: header column 2 is not valid UTF-8");
  // Without a header the same rows are data.
  EXPECT_TRUE(DetectSchema(Records("x,y,z,y\n"), "t.csv", false).ok());
}

// ------------------------------------------------------------------------------------------------
// Import

const Schema kPeople = {{"name", ColumnType::kString},
                        {"age", ColumnType::kByte},
                        {"born", ColumnType::kDate},
                        {"member", ColumnType::kBoolean}};

TEST(CsvImport, TypedRowsNullsAndRaggedRows) {
  TableImport t = MustRead(
      "name,age,born,member\n"
      "Alice,30,1994-02-01,TRUE\n"
      "Bob,300,1994-02-30,maybe\n"
      "Carol,,,\n"
      "Dan,1,2,3,4\n"
      "Eve\n"
      "\"Frank, Jr.\",-1,2000-01-01,false\n",
      kPeople);
  ASSERT_EQ(t.rows.size(), 4u);
  EXPECT_EQ(t.rows[0].line, 2);
  EXPECT_EQ(Values(t.rows[0]), (std::vector<CellValue>{std::string("Alice"), int64_t{30},
                                                       CsvDate{1994, 2, 1}, true}));
  EXPECT_EQ(t.rows[1].cells[1], (Cell{"300", CellValue()}));  // out of range: null, text kept
  EXPECT_EQ(t.rows[1].cells[2], (Cell{"1994-02-30", CellValue()}));
  EXPECT_EQ(t.rows[1].cells[3], (Cell{"maybe", CellValue()}));
  EXPECT_EQ(Values(t.rows[2]), (std::vector<CellValue>{std::string("Carol"), {}, {}, {}}));
  EXPECT_EQ(t.rows[3].line, 7);
  EXPECT_EQ(t.rows[3].cells[0].text, "Frank, Jr.");
  EXPECT_EQ(t.report.rows_accepted, 4);
  EXPECT_EQ(t.report.rows_rejected, 2);
  EXPECT_EQ(t.report.rejected,
            (std::vector<RejectedLine>{{5, "t.csv:5: 5 columns, the schema has 4"},
                                       {6, "t.csv:6: 1 column, the schema has 4"}}));
  EXPECT_EQ(t.report.cells_nulled, 3);  // Bob's three; Carol's empty cells are not "turned" null
  EXPECT_EQ(t.report.cells_nulled_per_column, (std::vector<int64_t>{0, 1, 1, 1}));
}

TEST(CsvImport, WrongHeaderOrFirstRowRejectsTheFile) {
  auto r = ReadCsvTable("\n\na,b,c\n1,2,3,4\n", "d/p.csv", kPeople);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "d/p.csv:3: the header has 3 columns, the schema has 4");
  r = ReadCsvTable("x,1,2000-01-01\n", "d/p.csv", kPeople, {.with_column_header = false});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "d/p.csv:1: the first row has 3 columns, the schema has 4");
  r = ReadCsvTable("", "d/p.csv", kPeople);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "d/p.csv: no header row (the file is empty), expected 4 columns");
  // Without a header an empty file is an empty table.
  EXPECT_TRUE(MustRead("", kPeople, {.with_column_header = false}).rows.empty());
  // Header names are not compared with the schema: columns match by position.
  TableImport t = MustRead("a,b,c,d\nx,1,2000-01-01,true\n", kPeople);
  EXPECT_EQ(t.rows[0].cells[1].value, CellValue(int64_t{1}));
}

TEST(CsvImport, WithoutHeaderTheFirstRowIsData) {
  TableImport t = MustRead("Ann,5,,FALSE\nBo,6,,TRUE\n", kPeople, {.with_column_header = false});
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0].line, 1);
  EXPECT_EQ(t.rows[0].cells[0].text, "Ann");
  EXPECT_EQ(t.rows[1].cells[3].value, CellValue(true));
}

TEST(CsvImport, RejectedReasonsAreCappedButCounted) {
  std::string text = "name,age,born,member\n";
  for (int i = 0; i < 10; ++i) text += "short\n";
  text += "ok,1,,\n";
  TableImport t = MustRead(text, kPeople, {.max_rejected_reported = 3});
  EXPECT_EQ(t.report.rows_rejected, 10);
  ASSERT_EQ(t.report.rejected.size(), 3u);
  EXPECT_EQ(t.report.rejected[2].line, 4);
  EXPECT_EQ(t.rows.size(), 1u);
}

TEST(CsvImport, StreamingTableReader) {
  const std::string text = "name,age,born,member\nA,1,,\nB,2,,\nC,3\n";
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    CsvTableReader reader("t.csv", kPeople);
    std::vector<TableRow> rows;
    ASSERT_TRUE(reader.Feed(text.substr(0, cut)).ok());
    for (TableRow r; reader.Next(r);) rows.push_back(r);
    ASSERT_TRUE(reader.Feed(text.substr(cut)).ok());
    ASSERT_TRUE(reader.Finish().ok());
    for (TableRow r; reader.Next(r);) rows.push_back(r);
    ASSERT_EQ(rows.size(), 2u) << cut;
    EXPECT_EQ(rows[1].cells[0].text, "B");
    EXPECT_EQ(reader.report().rows_rejected, 1);
  }
  // A bad header fails as soon as its record is complete, and stays failed.
  CsvTableReader reader("t.csv", kPeople);
  EXPECT_TRUE(reader.Feed("a,b").ok());
  Status s = reader.Feed("\n1,2\n");
  EXPECT_EQ(s.message(), "t.csv:1: the header has 2 columns, the schema has 4");
  EXPECT_EQ(reader.Finish().message(), s.message());
  TableRow row;
  EXPECT_FALSE(reader.Next(row));
}

// ------------------------------------------------------------------------------------------------
// Export

const Schema kAll = {{"s", ColumnType::kString},   {"sh", ColumnType::kShort},
                     {"i", ColumnType::kInt},      {"l", ColumnType::kLong},
                     {"d", ColumnType::kDouble},   {"f", ColumnType::kFloat},
                     {"b", ColumnType::kByte},     {"day", ColumnType::kDate},
                     {"ts", ColumnType::kTimestamp}, {"ok", ColumnType::kBoolean}};

TEST(CsvExport, WritesCanonicalValuesHardensOnlyText) {
  const std::string in =
      "s,sh,i,l,d,f,b,day,ts,ok\n"
      "\"a,b\",-5,+7,007,-1.50,0.1,-1,2014-05-29,2019-01-23 11:30:30,true\n"
      "=1+2,x,,,1e3,,,,,FALSE\n"
      "-minus,1,2,3,4,5,6,2014-05-30,2019-01-23 00:00:00,TRUE\n"
      "@at,,,,,,,,,\n";
  TableImport t = MustRead(in, kAll);
  ASSERT_EQ(t.rows.size(), 4u);
  auto out = WriteCsvTable(kAll, t.rows);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out,
            "s,sh,i,l,d,f,b,day,ts,ok\n"
            "\"a,b\",-5,7,7,-1.5,0.1,-1,2014-05-29,2019-01-23 11:30:30,TRUE\n"
            "\"\t=1+2\",,,,1000,,,,,FALSE\n"
            "\"\t-minus\",1,2,3,4,5,6,2014-05-30,2019-01-23 00:00:00,TRUE\n"
            "\"\t@at\",,,,,,,,,\n");
  // Header names are text too.
  Schema odd = {{"=name", ColumnType::kString}, {"-score", ColumnType::kInt}};
  EXPECT_EQ(*WriteCsvTable(odd, {}), "\"\t=name\",\"\t-score\"\n");
  EXPECT_EQ(*WriteCsvTable(odd, {}, {.harden_formulas = false}), "=name,-score\n");
  EXPECT_EQ(WriteCsvHeader(odd), "=name,-score\n");
  auto plain = WriteCsvTable(kAll, {t.rows[1]}, {.with_column_header = false,
                                                 .harden_formulas = false});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, "=1+2,,,,1000,,,,,FALSE\n");
}

TEST(CsvExport, RoundTripExactExceptHardenedText) {
  TableImport t = MustRead(
      "s,sh,i,l,d,f,b,day,ts,ok\n"
      "\"multi\nline \"\"q\"\"\",32767,-2147483648,9223372036854775807,2.2250738585072014e-308,"
      "3.4e38,127,0000-01-01,9999-12-31 23:59:59,false\n"
      "=cmd,,,,,,,,,\n"
      "plain,,,,,,,,,\n",
      kAll);
  auto text = WriteCsvTable(kAll, t.rows);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  TableImport again = MustRead(*text, kAll);
  ASSERT_EQ(again.rows.size(), 3u);
  EXPECT_EQ(Values(again.rows[0]), Values(t.rows[0]));
  EXPECT_EQ(Values(again.rows[2]), Values(t.rows[2]));
  // The formula cell comes back with the Tab that hardening put in front of it.
  EXPECT_EQ(again.rows[1].cells[0].value, CellValue(std::string("\t=cmd")));
  // Without hardening every value comes back.
  auto unhardened = WriteCsvTable(kAll, t.rows, {.harden_formulas = false});
  ASSERT_TRUE(unhardened.ok());
  TableImport exact = MustRead(*unhardened, kAll);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(Values(exact.rows[i]), Values(t.rows[i])) << i;
}

TEST(CsvExport, RejectsValuesTheColumnCannotHold) {
  auto err = [](std::vector<Cell> cells) {
    auto r = WriteCsvRow(kPeople, cells);
    EXPECT_FALSE(r.ok());
    return r.ok() ? "" : r.status().message();
  };
  EXPECT_EQ(err({}), "0 cells, the schema has 4");
  EXPECT_EQ(err({{"", std::string("a")}, {"", std::string("30")}, {}, {}}),
            "column \"age\" (Byte): holds a string, expected an integer");
  EXPECT_EQ(err({{}, {"", int64_t{200}}, {}, {}}), "column \"age\" (Byte): 200 is out of range");
  EXPECT_EQ(err({{}, {}, {"", CsvDate{2023, 2, 29}}, {}}),
            "column \"born\" (Date): 2023-02-29 is not a day");
  EXPECT_EQ(err({{}, {}, {}, {"", 1.0}}),
            "column \"member\" (Boolean): holds a floating-point number, expected a boolean");
  auto nan = WriteCsvRow({{"d", ColumnType::kDouble}}, {{"", std::nan("")}});
  EXPECT_EQ(nan.status().message(), "column \"d\" (Double): NaN or Infinity");
  auto big = WriteCsvRow({{"f", ColumnType::kFloat}}, {{"", 1e39}});
  EXPECT_EQ(big.status().message(), "column \"f\" (Float): 1e+39 is out of range");
  auto table = WriteCsvTable(kPeople, {TableRow{}, TableRow{2, {{}, {}, {}, {}}}, TableRow{}});
  EXPECT_EQ(table.status().message(), "row 0: 0 cells, the schema has 4");
  // A one-column row of null is written "" so that it is not a blank line.
  EXPECT_EQ(*WriteCsvRow({{"x", ColumnType::kInt}}, {Cell{}}), "\"\"\n");
}

// ------------------------------------------------------------------------------------------------
// path,label

TEST(CsvClassification, ReadGroupsRowsByPath) {
  auto r = ReadClassificationCsv(
      "path,label\n"
      "s3://b/a.jpg,cat\n"
      "s3://b/b.jpg,\n"
      "s3://b/a.jpg,animal\n"
      "s3://b/a.jpg,cat\n"
      "s3://b/c.jpg,\" 向日葵\"\n"
      ",dog\n"
      "s3://b/d.jpg,x,y\n",
      "l.csv");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->samples, (std::vector<LabeledPath>{{"s3://b/a.jpg", {"cat", "animal"}},
                                                   {"s3://b/b.jpg", {}},
                                                   {"s3://b/c.jpg", {" 向日葵"}}}));
  EXPECT_EQ(r->rejected,
            (std::vector<RejectedLine>{{7, "l.csv:7: path is empty"},
                                       {8, "l.csv:8: 3 columns, expected 2 (path,label)"}}));
  auto bad = ReadClassificationCsv("path\n", "l.csv");
  EXPECT_EQ(bad.status().message(), "l.csv:1: the header has 1 column, expected 2 (path,label)");
  auto no_header = ReadClassificationCsv("path,label\n", "l.csv", false);
  ASSERT_TRUE(no_header.ok());
  EXPECT_EQ(no_header->samples, (std::vector<LabeledPath>{{"path", {"label"}}}));
}

TEST(CsvClassification, WriteOneRowPerLabel) {
  std::vector<LabeledPath> samples = {
      {"a.jpg", {"cat", "animal"}}, {"b c.jpg", {}}, {"d.jpg", {"-1", "x,y"}}};
  EXPECT_EQ(WriteClassificationCsv(samples),
            "path,label\na.jpg,cat\na.jpg,animal\nb c.jpg,\nd.jpg,\"\t-1\"\nd.jpg,\"x,y\"\n");
  std::string plain = WriteClassificationCsv(samples, {.with_column_header = false,
                                                       .harden_formulas = false});
  EXPECT_EQ(plain, "a.jpg,cat\na.jpg,animal\nb c.jpg,\nd.jpg,-1\nd.jpg,\"x,y\"\n");
  auto back = ReadClassificationCsv(plain, "l.csv", false);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->samples, samples);
  // Hardened, the "-1" label comes back with its Tab.
  auto hardened = ReadClassificationCsv(WriteClassificationCsv(samples), "l.csv");
  ASSERT_TRUE(hardened.ok());
  EXPECT_EQ(hardened->samples[2].labels, (std::vector<std::string>{"\t-1", "x,y"}));
}

// ------------------------------------------------------------------------------------------------
// Golden files

std::string Show(const Cell& c, ColumnType type) {
  if (c.is_null()) return c.text.empty() ? "null" : "null(" + Json(c.text).dump() + ")";
  if (type == ColumnType::kString) return Json(FormatCell(c.value, type)).dump();
  return FormatCell(c.value, type);
}

TEST(CsvGolden, EveryCsvMatchesItsGolden) {
  const bool update = std::getenv("OPENARTS_UPDATE_GOLDEN") != nullptr;
  int count = 0;
  for (const auto& entry : fs::directory_iterator(kCsvGolden)) {
    if (entry.path().extension() != ".csv") continue;
    ++count;
    std::string name = entry.path().filename().string();
    SCOPED_TRACE(name);
    std::string text = ReadText(entry.path());
    fs::path schema_file = fs::path(entry.path()).replace_extension(".schema.json");
    std::string got;
    Result<Schema> schema = Schema{};
    if (fs::exists(schema_file)) {
      schema = ParseSchema(ReadText(schema_file));
    } else {
      auto records = ParseCsv(text, name);
      schema = records.ok() ? DetectSchema(*records, name, true) : Result<Schema>(records.status());
      got += "# detected schema\n";
    }
    if (!schema.ok()) {
      got += "# rejected " + schema.status().message() + "\n";
    } else {
      got += SchemaToJson(*schema) + "\n";
      auto table = ReadCsvTable(text, name, *schema);
      if (!table.ok()) {
        got += "# rejected " + table.status().message() + "\n";
      } else {
        got += "# rows\n";
        for (const TableRow& row : table->rows) {
          got += std::to_string(row.line) + ":";
          for (size_t c = 0; c < row.cells.size(); ++c)
            got += (c ? " | " : " ") + Show(row.cells[c], (*schema)[c].type);
          got += "\n";
        }
        for (const auto& r : table->report.rejected) got += "# rejected " + r.reason + "\n";
        got += "# cells turned null: " + std::to_string(table->report.cells_nulled) + "\n";
        auto rewrite = WriteCsvTable(*schema, table->rows);
        ASSERT_TRUE(rewrite.ok()) << rewrite.status().ToString();
        got += "# rewrite\n" + *rewrite;
      }
    }
    fs::path golden = fs::path(entry.path()).replace_extension(".golden");
    if (update) {
      ASSERT_TRUE(WriteFileAtomic(golden, got).ok());
      continue;
    }
    EXPECT_EQ(got, ReadText(golden));
  }
  EXPECT_GE(count, 4);
}

}  // namespace
}  // namespace openarts::formats
