// Identifiers. ModelArts ids are 32 lowercase hex characters (a UUID without hyphens).
#pragma once

#include <compare>
#include <string>

namespace openarts {

// 32 lowercase hex characters from the CSPRNG.
std::string NewId();
bool IsValidId(const std::string& s);

// A strong id type: StrongId<struct UserTag> cannot be passed where a bucket name is expected.
template <typename Tag>
struct StrongId {
  std::string value;
  StrongId() = default;
  explicit StrongId(std::string v) : value(std::move(v)) {}
  const std::string& str() const { return value; }
  bool empty() const { return value.empty(); }
  auto operator<=>(const StrongId&) const = default;
};

}  // namespace openarts
