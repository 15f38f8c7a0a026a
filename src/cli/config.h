// Profiles: the INI file ma-cli reads its server and credentials from, one section per
// profile. The file holds secrets, so it is written atomically with mode 0600.
//
//   [DEFAULT]
//   server = http://127.0.0.1:8080
//   project = local
//   username = admin
//   password = ...
//
//   [robot]
//   server = https://openarts.example.com
//   ak = ...
//   sk = ...
//   verify_tls = true
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "client/client.h"

namespace openarts::cli {

// An INI document: sections in file order, keys in section order. Comments and blank lines are
// not kept (the file is ma-cli's, not a hand-edited one).
struct IniFile {
  using Section = std::vector<std::pair<std::string, std::string>>;
  std::vector<std::pair<std::string, Section>> sections;

  const Section* Find(const std::string& name) const;
  Section& GetOrAdd(const std::string& name);
  bool Remove(const std::string& name);
};

// kInvalidArgument naming the line for a malformed line ("line 3: expected key = value").
Result<IniFile> ParseIni(std::string_view text, const std::string& file_name = "config");
std::string SerializeIni(const IniFile& ini);

struct Profile {
  std::string server;
  std::string project = "local";
  std::string username, password;
  std::string ak, sk;
  bool verify_tls = true;
  std::string ca_file;

  bool uses_aksk() const { return !ak.empty(); }
};

// $MA_CLI_CONFIG, else ~/.modelarts/ma-cli-profile.ini.
std::filesystem::path DefaultConfigPath();
// The token cache of `profile` beside the config file: <dir>/ma-cli-token-<profile>.
std::filesystem::path TokenCachePath(const std::filesystem::path& config, const std::string& profile);

// kNotFound "profile 'x' is not in FILE; run 'ma-cli configure -P x'" when the file or the
// section is missing; kInvalidArgument for a malformed file.
Result<Profile> LoadProfile(const std::filesystem::path& config, const std::string& name);
// Replaces (or adds) section `name`, keeping the other profiles; creates the directory (0700)
// and writes the file atomically with mode 0600.
Status SaveProfile(const std::filesystem::path& config, const std::string& name, const Profile& p);

// The client options for a profile. AK/SK fall back to $HUAWEICLOUD_SDK_AK/$HUAWEICLOUD_SDK_SK
// when the profile has no credentials.
client::Options ToClientOptions(const Profile& p, const std::filesystem::path& config,
                                const std::string& profile_name, bool debug);

}  // namespace openarts::cli
