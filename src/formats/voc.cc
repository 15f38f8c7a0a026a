#include "formats/voc.h"

#include <charconv>
#include <cmath>
#include <map>
#include <pugixml.hpp>
#include <utility>

namespace openarts::formats {
namespace {

struct Ctx {
  std::string_view source;
  Status Error(const std::string& path, std::string_view problem) const {
    std::string m(source);
    m += ": ";
    m += path;
    m += ": ";
    m += problem;
    return InvalidArgument(std::move(m));
  }
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' ||
                        s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::string Show(std::string_view s) {
  std::string r = "\"";
  r += s.size() > 40 ? std::string(s.substr(0, 37)) + "..." : std::string(s);
  return r + "\"";
}

std::string Verbatim(const pugi::xml_node& n) {
  struct W : pugi::xml_writer {
    std::string s;
    void write(const void* d, size_t n) override { s.append(static_cast<const char*>(d), n); }
  } w;
  n.print(w, "", pugi::format_raw, pugi::encoding_utf8);
  return w.s;
}

// Text of an element: its PCDATA/CDATA children concatenated. Elements with element children are
// not text.
bool TextOf(const pugi::xml_node& n, std::string& out) {
  out.clear();
  for (auto c : n.children()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata)
      out += c.value();
    else if (c.type() == pugi::node_element)
      return false;
  }
  return true;
}

Result<std::string> Text(const pugi::xml_node& n, const std::string& path, const Ctx& ctx,
                         bool non_empty = true) {
  std::string s;
  if (!TextOf(n, s)) return ctx.Error(path, "expected text, got child elements");
  if (non_empty && Trim(s).empty()) return ctx.Error(path, "empty");
  return s;
}

Result<double> Number(const pugi::xml_node& n, const std::string& path, const Ctx& ctx) {
  OA_ASSIGN_OR_RETURN(std::string s, Text(n, path, ctx));
  std::string_view t = Trim(s);
  if (!t.empty() && t.front() == '+') t.remove_prefix(1);
  double v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size() || !std::isfinite(v))
    return ctx.Error(path, "expected a number, got " + Show(s));
  return v;
}

Result<int64_t> Positive(const pugi::xml_node& n, const std::string& path, const Ctx& ctx) {
  OA_ASSIGN_OR_RETURN(std::string s, Text(n, path, ctx));
  std::string_view t = Trim(s);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size() || v <= 0)
    return ctx.Error(path, "expected a positive integer, got " + Show(s));
  return v;
}

Result<bool> Flag(const pugi::xml_node& n, const std::string& path, const Ctx& ctx) {
  OA_ASSIGN_OR_RETURN(std::string s, Text(n, path, ctx));
  std::string_view t = Trim(s);
  if (t == "0" || t == "false") return false;
  if (t == "1" || t == "true") return true;
  return ctx.Error(path, "expected 0 or 1, got " + Show(s));
}

Result<double> Unit(const pugi::xml_node& n, const std::string& path, const Ctx& ctx) {
  OA_ASSIGN_OR_RETURN(double v, Number(n, path, ctx));
  if (v < 0 || v > 1) return ctx.Error(path, "expected a number in [0, 1], got " + Show(n.child_value()));
  return v;
}

// The element children of `parent`, each with its path; a repeated known name is an error.
struct Children {
  std::map<std::string, pugi::xml_node> known;
  std::vector<pugi::xml_node> other;
};

Result<Children> Split(const pugi::xml_node& parent, const std::string& path,
                       std::initializer_list<std::string_view> names, const Ctx& ctx) {
  Children c;
  for (auto n : parent.children()) {
    if (n.type() != pugi::node_element) continue;
    std::string_view name = n.name();
    bool is_known = false;
    for (auto k : names) is_known |= k == name;
    if (!is_known) {
      c.other.push_back(n);
      continue;
    }
    if (!c.known.emplace(std::string(name), n).second)
      return ctx.Error(path + "/" + std::string(name), "given more than once");
  }
  return c;
}

