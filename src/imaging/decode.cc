// Decode and Thumbnail: the scale rule, the pixel limit, format dispatch, the block reducer that
// gives PNG and BMP the reduction libjpeg gives JPEGs, and the thumbnail's area resize.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <new>
#include <string>

#include "codecs.h"
#include "imaging/imaging.h"

namespace openarts::imaging {
namespace internal {

Status CheckPixelLimit(int width, int height, int64_t max_pixels) {
  const int64_t pixels = int64_t{width} * height;
  if (pixels > max_pixels)
    return InvalidArgument("image is " + std::to_string(width) + "x" + std::to_string(height) +
                           " = " + std::to_string(pixels) + " pixels, over the limit of " +
                           std::to_string(max_pixels) + " (decompression bomb?)");
  return Status::Ok();
}

BlockReducer::BlockReducer(int width, int height, int denom, Image* out)
    : width_(width), height_(height), denom_(denom), out_(out) {
  out->width = (width + denom - 1) / denom;
  out->height = (height + denom - 1) / denom;
  out->scale_denom = denom;
  out->rgb.assign(size_t{3} * out->width * out->height, 0);
  if (denom > 1) sums_.assign(size_t{3} * out->width, 0);
}

void BlockReducer::AddRow(const uint8_t* rgb) {
  const size_t out_stride = size_t{3} * out_->width;
  if (denom_ == 1) {
    std::memcpy(out_->rgb.data() + out_stride * row_, rgb, out_stride);
    ++row_;
    return;
  }
  const int d = denom_;
  for (int ox = 0; ox < out_->width; ++ox) {
    const int x0 = ox * d, x1 = std::min(width_, x0 + d);
    uint32_t r = 0, g = 0, b = 0;
    for (int x = x0; x < x1; ++x) r += rgb[3 * x], g += rgb[3 * x + 1], b += rgb[3 * x + 2];
    sums_[3 * ox] += r, sums_[3 * ox + 1] += g, sums_[3 * ox + 2] += b;
  }
  ++row_;
  if (row_ % d != 0 && row_ != height_) return;
  const uint32_t rows = static_cast<uint32_t>((row_ - 1) % d + 1);
  uint8_t* dst = out_->rgb.data() + out_stride * ((row_ - 1) / d);
  for (int ox = 0; ox < out_->width; ++ox) {
    const uint32_t n = rows * static_cast<uint32_t>(std::min(width_, ox * d + d) - ox * d);
    for (int c = 0; c < 3; ++c)
      dst[3 * ox + c] = static_cast<uint8_t>((sums_[3 * ox + c] + n / 2) / n);
  }
  std::fill(sums_.begin(), sums_.end(), 0);
}

Result<Image> DecodeScaled(std::string_view bytes, const ImageInfo& info, int denom) {
  switch (info.format) {
    case ImageFormat::kJpeg: return DecodeJpeg(bytes, info, denom);
    case ImageFormat::kPng: return DecodePng(bytes, info, denom);
    case ImageFormat::kBmp: return DecodeBmp(bytes, info, denom);
  }
  return Internal("unknown image format");
}

}  // namespace internal

namespace {

using internal::CheckPixelLimit;
using internal::DecodeScaled;

// One axis of an area-averaging resize from n to m ≤ n samples: output i averages the input
// interval [i·n/m, (i+1)·n/m), partial pixels weighted by the part covered.
struct AreaAxis {
  std::vector<int> first;      // first input index of output i
  std::vector<int> count;      // inputs of output i
  std::vector<float> weights;  // count[i] weights per output, summing to 1, concatenated
  std::vector<size_t> offset;  // into weights
};

AreaAxis MakeAxis(int n, int m) {
  AreaAxis a;
  const double scale = static_cast<double>(n) / m;
  for (int i = 0; i < m; ++i) {
    const double start = i * scale, end = std::min<double>(n, (i + 1) * scale);
    const int j0 = static_cast<int>(std::floor(start));
    const int j1 = std::min(n, static_cast<int>(std::ceil(end)));
    a.first.push_back(j0);
    a.count.push_back(j1 - j0);
    a.offset.push_back(a.weights.size());
    for (int j = j0; j < j1; ++j)
      a.weights.push_back(
          static_cast<float>((std::min<double>(end, j + 1) - std::max<double>(start, j)) / scale));
  }
  return a;
}

Image AreaResize(const Image& src, int width, int height) {
  const AreaAxis ax = MakeAxis(src.width, width), ay = MakeAxis(src.height, height);
  // Horizontal pass over every input row, then the vertical one.
  std::vector<float> rows(size_t{3} * width * src.height);
  for (int y = 0; y < src.height; ++y) {
    const uint8_t* in = src.rgb.data() + size_t{3} * src.width * y;
    float* out = rows.data() + size_t{3} * width * y;
    for (int i = 0; i < width; ++i) {
      float r = 0, g = 0, b = 0;
      const float* w = ax.weights.data() + ax.offset[i];
      for (int k = 0; k < ax.count[i]; ++k) {
        const uint8_t* p = in + 3 * (ax.first[i] + k);
        r += w[k] * p[0], g += w[k] * p[1], b += w[k] * p[2];
      }
      out[3 * i] = r, out[3 * i + 1] = g, out[3 * i + 2] = b;
    }
  }
  Image dst;
  dst.width = width;
  dst.height = height;
  dst.scale_denom = src.scale_denom;
  dst.rgb.resize(size_t{3} * width * height);
  std::vector<float> acc(size_t{3} * width);
  for (int i = 0; i < height; ++i) {
    std::fill(acc.begin(), acc.end(), 0.0f);
    const float* w = ay.weights.data() + ay.offset[i];
    for (int k = 0; k < ay.count[i]; ++k) {
      const float* in = rows.data() + size_t{3} * width * (ay.first[i] + k);
      for (size_t x = 0; x < acc.size(); ++x) acc[x] += w[k] * in[x];
    }
    uint8_t* out = dst.rgb.data() + size_t{3} * width * i;
    for (size_t x = 0; x < acc.size(); ++x)
      out[x] = static_cast<uint8_t>(std::clamp(std::lround(acc[x]), 0L, 255L));
  }
  return dst;
}

Result<std::string> MakeThumbnail(std::string_view bytes, int max_side, int quality,
                                  int64_t max_pixels) {
  if (max_side < 1)
    return InvalidArgument("thumbnail size " + std::to_string(max_side) + ": must be at least 1");
  if (quality < 1 || quality > 100)
    return InvalidArgument("thumbnail JPEG quality " + std::to_string(quality) +
                           ": must be 1 to 100");
  OA_ASSIGN_OR_RETURN(ImageInfo info, Probe(bytes));
  OA_TRY(CheckPixelLimit(info.width, info.height, max_pixels));
  int width = info.width, height = info.height;
  if (const int longer = std::max(width, height); longer > max_side) {
    const double s = static_cast<double>(max_side) / longer;
    width = width == longer ? max_side : std::max(1, static_cast<int>(std::lround(width * s)));
    height = height == longer ? max_side : std::max(1, static_cast<int>(std::lround(height * s)));
  }
  int denom = 8;  // the largest reduction that still decodes to at least the thumbnail's size
  while (denom > 1 &&
         ((info.width + denom - 1) / denom < width || (info.height + denom - 1) / denom < height))
    denom /= 2;
  OA_ASSIGN_OR_RETURN(Image image, DecodeScaled(bytes, info, denom));
  if (image.width != width || image.height != height) image = AreaResize(image, width, height);
  return internal::EncodeJpeg(image, quality);
}

}  // namespace

int ScaleDenominator(int width, int height, int min_side) {
  if (min_side <= 0 || width <= 0 || height <= 0) return 1;
  for (int d = 8; d > 1; d /= 2)
    if (std::min((width + d - 1) / d, (height + d - 1) / d) >= min_side) return d;
  return 1;
}

Result<Image> Decode(std::string_view bytes, const DecodeOptions& options) {
  try {
    OA_ASSIGN_OR_RETURN(ImageInfo info, Probe(bytes));
    OA_TRY(CheckPixelLimit(info.width, info.height, options.max_pixels));
    return DecodeScaled(bytes, info, ScaleDenominator(info.width, info.height, options.min_side));
  } catch (const std::bad_alloc&) {
    return ResourceExhausted("out of memory decoding an image");
  } catch (const std::exception& e) {
    return Internal(std::string("decoding an image: ") + e.what());
  }
}

Result<std::string> Thumbnail(std::string_view bytes, int max_side, int quality,
                              int64_t max_pixels) {
  try {
    return MakeThumbnail(bytes, max_side, quality, max_pixels);
  } catch (const std::bad_alloc&) {
    return ResourceExhausted("out of memory making a thumbnail");
  } catch (const std::exception& e) {
    return Internal(std::string("making a thumbnail: ") + e.what());
  }
}

}  // namespace openarts::imaging
