#include "secret_box.h"

#include <openssl/evp.h>
#include <sys/stat.h>

#include <filesystem>
#include <memory>

#include "base/crypto.h"
#include "base/fs.h"
#include "base/log.h"

namespace openarts::iam {

namespace {

constexpr size_t kNonceSize = 12, kTagSize = 16;
constexpr std::string_view kPrefix = "v1:";

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

Result<SecretBox> SecretBox::Open(const std::string& path) {
  if (path.empty()) {
    OA_LOG_WARN("iam: no master key path configured; AK/SK secrets use an ephemeral key and "
                "will not verify after a restart");
    return SecretBox(RandomBytes(kKeySize));
  }
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    std::filesystem::path p(path);
    if (p.has_parent_path()) OA_TRY(MakeDirs(p.parent_path(), 0700));
    OA_TRY(WriteFileAtomic(p, RandomBytes(kKeySize), 0600));
    OA_LOG_INFO("iam: created master key {}", path);
  }
  OA_ASSIGN_OR_RETURN(std::string key, ReadFile(path));
  if (key.size() != kKeySize) {
    return FailedPrecondition("master key " + path + " has " + std::to_string(key.size()) +
                              " bytes; it must hold exactly 32 (restore it from backup, or move "
                              "it away to create a new one and re-create all AK/SK)");
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    OA_LOG_WARN("iam: master key {} is readable by group or others; chmod 600 it", path);
  }
  return SecretBox(std::move(key));
}

std::string SecretBox::Seal(std::string_view plaintext, std::string_view associated) const {
  std::string nonce = RandomBytes(kNonceSize);
  std::string out = nonce;
  out.resize(kNonceSize + plaintext.size() + kTagSize);
  auto* ct = reinterpret_cast<unsigned char*>(out.data()) + kNonceSize;
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int len = 0, fin = 0;
  bool ok = ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, U(key_), U(nonce)) == 1 &&
            EVP_EncryptUpdate(ctx.get(), nullptr, &len, U(associated),
                              static_cast<int>(associated.size())) == 1 &&
            EVP_EncryptUpdate(ctx.get(), ct, &len, U(plaintext),
                              static_cast<int>(plaintext.size())) == 1 &&
            EVP_EncryptFinal_ex(ctx.get(), ct + len, &fin) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize,
                                ct + plaintext.size()) == 1;
  OA_CHECK(ok);  // AES-GCM with valid sizes cannot fail short of a broken libcrypto
  return std::string(kPrefix) + HexEncode(out);
}

Result<std::string> SecretBox::Unseal(std::string_view sealed, std::string_view associated) const {
  if (!sealed.starts_with(kPrefix)) return Internal("sealed secret has an unknown format");
  OA_ASSIGN_OR_RETURN(std::string raw, HexDecode(sealed.substr(kPrefix.size())));
  if (raw.size() < kNonceSize + kTagSize) return Internal("sealed secret is truncated");
  std::string_view all(raw);
  std::string_view nonce = all.substr(0, kNonceSize);
  std::string_view ct = all.substr(kNonceSize, raw.size() - kNonceSize - kTagSize);
  std::string tag(all.substr(raw.size() - kTagSize));
  std::string out(ct.size(), '\0');
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int len = 0, fin = 0;
  bool ok = ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, U(key_), U(nonce)) == 1 &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len, U(associated),
                              static_cast<int>(associated.size())) == 1 &&
            EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, U(ct),
                              static_cast<int>(ct.size())) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag.data()) == 1 &&
            EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + len,
                                &fin) == 1;
  if (!ok) {
    return Internal("sealed secret does not open under this master key (wrong key or tampered "
                    "row)");
  }
  return out;
}

}  // namespace openarts::iam
