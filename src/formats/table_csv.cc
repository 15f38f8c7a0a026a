#include "formats/table_csv.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <exception>
#include <limits>
#include <unordered_map>
#include <utility>

#include "base/json.h"
#include "base/strings.h"
#include "formats/text_formats.h"  // ValidateUtf8

namespace openarts::formats {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

constexpr ColumnType kAllTypes[] = {
    ColumnType::kString, ColumnType::kShort,  ColumnType::kInt,  ColumnType::kLong,
    ColumnType::kDouble, ColumnType::kFloat,  ColumnType::kByte, ColumnType::kDate,
    ColumnType::kTimestamp, ColumnType::kBoolean};

// The order DetectSchema tries, narrowest first; String is the fallback.
constexpr ColumnType kDetectOrder[] = {
    ColumnType::kBoolean, ColumnType::kByte, ColumnType::kShort,  ColumnType::kInt,
    ColumnType::kLong,    ColumnType::kDouble, ColumnType::kDate, ColumnType::kTimestamp};

std::string At(std::string_view source, int64_t line) {
  std::string m(source);
  m += ':';
  m += std::to_string(line);
  m += ": ";
  return m;
}

std::string Columns(size_t n) { return std::to_string(n) + (n == 1 ? " column" : " columns"); }

std::string Quoted(std::string_view s) {
  std::string out = "\"";
  out += s.size() > 40 ? std::string(s.substr(0, 37)) + "..." : std::string(s);
  out += '"';
  return out;
}

// ---- Cell conversion ----------------------------------------------------------------------------

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

std::optional<int64_t> ParseInteger(std::string_view s) {
  std::string_view digits = s;
  if (!s.empty() && s.front() == '+') s.remove_prefix(1), digits = s;
  else if (!s.empty() && s.front() == '-') digits = s.substr(1);
  if (!AllDigits(digits)) return std::nullopt;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Decimal or exponent notation only: from_chars alone would also take "inf", "nan" and "1e".
bool LooksDecimal(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t mantissa = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++mantissa;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++mantissa;
  }
  if (mantissa == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exponent = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++exponent;
    if (exponent == 0) return false;
  }
  return i == s.size();
}

template <typename T>
std::optional<T> ParseFloating(std::string_view s) {
  if (!LooksDecimal(s)) return std::nullopt;
  if (s.front() == '+') s.remove_prefix(1);
  T v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

bool IsLeap(int32_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

bool ValidDate(const CsvDate& d) {
  static constexpr int32_t kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (d.year < 0 || d.year > 9999 || d.month < 1 || d.month > 12 || d.day < 1) return false;
  int32_t days = kDays[d.month - 1] + (d.month == 2 && IsLeap(d.year) ? 1 : 0);
  return d.day <= days;
}

bool ValidTimestamp(const CsvTimestamp& t) {
  return ValidDate(t.date) && t.hour >= 0 && t.hour <= 23 && t.minute >= 0 && t.minute <= 59 &&
         t.second >= 0 && t.second <= 59;
}

// `n` digits at s[pos].
std::optional<int32_t> Digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int32_t v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

std::optional<CsvDate> ParseDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  auto y = Digits(s, 0, 4), m = Digits(s, 5, 2), d = Digits(s, 8, 2);
  if (!y || !m || !d) return std::nullopt;
  CsvDate date{*y, *m, *d};
  if (!ValidDate(date)) return std::nullopt;
  return date;
}

std::optional<CsvTimestamp> ParseTimestamp(std::string_view s) {
  if (s.size() != 19 || s[10] != ' ' || s[13] != ':' || s[16] != ':') return std::nullopt;
  auto date = ParseDate(s.substr(0, 10));
  auto h = Digits(s, 11, 2), m = Digits(s, 14, 2), sec = Digits(s, 17, 2);
  if (!date || !h || !m || !sec) return std::nullopt;
  CsvTimestamp t{*date, *h, *m, *sec};
  if (!ValidTimestamp(t)) return std::nullopt;
  return t;
}

std::pair<int64_t, int64_t> IntegerRange(ColumnType type) {
  switch (type) {
    case ColumnType::kByte: return {-128, 127};
    case ColumnType::kShort: return {-32768, 32767};
    case ColumnType::kInt:
      return {std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()};
    default:
      return {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()};
  }
}

std::string Pad(int64_t v, int width) {
  std::string s = std::to_string(v);
  if (static_cast<int>(s.size()) < width) s.insert(0, width - s.size(), '0');
  return s;
}

std::string FormatDate(const CsvDate& d) {
  return Pad(d.year, 4) + "-" + Pad(d.month, 2) + "-" + Pad(d.day, 2);
}

template <typename T>
std::string ShortestText(T v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::string();
}

// The alternative a column of `type` holds.
std::string_view HeldName(const CellValue& v) {
  switch (v.index()) {
    case 0: return "null";
    case 1: return "a string";
    case 2: return "an integer";
    case 3: return "a floating-point number";
    case 4: return "a boolean";
    case 5: return "a date";
    default: return "a timestamp";
  }
}

// Why `value` cannot be written in a column of `type`; "" when it can.
std::string WriteProblem(const CellValue& value, ColumnType type) {
  if (std::holds_alternative<std::monostate>(value)) return "";
  auto holds = [&](std::string_view expected) {
    return "holds " + std::string(HeldName(value)) + ", expected " + std::string(expected);
  };
  switch (type) {
    case ColumnType::kString:
      return std::holds_alternative<std::string>(value) ? "" : holds("a string");
    case ColumnType::kByte:
    case ColumnType::kShort:
    case ColumnType::kInt:
    case ColumnType::kLong: {
      const int64_t* v = std::get_if<int64_t>(&value);
      if (!v) return holds("an integer");
      auto [lo, hi] = IntegerRange(type);
      if (*v < lo || *v > hi) return std::to_string(*v) + " is out of range";
      return "";
    }
    case ColumnType::kDouble:
    case ColumnType::kFloat: {
      const double* v = std::get_if<double>(&value);
      if (!v) return holds("a floating-point number");
      if (!std::isfinite(*v)) return "NaN or Infinity";
      if (type == ColumnType::kFloat && std::abs(*v) > std::numeric_limits<float>::max())
        return ShortestText(*v) + " is out of range";
      return "";
    }
    case ColumnType::kBoolean:
      return std::holds_alternative<bool>(value) ? "" : holds("a boolean");
    case ColumnType::kDate: {
      const CsvDate* d = std::get_if<CsvDate>(&value);
      if (!d) return holds("a date");
      return ValidDate(*d) ? "" : FormatDate(*d) + " is not a day";
    }
    case ColumnType::kTimestamp: {
      const CsvTimestamp* t = std::get_if<CsvTimestamp>(&value);
      if (!t) return holds("a timestamp");
      return ValidTimestamp(*t) ? "" : FormatCell(value, ColumnType::kString) + " is not a time";
    }
  }
  return "unknown column type";
}

bool StartsFormula(std::string_view s) {
  return !s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@');
}

void AppendField(std::string& out, std::string_view field, bool harden, bool only_field) {
  bool formula = harden && StartsFormula(field);
  bool quote = formula || (only_field && field.empty()) || field.substr(0, 3) == kBom ||
               field.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quote) {
    out += field;
    return;
  }
  out += '"';
  if (formula) out += '\t';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace

// ---- CsvReader ----------------------------------------------------------------------------------

CsvReader::CsvReader(std::string_view source_name, CsvReaderOptions options)
    : source_(source_name), options_(options) {}

void CsvReader::EndField() {
  fields_.push_back(std::move(field_));
  field_.clear();
}

void CsvReader::EndRecord() {
  EndField();
  ready_.push_back({record_line_, std::move(fields_)});
  fields_.clear();
  record_started_ = false;
  record_bytes_ = 0;
  state_ = State::kFieldStart;
}

void CsvReader::Process(std::string_view bytes) {
  size_t i = 0;
  // Appends the ordinary bytes from bytes[i] up to the next of `stops` at once. The last of them
  // is counted in record_bytes_ below, with every other byte.
  auto copy_run = [&](const char* stops) {
    size_t end = std::min(bytes.find_first_of(stops, i), bytes.size());
    field_.append(bytes.data() + i, end - i);
    record_bytes_ += end - i - 1;
    i = end;
  };
  while (i < bytes.size() && status_.ok()) {
    char c = bytes[i];
    // A line break (LF, CRLF or a lone CR) is one line, inside quotes or not. A CR that ends a
    // record leaves record_started_ false, so the LF after it is skipped below.
    if (c == '\r' || (c == '\n' && !pending_cr_)) ++line_;
    pending_cr_ = c == '\r';
    if (!record_started_) {
      if (c == '\r' || c == '\n') {  // a blank line, or the LF of a CRLF that ended a record
        ++i;
        continue;
      }
      record_started_ = true;
      record_line_ = line_;
    }
    switch (state_) {
      case State::kFieldStart:
        if (c == '"') {
          state_ = State::kQuoted;
          quote_line_ = line_;
        } else if (c == ',') {
          EndField();
        } else if (c == '\r' || c == '\n') {
          EndRecord();
        } else {
          field_ += c;
          state_ = State::kUnquoted;
        }
        ++i;
        break;
      case State::kUnquoted: {
        if (c == ',') {
          EndField();
          state_ = State::kFieldStart;
          ++i;
        } else if (c == '\r' || c == '\n') {
          EndRecord();
          ++i;
        } else {
          copy_run(",\r\n");
        }
        break;
      }
      case State::kQuoted: {
        if (c == '"') {
          state_ = State::kQuoteInQuoted;
          ++i;
        } else if (c == '\r' || c == '\n') {
          field_ += c;
          ++i;
        } else {
          copy_run("\"\r\n");
        }
        break;
      }
      case State::kQuoteInQuoted:
        if (c == '"') {
          field_ += '"';
          state_ = State::kQuoted;
        } else if (c == ',') {
          EndField();
          state_ = State::kFieldStart;
        } else if (c == '\r' || c == '\n') {
          EndRecord();
        } else {  // text after the closing quote: kept, as Excel and Python do
          field_ += c;
          state_ = State::kUnquoted;
        }
        ++i;
        break;
    }
    if (record_started_ && ++record_bytes_ > options_.max_record_bytes) {
      status_ = InvalidArgument(At(source_, record_line_) + "record longer than " +
                                std::to_string(options_.max_record_bytes) +
                                " bytes (an unclosed quote?)");
    }
  }
}

Status CsvReader::Feed(std::string_view chunk) {
  if (!status_.ok()) return status_;
  if (finished_) return FailedPrecondition("CsvReader::Feed after Finish");
  if (!bom_done_) {
    while (!chunk.empty() && bom_head_.size() < kBom.size() &&
           chunk.front() == kBom[bom_head_.size()]) {
      bom_head_ += chunk.front();
      chunk.remove_prefix(1);
    }
    if (bom_head_.size() == kBom.size()) {
      bom_done_ = true;  // dropped
    } else if (!chunk.empty()) {
      bom_done_ = true;  // not a BOM after all: its first bytes are data
      Process(bom_head_);
    } else {
      return Status::Ok();  // need more bytes to decide
    }
  }
  Process(chunk);
  return status_;
}

Status CsvReader::Finish() {
  if (!status_.ok() || finished_) return status_;
  if (!bom_done_) {
    bom_done_ = true;
    Process(bom_head_);
  }
  finished_ = true;
  if (!status_.ok()) return status_;
  if (record_started_ && (state_ == State::kQuoted)) {
    status_ = InvalidArgument(At(source_, quote_line_) +
                              "unclosed quote: the quoted field that begins on this line never "
                              "ends");
    return status_;
  }
  if (record_started_) EndRecord();
  return status_;
}

bool CsvReader::Next(CsvRecord& record) {
  if (ready_.empty()) return false;
  record = std::move(ready_.front());
  ready_.pop_front();
  return true;
}

Result<std::vector<CsvRecord>> ParseCsv(std::string_view text, std::string_view source_name,
                                        const CsvReaderOptions& options) {
  CsvReader reader(source_name, options);
  OA_TRY(reader.Feed(text));
  OA_TRY(reader.Finish());
  std::vector<CsvRecord> records;
  for (CsvRecord r; reader.Next(r);) records.push_back(std::move(r));
  return records;
}

std::string WriteCsvRecord(const std::vector<std::string>& fields, bool harden_formulas) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    AppendField(out, fields[i], harden_formulas, fields.size() == 1);
  }
  out += '\n';
  return out;
}

