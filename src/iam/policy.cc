#include "policy.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "util.h"

namespace openarts::iam {

namespace {

// Bounds keep a hostile document (a custom role, the fuzzer) from costing unbounded memory or
// evaluation time; real policies are far smaller.
constexpr size_t kMaxStatements = 100;
constexpr size_t kMaxActions = 200;
constexpr size_t kMaxConditionValues = 100;
constexpr size_t kMaxPatternLen = 128;
constexpr size_t kMaxValueLen = 1024;

struct OpName {
  std::string_view name;
  ConditionOp op;
};
constexpr OpName kOps[] = {
    {"StringEquals", ConditionOp::kStringEquals}, {"StringNotEquals", ConditionOp::kStringNotEquals},
    {"Like", ConditionOp::kLike},                 {"StartWith", ConditionOp::kStartWith},
    {"EndWith", ConditionOp::kEndWith},           {"Bool", ConditionOp::kBool},
    {"IsNullOrEmpty", ConditionOp::kIsNullOrEmpty},
};
constexpr std::string_view kIfExists = "IfExists";

// JSON text of a small value for error messages, bounded so a huge input is not echoed back.
std::string Show(const Json& j) {
  std::string s = j.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (s.size() > 64) s = s.substr(0, 61) + "...";
  return s;
}

Status ValidateActionPattern(const std::string& where, const std::string& p) {
  if (p.empty() || p.size() > kMaxPatternLen) {
    return InvalidArgument(where + " must be 1-" + std::to_string(kMaxPatternLen) +
                           " characters of the form service:resource:operation");
  }
  int colons = 0;
  size_t seg_len = 0;
  for (char c : p) {
    if (c == ':') {
      if (seg_len == 0) break;
      ++colons;
      seg_len = 0;
      continue;
    }
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '*' && c != '?' && c != '_' &&
        c != '-') {
      return InvalidArgument(where + " '" + p +
                             "' may contain only letters, digits, '_', '-', ':' and the wildcards "
                             "'*' and '?'");
    }
    ++seg_len;
  }
  if (colons != 2 || seg_len == 0) {
    return InvalidArgument(where + " '" + p +
                           "' must have the form service:resource:operation (e.g. "
                           "\"modelarts:trainJob:create\" or \"modelarts:*:get*\")");
  }
  return Status::Ok();
}

Result<std::vector<std::string>> StringList(const Json& j, const std::string& where,
                                            size_t max_items, bool allow_bool) {
  std::vector<std::string> out;
  auto one = [&](const Json& v, const std::string& at) -> Status {
    if (v.is_string()) {
      const auto& s = v.get_ref<const std::string&>();
      if (s.size() > kMaxValueLen) {
        return InvalidArgument(at + " is longer than " + std::to_string(kMaxValueLen) +
                               " characters");
      }
      out.push_back(s);
      return Status::Ok();
    }
    if (allow_bool && v.is_boolean()) {
      out.push_back(v.get<bool>() ? "true" : "false");
      return Status::Ok();
    }
    return InvalidArgument(at + " must be a string" + (allow_bool ? " or a boolean" : "") +
                           ", not " + Show(v));
  };
  if (j.is_array()) {
    if (j.empty()) return InvalidArgument(where + " must not be empty");
    if (j.size() > max_items) {
      return InvalidArgument(where + " has " + std::to_string(j.size()) + " items; at most " +
                             std::to_string(max_items) + " are allowed");
    }
    for (size_t i = 0; i < j.size(); ++i) {
      OA_TRY(one(j[i], where + "[" + std::to_string(i) + "]"));
    }
    return out;
  }
  OA_TRY(one(j, where));
  return out;
}

Result<std::vector<Condition>> CompileConditions(const Json& j, const std::string& where) {
  if (!j.is_object()) {
    return InvalidArgument(where + " must be an object {\"Operator\": {\"key\": [values]}}");
  }
  std::vector<Condition> out;
  for (const auto& [op_text, keys] : j.items()) {
    std::string_view name = op_text;
    bool if_exists = false;
    if (name.size() > kIfExists.size() && name.ends_with(kIfExists)) {
      if_exists = true;
      name.remove_suffix(kIfExists.size());
    }
    std::optional<ConditionOp> op;
    for (const auto& o : kOps) {
      if (o.name == name) op = o.op;
    }
    std::string at = where + "." + op_text;
    if (!op) {
      return InvalidArgument(where + " operator '" + op_text +
                             "' is not supported; use StringEquals, StringNotEquals, Like, "
                             "StartWith, EndWith, Bool or IsNullOrEmpty, optionally with the "
                             "IfExists suffix");
    }
    if (!keys.is_object() || keys.empty()) {
      return InvalidArgument(at + " must be a non-empty object {\"key\": [values]}");
    }
    for (const auto& [key, values] : keys.items()) {
      std::string kat = at + "." + key;
      if (key.empty() || key.size() > kMaxPatternLen || key.find(':') == std::string::npos) {
        return InvalidArgument(kat + ": condition key must look like \"g:UserName\" or "
                               "\"modelarts:poolType\"");
      }
      bool is_bool_op = *op == ConditionOp::kBool || *op == ConditionOp::kIsNullOrEmpty;
      OA_ASSIGN_OR_RETURN(std::vector<std::string> vals,
                          StringList(values, kat, kMaxConditionValues, is_bool_op));
      if (is_bool_op) {
        for (auto& v : vals) {
          v = AsciiLower(v);
          if (v != "true" && v != "false") {
            return InvalidArgument(kat + " values must be true or false, not '" + v + "'");
          }
        }
        if (*op == ConditionOp::kIsNullOrEmpty && vals.size() != 1) {
          return InvalidArgument(kat + " takes exactly one value, true or false");
        }
      }
      out.push_back(Condition{*op, if_exists, key, std::move(vals)});
    }
  }
  if (out.empty()) return InvalidArgument(where + " must not be empty; omit it instead");
  return out;
}

}  // namespace

