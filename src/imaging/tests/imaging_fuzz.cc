// Images come from users (imports, uploads, annotation tools). Probing, decoding, thumbnails and
// the metrics must never crash, hang, leak or print, whatever the bytes; every rejection is
// kInvalidArgument; whatever decodes has the probed size and metrics within their ranges.
// Decoding uses a small pixel limit, so the fuzzer spends its time on parsing, not on pixels.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "imaging/imaging.h"

using namespace openarts;
using namespace openarts::imaging;

namespace {

constexpr int64_t kMaxPixels = 1 << 18;

void Check(bool ok) {
  if (!ok) std::abort();
}

void CheckRejected(const Status& s) {
  Check(s.code() == Code::kInvalidArgument && !s.message().empty());
}

bool Within(double v, double lo, double hi) { return std::isfinite(v) && v >= lo && v <= hi; }

void CheckMetrics(const PixelMetrics& m) {
  Check(Within(m.brightness, 0, 1 + 1e-6));
  Check(Within(m.saturation, 0, 1 + 1e-6));
  Check(Within(m.contrast, 0, 0.5 + 1e-9));
  Check(Within(m.blur, 0, 1020.0 * 1020.0 + 1e-6));
  Check(Within(m.colorfulness, 0, 1e3));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto info = Probe(in);
  auto img = Decode(in, {.min_side = 0, .max_pixels = kMaxPixels});
  if (!info.ok()) {
    CheckRejected(info.status());
    Check(!img.ok() && img.status().message() == info.status().message());
    return 0;
  }
  Check(info->width >= 1 && info->height >= 1 && info->channels >= 1 && info->channels <= 4);
  if (!img.ok()) {
    CheckRejected(img.status());
    return 0;
  }
  Check(img->width == info->width && img->height == info->height && img->scale_denom == 1);
  Check(img->rgb.size() == size_t{3} * img->width * img->height);
  CheckMetrics(MeasurePixels(*img));

  auto scaled = Decode(in, {.min_side = 4, .max_pixels = kMaxPixels});
  if (scaled.ok()) {
    const int d = ScaleDenominator(info->width, info->height, 4);
    Check(scaled->scale_denom == d);
    Check(scaled->width == (info->width + d - 1) / d &&
          scaled->height == (info->height + d - 1) / d);
  } else {
    CheckRejected(scaled.status());
  }

  const double w = info->width, h = info->height;
  const std::vector<Box> boxes = {
      {0, 0, w / 2 + 0.5, h}, {w / 4, h / 4, w, h * 0.75}, {-1, -1, 1, 1}};
  auto f = Analyze(in, boxes, {.min_side = 4, .max_pixels = kMaxPixels});
  if (f.ok()) {
    CheckMetrics(f->pixels);
    Check(f->boxes.size() == boxes.size() && f->resolution == int64_t{info->width} * info->height);
    for (const BoxMetrics& b : f->boxes) {
      Check(Within(b.overlap, 0, 1) && Within(b.marginalization, 0, 1) && b.area_ratio > 0);
      Check(Within(b.brightness, 0, 1 + 1e-6) && b.blur >= 0);
    }
  } else {
    CheckRejected(f.status());
  }

  auto thumb = Thumbnail(in, 16, 75, kMaxPixels);
  if (thumb.ok()) {
    auto t = Probe(*thumb);
    Check(t.ok() && t->format == ImageFormat::kJpeg && std::max(t->width, t->height) <= 16);
  } else {
    CheckRejected(thumb.status());
  }
  return 0;
}
