#include "base/ids.h"

#include "base/crypto.h"

namespace openarts {

std::string NewId() { return HexEncode(RandomBytes(16)); }

bool IsValidId(const std::string& s) {
  if (s.size() != 32) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace openarts