Result<std::vector<Statement>> CompilePolicy(const Json& doc, std::string_view source) {
  if (!doc.is_object()) {
    return InvalidArgument("policy must be a JSON object {\"Version\":\"1.1\",\"Statement\":[...]}");
  }
  for (const auto& [k, v] : doc.items()) {
    if (k != "Version" && k != "Statement") {
      return InvalidArgument("policy field '" + k + "' is not known; only Version and Statement "
                             "are allowed");
    }
  }
  auto version = doc.find("Version");
  if (version == doc.end() || !version->is_string() || *version != "1.1") {
    return InvalidArgument("policy Version must be \"1.1\"");
  }
  auto stmts = doc.find("Statement");
  if (stmts == doc.end() || !stmts->is_array() || stmts->empty()) {
    return InvalidArgument("policy Statement must be a non-empty array");
  }
  if (stmts->size() > kMaxStatements) {
    return InvalidArgument("policy has " + std::to_string(stmts->size()) +
                           " statements; at most " + std::to_string(kMaxStatements) +
                           " are allowed");
  }
  std::vector<Statement> out;
  out.reserve(stmts->size());
  for (size_t i = 0; i < stmts->size(); ++i) {
    const Json& s = (*stmts)[i];
    std::string where = "Statement[" + std::to_string(i) + "]";
    if (!s.is_object()) return InvalidArgument(where + " must be an object");
    Statement st;
    bool have_effect = false, have_action = false;
    for (const auto& [k, v] : s.items()) {
      if (k == "Effect") {
        if (v == "Allow") {
          st.allow = true;
        } else if (v == "Deny") {
          st.allow = false;
        } else {
          return InvalidArgument(where + ".Effect must be \"Allow\" or \"Deny\", not " + Show(v));
        }
        have_effect = true;
      } else if (k == "Action") {
        OA_ASSIGN_OR_RETURN(std::vector<std::string> actions,
                            StringList(v, where + ".Action", kMaxActions, false));
        for (size_t a = 0; a < actions.size(); ++a) {
          OA_TRY(ValidateActionPattern(where + ".Action[" + std::to_string(a) + "]", actions[a]));
          st.actions.push_back(AsciiLower(actions[a]));
        }
        have_action = true;
      } else if (k == "Condition") {
        OA_ASSIGN_OR_RETURN(st.conditions, CompileConditions(v, where + ".Condition"));
      } else if (k == "Resource") {
        // ModelArts actions take no resource paths; only the match-all form is meaningful, and
        // silently ignoring a narrower one would make an Allow broader than its author meant.
        OA_ASSIGN_OR_RETURN(std::vector<std::string> res,
                            StringList(v, where + ".Resource", kMaxActions, false));
        for (const auto& r : res) {
          if (r != "*") {
            return InvalidArgument(where + ".Resource '" + r +
                                   "' is not supported; ModelArts actions take no resource "
                                   "paths, remove Resource or use \"*\"");
          }
        }
      } else {
        return InvalidArgument(where + " field '" + k +
                               "' is not known; use Effect, Action and optionally Condition");
      }
    }
    if (!have_effect) return InvalidArgument(where + ".Effect is required (\"Allow\" or \"Deny\")");
    if (!have_action) return InvalidArgument(where + ".Action is required");
    st.source = std::string(source) + " " + where;
    out.push_back(std::move(st));
  }
  return out;
}

