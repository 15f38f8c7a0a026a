// Private to formats/: the guard and the nlohmann parse that the JSON Lines readers (manifest,
// doccano) share, so both say the same thing about a line that is not a JSON object.
#pragma once

#include <string>
#include <string_view>

#include "base/json.h"
#include "base/status.h"

namespace openarts::formats {

inline constexpr int kMaxJsonDepth = 100;

// True when `text` nests arrays/objects deeper than `max_depth`, counted on the text (so also for
// invalid JSON) before nlohmann, whose dump recurses, sees it.
inline bool JsonTooDeep(std::string_view text, int max_depth = kMaxJsonDepth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

// One line as a JSON object. kInvalidArgument with the problem alone (the caller adds
// "<source>:<line>: "): "JSON nested deeper than 100 levels", "not valid JSON: <nlohmann's
// message without its [json.exception...] tag>", "expected a JSON object, got array".
inline Result<Json> ParseJsonObjectLine(std::string_view line) {
  if (JsonTooDeep(line)) {
    return InvalidArgument("JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  Json obj;
  try {
    obj = Json::parse(line);
  } catch (const std::exception& e) {
    // nlohmann's message: "[json.exception.parse_error.101] parse error at line 1, column 9: ..."
    std::string what = e.what();
    if (auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
    return InvalidArgument("not valid JSON: " + what);
  }
  if (!obj.is_object()) return InvalidArgument("expected a JSON object, got " + std::string(obj.type_name()));
  return obj;
}

}  // namespace openarts::formats
