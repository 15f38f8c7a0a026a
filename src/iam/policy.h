// The fine-grained policy language (spec §3) compiled for fast evaluation.
//
// A policy document is validated once (CompilePolicy) into statements whose action patterns are
// lowercased and whose conditions are parsed into operator codes; evaluation then touches no
// JSON. A PolicySet is the union of every policy bound to one principal: the "decision table"
// the authorizer caches per user. Immutable after construction, so shared freely across threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "iam/iam.h"

namespace openarts::iam {

enum class ConditionOp {
  kStringEquals,
  kStringNotEquals,
  kLike,
  kStartWith,
  kEndWith,
  kBool,
  kIsNullOrEmpty,
};

struct Condition {
  ConditionOp op;
  bool if_exists = false;  // "...IfExists": an absent key satisfies the condition
  std::string key;         // as written; looked up case-insensitively
  std::vector<std::string> values;
};

struct Statement {
  bool allow = true;
  std::vector<std::string> actions;  // lowercased glob patterns
  std::vector<Condition> conditions;  // all must hold
  std::string source;                 // "role 'X' statement #2", for denial logs
};

// Validates `doc` and compiles it. kInvalidArgument naming the field and the fix
// ("Statement[1].Action[0] 'modelarts:pool' must have the form service:resource:operation").
// `source` names the policy in compiled statements (e.g. "role 'ModelArts FullAccess'").
Result<std::vector<Statement>> CompilePolicy(const Json& doc, std::string_view source = "policy");

// Facts a condition can test. Values for the global keys come from the principal; `extra` from
// the caller (ConditionContext).
struct EvalContext {
  std::string_view user_name, user_id, project_name, current_time;
  const ConditionContext* extra = nullptr;
};

struct Decision {
  enum class Effect { kImplicitDeny, kAllow, kDeny };
  Effect effect = Effect::kImplicitDeny;
  const Statement* statement = nullptr;  // the statement that decided (null for implicit deny)
  bool allowed() const { return effect == Effect::kAllow; }
};

class PolicySet {
 public:
  PolicySet() = default;
  // Appends every statement of a compiled policy.
  void Add(std::vector<Statement> statements);
  // Explicit Deny wins, then any Allow, else implicit deny. `action` in any case.
  Decision Evaluate(std::string_view action, const EvalContext& ctx) const;
  size_t size() const { return deny_.size() + allow_.size(); }

 private:
  // Kept apart so a Deny is found without scanning Allows first.
  std::vector<Statement> deny_, allow_;
};

// Glob match with '*' (any run, including empty) and '?' (one character); linear time, no
// recursion. `case_insensitive` folds ASCII.
bool GlobMatch(std::string_view pattern, std::string_view text, bool case_insensitive);

}  // namespace openarts::iam
