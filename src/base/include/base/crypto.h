// Hashes, HMAC, randomness and encodings (OpenSSL underneath). Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace openarts {

// 32-byte raw digests.
std::string Sha256(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);
std::string Md5(std::string_view data);

// Incremental SHA-256 / MD5 for streams.
class Hasher {
 public:
  enum class Kind { kSha256, kMd5 };
  explicit Hasher(Kind kind);
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;
  void Update(const void* data, size_t n);
  std::string Final();  // raw digest

 private:
  void* ctx_;
};

std::string HexEncode(std::string_view raw);
// kInvalidArgument on odd length or a non-hex character.
Result<std::string> HexDecode(std::string_view hex);
std::string Base64UrlEncode(std::string_view raw);  // no padding

// `n` bytes from the OS CSPRNG.
std::string RandomBytes(size_t n);
// Constant-time equality for secrets.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Argon2id password hashing (encoded PHC string, salt included).
Result<std::string> HashPassword(std::string_view password);
bool VerifyPassword(std::string_view encoded, std::string_view password);

}  // namespace openarts
