// Session: profile options, URL normalisation and the shared token state with its disk cache.
#include <curl/curl.h>
#include <sys/stat.h>

#include <mutex>

#include "base/clock.h"
#include "base/fs.h"
#include "client/client.h"

namespace openarts::client {

namespace {

// A token this close to its expiry is renewed before use: a request signed with it could
// otherwise expire in flight.
constexpr int64_t kTokenRenewMarginMs = 60'000;

// Splits "scheme://authority/..." into base URL and Host header value. curl omits the default
// port from Host, so we do too: the signature covers exactly what is sent.
Status NormalizeServer(std::string server, std::string* base_url, std::string* host) {
  while (!server.empty() && (server.back() == '/' || server.back() == ' ')) server.pop_back();
  while (!server.empty() && server.front() == ' ') server.erase(0, 1);
  if (server.empty()) {
    return InvalidArgument("no server URL in the profile; run 'ma-cli configure --server URL'");
  }
  if (server.find("://") == std::string::npos) server = "http://" + server;
  auto scheme_end = server.find("://");
  std::string scheme = server.substr(0, scheme_end);
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "http" && scheme != "https") {
    return InvalidArgument("server URL '" + server + "' must start with http:// or https://");
  }
  std::string rest = server.substr(scheme_end + 3);
  auto slash = rest.find('/');
  if (slash != std::string::npos) {
    return InvalidArgument("server URL '" + server +
                           "' must not have a path; give only scheme://host:port");
  }
  if (rest.empty()) return InvalidArgument("server URL '" + server + "' has no host");
  std::string authority = rest;
  if (scheme == "http" && authority.size() > 3 && authority.ends_with(":80")) {
    authority.resize(authority.size() - 3);
  } else if (scheme == "https" && authority.size() > 4 && authority.ends_with(":443")) {
    authority.resize(authority.size() - 4);
  }
  *base_url = scheme + "://" + rest;
  *host = authority;
  return Status::Ok();
}

}  // namespace

struct Session::State {
  mutable std::mutex mu;
  std::optional<Token> token;
  bool cache_loaded = false;
  std::string project_id;
};

Session::Session(Options options) : options_(std::move(options)), state_(std::make_shared<State>()) {}

Result<std::shared_ptr<Session>> Session::Create(Options options) {
  static std::once_flag curl_init;
  std::call_once(curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::string base, host;
  OA_TRY(NormalizeServer(options.server, &base, &host));
  if (options.access_key.empty() != options.secret_key.empty()) {
    return InvalidArgument("an AK/SK profile needs both the access key (ak) and the secret key (sk)");
  }
  if (options.access_key.empty() && options.username.empty()) {
    return InvalidArgument(
        "the profile has no credentials; run 'ma-cli configure' with --username/--password or "
        "--ak/--sk");
  }
  auto s = std::shared_ptr<Session>(new Session(std::move(options)));
  s->base_url_ = std::move(base);
  s->host_ = std::move(host);
  return s;
}

std::string Session::project_id() const {
  std::lock_guard lock(state_->mu);
  return state_->project_id;
}

void Session::set_project_id(std::string id) {
  std::lock_guard lock(state_->mu);
  state_->project_id = std::move(id);
}

Result<Token> Session::CurrentToken(const LoginFn& login, const std::string& stale) {
  // One lock across the login: when eight workers see a 401 together, one logs in and the
  // others reuse its token instead of stampeding the server.
  std::lock_guard lock(state_->mu);
  if (!state_->cache_loaded) {
    state_->cache_loaded = true;
    if (auto cached = LoadCachedToken()) state_->token = std::move(cached);
  }
  auto& tok = state_->token;
  if (tok && !stale.empty() && tok->token == stale) tok.reset();
  if (tok && tok->expires_at - kTokenRenewMarginMs > SystemClock().NowMillis()) return *tok;
  OA_ASSIGN_OR_RETURN(Token fresh, login());
  if (!fresh.project_id.empty()) state_->project_id = fresh.project_id;
  StoreCachedToken(fresh);
  tok = fresh;
  return fresh;
}

void Session::ForgetToken() {
  std::lock_guard lock(state_->mu);
  state_->token.reset();
  state_->cache_loaded = true;
  if (!options_.token_cache.empty()) {
    std::error_code ec;
    std::filesystem::remove(options_.token_cache, ec);
  }
}

std::optional<Token> Session::LoadCachedToken() const {
  if (options_.token_cache.empty()) return std::nullopt;
  auto text = ReadFile(options_.token_cache);
  if (!text.ok()) return std::nullopt;
  auto j = ParseJson(*text);
  if (!j.ok() || !j->is_object()) return std::nullopt;
  // A token is only good for the server, user and project it was issued for; a profile edited
  // since must not reuse it.
  auto str = [&](const char* k) {
    auto it = j->find(k);
    return it != j->end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (str("server") != base_url_ || str("username") != options_.username ||
      str("project") != options_.project) {
    return std::nullopt;
  }
  Token t;
  t.token = str("token");
  t.user_id = str("user_id");
  t.user_name = options_.username;
  t.project_id = str("project_id");
  t.project_name = options_.project;
  t.expires_at = ParseTimeMillis(j->value("expires_at", Json()));
  if (t.token.empty() || t.expires_at == 0) return std::nullopt;
  return t;
}

void Session::StoreCachedToken(const Token& token) const {
  if (options_.token_cache.empty()) return;
  Json j = {{"server", base_url_},      {"username", options_.username},
            {"project", options_.project}, {"token", token.token},
            {"expires_at", token.expires_at}, {"user_id", token.user_id},
            {"project_id", token.project_id}};
  auto dir = options_.token_cache.parent_path();
  // Only a missing directory is created (0700); an existing one keeps its mode.
  std::error_code ec;
  if (!dir.empty() && !std::filesystem::exists(dir, ec)) (void)MakeDirs(dir, 0700);
  // Best effort: a read-only home only costs a login per invocation.
  (void)WriteFileAtomic(options_.token_cache, j.dump(), 0600);
}

}  // namespace openarts::client
