// Router: a segment trie over the RAW (still percent-encoded) path, so an encoded '/' (%2F)
// inside {bucket} never splits a segment. Parameter values are decoded after matching.
//
// Matching is a depth-first search that tries, at each segment, the literal child, then the
// {param} child, then a {rest+} tail, and accepts the first terminal node that has a handler
// for the method. Backtracking on the method lets "GET /a/{x}" serve /a/b even when only
// "PUT /a/b" is registered literally; path_matched reports that some route had the path.
#include <algorithm>
#include <utility>

#include "http/http.h"

namespace openarts::http {

namespace {

struct Route {
  std::string method;
  std::string pattern;
  Handler handler;
  RouteOptions options;
  std::vector<std::string> param_names;  // one per {param}/{rest+}, in pattern order
};

struct Node {
  std::vector<std::pair<std::string, std::unique_ptr<Node>>> literals;
  std::unique_ptr<Node> param;
  std::unique_ptr<Node> tail;   // a final {name+}
  std::vector<Route*> routes;   // routes ending here, one per method

  Node* Literal(std::string_view seg) const {
    for (const auto& [s, n] : literals)
      if (s == seg) return n.get();
    return nullptr;
  }
};

// Raw captured values, in pattern order. Paths are short; no allocation for typical depths.
struct Captures {
  std::string_view values[16];
  size_t size = 0;
};

const Route* RouteFor(const Node& n, std::string_view method) {
  for (const Route* r : n.routes)
    if (r->method == method) return r;
  if (method == "HEAD") {
    for (const Route* r : n.routes)
      if (r->method == "GET") return r;
  }
  return nullptr;
}

// Visits terminal nodes matching `rest` (the path after a '/', or the empty string for "/"
// itself once all segments are consumed) in priority order; stops when `visit` returns true.
template <typename Visit>
bool Walk(const Node& n, std::string_view rest, bool at_end, Captures& caps, Visit& visit) {
  if (at_end) return visit(n, caps);
  size_t slash = rest.find('/');
  std::string_view seg = rest.substr(0, slash);
  std::string_view next = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  bool next_end = slash == std::string_view::npos;
  if (const Node* lit = n.Literal(seg)) {
    if (Walk(*lit, next, next_end, caps, visit)) return true;
  }
  if (n.param && !seg.empty() && caps.size < std::size(caps.values)) {
    caps.values[caps.size++] = seg;
    if (Walk(*n.param, next, next_end, caps, visit)) return true;
    --caps.size;
  }
  if (n.tail && !rest.empty() && caps.size < std::size(caps.values)) {
    caps.values[caps.size++] = rest;
    bool done = visit(*n.tail, caps);
    --caps.size;
    if (done) return true;
  }
  return false;
}

template <typename Visit>
void WalkPath(const Node& root, std::string_view path, Visit visit) {
  if (path.empty() || path.front() != '/') return;
  Captures caps;
  std::string_view rest = path.substr(1);
  // "/" has no segments; "/a/" has segments "a" and "".
  Walk(root, rest, path.size() == 1, caps, visit);
}

}  // namespace

struct Router::Impl {
  Node root;
  std::vector<std::unique_ptr<Route>> routes;  // registration order; pointers stay stable
};

Router::Router() : impl_(std::make_unique<Impl>()) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

void Router::Add(std::string method, std::string pattern, Handler handler, RouteOptions options) {
  // A bad pattern is a programming error in api/, found by the first test that starts a server.
  OA_CHECK(!pattern.empty() && pattern.front() == '/');
  OA_CHECK(handler != nullptr);
  auto route = std::make_unique<Route>();
  Node* n = &impl_->root;
  std::string_view rest = std::string_view(pattern).substr(1);
  bool at_end = pattern.size() == 1;
  while (!at_end) {
    size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    at_end = slash == std::string_view::npos;
    rest = at_end ? std::string_view() : rest.substr(slash + 1);
    if (seg.size() >= 2 && seg.front() == '{' && seg.back() == '}') {
      std::string_view name = seg.substr(1, seg.size() - 2);
      bool greedy = !name.empty() && name.back() == '+';
      if (greedy) name.remove_suffix(1);
      OA_CHECK(!name.empty() && name.find_first_of("{}/") == std::string_view::npos);
      route->param_names.emplace_back(name);
      auto& child = greedy ? n->tail : n->param;
      OA_CHECK(!greedy || at_end);  // {rest+} must be the last segment
      if (!child) child = std::make_unique<Node>();
      n = child.get();
    } else {
      OA_CHECK(seg.find_first_of("{}") == std::string_view::npos);
      Node* lit = n->Literal(seg);
      if (!lit) {
        n->literals.emplace_back(std::string(seg), std::make_unique<Node>());
        lit = n->literals.back().second.get();
      }
      n = lit;
    }
  }
  for (const Route* r : n->routes) OA_CHECK(r->method != method);  // registered twice
  route->method = std::move(method);
  route->pattern = std::move(pattern);
  route->handler = std::move(handler);
  route->options = options;
  n->routes.push_back(route.get());
  impl_->routes.push_back(std::move(route));
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  Match m;
  auto visit = [&](const Node& n, const Captures& caps) {
    if (n.routes.empty()) return false;
    m.path_matched = true;
    const Route* r = RouteFor(n, method);
    if (!r) return false;
    m.handler = &r->handler;
    m.options = &r->options;
    m.pattern = &r->pattern;
    for (size_t i = 0; i < caps.size && i < r->param_names.size(); ++i) {
      // The whole path was validated before routing; a broken escape here can only come from
      // a direct caller, who gets the raw value rather than nothing.
      auto decoded = PercentDecode(caps.values[i]);
      m.params.emplace(r->param_names[i],
                       decoded.ok() ? std::move(decoded).value() : std::string(caps.values[i]));
    }
    return true;
  };
  WalkPath(impl_->root, path, visit);
  return m;
}

std::vector<std::string> Router::AllowedMethods(std::string_view path) const {
  std::vector<std::string> methods;
  auto visit = [&](const Node& n, const Captures&) {
    for (const Route* r : n.routes) {
      methods.push_back(r->method);
      if (r->method == "GET") methods.push_back("HEAD");
    }
    return false;  // keep walking: every matching route contributes
  };
  WalkPath(impl_->root, path, visit);
  std::sort(methods.begin(), methods.end());
  methods.erase(std::unique(methods.begin(), methods.end()), methods.end());
  return methods;
}

std::vector<Router::RouteInfo> Router::Routes() const {
  std::vector<RouteInfo> out;
  out.reserve(impl_->routes.size());
  for (const auto& r : impl_->routes) out.push_back({r->method, r->pattern});
  return out;
}

}  // namespace openarts::http
