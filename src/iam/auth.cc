// Authentication: password login, tokens, AK/SK credentials and SDK-HMAC-SHA256 verification.
#include <algorithm>

#include "base/crypto.h"
#include "base/log.h"
#include "base/sdk_hmac.h"
#include "iam_impl.h"
#include "util.h"

namespace openarts::iam {

namespace {

constexpr std::string_view kTokenPrefix = "oat_";
constexpr size_t kTokenRandomBytes = 32;
constexpr size_t kTokenLength = 4 + 43;  // prefix + base64url(32 bytes) without padding
constexpr int64_t kPurgeEveryMs = 10 * 60 * 1000;
constexpr int64_t kLastUseResolutionMs = 60 * 1000;
constexpr size_t kMaxCredentialsPerUser = 2;  // as Huawei IAM: rotate by creating the second
constexpr std::string_view kWrongPassword = "the user name or password is wrong";
constexpr std::string_view kAkskFail =
    "Incorrect IAM authentication information: verify aksk signature fail";

const std::string* FindHeader(const std::vector<std::pair<std::string, std::string>>& headers,
                              std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (IEquals(k, name)) return &v;
  }
  return nullptr;
}

Credential RowToCredential(const meta::Row& r) {
  Credential c;
  c.access_key = r.Str(0);
  c.user_id = r.Str(1);
  c.description = r.Str(2);
  c.status = r.Str(3);
  c.create_time = r.Int(4);
  c.last_use_time = r.Int(5);
  return c;
}
constexpr std::string_view kCredCols =
    "access_key, user_id, description, status, create_time, last_use_time";

}  // namespace

const std::string& IamImpl::DummyPasswordHash() {
  // Computed on first need rather than in Open(), which would cost every start an Argon2 run.
  std::call_once(dummy_once_, [this] {
    auto h = HashPassword(HexEncode(RandomBytes(16)));
    dummy_hash_ = h.ok() ? *h : std::string();
  });
  return dummy_hash_;
}

// ---------------------------------------------------------------- tokens

Result<IssuedToken> IamImpl::IssueToken(const std::string& user_name, const std::string& password,
                                        const std::string& project_name) {
  OA_ASSIGN_OR_RETURN(Project project, ProjectByName(project_name));
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT id, password_hash, enabled FROM users "
                                           "WHERE name = $1",
                                           {user_name}));
  if (rows.empty() || rows[0].IsNull(1) || rows[0].Str(1).empty()) {
    // Spend an Argon2 verification anyway so timing does not reveal which names exist.
    (void)VerifyPassword(DummyPasswordHash(), password);
    return Unauthenticated(std::string(kWrongPassword));
  }
  if (!VerifyPassword(rows[0].Str(1), password)) return Unauthenticated(std::string(kWrongPassword));
  const std::string user_id = rows[0].Str(0);
  // Only after the password proved who is asking may we say the account is disabled.
  if (rows[0].Int(2) == 0) return PermissionDenied("user '" + user_name + "' is disabled");

  const int64_t now = clock_.NowMillis();
  IssuedToken out;
  out.token = std::string(kTokenPrefix) + Base64UrlEncode(RandomBytes(kTokenRandomBytes));
  out.issued_at = now;
  out.expires_at = now + options_.token_ttl_ms;
  const std::string digest = Sha256(out.token);
  OA_TRY(db_.Exec("INSERT INTO tokens(token_hash, user_id, project_id, issued_at, expires_at) "
                  "VALUES ($1, $2, $3, $4, $5)",
                  {HexEncode(digest), user_id, project.id, out.issued_at, out.expires_at})
             .status());
  OA_ASSIGN_OR_RETURN(auto info, LoadUserInfo(user_id));
  auto entry = std::make_shared<TokenEntry>();
  entry->principal = Principal{user_id, info->name, project.id, project.name, info->is_admin,
                               "token", ""};
  entry->issued_at = out.issued_at;
  entry->expires_at = out.expires_at;
  entry->loaded_at = now;
  out.principal = entry->principal;
  {
    std::unique_lock lock(mu_);
    tokens_[digest] = entry;
  }
  OA_ASSIGN_OR_RETURN(auto policy, LoadPolicy(user_id, project.id));
  out.roles = policy->role_names;
  MaybePurgeTokens(now);
  return out;
}