Result<pugi::xml_node> Need(const Children& c, std::string_view name, const std::string& path,
                            const Ctx& ctx) {
  auto it = c.known.find(std::string(name));
  if (it == c.known.end()) return ctx.Error(path + "/" + std::string(name), "missing");
  return it->second;
}

pugi::xml_node Opt(const Children& c, std::string_view name) {
  auto it = c.known.find(std::string(name));
  return it == c.known.end() ? pugi::xml_node() : it->second;
}

constexpr VocShapeKind kKinds[] = {VocShapeKind::kBndbox, VocShapeKind::kPolygon,
                                   VocShapeKind::kPolyline, VocShapeKind::kLine,
                                   VocShapeKind::kDashed, VocShapeKind::kCircle,
                                   VocShapeKind::kPoint};

// xi/yi children, i = 1..n contiguous, each paired.
Result<std::vector<VocPoint>> Indexed(const pugi::xml_node& g, const std::string& path,
                                      const Ctx& ctx) {
  std::map<int64_t, std::pair<std::optional<double>, std::optional<double>>> m;
  for (auto n : g.children()) {
    if (n.type() != pugi::node_element) continue;
    std::string_view name = n.name();
    std::string cp = path + "/" + std::string(name);
    if (name.size() < 2 || (name[0] != 'x' && name[0] != 'y'))
      return ctx.Error(cp, "unexpected element");
    int64_t i = 0;
    auto [p, ec] = std::from_chars(name.data() + 1, name.data() + name.size(), i);
    if (ec != std::errc() || p != name.data() + name.size() || i < 1 || i > 1000000 ||
        name[1] == '0')
      return ctx.Error(cp, "unexpected element");
    OA_ASSIGN_OR_RETURN(double v, Number(n, cp, ctx));
    auto& slot = name[0] == 'x' ? m[i].first : m[i].second;
    if (slot) return ctx.Error(cp, "given more than once");
    slot = v;
  }
  std::vector<VocPoint> pts;
  int64_t want = 1;
  for (auto& [i, xy] : m) {
    if (i != want) return ctx.Error(path, "missing x" + std::to_string(want) + "/y" + std::to_string(want));
    if (!xy.first) return ctx.Error(path, "missing x" + std::to_string(i));
    if (!xy.second) return ctx.Error(path, "missing y" + std::to_string(i));
    pts.push_back({*xy.first, *xy.second});
    ++want;
  }
  return pts;
}

