// Sealing of AK/SK secrets at rest: AES-256-GCM under the installation's 32-byte master key.
//
// HMAC verification needs the SK in clear, so it cannot be hashed like a password; instead the
// database holds only "v1:" + hex(nonce | ciphertext | tag). The access key is bound in as
// associated data, so a sealed secret copied onto another credential row does not open.
// Immutable after construction; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace openarts::iam {

class SecretBox {
 public:
  static constexpr size_t kKeySize = 32;

  // Reads the key at `path`, or creates it (32 random bytes, mode 0600) if the file is missing.
  // An empty path gives an ephemeral in-memory key (tests; nothing sealed survives a restart).
  // kFailedPrecondition if the file exists with the wrong size.
  static Result<SecretBox> Open(const std::string& path);
  explicit SecretBox(std::string key) : key_(std::move(key)) {}

  std::string Seal(std::string_view plaintext, std::string_view associated) const;
  // kInternal if the sealed text is malformed, was sealed under another key or was tampered with.
  Result<std::string> Unseal(std::string_view sealed, std::string_view associated) const;

 private:
  std::string key_;
};

}  // namespace openarts::iam
