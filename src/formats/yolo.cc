#include "formats/yolo.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "base/strings.h"
#include "formats/coco.h"  // VocForImage

namespace openarts::formats {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr double kMicro = 1e6;  // coordinates are kept and written to 6 decimals

// The lines of a text file, without '\n' and a trailing '\r'; a UTF-8 BOM is dropped.
std::vector<std::string_view> Lines(std::string_view text) {
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
  }
  return lines;
}

// Without surrounding spaces, tabs, CR, LF and byte order marks: U+FEFF is invisible, and one
// that starts a file is dropped, so one that starts a name after a space must go too or the name
// would not read back the same.
std::string_view Trim(std::string_view s) {
  while (true) {
    s = TrimWhitespace(s);
    if (s.substr(0, kBom.size()) == kBom) {
      s.remove_prefix(kBom.size());
    } else if (s.size() >= kBom.size() && s.substr(s.size() - kBom.size()) == kBom) {
      s.remove_suffix(kBom.size());
    } else {
      return s;
    }
  }
}

std::string Show(std::string_view s) {
  std::string r = "\"";
  r += s.size() > 40 ? std::string(s.substr(0, 37)) + "..." : std::string(s);
  return r + "\"";
}

std::string At(std::string_view source, int64_t line) {
  return std::string(source) + ":" + std::to_string(line) + ": ";
}

// v in millionths, rounded to the nearest integer (as a double: exact below 2^53).
double Micro(double v) { return std::nearbyint(v * kMicro); }

std::string Num(double v) {
  char buf[32];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, p);
}

// "0.5", "0.123457", "1", "-2.25": v rounded to 6 decimals, trailing zeros trimmed.
void AppendFixed6(std::string& out, double v) {
  if (!(std::abs(v) < 1e12)) {  // not a coordinate; also inf and nan
    out += Num(v);
    return;
  }
  auto k = static_cast<int64_t>(Micro(v));
  if (k < 0) {
    out += '-';
    k = -k;
  }
  out += std::to_string(k / 1000000);
  int64_t frac = k % 1000000;
  if (frac == 0) return;
  char digits[7];
  for (int i = 5; i >= 0; --i, frac /= 10) digits[i] = static_cast<char>('0' + frac % 10);
  int n = 6;
  while (digits[n - 1] == '0') --n;
  out += '.';
  out.append(digits, n);
}

constexpr const char* kFields[] = {"class index", "x_center", "y_center", "width", "height"};

// "" when v is a valid value of field i (1..4), else the problem. `shown` is how the file wrote it.
std::string CoordinateProblem(int i, double v, std::string_view shown) {
  std::string field = kFields[i];
  if (!std::isfinite(v)) return field + ": expected a number, got " + Show(shown);
  if (v < 0 || v > 1) return field + ": " + std::string(shown) + " is outside [0, 1]";
  if (i >= 3 && Micro(v) < 1)
    return field + ": must be above 0 at 6 decimals, got " + std::string(shown);
  return "";
}

std::string ClassProblem(int64_t index, std::optional<int64_t> class_count) {
  if (class_count && index >= *class_count)
    return "class index " + std::to_string(index) + " is out of range: obj.names has " +
           std::to_string(*class_count) + (*class_count == 1 ? " class" : " classes");
  return "";
}

// One label line; "" and the box, or the problem.
std::string ParseBox(std::string_view line, std::optional<int64_t> class_count, YoloBox& box) {
  std::string_view fields[5];
  size_t count = 0;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i == line.size()) break;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (count < 5) fields[count] = line.substr(start, i - start);
    ++count;
  }
  if (count != 5)
    return "expected 5 fields <class> <x_center> <y_center> <width> <height>, got " +
           std::to_string(count);
  std::string_view c = fields[0];
  auto [p, ec] = std::from_chars(c.data(), c.data() + c.size(), box.class_index);
  if (ec != std::errc() || p != c.data() + c.size() || box.class_index < 0)
    return "class index: expected a non-negative integer, got " + Show(c);
  if (std::string problem = ClassProblem(box.class_index, class_count); !problem.empty())
    return problem;
  double* values[] = {nullptr, &box.x_center, &box.y_center, &box.width, &box.height};
  for (int k = 1; k < 5; ++k) {
    std::string_view f = fields[k];
    double v = 0;
    auto [q, ec2] = std::from_chars(f.data(), f.data() + f.size(), v);
    if (ec2 != std::errc() || q != f.data() + f.size())
      return std::string(kFields[k]) + ": expected a number, got " + Show(f);
    if (std::string problem = CoordinateProblem(k, v, f); !problem.empty()) return problem;
    *values[k] = v;
  }
  return "";
}