Result<VocShape> ParseShape(const pugi::xml_node& g, VocShapeKind kind, const std::string& path,
                            const Ctx& ctx) {
  VocShape s;
  s.kind = kind;
  switch (kind) {
    case VocShapeKind::kBndbox: {
      OA_ASSIGN_OR_RETURN(auto c, Split(g, path, {"xmin", "ymin", "xmax", "ymax"}, ctx));
      if (!c.other.empty())
        return ctx.Error(path + "/" + c.other[0].name(), "unexpected element");
      double v[4];
      const char* names[] = {"xmin", "ymin", "xmax", "ymax"};
      for (int i = 0; i < 4; ++i) {
        OA_ASSIGN_OR_RETURN(auto n, Need(c, names[i], path, ctx));
        OA_ASSIGN_OR_RETURN(v[i], Number(n, path + "/" + names[i], ctx));
      }
      if (!(v[0] < v[2])) return ctx.Error(path, "xmin must be less than xmax");
      if (!(v[1] < v[3])) return ctx.Error(path, "ymin must be less than ymax");
      s.points = {{v[0], v[1]}, {v[2], v[3]}};
      return s;
    }
    case VocShapeKind::kCircle: {
      OA_ASSIGN_OR_RETURN(auto c, Split(g, path, {"cx", "cy", "r"}, ctx));
      if (!c.other.empty())
        return ctx.Error(path + "/" + c.other[0].name(), "unexpected element");
      OA_ASSIGN_OR_RETURN(auto cx, Need(c, "cx", path, ctx));
      OA_ASSIGN_OR_RETURN(auto cy, Need(c, "cy", path, ctx));
      OA_ASSIGN_OR_RETURN(auto r, Need(c, "r", path, ctx));
      VocPoint p;
      OA_ASSIGN_OR_RETURN(p.x, Number(cx, path + "/cx", ctx));
      OA_ASSIGN_OR_RETURN(p.y, Number(cy, path + "/cy", ctx));
      OA_ASSIGN_OR_RETURN(s.r, Number(r, path + "/r", ctx));
      if (s.r < 0) return ctx.Error(path + "/r", "must not be negative");
      s.points = {p};
      return s;
    }
    case VocShapeKind::kPoint: {
      if (g.child("x") || g.child("y")) {
        OA_ASSIGN_OR_RETURN(auto c, Split(g, path, {"x", "y"}, ctx));
        if (!c.other.empty())
          return ctx.Error(path + "/" + c.other[0].name(), "unexpected element");
        OA_ASSIGN_OR_RETURN(auto x, Need(c, "x", path, ctx));
        OA_ASSIGN_OR_RETURN(auto y, Need(c, "y", path, ctx));
        VocPoint p;
        OA_ASSIGN_OR_RETURN(p.x, Number(x, path + "/x", ctx));
        OA_ASSIGN_OR_RETURN(p.y, Number(y, path + "/y", ctx));
        s.points = {p};
        return s;
      }
      OA_ASSIGN_OR_RETURN(s.points, Indexed(g, path, ctx));
      if (s.points.size() != 1) return ctx.Error(path, "expected x,y or x1,y1");
      return s;
    }
    default: {
      OA_ASSIGN_OR_RETURN(s.points, Indexed(g, path, ctx));
      size_t n = s.points.size();
      if (kind == VocShapeKind::kPolygon && n < 3)
        return ctx.Error(path, "expected at least 3 points, got " + std::to_string(n));
      if (kind == VocShapeKind::kPolyline && n < 2)
        return ctx.Error(path, "expected at least 2 points, got " + std::to_string(n));
      if ((kind == VocShapeKind::kLine || kind == VocShapeKind::kDashed) && n != 2)
        return ctx.Error(path, "expected x1,y1,x2,y2, got " + std::to_string(n) + " points");
      return s;
    }
  }
}

