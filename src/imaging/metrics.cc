// The §11.1 metrics (docs/feature-analysis.md): one pass over the RGB pixels for the brightness,
// saturation, grey and colour-opponent sums, one pass over grey for the Laplacian; box geometry
// with an exact union area.
//
// The two hot loops are plain loops over bytes that the compiler vectorises: `omp simd` lets the
// float reductions be reordered (-fopenmp-simd: no OpenMP runtime), -fno-math-errno and
// -fno-trapping-math let sqrt and the division be vectorised. Loading packed RGB (a stride of 3
// bytes) needs a byte shuffle (SSSE3 pshufb), which baseline x86-64 lacks, so each loop is also
// compiled for AVX2 and picked at load time (target_clones). Integer sums are exact; float sums
// run over chunks of at most 4096 pixels.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <new>
#include <string>

#include "codecs.h"
#include "imaging/imaging.h"

#if defined(__x86_64__) && defined(__ELF__)
#define OA_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define OA_VECTOR_CLONES
#endif

namespace openarts::imaging {
namespace {

// Row chunks keep the int32 per-chunk sums from overflowing: (R + G − 2B)² ≤ 510² and
// 510² × 4096 < 2³¹; the Laplacian's square ≤ 1020², and 1020² × 2048 < 2³¹.
constexpr int kChunk = 4096;
constexpr int kLaplacianChunk = 2048;

struct Sums {
  double brightness = 0;
  double saturation = 0;
  int64_t grey = 0, grey2 = 0;
  int64_t rg = 0, rg2 = 0;
  int64_t yb = 0, yb2 = 0;  // of 2·yb = R + G − 2B, kept integral
};

// n ≤ kChunk pixels of `rgb`; their grey values go to `grey`.
OA_VECTOR_CLONES void AccumulatePixels(const uint8_t* __restrict rgb, uint8_t* __restrict grey,
                                       int n, Sums* s) {
  float bright = 0, sat = 0;
  int32_t g1 = 0, g2 = 0, rg1 = 0, rg2 = 0, yb1 = 0, yb2 = 0;
#pragma omp simd reduction(+ : bright, sat, g1, g2, rg1, rg2, yb1, yb2)
  for (int i = 0; i < n; ++i) {
    const int r = rgb[3 * i], g = rgb[3 * i + 1], b = rgb[3 * i + 2];
    const float fr = static_cast<float>(r), fg = static_cast<float>(g), fb = static_cast<float>(b);
    bright += std::sqrt(0.241f * fr * fr + 0.691f * fg * fg + 0.068f * fb * fb);
    const int mx = std::max(r, std::max(g, b)), mn = std::min(r, std::min(g, b));
    sat += static_cast<float>(mx - mn) / static_cast<float>(std::max(mx, 1));  // 0 for black
    const int y = (9798 * r + 19235 * g + 3735 * b + 16384) >> 15;
    grey[i] = static_cast<uint8_t>(y);
    g1 += y;
    g2 += y * y;
    const int d1 = r - g, d2 = r + g - 2 * b;
    rg1 += d1;
    rg2 += d1 * d1;
    yb1 += d2;
    yb2 += d2 * d2;
  }
  s->brightness += bright;
  s->saturation += sat;
  s->grey += g1, s->grey2 += g2, s->rg += rg1, s->rg2 += rg2, s->yb += yb1, s->yb2 += yb2;
}

// Adds Σ L and Σ L² of the 3×3 Laplacian [0 1 0; 1 −4 1; 0 1 0] over one row of w grey pixels
// (`up` and `down` are its neighbours), borders reflected without repeating the edge (OpenCV's
// BORDER_REFLECT_101: column −1 reads column 1).
OA_VECTOR_CLONES void LaplacianRow(const uint8_t* up, const uint8_t* row, const uint8_t* down,
                                   int w, int64_t* s1, int64_t* s2) {
  int64_t a = 0, b = 0;
  auto border = [&](int x) {
    const int left = w == 1 ? 0 : (x == 0 ? 1 : x - 1);
    const int right = w == 1 ? 0 : (x == w - 1 ? w - 2 : x + 1);
    const int l = up[x] + down[x] + row[left] + row[right] - 4 * row[x];
    a += l;
    b += l * l;
  };
  border(0);
  if (w > 1) border(w - 1);
  for (int x0 = 1; x0 < w - 1; x0 += kLaplacianChunk) {
    const int x1 = std::min(w - 1, x0 + kLaplacianChunk);
    int32_t c1 = 0, c2 = 0;
#pragma omp simd reduction(+ : c1, c2)
    for (int x = x0; x < x1; ++x) {
      const int l = up[x] + down[x] + row[x - 1] + row[x + 1] - 4 * row[x];
      c1 += l;
      c2 += l * l;
    }
    a += c1;
    b += c2;
  }
  *s1 += a;
  *s2 += b;
}

// Population variance from exact integer sums: (n Σx² − (Σx)²) / n², computed in 128 bits.
double Variance(int64_t n, int64_t sum, int64_t sum2) {
  const __int128 num = static_cast<__int128>(n) * sum2 - static_cast<__int128>(sum) * sum;
  return static_cast<double>(num) / (static_cast<double>(n) * static_cast<double>(n));
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

struct Rect {
  double x0, y0, x1, y1;
};

// Area of the union of half-open rectangles: a sweep over x, with a segment tree over the
// distinct y coordinates holding how many rectangles cover each y interval. O(n log n), exact up
// to the rounding of the final sum of products.
double UnionArea(const std::vector<Rect>& rects) {
  if (rects.empty()) return 0;
  std::vector<double> ys;
  struct Event {
    double x;
    int y0, y1, delta;
  };
  std::vector<Event> events;
  for (const Rect& r : rects) ys.push_back(r.y0), ys.push_back(r.y1);
  std::sort(ys.begin(), ys.end());
  ys.erase(std::unique(ys.begin(), ys.end()), ys.end());
  auto index = [&](double y) {
    return static_cast<int>(std::lower_bound(ys.begin(), ys.end(), y) - ys.begin());
  };
  for (const Rect& r : rects) {
    events.push_back({r.x0, index(r.y0), index(r.y1), +1});
    events.push_back({r.x1, index(r.y0), index(r.y1), -1});
  }
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.x < b.x; });
  const int m = static_cast<int>(ys.size()) - 1;  // elementary intervals [ys[i], ys[i+1])
  std::vector<int> count(4 * m, 0);
  std::vector<double> covered(4 * m, 0.0);
  // Adds delta to [lo, hi) in node `node` covering [l, r).
  auto update = [&](auto&& self, int node, int l, int r, int lo, int hi, int delta) -> void {
    if (hi <= l || r <= lo) return;
    if (lo <= l && r <= hi) {
      count[node] += delta;
    } else {
      const int mid = (l + r) / 2;
      self(self, 2 * node, l, mid, lo, hi, delta);
      self(self, 2 * node + 1, mid, r, lo, hi, delta);
    }
    if (count[node] > 0)
      covered[node] = ys[r] - ys[l];
    else if (r - l == 1)
      covered[node] = 0;
    else
      covered[node] = covered[2 * node] + covered[2 * node + 1];
  };
  double area = 0;
  double prev = events[0].x;
  for (const Event& e : events) {
    area += covered[1] * (e.x - prev);
    update(update, 1, 0, m, e.y0, e.y1, e.delta);
    prev = e.x;
  }
  return area;
}

Status ValidateBoxes(int width, int height, std::span<const Box> boxes) {
  for (size_t i = 0; i < boxes.size(); ++i) {
    const Box& b = boxes[i];
    const std::string name = "box " + std::to_string(i + 1);
    if (!std::isfinite(b.xmin) || !std::isfinite(b.ymin) || !std::isfinite(b.xmax) ||
        !std::isfinite(b.ymax))
      return InvalidArgument(name + ": a coordinate is not a finite number");
    if (!(b.xmin < b.xmax))
      return InvalidArgument(name + ": xmin " + Num(b.xmin) + " is not less than xmax " +
                             Num(b.xmax));
    if (!(b.ymin < b.ymax))
      return InvalidArgument(name + ": ymin " + Num(b.ymin) + " is not less than ymax " +
                             Num(b.ymax));
    if (b.xmax <= 0 || b.xmin >= width || b.ymax <= 0 || b.ymin >= height)
      return InvalidArgument(name + " (x " + Num(b.xmin) + " to " + Num(b.xmax) + ", y " +
                             Num(b.ymin) + " to " + Num(b.ymax) + ") lies outside the " +
                             std::to_string(width) + "x" + std::to_string(height) + " image");
  }
  return Status::Ok();
}

std::vector<BoxMetrics> BoxesOf(const Image& analysed, int width, int height,
                                std::span<const Box> boxes) {
  std::vector<BoxMetrics> out(boxes.size());
  const double sx = static_cast<double>(analysed.width) / width;
  const double sy = static_cast<double>(analysed.height) / height;
  std::vector<Rect> others;
  for (size_t i = 0; i < boxes.size(); ++i) {
    const Box& b = boxes[i];
    BoxMetrics& m = out[i];
    const double w = b.xmax - b.xmin, h = b.ymax - b.ymin;
    m.aspect_ratio = w / h;
    m.area_ratio = w * h / (static_cast<double>(width) * height);
    const double cx = (b.xmin + b.xmax) / 2, cy = (b.ymin + b.ymax) / 2;
    m.marginalization = std::max(std::abs(cx - width / 2.0) / (width / 2.0),
                                 std::abs(cy - height / 2.0) / (height / 2.0));
    others.clear();
    for (size_t j = 0; j < boxes.size(); ++j) {
      if (j == i) continue;
      const Rect r{std::max(b.xmin, boxes[j].xmin), std::max(b.ymin, boxes[j].ymin),
                   std::min(b.xmax, boxes[j].xmax), std::min(b.ymax, boxes[j].ymax)};
      if (r.x0 < r.x1 && r.y0 < r.y1) others.push_back(r);
    }
    m.overlap = std::min(1.0, UnionArea(others) / (w * h));
    PixelRect p;
    p.x0 = std::clamp(static_cast<int>(std::floor(b.xmin * sx)), 0, analysed.width - 1);
    p.y0 = std::clamp(static_cast<int>(std::floor(b.ymin * sy)), 0, analysed.height - 1);
    p.x1 = std::clamp(static_cast<int>(std::ceil(b.xmax * sx)), p.x0 + 1, analysed.width);
    p.y1 = std::clamp(static_cast<int>(std::ceil(b.ymax * sy)), p.y0 + 1, analysed.height);
    const PixelMetrics px = MeasurePixels(analysed, p);
    m.brightness = px.brightness;
    m.blur = px.blur;
  }
  return out;
}

double PopulationStd(const std::vector<double>& v) {
  if (v.size() < 2) return 0;
  double mean = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return std::sqrt(ss / static_cast<double>(v.size()));
}

}  // namespace