void IamImpl::MaybePurgeTokens(int64_t now) {
  int64_t last = last_purge_.load();
  if (now - last < kPurgeEveryMs || !last_purge_.compare_exchange_strong(last, now)) return;
  auto n = db_.Exec("DELETE FROM tokens WHERE expires_at <= $1", {now});
  if (!n.ok()) OA_LOG_WARN("iam: purging expired tokens: {}", n.status().ToString());
  std::unique_lock lock(mu_);
  for (auto it = tokens_.begin(); it != tokens_.end();) {
    it = it->second->expires_at <= now ? tokens_.erase(it) : std::next(it);
  }
}

Result<std::shared_ptr<const IamImpl::TokenEntry>> IamImpl::LoadToken(const std::string& digest) {
  const int64_t now = clock_.NowMillis();
  {
    std::shared_lock lock(mu_);
    auto it = tokens_.find(digest);
    // Revoked and expired entries are final; only live ones need re-reading for other processes.
    if (it != tokens_.end() &&
        (it->second->revoked || now - it->second->loaded_at < kRefreshMs)) {
      return it->second;
    }
  }
  const uint64_t gen = token_gen_.load();
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT user_id, project_id, issued_at, expires_at, "
                                           "revoked FROM tokens WHERE token_hash = $1",
                                           {HexEncode(digest)}));
  if (rows.empty()) return Unauthenticated("token is invalid");
  auto entry = std::make_shared<TokenEntry>();
  const std::string user_id = rows[0].Str(0);
  OA_ASSIGN_OR_RETURN(auto info, LoadUserInfo(user_id));
  OA_ASSIGN_OR_RETURN(std::string project_name, ProjectName(rows[0].Str(1)));
  entry->principal =
      Principal{user_id, info->name, rows[0].Str(1), project_name, info->is_admin, "token", ""};
  entry->issued_at = rows[0].Int(2);
  entry->expires_at = rows[0].Int(3);
  entry->revoked = rows[0].Int(4) != 0;
  entry->loaded_at = now;
  Publish(tokens_, digest, entry, token_gen_, gen);
  return std::shared_ptr<const TokenEntry>(entry);
}

Result<Principal> IamImpl::ValidateToken(const std::string& token) {
  // Reject what cannot be one of ours before hashing or touching the database.
  if (token.size() != kTokenLength || !std::string_view(token).starts_with(kTokenPrefix)) {
    return Unauthenticated("token is invalid");
  }
  auto entry = LoadToken(Sha256(token));
  if (!entry.ok()) {
    if (entry.status().code() == Code::kNotFound) return Unauthenticated("token is invalid");
    return entry.status();
  }
  const TokenEntry& t = **entry;
  if (t.revoked) return Unauthenticated("token has been revoked");
  if (clock_.NowMillis() >= t.expires_at) return Unauthenticated("token has expired");
  auto info = LoadUserInfo(t.principal.user_id);
  if (!info.ok()) {
    if (info.status().code() == Code::kNotFound) return Unauthenticated("token has been revoked");
    return info.status();
  }
  if (!(*info)->enabled || t.issued_at < (*info)->tokens_valid_after) {
    return Unauthenticated("token has been revoked");
  }
  return t.principal;
}

Result<IssuedToken> IamImpl::DescribeToken(const std::string& token) {
  OA_ASSIGN_OR_RETURN(Principal p, ValidateToken(token));
  OA_ASSIGN_OR_RETURN(auto entry, LoadToken(Sha256(token)));
  OA_ASSIGN_OR_RETURN(auto policy, LoadPolicy(p.user_id, p.project_id));
  IssuedToken out;
  out.principal = std::move(p);
  out.issued_at = entry->issued_at;
  out.expires_at = entry->expires_at;
  out.roles = policy->role_names;
  return out;  // out.token stays empty: the secret is only ever returned by IssueToken
}