// A VOC box as a YOLO box when the result is valid YOLO (centre inside, size in (0, 1]).
std::optional<YoloBox> Normalise(double x0, double y0, double x1, double y1, double w, double h) {
  double m[4] = {Micro((x0 + x1) / (2 * w)), Micro((y0 + y1) / (2 * h)), Micro((x1 - x0) / w),
                 Micro((y1 - y0) / h)};
  for (int i = 0; i < 4; ++i) {
    if (!(m[i] >= (i < 2 ? 0 : 1) && m[i] <= kMicro)) return std::nullopt;
  }
  YoloBox box;
  box.x_center = m[0] / kMicro;
  box.y_center = m[1] / kMicro;
  box.width = m[2] / kMicro;
  box.height = m[3] / kMicro;
  return box;
}

bool IsImage(std::string_view path) {
  size_t dot = path.rfind('.');
  if (dot == std::string_view::npos || path.find('/', dot) != std::string_view::npos) return false;
  std::string ext = AsciiLower(path.substr(dot + 1));
  return ext == "jpg" || ext == "jpeg" || ext == "png" || ext == "bmp";
}

// The image path with its extension replaced by .txt.
std::string LabelPath(std::string_view image) {
  size_t slash = image.rfind('/');
  size_t dot = image.rfind('.');
  if (dot != std::string_view::npos && (slash == std::string_view::npos || dot > slash + 1))
    image = image.substr(0, dot);
  return std::string(image) + ".txt";
}

std::string_view BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

using PathSet = std::unordered_set<std::string_view>;

std::string Resolve(const PathSet& present, const YoloLayout& layout, std::string_view path) {
  std::string p(path);
  std::replace(p.begin(), p.end(), '\\', '/');
  while (p.rfind("./", 0) == 0) p.erase(0, 2);
  std::string stripped = p.rfind("data/", 0) == 0 ? p.substr(5) : p;
  std::string candidates[] = {layout.root + stripped, layout.root + p, p};
  for (const auto& c : candidates) {
    if (present.count(c)) return c;
  }
  return candidates[0];
}

}  // namespace

// ------------------------------------------------------------------------------------------------
// obj.names

Result<std::vector<std::string>> ParseYoloNames(std::string_view text,
                                                std::string_view source_name) {
  std::vector<std::string_view> lines = Lines(text);
  while (!lines.empty() && Trim(lines.back()).empty()) lines.pop_back();
  if (lines.empty()) return InvalidArgument(std::string(source_name) + ": no class names");
  std::vector<std::string> names;
  std::unordered_map<std::string_view, int64_t> seen;
  for (size_t i = 0; i < lines.size(); ++i) {
    int64_t n = static_cast<int64_t>(i) + 1;
    std::string_view name = Trim(lines[i]);
    if (name.empty())
      return InvalidArgument(At(source_name, n) +
                             "blank line before the last class name (it would shift the class "
                             "indexes after it)");
    auto [it, added] = seen.emplace(name, n);
    if (!added)
      return InvalidArgument(At(source_name, n) + "class name " + Show(name) +
                             " given twice (also line " + std::to_string(it->second) + ")");
    names.emplace_back(name);
  }
  return names;
}

std::string WriteYoloNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    out += n;
    out += '\n';
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// obj.data