PixelMetrics MeasurePixels(const Image& image) noexcept {
  return MeasurePixels(image, PixelRect{0, 0, image.width, image.height});
}

PixelMetrics MeasurePixels(const Image& image, const PixelRect& rect) noexcept {
  OA_CHECK(image.rgb.size() == size_t{3} * image.width * image.height);
  OA_CHECK(0 <= rect.x0 && rect.x0 < rect.x1 && rect.x1 <= image.width);
  OA_CHECK(0 <= rect.y0 && rect.y0 < rect.y1 && rect.y1 <= image.height);
  const int w = rect.x1 - rect.x0, h = rect.y1 - rect.y0;
  // Grey rows y − 1, y, y + 1 in a ring: row y's Laplacian runs once row y + 1 is converted, while
  // the three rows are still in L1.
  std::vector<uint8_t> ring(size_t{3} * w);
  auto grey = [&](int y) { return ring.data() + size_t{1} * w * (y % 3); };
  Sums s;
  auto convert = [&](int y) {
    const uint8_t* rgb = image.rgb.data() + (size_t{1} * image.width * (rect.y0 + y) + rect.x0) * 3;
    for (int x = 0; x < w; x += kChunk)
      AccumulatePixels(rgb + 3 * x, grey(y) + x, std::min(kChunk, w - x), &s);
  };
  int64_t l1 = 0, l2 = 0;
  convert(0);
  if (h > 1) convert(1);
  for (int y = 0; y < h; ++y) {
    if (y + 1 < h && y + 1 >= 2) convert(y + 1);
    // Reflected at the top and bottom: row −1 reads row 1, row h reads row h − 2.
    const uint8_t* up = grey(y > 0 ? y - 1 : (h > 1 ? 1 : 0));
    const uint8_t* down = grey(y < h - 1 ? y + 1 : (h > 1 ? h - 2 : 0));
    LaplacianRow(up, grey(y), down, w, &l1, &l2);
  }
  const int64_t n = int64_t{w} * h;
  const double dn = static_cast<double>(n);
  PixelMetrics m;
  m.brightness = s.brightness / dn / 255.0;
  m.saturation = s.saturation / dn;
  m.contrast = std::sqrt(Variance(n, s.grey, s.grey2)) / 255.0;
  m.blur = Variance(n, l1, l2);
  const double var_rg = Variance(n, s.rg, s.rg2), var_yb = Variance(n, s.yb, s.yb2) / 4;
  const double mean_rg = static_cast<double>(s.rg) / dn,
               mean_yb = static_cast<double>(s.yb) / dn / 2;
  m.colorfulness =
      std::sqrt(var_rg + var_yb) + 0.3 * std::sqrt(mean_rg * mean_rg + mean_yb * mean_yb);
  return m;
}

