// Feeds arbitrary bytes to the policy validator/compiler as a document (custom roles are user
// input) and evaluates what compiles against a few actions and condition contexts. Must never
// crash, hang or leak; a rejected document is a fine outcome.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/json.h"
#include "policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace openarts;
  using namespace openarts::iam;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto doc = ParseJson(text);
  if (!doc.ok()) return 0;
  auto compiled = CompilePolicy(*doc, "fuzz");
  if (!compiled.ok()) {
    (void)compiled.status().message().size();
    return 0;
  }
  PolicySet set;
  set.Add(std::move(*compiled));
  static const ConditionContext kExtra = {{"modelarts:poolType", "public"}, {"modelarts:x", ""}};
  EvalContext ctxs[] = {
      {"alice", "0123456789abcdef0123456789abcdef", "cn-north-4", "2026-01-01T00:00:00.000Z",
       &kExtra},
      {"", "", "", "", nullptr},
  };
  static const std::string_view kActions[] = {
      "modelarts:trainJob:create", "modelarts:pool:delete", "obs:object:GetObject",
      "iam:users:create", "", "::", "MODELARTS:*:*",
  };
  for (const auto& ctx : ctxs) {
    for (auto action : kActions) (void)set.Evaluate(action, ctx);
  }
  // The input itself as an action exercises the glob matcher on hostile text.
  (void)set.Evaluate(text.substr(0, 256), ctxs[0]);
  return 0;
}
