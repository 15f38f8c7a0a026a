#include "config.h"

#include <sys/stat.h>

#include <cstdlib>

#include "base/fs.h"
#include "base/strings.h"

namespace openarts::cli {

namespace {

std::string Get(const IniFile::Section& s, const std::string& key) {
  for (const auto& [k, v] : s) {
    if (k == key) return v;
  }
  return {};
}

bool ParseBool(const std::string& v, bool def) {
  if (v == "true" || v == "yes" || v == "1" || v == "on") return true;
  if (v == "false" || v == "no" || v == "0" || v == "off") return false;
  return def;
}

}  // namespace

const IniFile::Section* IniFile::Find(const std::string& name) const {
  for (const auto& [n, s] : sections) {
    if (n == name) return &s;
  }
  return nullptr;
}

IniFile::Section& IniFile::GetOrAdd(const std::string& name) {
  for (auto& [n, s] : sections) {
    if (n == name) return s;
  }
  sections.emplace_back(name, Section{});
  return sections.back().second;
}

bool IniFile::Remove(const std::string& name) {
  for (auto it = sections.begin(); it != sections.end(); ++it) {
    if (it->first == name) {
      sections.erase(it);
      return true;
    }
  }
  return false;
}

Result<IniFile> ParseIni(std::string_view text, const std::string& file_name) {
  IniFile ini;
  IniFile::Section* current = nullptr;
  int line_no = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = TrimWhitespace(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    auto where = [&] { return file_name + " line " + std::to_string(line_no) + ": "; };
    if (line.front() == '[') {
      if (line.back() != ']' || line.size() < 3) {
        return InvalidArgument(where() + "a section header must look like [profile-name]");
      }
      current = &ini.GetOrAdd(std::string(TrimWhitespace(line.substr(1, line.size() - 2))));
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string_view::npos) return InvalidArgument(where() + "expected 'key = value'");
    if (current == nullptr) return InvalidArgument(where() + "'key = value' before any [profile] header");
    std::string key(TrimWhitespace(line.substr(0, eq)));
    std::string value(TrimWhitespace(line.substr(eq + 1)));
    if (key.empty()) return InvalidArgument(where() + "the key before '=' is empty");
    bool replaced = false;
    for (auto& [k, v] : *current) {
      if (k == key) {
        v = value;
        replaced = true;
      }
    }
    if (!replaced) current->emplace_back(std::move(key), std::move(value));
  }
  return ini;
}

std::string SerializeIni(const IniFile& ini) {
  std::string out = "# ma-cli profiles (written by 'ma-cli configure'). Holds secrets: keep it 0600.\n";
  for (const auto& [name, section] : ini.sections) {
    out += "\n[" + name + "]\n";
    for (const auto& [k, v] : section) out += k + " = " + v + "\n";
  }
  return out;
}

std::filesystem::path DefaultConfigPath() {
  if (const char* env = std::getenv("MA_CLI_CONFIG"); env != nullptr && *env != '\0') return env;
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home != nullptr && *home != '\0' ? home : ".") / ".modelarts" /
         "ma-cli-profile.ini";
}

std::filesystem::path TokenCachePath(const std::filesystem::path& config, const std::string& profile) {
  std::string safe;
  for (char c : profile) safe += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_';
  return config.parent_path() / ("ma-cli-token-" + safe);
}

Result<Profile> LoadProfile(const std::filesystem::path& config, const std::string& name) {
  auto text = ReadFile(config);
  if (!text.ok()) {
    if (text.status().code() == Code::kNotFound) {
      return NotFound("no config file " + config.string() + "; run 'ma-cli configure" +
                      (name == "DEFAULT" ? "" : " -P " + name) + "' first");
    }
    return text.status();
  }
  OA_ASSIGN_OR_RETURN(IniFile ini, ParseIni(*text, config.string()));
  const IniFile::Section* s = ini.Find(name);
  if (s == nullptr) {
    return NotFound("profile '" + name + "' is not in " + config.string() + "; run 'ma-cli configure -P " +
                    name + "'");
  }
  Profile p;
  p.server = Get(*s, "server");
  if (auto v = Get(*s, "project"); !v.empty()) p.project = v;
  p.username = Get(*s, "username");
  p.password = Get(*s, "password");
  p.ak = Get(*s, "ak");
  p.sk = Get(*s, "sk");
  p.verify_tls = ParseBool(Get(*s, "verify_tls"), true);
  p.ca_file = Get(*s, "ca_file");
  return p;
}

Status SaveProfile(const std::filesystem::path& config, const std::string& name, const Profile& p) {
  IniFile ini;
  auto text = ReadFile(config);
  if (text.ok()) {
    OA_ASSIGN_OR_RETURN(ini, ParseIni(*text, config.string()));
  } else if (text.status().code() != Code::kNotFound) {
    return text.status();
  }
  IniFile::Section section;
  section.emplace_back("server", p.server);
  section.emplace_back("project", p.project);
  if (p.uses_aksk()) {
    section.emplace_back("ak", p.ak);
    section.emplace_back("sk", p.sk);
  } else {
    section.emplace_back("username", p.username);
    section.emplace_back("password", p.password);
  }
  if (!p.verify_tls) section.emplace_back("verify_tls", "false");
  if (!p.ca_file.empty()) section.emplace_back("ca_file", p.ca_file);
  ini.GetOrAdd(name) = std::move(section);

  auto dir = config.parent_path();
  std::error_code ec;
  if (!dir.empty() && !std::filesystem::exists(dir, ec)) OA_TRY(MakeDirs(dir, 0700));
  OA_TRY(WriteFileAtomic(config, SerializeIni(ini), 0600));
  // WriteFileAtomic's mode is filtered by the umask; secrets must not be group-readable anyway.
  ::chmod(config.c_str(), 0600);
  return Status::Ok();
}

client::Options ToClientOptions(const Profile& p, const std::filesystem::path& config,
                                const std::string& profile_name, bool debug) {
  client::Options o;
  o.server = p.server;
  o.project = p.project;
  o.username = p.username;
  o.password = p.password;
  o.access_key = p.ak;
  o.secret_key = p.sk;
  if (o.access_key.empty() && o.username.empty()) {
    const char* ak = std::getenv("HUAWEICLOUD_SDK_AK");
    const char* sk = std::getenv("HUAWEICLOUD_SDK_SK");
    if (ak != nullptr && sk != nullptr) {
      o.access_key = ak;
      o.secret_key = sk;
    }
  }
  o.verify_tls = p.verify_tls;
  o.ca_file = p.ca_file;
  if (!o.username.empty()) o.token_cache = TokenCachePath(config, profile_name);
  o.debug = debug;
  return o;
}

}  // namespace openarts::cli
