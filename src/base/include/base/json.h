// JSON helpers for API DTOs (nlohmann::json). Parse errors become kInvalidArgument that say
// where the document is broken; field getters say which field is missing or has the wrong type.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace openarts {

using Json = nlohmann::json;

// kInvalidArgument "request body is not valid JSON: <detail>" on bad input; never throws.
Result<Json> ParseJson(std::string_view text);
// The object must be a JSON object; kInvalidArgument naming `what` otherwise.
Status RequireObject(const Json& j, std::string_view what = "request body");

// Field access. `path` is the field name used in messages (e.g. "auth.identity.methods").
// Missing required field → kInvalidArgument "field 'x' is required"; wrong type →
// kInvalidArgument "field 'x' must be a string".
Result<std::string> GetString(const Json& obj, std::string_view key, std::string_view path = {});
Result<std::optional<std::string>> GetOptString(const Json& obj, std::string_view key,
                                                std::string_view path = {});
Result<int64_t> GetInt(const Json& obj, std::string_view key, std::string_view path = {});
Result<std::optional<int64_t>> GetOptInt(const Json& obj, std::string_view key,
                                         std::string_view path = {});
Result<std::optional<bool>> GetOptBool(const Json& obj, std::string_view key,
                                       std::string_view path = {});
// Returns a pointer into `obj` or nullptr if absent; kInvalidArgument if present but not an object.
Result<const Json*> GetOptObject(const Json& obj, std::string_view key, std::string_view path = {});
Result<const Json*> GetOptArray(const Json& obj, std::string_view key, std::string_view path = {});

}  // namespace openarts