Status IamImpl::RevokeToken(const std::string& token) {
  const std::string digest = Sha256(token);
  OA_ASSIGN_OR_RETURN(int64_t n, db_.Exec("UPDATE tokens SET revoked = 1 WHERE token_hash = $1",
                                          {HexEncode(digest)}));
  if (n == 0) return NotFound("token does not exist");
  token_gen_.fetch_add(1);
  std::unique_lock lock(mu_);
  auto it = tokens_.find(digest);
  if (it != tokens_.end()) {
    auto revoked = std::make_shared<TokenEntry>(*it->second);
    revoked->revoked = true;
    it->second = std::move(revoked);
  }
  return Status::Ok();
}

// ---------------------------------------------------------------- AK/SK

Result<Credential> IamImpl::CreateCredential(const std::string& user_id,
                                             const std::string& description) {
  OA_TRY(GetUser(user_id).status());
  OA_TRY(ValidateText("description", description, 255));
  OA_ASSIGN_OR_RETURN(auto count,
                      db_.Query("SELECT COUNT(*) FROM credentials WHERE user_id = $1", {user_id}));
  if (!count.empty() && count[0].Int(0) >= static_cast<int64_t>(kMaxCredentialsPerUser)) {
    return ResourceExhausted("user '" + user_id + "' already has " +
                             std::to_string(kMaxCredentialsPerUser) +
                             " access keys; delete one before creating another");
  }
  Credential c;
  c.access_key = RandomFrom("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 20);
  c.secret = RandomFrom("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 40);
  c.user_id = user_id;
  c.description = description;
  c.status = "active";
  c.create_time = clock_.NowMillis();
  OA_TRY(db_.Exec("INSERT INTO credentials(access_key, secret_sealed, user_id, description, "
                  "status, create_time) VALUES ($1, $2, $3, $4, 'active', $5)",
                  {c.access_key, box_.Seal(c.secret, c.access_key), user_id, description,
                   c.create_time})
             .status());
  return c;
}

Result<std::vector<Credential>> IamImpl::ListCredentials(const std::string& user_id) {
  std::string sql = "SELECT " + std::string(kCredCols) + " FROM credentials";
  meta::Params params;
  if (!user_id.empty()) {
    sql += " WHERE user_id = $1";
    params.push_back(user_id);
  }
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query(sql + " ORDER BY create_time, access_key", params));
  std::vector<Credential> out;
  for (const auto& r : rows) out.push_back(RowToCredential(r));
  return out;
}

Result<Credential> IamImpl::GetCredential(const std::string& access_key) {
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT " + std::string(kCredCols) +
                                               " FROM credentials WHERE access_key = $1",
                                           {access_key}));
  if (rows.empty()) return NotFound("access key '" + access_key + "' does not exist");
  return RowToCredential(rows[0]);
}

Status IamImpl::DeleteCredential(const std::string& access_key) {
  OA_ASSIGN_OR_RETURN(int64_t n,
                      db_.Exec("DELETE FROM credentials WHERE access_key = $1", {access_key}));
  if (n == 0) return NotFound("access key '" + access_key + "' does not exist");
  cred_gen_.fetch_add(1);
  std::unique_lock lock(mu_);
  secrets_.erase(access_key);
  return Status::Ok();
}

Result<std::shared_ptr<const IamImpl::SecretEntry>> IamImpl::LoadSecret(
    const std::string& access_key) {
  const int64_t now = clock_.NowMillis();
  if (auto hit = FindFresh(secrets_, access_key, now)) return hit;
  const uint64_t gen = cred_gen_.load();
  OA_ASSIGN_OR_RETURN(auto rows, db_.Query("SELECT secret_sealed, user_id, status, last_use_time "
                                           "FROM credentials WHERE access_key = $1",
                                           {access_key}));
  if (rows.empty()) return NotFound("access key does not exist");
  auto entry = std::make_shared<SecretEntry>();
  auto secret = box_.Unseal(rows[0].Str(0), access_key);
  if (!secret.ok()) {
    OA_LOG_ERROR("iam: access key {}: {}", access_key, secret.status().message());
    return secret.status();
  }
  entry->secret = std::move(*secret);
  entry->user_id = rows[0].Str(1);
  entry->active = rows[0].Str(2) == "active";
  entry->loaded_at = now;
  {
    std::shared_lock lock(mu_);
    auto it = secrets_.find(access_key);
    // Carry the write throttle over a refresh so it still writes at most once a minute.
    entry->last_use_written = it != secrets_.end() ? it->second->last_use_written.load()
                                                   : rows[0].Int(3);
  }
  Publish(secrets_, access_key, entry, cred_gen_, gen);
  return std::shared_ptr<const SecretEntry>(entry);
}

