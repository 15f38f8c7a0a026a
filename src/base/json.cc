#include "base/json.h"

namespace openarts {

namespace {
std::string FieldName(std::string_view key, std::string_view path) {
  return std::string(path.empty() ? key : path);
}
const char* TypeWord(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::object: return "an object";
    case Json::value_t::array: return "an array";
    case Json::value_t::string: return "a string";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "an integer";
    case Json::value_t::number_float: return "a number";
    default: return "a value";
  }
}
Status WrongType(std::string_view key, std::string_view path, const char* want, const Json& got) {
  return InvalidArgument("field '" + FieldName(key, path) + "' must be " + want + ", not " +
                         TypeWord(got));
}
}  // namespace

Result<Json> ParseJson(std::string_view text) {
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    // Re-parse with exceptions only to learn where it broke; the common path never throws.
    try {
      Json ignored = Json::parse(text.begin(), text.end());
      (void)ignored;
    } catch (const Json::parse_error& e) {
      std::string what = e.what();
      auto pos = what.find("parse error");
      return InvalidArgument("request body is not valid JSON: " +
                             (pos == std::string::npos ? what : what.substr(pos)));
    } catch (...) {
    }
    return InvalidArgument("request body is not valid JSON");
  }
  return j;
}

Status RequireObject(const Json& j, std::string_view what) {
  if (!j.is_object()) return InvalidArgument(std::string(what) + " must be a JSON object");
  return Status::Ok();
}

Result<std::string> GetString(const Json& obj, std::string_view key, std::string_view path) {
  OA_ASSIGN_OR_RETURN(auto v, GetOptString(obj, key, path));
  if (!v) return InvalidArgument("field '" + FieldName(key, path) + "' is required");
  return std::move(*v);
}

Result<std::optional<std::string>> GetOptString(const Json& obj, std::string_view key,
                                                std::string_view path) {
  if (!obj.is_object()) return std::optional<std::string>();
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return WrongType(key, path, "a string", *it);
  return std::optional<std::string>(it->get<std::string>());
}

Result<int64_t> GetInt(const Json& obj, std::string_view key, std::string_view path) {
  OA_ASSIGN_OR_RETURN(auto v, GetOptInt(obj, key, path));
  if (!v) return InvalidArgument("field '" + FieldName(key, path) + "' is required");
  return *v;
}

Result<std::optional<int64_t>> GetOptInt(const Json& obj, std::string_view key,
                                         std::string_view path) {
  if (!obj.is_object()) return std::optional<int64_t>();
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::optional<int64_t>();
  if (it->is_number_integer()) return std::optional<int64_t>(it->get<int64_t>());
  if (it->is_number_unsigned()) {
    auto u = it->get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX))
      return InvalidArgument("field '" + FieldName(key, path) + "' is too large");
    return std::optional<int64_t>(static_cast<int64_t>(u));
  }
  return WrongType(key, path, "an integer", *it);
}

Result<std::optional<bool>> GetOptBool(const Json& obj, std::string_view key,
                                       std::string_view path) {
  if (!obj.is_object()) return std::optional<bool>();
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::optional<bool>();
  if (!it->is_boolean()) return WrongType(key, path, "a boolean", *it);
  return std::optional<bool>(it->get<bool>());
}

Result<const Json*> GetOptObject(const Json& obj, std::string_view key, std::string_view path) {
  if (!obj.is_object()) return static_cast<const Json*>(nullptr);
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return static_cast<const Json*>(nullptr);
  if (!it->is_object()) return WrongType(key, path, "an object", *it);
  return &*it;
}

Result<const Json*> GetOptArray(const Json& obj, std::string_view key, std::string_view path) {
  if (!obj.is_object()) return static_cast<const Json*>(nullptr);
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return static_cast<const Json*>(nullptr);
  if (!it->is_array()) return WrongType(key, path, "an array", *it);
  return &*it;
}

}  // namespace openarts