bool ValidMaskColor(std::string_view s) {
  int parts = 0;
  while (true) {
    size_t comma = s.find(',');
    std::string_view t = Trim(s.substr(0, comma));
    int v = 0;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (t.empty() || ec != std::errc() || p != t.data() + t.size() || v < 0 || v > 255)
      return false;
    ++parts;
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return parts == 3;
}

Result<VocObject> ParseObject(const pugi::xml_node& o, const std::string& path, const Ctx& ctx) {
  OA_ASSIGN_OR_RETURN(auto c, Split(o, path,
                                    {"name", "pose", "truncated", "occluded", "difficult",
                                     "confidence", "hard-coefficient", "difficult-coefficient",
                                     "mask_color", "bndbox", "polygon", "polyline", "line",
                                     "dashed", "circle", "point"},
                                    ctx));
  VocObject obj;
  OA_ASSIGN_OR_RETURN(auto n, Need(c, "name", path, ctx));
  OA_ASSIGN_OR_RETURN(obj.name, Text(n, path + "/name", ctx));
  OA_ASSIGN_OR_RETURN(n, Need(c, "pose", path, ctx));
  OA_ASSIGN_OR_RETURN(obj.pose, Text(n, path + "/pose", ctx));
  OA_ASSIGN_OR_RETURN(n, Need(c, "truncated", path, ctx));
  OA_ASSIGN_OR_RETURN(obj.truncated, Flag(n, path + "/truncated", ctx));
  OA_ASSIGN_OR_RETURN(n, Need(c, "occluded", path, ctx));
  OA_ASSIGN_OR_RETURN(obj.occluded, Flag(n, path + "/occluded", ctx));
  OA_ASSIGN_OR_RETURN(n, Need(c, "difficult", path, ctx));
  OA_ASSIGN_OR_RETURN(obj.difficult, Flag(n, path + "/difficult", ctx));
  if (auto x = Opt(c, "confidence")) {
    OA_ASSIGN_OR_RETURN(obj.confidence, Unit(x, path + "/confidence", ctx));
  }
  if (auto x = Opt(c, "hard-coefficient")) {
    OA_ASSIGN_OR_RETURN(obj.hard_coefficient, Unit(x, path + "/hard-coefficient", ctx));
  }
  if (auto x = Opt(c, "difficult-coefficient")) {
    OA_ASSIGN_OR_RETURN(obj.difficult_coefficient, Unit(x, path + "/difficult-coefficient", ctx));
  }
  if (auto x = Opt(c, "mask_color")) {
    OA_ASSIGN_OR_RETURN(std::string s, Text(x, path + "/mask_color", ctx));
    if (!ValidMaskColor(s)) return ctx.Error(path + "/mask_color", "expected \"R,G,B\", got " + Show(s));
    obj.mask_color = s;
  }
  int shapes = 0;
  for (auto kind : kKinds) {
    std::string name(VocShapeName(kind));
    auto g = Opt(c, name);
    if (!g) continue;
    if (++shapes > 1) return ctx.Error(path + "/" + name, "more than one geometry");
    OA_ASSIGN_OR_RETURN(obj.shape, ParseShape(g, kind, path + "/" + name, ctx));
  }
  if (shapes == 0)
    return ctx.Error(path, "no geometry (bndbox, polygon, polyline, line, dashed, circle, point)");
  for (auto x : c.other) obj.extra.push_back(Verbatim(x));
  return obj;
}

// ------------------------------------------------------------------------------------------------
// Writing

void Escape(std::string& out, std::string_view s) {
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default:
        if (c < 0x20 && ch != '\n' && ch != '\t') {
          out += "&#" + std::to_string(c) + ";";
        } else {
          out += ch;
        }
    }
  }
}

std::string Num(double v) {
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, p);
}

void Elem(std::string& out, int indent, std::string_view name, std::string_view text) {
  out.append(indent, '\t');
  out += '<';
  out += name;
  out += '>';
  Escape(out, text);
  out += "</";
  out += name;
  out += ">\n";
}

void Raw(std::string& out, int indent, std::string_view xml) {
  out.append(indent, '\t');
  out += xml;
  out += '\n';
}

void WriteShape(std::string& out, const VocShape& s) {
  std::string_view name = VocShapeName(s.kind);
  out += "\t\t<";
  out += name;
  out += ">\n";
  switch (s.kind) {
    case VocShapeKind::kBndbox:
      if (s.points.size() == 2) {
        Elem(out, 3, "xmin", Num(s.points[0].x));
        Elem(out, 3, "ymin", Num(s.points[0].y));
        Elem(out, 3, "xmax", Num(s.points[1].x));
        Elem(out, 3, "ymax", Num(s.points[1].y));
      }
      break;
    case VocShapeKind::kCircle:
      if (!s.points.empty()) {
        Elem(out, 3, "cx", Num(s.points[0].x));
        Elem(out, 3, "cy", Num(s.points[0].y));
      }
      Elem(out, 3, "r", Num(s.r));
      break;
    case VocShapeKind::kPoint:
      if (!s.points.empty()) {
        Elem(out, 3, "x", Num(s.points[0].x));
        Elem(out, 3, "y", Num(s.points[0].y));
      }
      break;
    default:
      for (size_t i = 0; i < s.points.size(); ++i) {
        std::string k = std::to_string(i + 1);
        Elem(out, 3, "x" + k, Num(s.points[i].x));
        Elem(out, 3, "y" + k, Num(s.points[i].y));
      }
  }
  out += "\t\t</";
  out += name;
  out += ">\n";
}

}  // namespace