Result<YoloData> ParseYoloData(std::string_view text, std::string_view source_name) {
  YoloData data;
  std::vector<std::string_view> lines = Lines(text);
  std::map<std::string, int64_t, std::less<>> seen;
  for (size_t i = 0; i < lines.size(); ++i) {
    int64_t n = static_cast<int64_t>(i) + 1;
    std::string_view line = Trim(lines[i]);
    if (line.empty() || line.front() == '#') continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos)
      return InvalidArgument(At(source_name, n) + "expected key = value, got " + Show(line));
    std::string key(Trim(line.substr(0, eq)));
    std::string value(Trim(line.substr(eq + 1)));
    if (key.empty()) return InvalidArgument(At(source_name, n) + "empty key");
    auto [it, added] = seen.emplace(key, n);
    if (!added)
      return InvalidArgument(At(source_name, n) + Show(key) + " given twice (also line " +
                             std::to_string(it->second) + ")");
    if (key == "classes") {
      int64_t classes = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), classes);
      if (value.empty() || ec != std::errc() || p != value.data() + value.size() || classes < 0)
        return InvalidArgument(At(source_name, n) +
                               "classes: expected a non-negative integer, got " + Show(value));
      data.classes = classes;
    } else if (key == "train") {
      data.train = value;
    } else if (key == "valid") {
      data.valid = value;
    } else if (key == "names") {
      data.names = value;
    } else if (key == "backup") {
      data.backup = value;
    } else {
      data.extra.emplace_back(std::move(key), std::move(value));
    }
  }
  if (!data.names)
    return InvalidArgument(std::string(source_name) + ": names: missing (names = data/obj.names)");
  if (!data.train && !data.valid)
    return InvalidArgument(std::string(source_name) +
                           ": train, valid: neither is given (train = data/train.txt)");
  return data;
}

std::string WriteYoloData(const YoloData& data) {
  std::string out;
  auto line = [&out](std::string_view key, std::string_view value) {
    out += key;
    out += value.empty() ? " =" : " = ";
    out += value;
    out += '\n';
  };
  if (data.classes) line("classes", std::to_string(*data.classes));
  if (data.train) line("train", *data.train);
  if (data.valid) line("valid", *data.valid);
  if (data.names) line("names", *data.names);
  if (data.backup) line("backup", *data.backup);
  for (const auto& [key, value] : data.extra) line(key, value);
  return out;
}

// ------------------------------------------------------------------------------------------------
// Image lists

std::vector<std::string> ParseYoloImageList(std::string_view text) {
  std::vector<std::string> paths;
  for (std::string_view line : Lines(text)) {
    line = Trim(line);
    if (!line.empty()) paths.emplace_back(line);
  }
  return paths;
}

