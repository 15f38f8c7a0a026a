// Images of datasets: header probing, scaled decoding, thumbnails, and the feature-analysis
// metrics of spec/data.md §11.1 (defined in docs/feature-analysis.md).
//
//   auto info = Probe(bytes);                     // header only: format, width, height, channels
//   auto img = Decode(bytes, {.min_side = 256});  // RGB8; JPEGs DCT-scaled by 1/2, 1/4 or 1/8
//   auto jpg = Thumbnail(bytes, 256);             // JPEG bytes, longer side 256 px
//   auto f = Analyze(bytes, boxes);               // every §11.1 metric of one image, one decode
//
// Pure functions over bytes and values: no I/O, no global state, thread-safe (a worker pool calls
// them from any number of threads). Formats: JPEG (8-bit baseline, extended, progressive,
// arithmetic; grey, YCbCr, RGB, CMYK, YCCK), PNG (every colour type and bit depth, interlaced),
// BMP (1, 4, 8, 16, 24, 32 bits; uncompressed or bit fields). Errors: kInvalidArgument saying what
// is wrong with the bytes ("not a JPEG, PNG or BMP image (starts with 47 49 46 38: GIF)"); the
// caller adds the file name (Status::WithContext). libjpeg and libpng report through custom error
// managers: they never print, never exit(), and their longjmp crosses only their own C frames.
// Out of memory is kResourceExhausted where a Result is returned. No exception leaves this header.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace openarts::imaging {

enum class ImageFormat { kJpeg, kPng, kBmp };

// "jpeg", "png", "bmp".
std::string_view ImageFormatName(ImageFormat format);

struct ImageInfo {
  ImageFormat format = ImageFormat::kJpeg;
  int width = 0;   // ≥ 1
  int height = 0;  // ≥ 1
  // As stored: 1 grey; 2 grey + alpha; 3 colour (YCbCr, RGB, palette); 4 colour + alpha, or CMYK
  // and YCCK JPEGs. Decode always returns RGB.
  int channels = 0;
  bool operator==(const ImageInfo&) const = default;
};

// Reads the header alone (JPEG markers up to the frame header, the PNG IHDR chunk with its CRC,
// the BMP file and info headers): microseconds, used at import to record sizes and check boxes.
// kInvalidArgument for an empty or unknown file, a truncated or inconsistent header, a zero
// size, or a variant Decode cannot read (12-bit, lossless or hierarchical JPEG, RLE BMP...).
// A header that probes may still fail to decode: the pixel data is not read.
Result<ImageInfo> Probe(std::string_view bytes);

// Decompression bombs: images with more pixels than this (width × height of the original) are
// refused before anything is allocated.
inline constexpr int64_t kDefaultMaxPixels = 100'000'000;

// The reduction Decode applies: the largest d in {1, 2, 4, 8} with min(⌈w/d⌉, ⌈h/d⌉) ≥ min_side;
// 1 when min_side ≤ 0 or the image is already smaller. 1920×1080 at 256 → 4 (480×270).
int ScaleDenominator(int width, int height, int min_side);

struct DecodeOptions {
  // Keep the shorter side at least this long while reducing by ScaleDenominator: JPEGs use
  // libjpeg's DCT scaling (the cheapest way to a small image); PNG and BMP are decoded in full and
  // averaged over d×d blocks. 0 = full size.
  int min_side = 0;
  int64_t max_pixels = kDefaultMaxPixels;  // of the original image
};

struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;  // width × height × 3 bytes: rows top to bottom, R G B, no padding
  int scale_denom = 1;       // 1/scale_denom of the original, sides rounded up
};

// Decodes to 8-bit RGB. Grey and grey + alpha become R = G = B; CMYK and YCCK JPEGs are converted
// (Adobe's inverted CMYK, as Photoshop writes it); alpha is dropped (the colour values are kept,
// as cv2.imread and PIL's convert("RGB") do, so the metrics describe what training reads); 16-bit
// PNG samples are rounded to 8 bits (v × 255 / 65535); palettes are expanded; gamma and ICC
// profiles are ignored. kInvalidArgument: what Probe rejects, more pixels than
// options.max_pixels, and corrupt or truncated pixel data (libjpeg's corrupt-data warnings count
// as errors; a missing EOI marker and stray bytes before a marker do not).
Result<Image> Decode(std::string_view bytes, const DecodeOptions& options = {});

// A JPEG (baseline, 4:2:0, Huffman-optimised) of the image scaled to fit max_side × max_side,
// aspect kept, the longer side exactly max_side (smaller images keep their size). A DCT-scaled
// decode to at least that size, then an area-averaging resize. kInvalidArgument: as Decode, or
// max_side < 1, or quality outside 1–100.
Result<std::string> Thumbnail(std::string_view bytes, int max_side, int quality = 85,
                              int64_t max_pixels = kDefaultMaxPixels);

// ---- Metrics (spec/data.md §11.1; docs/feature-analysis.md) -------------------------------------