// ---- Schema and cells ---------------------------------------------------------------------------

std::string_view ColumnTypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kString: return "String";
    case ColumnType::kShort: return "Short";
    case ColumnType::kInt: return "Int";
    case ColumnType::kLong: return "Long";
    case ColumnType::kDouble: return "Double";
    case ColumnType::kFloat: return "Float";
    case ColumnType::kByte: return "Byte";
    case ColumnType::kDate: return "Date";
    case ColumnType::kTimestamp: return "Timestamp";
    case ColumnType::kBoolean: return "Boolean";
  }
  return "";
}

Result<Schema> ParseSchema(std::string_view json) {
  try {
    Json doc = Json::parse(json, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return InvalidArgument("schema: not valid JSON");
    if (!doc.is_array())
      return InvalidArgument("schema: expected an array of {\"name\", \"type\"} objects, got " +
                             std::string(doc.type_name()));
    if (doc.empty()) return InvalidArgument("schema: no columns");
    Schema schema;
    std::unordered_map<std::string, size_t> seen;
    for (size_t i = 0; i < doc.size(); ++i) {
      const Json& col = doc[i];
      std::string at = "schema[" + std::to_string(i) + "]";
      if (!col.is_object()) return InvalidArgument(at + ": expected an object, got " +
                                                   std::string(col.type_name()));
      auto name = col.find("name");
      if (name == col.end() || !name->is_string())
        return InvalidArgument(at + ".name: required, a string");
      const auto& n = name->get_ref<const std::string&>();
      if (n.empty()) return InvalidArgument(at + ".name: empty");
      if (auto [it, fresh] = seen.emplace(n, i); !fresh)
        return InvalidArgument(at + ".name: " + Quoted(n) + " is also the name of schema[" +
                               std::to_string(it->second) + "]");
      auto type = col.find("type");
      if (type == col.end() || !type->is_string())
        return InvalidArgument(at + ".type: required, a string");
      const auto& t = type->get_ref<const std::string&>();
      std::optional<ColumnType> found;
      std::string valid;
      for (ColumnType c : kAllTypes) {
        if (ColumnTypeName(c) == t) found = c;
        valid += valid.empty() ? "" : ", ";
        valid += ColumnTypeName(c);
      }
      if (!found)
        return InvalidArgument(at + ".type: unknown type " + Quoted(t) + "; expected one of " +
                               valid);
      schema.push_back({n, *found});
    }
    return schema;
  } catch (const std::exception& e) {  // not expected: every access is type-checked
    return InvalidArgument(std::string("schema: unreadable: ") + e.what());
  }
}

std::string SchemaToJson(const Schema& schema) {
  std::string out = "[";
  for (size_t i = 0; i < schema.size(); ++i) {
    if (i) out += ',';
    out += "{\"name\":";
    out += Json(schema[i].name).dump(-1, ' ', false, Json::error_handler_t::replace);
    out += ",\"type\":\"";
    out += ColumnTypeName(schema[i].type);
    out += "\"}";
  }
  out += ']';
  return out;
}

CellValue ConvertCell(std::string_view text, ColumnType type) {
  if (text.empty()) return std::monostate();
  switch (type) {
    case ColumnType::kString: return std::string(text);
    case ColumnType::kByte:
    case ColumnType::kShort:
    case ColumnType::kInt:
    case ColumnType::kLong: {
      auto v = ParseInteger(text);
      auto [lo, hi] = IntegerRange(type);
      if (!v || *v < lo || *v > hi) return std::monostate();
      return *v;
    }
    case ColumnType::kDouble: {
      auto v = ParseFloating<double>(text);
      if (!v) return std::monostate();
      return *v;
    }
    case ColumnType::kFloat: {
      auto v = ParseFloating<float>(text);
      if (!v) return std::monostate();
      return static_cast<double>(*v);
    }
    case ColumnType::kBoolean:
      if (IEquals(text, "true")) return true;
      if (IEquals(text, "false")) return false;
      return std::monostate();
    case ColumnType::kDate: {
      auto d = ParseDate(text);
      if (!d) return std::monostate();
      return *d;
    }
    case ColumnType::kTimestamp: {
      auto t = ParseTimestamp(text);
      if (!t) return std::monostate();
      return *t;
    }
  }
  return std::monostate();
}

std::string FormatCell(const CellValue& value, ColumnType type) {
  struct Visitor {
    ColumnType type;
    std::string operator()(std::monostate) const { return ""; }
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(int64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const {
      return type == ColumnType::kFloat ? ShortestText(static_cast<float>(v)) : ShortestText(v);
    }
    std::string operator()(bool v) const { return v ? "TRUE" : "FALSE"; }
    std::string operator()(const CsvDate& d) const { return FormatDate(d); }
    std::string operator()(const CsvTimestamp& t) const {
      return FormatDate(t.date) + " " + Pad(t.hour, 2) + ":" + Pad(t.minute, 2) + ":" +
             Pad(t.second, 2);
    }
  };
  return std::visit(Visitor{type}, value);
}

Result<Schema> DetectSchema(const std::vector<CsvRecord>& records, std::string_view source_name,
                            bool with_column_header) {
  if (records.empty() || records[0].fields.empty())
    return InvalidArgument(std::string(source_name) + ": no rows to detect a schema from");
  const CsvRecord& first = records[0];
  const size_t n = first.fields.size();
  Schema schema(n);
  if (with_column_header) {
    std::unordered_map<std::string_view, size_t> seen;
    for (size_t c = 0; c < n; ++c) {
      const std::string& name = first.fields[c];
      if (name.empty())
        return InvalidArgument(At(source_name, first.line) + "header column " +
                               std::to_string(c + 1) + " is empty");
      if (!ValidateUtf8(name).ok())  // names go into JSON schemas and API bodies
        return InvalidArgument(At(source_name, first.line) + "header column " +
                               std::to_string(c + 1) + " is not valid UTF-8");
      if (auto [it, fresh] = seen.emplace(name, c); !fresh)
        return InvalidArgument(At(source_name, first.line) + "header columns " +
                               std::to_string(it->second + 1) + " and " + std::to_string(c + 1) +
                               " are both named " + Quoted(name));
      schema[c].name = name;
    }
  } else {
    for (size_t c = 0; c < n; ++c) schema[c].name = "column_" + std::to_string(c + 1);
  }
  for (size_t c = 0; c < n; ++c) {
    // Candidates still possible for this column, narrowest first.
    std::vector<ColumnType> fits(std::begin(kDetectOrder), std::end(kDetectOrder));
    bool any = false;
    for (size_t r = with_column_header ? 1 : 0; r < records.size() && !fits.empty(); ++r) {
      if (records[r].fields.size() != n) continue;
      const std::string& v = records[r].fields[c];
      if (v.empty()) continue;
      any = true;
      std::erase_if(fits, [&](ColumnType t) {
        return std::holds_alternative<std::monostate>(ConvertCell(v, t));
      });
    }
    schema[c].type = any && !fits.empty() ? fits.front() : ColumnType::kString;
  }
  return schema;
}

// ---- Table import -------------------------------------------------------------------------------

CsvTableReader::CsvTableReader(std::string_view source_name, Schema schema,
                               TableReadOptions options)
    : source_(source_name),
      schema_(std::move(schema)),
      options_(options),
      csv_(source_name, options.csv) {
  OA_CHECK(!schema_.empty());
  report_.cells_nulled_per_column.assign(schema_.size(), 0);
}

Status CsvTableReader::CheckFirst() {
  if (first_seen_) return Status::Ok();
  CsvRecord first;
  if (!csv_.Next(first)) return Status::Ok();
  first_seen_ = true;
  if (first.fields.size() != schema_.size()) {
    return InvalidArgument(At(source_, first.line) +
                           (options_.with_column_header ? "the header has " : "the first row has ") +
                           Columns(first.fields.size()) + ", the schema has " +
                           std::to_string(schema_.size()));
  }
  if (!options_.with_column_header) first_row_ = std::move(first);
  return Status::Ok();
}

Status CsvTableReader::Feed(std::string_view chunk) {
  if (!status_.ok()) return status_;
  status_ = csv_.Feed(chunk);
  if (status_.ok()) status_ = CheckFirst();
  return status_;
}

Status CsvTableReader::Finish() {
  if (!status_.ok()) return status_;
  status_ = csv_.Finish();
  if (status_.ok()) status_ = CheckFirst();
  if (status_.ok() && !first_seen_ && options_.with_column_header) {
    status_ = InvalidArgument(std::string(source_) +
                              ": no header row (the file is empty), expected " +
                              Columns(schema_.size()));
  }
  return status_;
}

bool CsvTableReader::Next(TableRow& row) {
  if (!status_.ok()) return false;
  CsvRecord record;
  while (true) {
    if (first_row_) {
      record = std::move(*first_row_);
      first_row_.reset();
    } else if (!csv_.Next(record)) {
      return false;
    }
    if (record.fields.size() == schema_.size()) break;
    ++report_.rows_rejected;
    if (report_.rejected.size() < options_.max_rejected_reported) {
      report_.rejected.push_back(
          {record.line, At(source_, record.line) + Columns(record.fields.size()) +
                            ", the schema has " + std::to_string(schema_.size())});
    }
  }
  row.line = record.line;
  row.cells.resize(schema_.size());
  for (size_t c = 0; c < schema_.size(); ++c) {
    Cell& cell = row.cells[c];
    cell.value = ConvertCell(record.fields[c], schema_[c].type);
    if (cell.is_null() && !record.fields[c].empty()) {
      ++report_.cells_nulled;
      ++report_.cells_nulled_per_column[c];
    }
    cell.text = std::move(record.fields[c]);
  }
  ++report_.rows_accepted;
  return true;
}

Result<TableImport> ReadCsvTable(std::string_view text, std::string_view source_name,
                                 const Schema& schema, const TableReadOptions& options) {
  if (schema.empty()) return InvalidArgument("schema: no columns");
  CsvTableReader reader(source_name, schema, options);
  OA_TRY(reader.Feed(text));
  OA_TRY(reader.Finish());
  TableImport out;
  for (TableRow row; reader.Next(row);) out.rows.push_back(std::move(row));
  out.report = reader.report();
  return out;
}

std::string WriteCsvHeader(const Schema& schema, bool harden_formulas) {
  std::vector<std::string> names;
  names.reserve(schema.size());
  for (const Column& c : schema) names.push_back(c.name);
  return WriteCsvRecord(names, harden_formulas);
}

Result<std::string> WriteCsvRow(const Schema& schema, const std::vector<Cell>& cells,
                                bool harden_formulas) {
  if (cells.size() != schema.size())
    return InvalidArgument(std::to_string(cells.size()) + (cells.size() == 1 ? " cell" : " cells") + ", the schema has " +
                           std::to_string(schema.size()));
  std::string out;
  for (size_t c = 0; c < cells.size(); ++c) {
    if (std::string problem = WriteProblem(cells[c].value, schema[c].type); !problem.empty()) {
      return InvalidArgument("column " + Quoted(schema[c].name) + " (" +
                             std::string(ColumnTypeName(schema[c].type)) + "): " + problem);
    }
    if (c) out += ',';
    AppendField(out, FormatCell(cells[c].value, schema[c].type),
                harden_formulas && schema[c].type == ColumnType::kString, cells.size() == 1);
  }
  out += '\n';
  return out;
}

Result<std::string> WriteCsvTable(const Schema& schema, const std::vector<TableRow>& rows,
                                  const CsvWriteOptions& options) {
  std::string out =
      options.with_column_header ? WriteCsvHeader(schema, options.harden_formulas) : "";
  for (size_t i = 0; i < rows.size(); ++i) {
    auto line = WriteCsvRow(schema, rows[i].cells, options.harden_formulas);
    if (!line.ok()) return line.status().WithContext("row " + std::to_string(i));
    out += *line;
  }
  return out;
}

// ---- Classification lists -----------------------------------------------------------------------

Result<ClassificationCsv> ReadClassificationCsv(std::string_view text,
                                                std::string_view source_name,
                                                bool with_column_header) {
  OA_ASSIGN_OR_RETURN(auto records, ParseCsv(text, source_name));
  ClassificationCsv out;
  std::unordered_map<std::string, size_t> index;  // path → samples[i]
  for (size_t r = 0; r < records.size(); ++r) {
    const CsvRecord& rec = records[r];
    if (r == 0 && with_column_header) {
      if (rec.fields.size() != 2)
        return InvalidArgument(At(source_name, rec.line) + "the header has " +
                               Columns(rec.fields.size()) + ", expected 2 (path,label)");
      continue;
    }
    if (rec.fields.size() != 2) {
      out.rejected.push_back({rec.line, At(source_name, rec.line) + Columns(rec.fields.size()) +
                                            ", expected 2 (path,label)"});
      continue;
    }
    const std::string& path = rec.fields[0];
    const std::string& label = rec.fields[1];
    if (path.empty()) {
      out.rejected.push_back({rec.line, At(source_name, rec.line) + "path is empty"});
      continue;
    }
    auto [it, fresh] = index.emplace(path, out.samples.size());
    if (fresh) out.samples.push_back({path, {}});
    auto& labels = out.samples[it->second].labels;
    if (!label.empty() && std::find(labels.begin(), labels.end(), label) == labels.end())
      labels.push_back(label);
  }
  return out;
}

std::string WriteClassificationCsv(const std::vector<LabeledPath>& samples,
                                   const CsvWriteOptions& options) {
  std::string out = options.with_column_header ? "path,label\n" : "";
  for (const LabeledPath& s : samples) {
    if (s.labels.empty()) out += WriteCsvRecord({s.path, ""}, options.harden_formulas);
    for (const std::string& label : s.labels)
      out += WriteCsvRecord({s.path, label}, options.harden_formulas);
  }
  return out;
}

}  // namespace openarts::formats