std::string_view VocShapeName(VocShapeKind kind) {
  switch (kind) {
    case VocShapeKind::kBndbox: return "bndbox";
    case VocShapeKind::kPolygon: return "polygon";
    case VocShapeKind::kPolyline: return "polyline";
    case VocShapeKind::kLine: return "line";
    case VocShapeKind::kDashed: return "dashed";
    case VocShapeKind::kCircle: return "circle";
    case VocShapeKind::kPoint: return "point";
  }
  return "";
}

Result<VocAnnotation> ParseVoc(std::string_view xml, std::string_view source_name) {
  Ctx ctx{source_name};
  if (Trim(xml).empty()) return ctx.Error("annotation", "empty file");
  pugi::xml_document doc;
  // parse_default: no DTD processing, no external entities; only the 5 predefined entities and
  // character references are expanded.
  auto r = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!r)
    return ctx.Error("annotation", std::string("malformed XML at byte ") +
                                       std::to_string(r.offset) + ": " + r.description());
  pugi::xml_node root;
  for (auto n : doc.children()) {
    if (n.type() != pugi::node_element) continue;
    if (root) return ctx.Error(n.name(), "more than one root element");
    root = n;
  }
  if (!root || std::string_view(root.name()) != "annotation")
    return ctx.Error(root ? root.name() : "annotation", "expected the root element <annotation>");
  const std::string p = "annotation";
  VocAnnotation v;
  Children c;
  {
    c.known.clear();
    for (auto n : root.children()) {
      if (n.type() != pugi::node_element) continue;
      std::string_view name = n.name();
      if (name == "object") continue;
      if (name == "folder" || name == "filename" || name == "path" || name == "source" ||
          name == "size" || name == "segmented" || name == "mask_source") {
        if (!c.known.emplace(std::string(name), n).second)
          return ctx.Error(p + "/" + std::string(name), "given more than once");
      } else {
        c.other.push_back(n);
      }
    }
  }
  OA_ASSIGN_OR_RETURN(auto n, Need(c, "folder", p, ctx));
  OA_ASSIGN_OR_RETURN(v.folder, Text(n, p + "/folder", ctx));
  OA_ASSIGN_OR_RETURN(n, Need(c, "filename", p, ctx));
  OA_ASSIGN_OR_RETURN(v.filename, Text(n, p + "/filename", ctx));
  if (auto x = Opt(c, "path")) {
    OA_ASSIGN_OR_RETURN(v.path, Text(x, p + "/path", ctx, false));
  }
  OA_ASSIGN_OR_RETURN(n, Need(c, "source", p, ctx));
  {
    OA_ASSIGN_OR_RETURN(auto sc, Split(n, p + "/source", {"database"}, ctx));
    OA_ASSIGN_OR_RETURN(auto db, Need(sc, "database", p + "/source", ctx));
    OA_ASSIGN_OR_RETURN(v.database, Text(db, p + "/source/database", ctx));
    for (auto x : sc.other) v.source_extra.push_back(Verbatim(x));
  }
  OA_ASSIGN_OR_RETURN(n, Need(c, "size", p, ctx));
  {
    const std::string sp = p + "/size";
    OA_ASSIGN_OR_RETURN(auto sc, Split(n, sp, {"width", "height", "depth"}, ctx));
    if (!sc.other.empty()) return ctx.Error(sp + "/" + sc.other[0].name(), "unexpected element");
    OA_ASSIGN_OR_RETURN(auto w, Need(sc, "width", sp, ctx));
    OA_ASSIGN_OR_RETURN(v.width, Positive(w, sp + "/width", ctx));
    OA_ASSIGN_OR_RETURN(auto h, Need(sc, "height", sp, ctx));
    OA_ASSIGN_OR_RETURN(v.height, Positive(h, sp + "/height", ctx));
    OA_ASSIGN_OR_RETURN(auto d, Need(sc, "depth", sp, ctx));
    OA_ASSIGN_OR_RETURN(v.depth, Positive(d, sp + "/depth", ctx));
  }
  OA_ASSIGN_OR_RETURN(n, Need(c, "segmented", p, ctx));
  OA_ASSIGN_OR_RETURN(v.segmented, Flag(n, p + "/segmented", ctx));
  if (auto x = Opt(c, "mask_source")) {
    OA_ASSIGN_OR_RETURN(v.mask_source, Text(x, p + "/mask_source", ctx));
  }
  int i = 0;
  for (auto o : root.children("object")) {
    ++i;
    OA_ASSIGN_OR_RETURN(auto obj, ParseObject(o, p + "/object[" + std::to_string(i) + "]", ctx));
    v.objects.push_back(std::move(obj));
  }
  for (auto x : c.other) v.extra.push_back(Verbatim(x));
  return v;
}

