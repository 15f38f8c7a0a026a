// ParseLogRecord reads task logs, which hold whatever a task printed (and whatever a crash or a
// full disk left behind). It must never crash, and a parsed record must format back to a record
// that parses to the same line.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "exec/exec.h"

// Private to exec/, but the round trip is the point of this fuzzer.
namespace openarts::exec {
std::string FormatLogRecord(int64_t unix_nanos, bool is_stderr, bool partial,
                            std::string_view text);
}  // namespace openarts::exec

using namespace openarts::exec;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  bool partial = false;
  auto line = ParseLogRecord(in, &partial);
  if (!line.ok()) {
    if (line.status().message().empty()) std::abort();
    return 0;
  }
  if (line->text.size() > in.size()) std::abort();
  if (line->text.find('\n') != std::string::npos) return 0;  // the shim never writes these
  // Nanoseconds in an int64 reach year 2262; the parser accepts years 0000-9999.
  if (line->time_ms < 0 || line->time_ms > 9'000'000'000'000) return 0;
  std::string again = FormatLogRecord(line->time_ms * 1'000'000, line->is_stderr, partial,
                                      line->text);
  again.pop_back();
  bool partial2 = !partial;
  auto back = ParseLogRecord(again, &partial2);
  if (!back.ok() || back->time_ms != line->time_ms || back->is_stderr != line->is_stderr ||
      back->text != line->text || partial2 != partial) {
    std::abort();
  }
  return 0;
}