std::string WriteYoloImageList(const std::vector<std::string>& paths) {
  std::string out;
  for (const auto& p : paths) {
    out += p;
    out += '\n';
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// Label files

YoloLabelsParse ParseYoloLabelsLenient(std::string_view text, std::string_view source_name,
                                       std::optional<int64_t> class_count) {
  YoloLabelsParse parse;
  std::vector<std::string_view> lines = Lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    int64_t n = static_cast<int64_t>(i) + 1;
    if (Trim(lines[i]).empty()) continue;
    YoloBox box;
    std::string problem = ParseBox(lines[i], class_count, box);
    if (problem.empty()) {
      parse.boxes.push_back(box);
    } else {
      parse.rejected.push_back({n, At(source_name, n) + problem});
    }
  }
  return parse;
}

Result<std::vector<YoloBox>> ParseYoloLabels(std::string_view text, std::string_view source_name,
                                             std::optional<int64_t> class_count) {
  YoloLabelsParse parse = ParseYoloLabelsLenient(text, source_name, class_count);
  if (!parse.rejected.empty()) return InvalidArgument(parse.rejected.front().reason);
  return std::move(parse.boxes);
}

std::string WriteYoloLabels(const std::vector<YoloBox>& boxes) {
  std::string out;
  out.reserve(boxes.size() * 40);
  for (const auto& b : boxes) {
    out += std::to_string(b.class_index);
    for (double v : {b.x_center, b.y_center, b.width, b.height}) {
      out += ' ';
      AppendFixed6(out, v);
    }
    out += '\n';
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// Conversions

Result<VocAnnotation> YoloToVoc(const std::vector<YoloBox>& boxes,
                                const std::vector<std::string>& names, int64_t width,
                                int64_t height, std::string_view image_path) {
  constexpr int64_t kMaxSide = int64_t{1} << 30;
  std::string source(image_path);
  if (width < 1 || width > kMaxSide || height < 1 || height > kMaxSide)
    return InvalidArgument(source + ": image size " + std::to_string(width) + "x" +
                           std::to_string(height) + " is out of range [1, 2^30]");
  VocAnnotation voc = VocForImage(image_path, width, height);
  auto count = static_cast<int64_t>(names.size());
  for (size_t i = 0; i < boxes.size(); ++i) {
    const YoloBox& b = boxes[i];
    std::string where = source + ": box " + std::to_string(i + 1) + ": ";
    if (b.class_index < 0)
      return InvalidArgument(where + "class index " + std::to_string(b.class_index) +
                             " is negative");
    if (std::string problem = ClassProblem(b.class_index, count); !problem.empty())
      return InvalidArgument(where + problem);
    const double values[] = {0, b.x_center, b.y_center, b.width, b.height};
    for (int k = 1; k < 5; ++k) {
      if (std::string problem = CoordinateProblem(k, values[k], Num(values[k])); !problem.empty())
        return InvalidArgument(where + problem);
    }
    // In millionths the coordinates are integers, so (2·xc − w)·W is exact in a double (below
    // 2^52) and the one division rounds it once: 0.5 of 640 gives exactly 320.
    double xc = Micro(b.x_center), yc = Micro(b.y_center);
    double w = Micro(b.width), h = Micro(b.height);
    auto W = static_cast<double>(width), H = static_cast<double>(height);
    VocObject o;
    o.name = names[static_cast<size_t>(b.class_index)];
    o.pose = "Unspecified";
    o.shape.kind = VocShapeKind::kBndbox;
    o.shape.points = {{(2 * xc - w) * W / (2 * kMicro), (2 * yc - h) * H / (2 * kMicro)},
                      {(2 * xc + w) * W / (2 * kMicro), (2 * yc + h) * H / (2 * kMicro)}};
    voc.objects.push_back(std::move(o));
  }
  return voc;
}

VocToYoloResult VocToYolo(const VocAnnotation& voc, const std::vector<std::string>& names) {
  VocToYoloResult result;
  std::unordered_map<std::string_view, int64_t> index;
  for (size_t i = 0; i < names.size(); ++i) index.emplace(names[i], static_cast<int64_t>(i));
  auto W = static_cast<double>(voc.width), H = static_cast<double>(voc.height);
  for (size_t j = 0; j < voc.objects.size(); ++j) {
    const VocObject& o = voc.objects[j];
    std::string path = "annotation/object[" + std::to_string(j + 1) + "]: ";
    auto drop = [&](const std::string& why) { result.dropped.push_back(path + why); };
    if (o.shape.kind != VocShapeKind::kBndbox || o.shape.points.size() != 2) {
      drop(std::string(VocShapeName(o.shape.kind)) + " is not a YOLO box");
      continue;
    }
    auto it = index.find(o.name);
    if (it == index.end()) {
      drop("label " + Show(o.name) + " is not in obj.names");
      continue;
    }
    if (voc.width <= 0 || voc.height <= 0) {
      drop("the image size is unknown");
      continue;
    }
    double x0 = o.shape.points[0].x, y0 = o.shape.points[0].y;
    double x1 = o.shape.points[1].x, y1 = o.shape.points[1].y;
    std::optional<YoloBox> box = Normalise(x0, y0, x1, y1, W, H);
    if (!box) {
      x0 = std::max(x0, 0.0);
      y0 = std::max(y0, 0.0);
      x1 = std::min(x1, W);
      y1 = std::min(y1, H);
      if (!(x0 < x1 && y0 < y1)) {
        drop("box has nothing inside the " + std::to_string(voc.width) + "x" +
             std::to_string(voc.height) + " image");
        continue;
      }
      box = Normalise(x0, y0, x1, y1, W, H);
    }
    if (!box) {
      drop("box is under 0.000001 of the image size");
      continue;
    }
    box->class_index = it->second;
    result.boxes.push_back(*box);
  }
  return result;
}

// ------------------------------------------------------------------------------------------------
// Folder layout

Result<YoloLayout> FindYoloLayout(const std::vector<std::string>& paths, const YoloData* data) {
  PathSet present(paths.begin(), paths.end());
  // The shallowest file named `name`; "" when there is none.
  auto shallowest = [&](std::string_view name) -> Result<std::string> {
    const std::string* best = nullptr;
    int64_t best_depth = 0;
    for (const auto& p : paths) {
      if (BaseName(p) != name) continue;
      auto depth = static_cast<int64_t>(std::count(p.begin(), p.end(), '/'));
      if (best && depth == best_depth)
        return InvalidArgument(std::min(*best, p) + ", " + std::max(*best, p) +
                               ": two YOLO datasets in one folder");
      if (!best || depth < best_depth) {
        best = &p;
        best_depth = depth;
      }
    }
    return best ? *best : std::string();
  };
  OA_ASSIGN_OR_RETURN(std::string anchor, shallowest("obj.data"));
  if (anchor.empty()) {
    OA_ASSIGN_OR_RETURN(anchor, shallowest("obj.names"));
  }
  if (anchor.empty()) return InvalidArgument("no obj.data or obj.names in the folder");
  YoloLayout layout;
  layout.root = anchor.substr(0, anchor.size() - BaseName(anchor).size());
  auto here = [&](std::string_view name) {
    std::string p = layout.root + std::string(name);
    return present.count(p) ? p : std::string();
  };
  layout.data = here("obj.data");
  layout.names = here("obj.names");
  layout.train_list = here("train.txt");
  layout.valid_list = here("valid.txt");
  if (data) {
    auto named = [&](const std::optional<std::string>& value, std::string_view key,
                     std::string& slot) -> Status {
      if (!value) return Status::Ok();
      std::string p = Resolve(present, layout, *value);
      if (!present.count(p))
        return InvalidArgument((layout.data.empty() ? std::string("obj.data") : layout.data) +
                               ": " + std::string(key) + " = " + *value + ": " + p +
                               " is not in the folder");
      slot = p;
      return Status::Ok();
    };
    OA_TRY(named(data->names, "names", layout.names));
    OA_TRY(named(data->train, "train", layout.train_list));
    OA_TRY(named(data->valid, "valid", layout.valid_list));
    if (!data->train) layout.train_list.clear();
    if (!data->valid) layout.valid_list.clear();
  }
  if (layout.names.empty())
    return InvalidArgument(layout.root + "obj.names: missing (one class name per line)");
  return layout;
}

std::string ResolveYoloPath(const std::vector<std::string>& paths, const YoloLayout& layout,
                            std::string_view path) {
  return Resolve(std::unordered_set<std::string_view>(paths.begin(), paths.end()), layout, path);
}

YoloImageMap MapYoloImages(const std::vector<std::string>& paths, const YoloLayout& layout,
                           const std::vector<std::string>& train,
                           const std::vector<std::string>& valid) {
  YoloImageMap map;
  PathSet present(paths.begin(), paths.end());
  std::unordered_map<std::string, std::string> listed_in;  // image → the list naming it
  std::unordered_set<std::string> labels_used;
  auto add = [&](const std::string& image, YoloSubset subset) {
    YoloImageFiles files{image, LabelPath(image), subset};
    if (!present.count(files.labels)) files.labels.clear();
    labels_used.insert(files.labels);
    map.images.push_back(std::move(files));
  };
  auto add_list = [&](const std::vector<std::string>& list, const std::string& list_path,
                      std::string_view fallback, YoloSubset subset) {
    std::string name = list_path.empty() ? std::string(fallback) : list_path;
    for (const auto& entry : list) {
      std::string image = Resolve(present, layout, entry);
      if (!present.count(image)) {
        map.problems.push_back(name + ": " + entry + ": no such image in the folder");
        continue;
      }
      auto [it, added] = listed_in.emplace(image, name);
      if (!added) {
        map.problems.push_back(name + ": " + entry + ": already listed in " + it->second);
        continue;
      }
      add(image, subset);
    }
  };
  add_list(train, layout.train_list, "train.txt", YoloSubset::kTrain);
  add_list(valid, layout.valid_list, "valid.txt", YoloSubset::kValid);

  const std::string train_dir = layout.root + "obj_train_data/";
  const std::string valid_dir = layout.root + "obj_valid_data/";
  std::vector<std::string_view> sorted(paths.begin(), paths.end());
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::vector<std::string_view> label_files;
  for (std::string_view p : sorted) {
    YoloSubset subset = p.rfind(train_dir, 0) == 0   ? YoloSubset::kTrain
                        : p.rfind(valid_dir, 0) == 0 ? YoloSubset::kValid
                                                     : YoloSubset::kNone;
    if (subset == YoloSubset::kNone) continue;
    if (IsImage(p)) {
      if (!listed_in.count(std::string(p))) add(std::string(p), subset);
    } else if (p.size() > 4 && AsciiLower(p.substr(p.size() - 4)) == ".txt") {
      label_files.push_back(p);
    }
  }
  for (std::string_view p : label_files) {
    if (!labels_used.count(std::string(p)))
      map.problems.push_back(std::string(p) + ": a label file without an image");
  }
  return map;
}

}  // namespace openarts::formats