Status ValidateAgainstImage(const VocAnnotation& voc, int64_t width, int64_t height) {
  for (size_t i = 0; i < voc.objects.size(); ++i) {
    const auto& s = voc.objects[i].shape;
    for (const auto& pt : s.points) {
      if (pt.x < 0 || pt.y < 0 || pt.x > static_cast<double>(width) ||
          pt.y > static_cast<double>(height)) {
        return InvalidArgument("annotation/object[" + std::to_string(i + 1) + "]/" +
                               std::string(VocShapeName(s.kind)) + ": point (" + Num(pt.x) +
                               ", " + Num(pt.y) + ") outside the " + std::to_string(width) +
                               "x" + std::to_string(height) + " image");
      }
    }
  }
  return {};
}

std::string WriteVoc(const VocAnnotation& voc) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<annotation>\n";
  Elem(out, 1, "folder", voc.folder);
  Elem(out, 1, "filename", voc.filename);
  if (voc.path) Elem(out, 1, "path", *voc.path);
  out += "\t<source>\n";
  Elem(out, 2, "database", voc.database);
  for (const auto& x : voc.source_extra) Raw(out, 2, x);
  out += "\t</source>\n\t<size>\n";
  Elem(out, 2, "width", std::to_string(voc.width));
  Elem(out, 2, "height", std::to_string(voc.height));
  Elem(out, 2, "depth", std::to_string(voc.depth));
  out += "\t</size>\n";
  Elem(out, 1, "segmented", voc.segmented ? "1" : "0");
  if (voc.mask_source) Elem(out, 1, "mask_source", *voc.mask_source);
  for (const auto& o : voc.objects) {
    out += "\t<object>\n";
    Elem(out, 2, "name", o.name);
    Elem(out, 2, "pose", o.pose);
    Elem(out, 2, "truncated", o.truncated ? "1" : "0");
    Elem(out, 2, "occluded", o.occluded ? "1" : "0");
    Elem(out, 2, "difficult", o.difficult ? "1" : "0");
    if (o.confidence) Elem(out, 2, "confidence", Num(*o.confidence));
    if (o.hard_coefficient) Elem(out, 2, "hard-coefficient", Num(*o.hard_coefficient));
    if (o.difficult_coefficient)
      Elem(out, 2, "difficult-coefficient", Num(*o.difficult_coefficient));
    if (o.mask_color) Elem(out, 2, "mask_color", *o.mask_color);
    WriteShape(out, o.shape);
    for (const auto& x : o.extra) Raw(out, 2, x);
    out += "\t</object>\n";
  }
  for (const auto& x : voc.extra) Raw(out, 1, x);
  out += "</annotation>\n";
  return out;
}

}  // namespace openarts::formats