Result<Principal> IamImpl::VerifySignature(const SignedRequest& request) {
  const std::string* auth = FindHeader(request.headers, "authorization");
  if (auth == nullptr) {
    return Unauthenticated("Incorrect IAM authentication information: Authorization header is "
                           "missing");
  }
  OA_ASSIGN_OR_RETURN(sdk_hmac::ParsedAuthorization parsed, sdk_hmac::ParseAuthorization(*auth));
  if (std::find(parsed.signed_headers.begin(), parsed.signed_headers.end(), "x-sdk-date") ==
      parsed.signed_headers.end()) {
    return Unauthenticated("Incorrect IAM authentication information: SignedHeaders must include "
                           "x-sdk-date");
  }
  const std::string* date_header = FindHeader(request.headers, "x-sdk-date");
  std::string date = date_header ? std::string(TrimWhitespace(*date_header)) : std::string();
  const int64_t signed_at = ParseSdkDate(date);
  if (signed_at < 0) {
    return Unauthenticated("Incorrect IAM authentication information: X-Sdk-Date header '" +
                           date.substr(0, 32) + "' must be UTC time like 20191115T033655Z");
  }
  const int64_t now = clock_.NowMillis();
  if (std::abs(now - signed_at) > options_.max_clock_skew_ms) {
    return Unauthenticated("Incorrect app authentication information: signature expired, "
                           "signature time:" + date + ", server time:" + FormatSdkDate(now));
  }
  auto secret = LoadSecret(parsed.access_key);
  if (!secret.ok()) {
    if (secret.status().code() == Code::kNotFound) {
      return Unauthenticated("Incorrect IAM authentication information: access key '" +
                             parsed.access_key.substr(0, 40) + "' does not exist");
    }
    return secret.status();
  }
  const SecretEntry& s = **secret;
  if (!s.active) {
    return Unauthenticated("Incorrect IAM authentication information: access key '" +
                           parsed.access_key + "' is not active");
  }
  sdk_hmac::SignInput in{request.method, request.raw_path, request.raw_query, request.headers,
                         request.body_sha256_hex};
  std::string expected = sdk_hmac::Signature(
      s.secret, sdk_hmac::StringToSign(date, sdk_hmac::CanonicalRequest(in, parsed.signed_headers)));
  if (!ConstantTimeEquals(expected, parsed.signature)) return Unauthenticated(std::string(kAkskFail));

  auto info = LoadUserInfo(s.user_id);
  if (!info.ok() || !(*info)->enabled) {
    return Unauthenticated("Incorrect IAM authentication information: the user of access key '" +
                           parsed.access_key + "' is disabled or deleted");
  }
  int64_t last = s.last_use_written.load();
  if (now - last >= kLastUseResolutionMs && s.last_use_written.compare_exchange_strong(last, now)) {
    auto r = db_.Exec("UPDATE credentials SET last_use_time = $1 WHERE access_key = $2",
                      {now, parsed.access_key});
    if (!r.ok()) OA_LOG_WARN("iam: recording last use of an access key: {}", r.status().ToString());
  }
  OA_ASSIGN_OR_RETURN(Project project, CachedDefaultProject());
  return Principal{s.user_id,     (*info)->name, project.id, project.name, (*info)->is_admin,
                   "aksk",        parsed.access_key};
}

}  // namespace openarts::iam
