// ParseTrainYaml reads files users write by hand. It must never crash or throw, a parsed config
// must survive merging, and a body built from it must serialise (valid UTF-8 JSON). The same bytes
// also go through the --parameters and --volumes string parsers.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "formats/formats.h"

using namespace openarts;
using namespace openarts::formats;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  FakeClock clock;
  auto config = ParseTrainYaml(in, "fuzz.yaml");
  if (!config.ok()) {
    if (config.status().code() != Code::kInvalidArgument) std::abort();
    if (config.status().message().rfind("fuzz.yaml", 0) != 0) std::abort();  // names the file
  } else {
    SubmitConfig merged;
    MergeInto(merged, *config);
    if (!(merged == *config)) std::abort();
    auto body = ToCreateBody(*config, clock);
    if (body.ok())
      (void)body->dump();  // throws (and so aborts) on invalid UTF-8
    else if (body.status().message().empty())
      std::abort();
    (void)LintWarnings(*config);
  }
  auto params = ParseParameterString(in);
  if (!params.ok() && params.status().message().empty()) std::abort();
  auto volume = ParseVolumeString(in);
  if (!volume.ok() && volume.status().message().empty()) std::abort();
  SubmitConfig cli;
  (void)ApplyOption(cli, "input", in);
  (void)ApplyOption(cli, "env-variables", in);
  return 0;
}