Result<std::vector<BoxMetrics>> MeasureBoxes(const Image& analysed, int width, int height,
                                             std::span<const Box> boxes) {
  if (width < 1 || height < 1 || analysed.width < 1 || analysed.height < 1)
    return InvalidArgument("image size " + std::to_string(width) + "x" + std::to_string(height) +
                           " is empty");
  OA_TRY(ValidateBoxes(width, height, boxes));
  try {
    return BoxesOf(analysed, width, height, boxes);
  } catch (const std::bad_alloc&) {
    return ResourceExhausted("out of memory measuring " + std::to_string(boxes.size()) + " boxes");
  }
}

Result<ImageFeatures> Analyze(std::string_view bytes, std::span<const Box> boxes,
                              const AnalyzeOptions& options) {
  try {
    OA_ASSIGN_OR_RETURN(ImageInfo info, Probe(bytes));
    OA_TRY(internal::CheckPixelLimit(info.width, info.height, options.max_pixels));
    OA_TRY(ValidateBoxes(info.width, info.height, boxes));  // before the costly part
    const int denom = ScaleDenominator(info.width, info.height, options.min_side);
    OA_ASSIGN_OR_RETURN(Image image, internal::DecodeScaled(bytes, info, denom));
    ImageFeatures f;
    f.width = info.width;
    f.height = info.height;
    f.resolution = int64_t{info.width} * info.height;
    f.aspect_ratio = static_cast<double>(info.width) / info.height;
    f.analysed_width = image.width;
    f.analysed_height = image.height;
    f.pixels = MeasurePixels(image);
    f.box_count = static_cast<int>(boxes.size());
    std::vector<double> areas;
    for (const Box& b : boxes) areas.push_back((b.xmax - b.xmin) * (b.ymax - b.ymin));
    f.box_area_std = PopulationStd(areas);
    f.boxes = BoxesOf(image, info.width, info.height, boxes);
    return f;
  } catch (const std::bad_alloc&) {
    return ResourceExhausted("out of memory analysing an image");
  } catch (const std::exception& e) {
    return Internal(std::string("analysing an image: ") + e.what());
  }
}

}  // namespace openarts::imaging