bool GlobMatch(std::string_view pattern, std::string_view text, bool case_insensitive) {
  auto eq = [case_insensitive](char a, char b) {
    if (a == b) return true;
    return case_insensitive && std::tolower(static_cast<unsigned char>(a)) ==
                                   std::tolower(static_cast<unsigned char>(b));
  };
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && (pattern[p] == '?' || eq(pattern[p], text[t]))) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      // Let the last '*' swallow one more character and retry; earlier stars never need to
      // revisit, which keeps this O(|pattern| * |text|) with no recursion.
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

void PolicySet::Add(std::vector<Statement> statements) {
  for (auto& s : statements) (s.allow ? allow_ : deny_).push_back(std::move(s));
}

namespace {

std::optional<std::string_view> Lookup(const EvalContext& ctx, std::string_view key) {
  if (key.size() > 2 && (key[0] == 'g' || key[0] == 'G') && key[1] == ':') {
    std::string_view k = key.substr(2);
    if (IEquals(k, "UserName")) return ctx.user_name;
    if (IEquals(k, "UserId")) return ctx.user_id;
    if (IEquals(k, "ProjectName")) return ctx.project_name;
    if (IEquals(k, "CurrentTime")) return ctx.current_time;
  }
  if (ctx.extra != nullptr) {
    auto it = ctx.extra->find(std::string(key));
    if (it != ctx.extra->end()) return std::string_view(it->second);
    for (const auto& [k, v] : *ctx.extra) {
      if (IEquals(k, key)) return std::string_view(v);
    }
  }
  return std::nullopt;
}

bool ConditionHolds(const Condition& c, const EvalContext& ctx) {
  std::optional<std::string_view> v = Lookup(ctx, c.key);
  if (!v) {
    if (c.if_exists) return true;
    // Absent means "no value": not equal to any listed value, and null for IsNullOrEmpty.
    if (c.op == ConditionOp::kStringNotEquals) return true;
    if (c.op == ConditionOp::kIsNullOrEmpty) return c.values[0] == "true";
    return false;
  }
  auto any = [&](auto pred) { return std::any_of(c.values.begin(), c.values.end(), pred); };
  switch (c.op) {
    case ConditionOp::kStringEquals:
      return any([&](const std::string& x) { return x == *v; });
    case ConditionOp::kStringNotEquals:
      return !any([&](const std::string& x) { return x == *v; });
    case ConditionOp::kLike:
      return any([&](const std::string& x) { return GlobMatch(x, *v, false); });
    case ConditionOp::kStartWith:
      return any([&](const std::string& x) { return v->starts_with(x); });
    case ConditionOp::kEndWith:
      return any([&](const std::string& x) { return v->ends_with(x); });
    case ConditionOp::kBool:
      return any([&](const std::string& x) { return IEquals(x, *v); });
    case ConditionOp::kIsNullOrEmpty:
      return v->empty() == (c.values[0] == "true");
  }
  return false;
}

bool Matches(const Statement& s, std::string_view lower_action, const EvalContext& ctx) {
  bool action_match = std::any_of(s.actions.begin(), s.actions.end(), [&](const std::string& p) {
    return GlobMatch(p, lower_action, false);
  });
  if (!action_match) return false;
  return std::all_of(s.conditions.begin(), s.conditions.end(),
                     [&](const Condition& c) { return ConditionHolds(c, ctx); });
}

}  // namespace

Decision PolicySet::Evaluate(std::string_view action, const EvalContext& ctx) const {
  std::string lower = AsciiLower(action);
  for (const auto& s : deny_) {
    if (Matches(s, lower, ctx)) return {Decision::Effect::kDeny, &s};
  }
  for (const auto& s : allow_) {
    if (Matches(s, lower, ctx)) return {Decision::Effect::kAllow, &s};
  }
  return {};
}

}  // namespace openarts::iam