// Metrics of pixels. grey = (9798 R + 19235 G + 3735 B + 16384) >> 15 (BT.601 luma, bit for bit
// OpenCV's COLOR_RGB2GRAY), rg = R − G, yb = (R + G)/2 − B; means and standard deviations are
// over the pixels (population).
struct PixelMetrics {
  double brightness = 0;  // mean of √(0.241 R² + 0.691 G² + 0.068 B²) / 255, in [0, 1]
  double saturation = 0;  // mean HSV saturation (max − min) / max (0 where max = 0), in [0, 1]
  double contrast = 0;    // RMS contrast: std of grey / 255, in [0, 0.5]
  double blur = 0;        // blur score: variance of the Laplacian [0 1 0; 1 −4 1; 0 1 0] of grey,
                          // borders reflected (OpenCV's default); larger = sharper, ≥ 0
  double colorfulness = 0;  // Hasler–Süsstrunk: √(σ_rg² + σ_yb²) + 0.3 √(μ_rg² + μ_yb²), ≥ 0
  bool operator==(const PixelMetrics&) const = default;
};

// A rectangle of pixels, half-open: [x0, x1) × [y0, y1).
struct PixelRect {
  int x0 = 0;
  int y0 = 0;
  int x1 = 0;
  int y1 = 0;
};

// The metrics of the whole image, or of `rect` taken as an image of its own (its borders are the
// Laplacian's borders). REQUIRES: image.rgb holds width × height × 3 bytes; rect is non-empty and
// inside the image. Needs 3 rows of scratch memory; like the two helpers at the end of this
// header it is noexcept: running out of memory there ends the process.
PixelMetrics MeasurePixels(const Image& image) noexcept;
PixelMetrics MeasurePixels(const Image& image, const PixelRect& rect) noexcept;

// A bounding box in pixels of the original image, as in VOC: xmin < xmax, ymin < ymax.
struct Box {
  double xmin = 0;
  double ymin = 0;
  double xmax = 0;
  double ymax = 0;
};

struct BoxMetrics {
  double aspect_ratio = 0;  // w / h
  double area_ratio = 0;    // w·h / (W·H)
  // dist(image centre, box centre) / dist(image centre, the border point on the ray through the
  // box centre) = max(|cx − W/2| / (W/2), |cy − H/2| / (H/2)); 0 at the centre, 1 on the border.
  double marginalization = 0;
  double overlap = 0;     // area(box ∩ ∪ other boxes) / area(box), exact, in [0, 1]
  double brightness = 0;  // PixelMetrics::brightness of the box's pixels
  double blur = 0;        // PixelMetrics::blur of the box's pixels
  bool operator==(const BoxMetrics&) const = default;
};

// Box-level metrics of `boxes` (original pixels of a width × height image) on `analysed`, the
// image decoded at any scale: a box covers the analysed pixels [⌊xmin·s⌋, ⌈xmax·s⌉) with
// s = analysed.width / width (likewise y), clamped to the image, at least one pixel. Geometry uses
// the boxes as given (the importer clamps them, spec §3.3). kInvalidArgument naming the box
// ("box 3: xmin 10 is not less than xmax 5") for a non-finite coordinate, an empty box, or one
// outside the image.
Result<std::vector<BoxMetrics>> MeasureBoxes(const Image& analysed, int width, int height,
                                             std::span<const Box> boxes);

struct ImageFeatures {
  int width = 0;  // original
  int height = 0;
  int64_t resolution = 0;   // width · height
  double aspect_ratio = 0;  // width / height
  int analysed_width = 0;   // the decoded size the pixel metrics were computed at
  int analysed_height = 0;
  PixelMetrics pixels;
  int box_count = 0;
  double box_area_std = 0;  // population std of the box areas, in original pixels²; 0 for ≤ 1
  std::vector<BoxMetrics> boxes;  // in the order given
};

struct AnalyzeOptions {
  // Pixel metrics are computed on the image reduced by ScaleDenominator(w, h, min_side): 1080p
  // JPEGs at 1/4 (480×270). Blur depends on the scale; see docs/feature-analysis.md. 0 = full size.
  int min_side = 256;
  int64_t max_pixels = kDefaultMaxPixels;
};

// Every metric of §11.1 for one image, from one Probe and one scaled Decode: what a feature
// analysis worker calls per sample. Errors: as Decode and MeasureBoxes.
Result<ImageFeatures> Analyze(std::string_view bytes, std::span<const Box> boxes = {},
                              const AnalyzeOptions& options = {});

// ---- Distributions (the console's charts; §11.1 design note) ------------------------------------

inline constexpr int kHistogramBins = 50;

struct Histogram {
  double lo = 0;  // bins of equal width (hi − lo) / counts.size() cover [lo, hi]; hi falls in
  double hi = 0;  // the last bin
  std::vector<int64_t> counts;
  int64_t below = 0;  // values < lo
  int64_t above = 0;  // values > hi (NaN is counted nowhere)
  bool operator==(const Histogram&) const = default;
};

// REQUIRES: bins ≥ 1, lo ≤ hi, both finite. When lo == hi (every value equal) the range becomes
// [lo − 0.5, lo + 0.5], so the value lands in the middle bin.
Histogram MakeHistogram(std::span<const double> values, double lo, double hi,
                        int bins = kHistogramBins) noexcept;

struct ValueRange {
  double lo = 0;
  double hi = 0;
  bool operator==(const ValueRange&) const = default;
};

// The range the versions compared side by side share: the lowest p0.5 and the highest p99.5 of
// the sets (each set's own percentiles, linear interpolation as numpy's default), so every
// version's central 99 % is on the chart, however many samples each has. Empty sets and
// non-finite values are skipped; {0, 0} when nothing is left. REQUIRES: 0 ≤ lower_percent ≤
// upper_percent ≤ 100.
ValueRange SharedRange(std::span<const std::vector<double>> sets, double lower_percent = 0.5,
                       double upper_percent = 99.5) noexcept;

}  // namespace openarts::imaging
