// The §11.1 metrics on synthetic images whose values are known in closed form (uniform grey,
// pure colours, checkerboards, a single bright pixel, edges inside boxes), box geometry (exact
// overlap of unions, marginalization at the centre and on the border), Analyze end to end on
// lossless files, and the histogram and shared-range helpers.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "imaging/imaging.h"
#include "test_images.h"

namespace openarts::imaging {
namespace {

using testing::MakeImage;

struct Rgb {
  int r, g, b;
};

// Brightness and saturation are float sums whose order may follow the buffers' alignment; the
// other metrics come from exact integer sums.
void ExpectSamePixels(const PixelMetrics& a, const PixelMetrics& b) {
  EXPECT_NEAR(a.brightness, b.brightness, 1e-9);
  EXPECT_NEAR(a.saturation, b.saturation, 1e-9);
  EXPECT_EQ(a.contrast, b.contrast);
  EXPECT_EQ(a.blur, b.blur);
  EXPECT_EQ(a.colorfulness, b.colorfulness);
}

Image Uniform(int width, int height, Rgb c) {
  return MakeImage(width, height, [c](int, int) { return c; });
}

Image Checkerboard(int width, int height) {
  return MakeImage(width, height, [](int x, int y) {
    const int v = (x + y) % 2 ? 255 : 0;
    return Rgb{v, v, v};
  });
}

TEST(ImagingPixels, UniformGrey) {
  const PixelMetrics m = MeasurePixels(Uniform(7, 5, {100, 100, 100}));
  // 0.241 + 0.691 + 0.068 = 1: brightness is the grey level / 255 (up to float rounding).
  EXPECT_NEAR(m.brightness, 100.0 / 255, 1e-7);
  EXPECT_EQ(m.saturation, 0);
  EXPECT_EQ(m.contrast, 0);
  EXPECT_EQ(m.blur, 0);
  EXPECT_EQ(m.colorfulness, 0);
}

TEST(ImagingPixels, PureColours) {
  const PixelMetrics red = MeasurePixels(Uniform(4, 4, {255, 0, 0}));
  EXPECT_NEAR(red.brightness, std::sqrt(0.241), 1e-7);
  EXPECT_EQ(red.saturation, 1);
  EXPECT_EQ(red.contrast, 0);  // flat
  EXPECT_EQ(red.blur, 0);
  // σ = 0; μ_rg = 255, μ_yb = 127.5
  EXPECT_DOUBLE_EQ(red.colorfulness, 0.3 * std::sqrt(255.0 * 255 + 127.5 * 127.5));
  const PixelMetrics orange = MeasurePixels(Uniform(3, 3, {200, 100, 50}));
  EXPECT_NEAR(orange.saturation, 0.75, 1e-7);  // (200 − 50) / 200
  EXPECT_NEAR(orange.brightness,
              std::sqrt(0.241 * 200 * 200 + 0.691 * 100 * 100 + 0.068 * 50 * 50) / 255, 1e-6);
  EXPECT_EQ(MeasurePixels(Uniform(2, 2, {0, 0, 0})).saturation, 0);  // black: max = 0
}

TEST(ImagingPixels, ColorfulnessOfTwoColours) {
  // Left half red, right half blue: rg ∈ {255, 0}, yb ∈ {127.5, −255}.
  const Image img = MakeImage(8, 3, [](int x, int) {
    return x < 4 ? Rgb{255, 0, 0} : Rgb{0, 0, 255};
  });
  const double sigma_rg = 127.5, sigma_yb = 191.25, mu_rg = 127.5, mu_yb = -63.75;
  EXPECT_DOUBLE_EQ(MeasurePixels(img).colorfulness,
                   std::sqrt(sigma_rg * sigma_rg + sigma_yb * sigma_yb) +
                       0.3 * std::sqrt(mu_rg * mu_rg + mu_yb * mu_yb));
}

TEST(ImagingPixels, GreyAndContrast) {
  // grey(10, 200, 30) = (9798·10 + 19235·200 + 3735·30 + 16384) >> 15 = 124; with a black pixel
  // the grey values are {124, 0}: std 62.
  const Image img = MakeImage(2, 1, [](int x, int) { return x ? Rgb{10, 200, 30} : Rgb{0, 0, 0}; });
  EXPECT_DOUBLE_EQ(MeasurePixels(img).contrast, 62.0 / 255);
  EXPECT_DOUBLE_EQ(MeasurePixels(Checkerboard(6, 4)).contrast, 0.5);  // the most there is
  // OpenCV rounds with 15-bit weights: grey(0, 77, 143) is 61 (14-bit weights would give 62).
  const Image teal = MakeImage(2, 1, [](int x, int) { return x ? Rgb{0, 77, 143} : Rgb{0, 0, 0}; });
  EXPECT_DOUBLE_EQ(MeasurePixels(teal).contrast, 30.5 / 255);
}

TEST(ImagingPixels, CheckerboardLaplacian) {
  // Every pixel's four neighbours are the other colour (also across the reflected border):
  // L = ±4·255, mean 0, variance 1020².
  EXPECT_DOUBLE_EQ(MeasurePixels(Checkerboard(8, 8)).blur, 1020.0 * 1020.0);
  EXPECT_DOUBLE_EQ(MeasurePixels(Checkerboard(6, 4)).blur, 1020.0 * 1020.0);
}

TEST(ImagingPixels, SinglePixelLaplacianWithReflectedBorders) {
  // 3×3 black with a white centre. Centre L = −1020; its four neighbours see it twice (once
  // reflected): L = 510; the corners 0. Σ L = 1020, Σ L² = 2 · 1020².
  const Image img = MakeImage(3, 3, [](int x, int y) {
    const int v = x == 1 && y == 1 ? 255 : 0;
    return Rgb{v, v, v};
  });
  EXPECT_DOUBLE_EQ(MeasurePixels(img).blur, (9.0 * 2 * 1020 * 1020 - 1020.0 * 1020) / 81);
  // One row and one pixel: the reflected neighbours are the pixel itself.
  EXPECT_EQ(MeasurePixels(Uniform(1, 1, {9, 9, 9})).blur, 0);
  const Image row = MakeImage(3, 1, [](int x, int) {
    return x == 1 ? Rgb{255, 255, 255} : Rgb{0, 0, 0};
  });
  // Up and down are the row itself. Centre: 255 + 255 + 0 + 0 − 4·255 = −510; each end sees the
  // centre on both sides: 0 + 0 + 255 + 255 − 0 = 510.
  EXPECT_DOUBLE_EQ(MeasurePixels(row).blur, (3.0 * 3 * 510 * 510 - 510.0 * 510) / 9);
}

TEST(ImagingPixels, WideRowsCrossChunks) {
  // Rows longer than the 4096-pixel chunks give the same exact sums.
  const Image wide = Checkerboard(5000, 2);
  const PixelMetrics m = MeasurePixels(wide);
  EXPECT_DOUBLE_EQ(m.blur, 1020.0 * 1020.0);
  EXPECT_DOUBLE_EQ(m.contrast, 0.5);
  EXPECT_NEAR(m.brightness, 0.5, 1e-6);
}

TEST(ImagingPixels, RectIsItsOwnImage) {
  const Image img = MakeImage(9, 7, [](int x, int y) {
    return Rgb{x * 25, y * 30, (x * y) % 256};
  });
  const PixelRect rect{2, 1, 7, 5};
  const Image crop = MakeImage(5, 4, [](int x, int y) {
    return Rgb{(x + 2) * 25, (y + 1) * 30, ((x + 2) * (y + 1)) % 256};
  });
  ExpectSamePixels(MeasurePixels(img, rect), MeasurePixels(crop));
}

// ---- boxes
// ---------------------------------------------------------------------------------------

std::vector<BoxMetrics> Boxes(const Image& img, std::vector<Box> boxes) {
  auto m = MeasureBoxes(img, img.width, img.height, boxes);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? *m : std::vector<BoxMetrics>{};
}

TEST(ImagingBoxes, TwoOverlappingBoxes) {
  const Image img = Uniform(20, 20, {50, 50, 50});
  const auto m = Boxes(img, {{0, 0, 10, 10}, {5, 5, 15, 15}});
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].overlap, 0.25);  // a 5×5 corner of 10×10
  EXPECT_EQ(m[1].overlap, 0.25);
  EXPECT_EQ(m[0].aspect_ratio, 1);
  EXPECT_EQ(m[0].area_ratio, 0.25);
  EXPECT_EQ(m[0].marginalization, 0.5);  // centre (5, 5) of a 20×20 image
  EXPECT_EQ(m[1].marginalization, 0);    // centre (10, 10): the image's centre
}

TEST(ImagingBoxes, OverlapCountsTheUnionOnce) {
  const Image img = Uniform(20, 20, {50, 50, 50});
  // Inside A, B covers the left half and C the top half: together 3/4 of A, not 1.
  const auto m = Boxes(img, {{0, 0, 10, 10}, {0, 0, 5, 10}, {0, 0, 10, 5}, {12, 12, 14, 13}});
  EXPECT_EQ(m[0].overlap, 0.75);
  EXPECT_EQ(m[1].overlap, 1);
  EXPECT_EQ(m[2].overlap, 1);
  EXPECT_EQ(m[3].overlap, 0);
  EXPECT_EQ(m[3].aspect_ratio, 2);
  // Fractional coordinates: B covers [2.5, 10) × [0, 10) of A = 0.75.
  const auto f = Boxes(img, {{0, 0, 10, 10}, {2.5, -3, 11, 10.5}});
  EXPECT_DOUBLE_EQ(f[0].overlap, 0.75);
}

TEST(ImagingBoxes, MarginalizationCentreAndBorder) {
  const Image img = Uniform(40, 20, {50, 50, 50});
  const auto m = Boxes(img, {{15, 5, 25, 15}, {-2, 8, 2, 12}, {36, 16, 44, 24}, {30, 8, 40, 12}});
  EXPECT_EQ(m[0].marginalization, 0);  // centred
  EXPECT_EQ(m[1].marginalization, 1);  // centre (0, 10) on the left border
  EXPECT_EQ(m[2].marginalization, 1);  // centre (40, 20): the corner
  // Centre (35, 10): the ray from (20, 10) leaves through x = 40, 15/20 of the way.
  EXPECT_EQ(m[3].marginalization, 0.75);
}

TEST(ImagingBoxes, PixelsInsideTheBox) {
  // Left half black, right half white; at 1/1.
  const Image img = MakeImage(8, 4, [](int x, int) {
    return x < 4 ? Rgb{0, 0, 0} : Rgb{255, 255, 255};
  });
  const auto m = Boxes(img, {{4, 0, 8, 4}, {2, 0, 6, 2}});
  EXPECT_NEAR(m[0].brightness, 1.0, 1e-6);
  EXPECT_EQ(m[0].blur, 0);
  // The straddling box sees columns 0 0 255 255: Laplacian per row 0, 255, −255, 0 → variance
  // 2·255² / 4.
  EXPECT_NEAR(m[1].brightness, 0.5, 1e-6);
  EXPECT_DOUBLE_EQ(m[1].blur, 2.0 * 255 * 255 / 4);
}

TEST(ImagingBoxes, BoxesMapOntoAScaledImage) {
  // The analysed image is the original at 1/4: box (5, 5)–(6, 6) of 16×16 covers pixel (1, 1).
  const Image quarter = MakeImage(4, 4, [](int x, int y) { return Rgb{60 * x, 60 * y, 0}; });
  auto m = MeasureBoxes(quarter, 16, 16, std::vector<Box>{{5, 5, 6, 6}, {0, 0, 16, 16}});
  ASSERT_TRUE(m.ok());
  EXPECT_NEAR((*m)[0].brightness, std::sqrt(0.241 * 60 * 60 + 0.691 * 60 * 60) / 255, 1e-6);
  EXPECT_EQ((*m)[0].area_ratio, 1.0 / 256);  // geometry stays in original pixels
  EXPECT_EQ((*m)[1].brightness, MeasurePixels(quarter).brightness);
}

TEST(ImagingBoxes, InvalidBoxes) {
  const Image img = Uniform(20, 20, {50, 50, 50});
  auto error = [&](std::vector<Box> boxes) {
    auto m = MeasureBoxes(img, 20, 20, boxes);
    EXPECT_FALSE(m.ok());
    EXPECT_EQ(m.status().code(), Code::kInvalidArgument);
    return m.status().message();
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(error({{0, 0, 1, 1}, {nan, 0, 1, 1}}), "box 2: a coordinate is not a finite number");
  EXPECT_EQ(error({{10, 0, 5, 1}}), "box 1: xmin 10 is not less than xmax 5");
  EXPECT_EQ(error({{0, 3, 5, 3}}), "box 1: ymin 3 is not less than ymax 3");
  EXPECT_EQ(error({{30, 0, 40.5, 5}}),
            "box 1 (x 30 to 40.5, y 0 to 5) lies outside the 20x20 image");
  EXPECT_EQ(error({{0, -5, 5, 0}}), "box 1 (x 0 to 5, y -5 to 0) lies outside the 20x20 image");
}

// ---- Analyze
// -------------------------------------------------------------------------------------

TEST(ImagingAnalyze, LosslessFileAtFullSize) {
  const Image img = MakeImage(40, 30, [](int x, int y) { return Rgb{x * 6, y * 8, (x ^ y) * 4}; });
  const std::vector<Box> boxes = {{0, 0, 10, 10}, {5, 5, 25, 15}, {30, 20, 40, 30}};
  auto f = Analyze(testing::WritePng(img), boxes, {.min_side = 0});
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->width, 40);
  EXPECT_EQ(f->height, 30);
  EXPECT_EQ(f->resolution, 1200);
  EXPECT_DOUBLE_EQ(f->aspect_ratio, 4.0 / 3);
  EXPECT_EQ(f->analysed_width, 40);
  EXPECT_EQ(f->analysed_height, 30);
  ExpectSamePixels(f->pixels, MeasurePixels(img));
  EXPECT_EQ(f->box_count, 3);
  // Areas 100, 200, 100: mean 400/3, population std √(20000/9).
  EXPECT_DOUBLE_EQ(f->box_area_std, std::sqrt(20000.0 / 9));
  const std::vector<BoxMetrics> direct = *MeasureBoxes(img, 40, 30, boxes);
  ASSERT_EQ(f->boxes.size(), direct.size());
  for (size_t i = 0; i < direct.size(); ++i) {
    EXPECT_EQ(f->boxes[i].overlap, direct[i].overlap);
    EXPECT_EQ(f->boxes[i].marginalization, direct[i].marginalization);
    EXPECT_EQ(f->boxes[i].blur, direct[i].blur);
    EXPECT_NEAR(f->boxes[i].brightness, direct[i].brightness, 1e-9);
  }
  EXPECT_EQ(f->boxes[0].overlap, 0.25);  // [5, 10) × [5, 10) of box 1
}

TEST(ImagingAnalyze, ScaledByTheRule) {
  const Image img = MakeImage(64, 48, [](int x, int y) { return Rgb{x * 4, y * 5, 128}; });
  auto f = Analyze(testing::WriteBmp(img), {}, {.min_side = 12});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->resolution, 64 * 48);  // of the original
  EXPECT_EQ(f->analysed_width, 16);   // 1/4: 12 ≤ 48/4
  EXPECT_EQ(f->analysed_height, 12);
  EXPECT_EQ(f->box_count, 0);
  EXPECT_EQ(f->box_area_std, 0);
  auto one = Analyze(testing::WriteBmp(img), std::vector<Box>{{1, 1, 5, 5}});
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->box_area_std, 0);     // one box
  EXPECT_EQ(one->analysed_width, 64);  // the default 256 keeps small images whole
}

TEST(ImagingAnalyze, Errors) {
  const std::string png = testing::WritePng(Uniform(10, 10, {1, 2, 3}));
  EXPECT_EQ(Analyze(png, std::vector<Box>{{0, 0, 20, 5}, {11, 0, 12, 1}}).status().message(),
            "box 2 (x 11 to 12, y 0 to 1) lies outside the 10x10 image");
  EXPECT_EQ(Analyze(png, {}, {.max_pixels = 99}).status().message(),
            "image is 10x10 = 100 pixels, over the limit of 99 (decompression bomb?)");
  EXPECT_EQ(Analyze("BM").status().message(),
            "truncated BMP: the file ends inside the file header");
}

// ---- histograms
// ----------------------------------------------------------------------------------

TEST(ImagingHistogram, Bins) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> v = {0, 0.1, 0.5, 0.99, 1.0, -1, 2, nan, 0.55};
  const Histogram h = MakeHistogram(v, 0, 1, 10);
  EXPECT_EQ(h.counts, (std::vector<int64_t>{1, 1, 0, 0, 0, 2, 0, 0, 0, 2}));
  EXPECT_EQ(h.below, 1);
  EXPECT_EQ(h.above, 1);
  EXPECT_EQ(h.lo, 0);
  EXPECT_EQ(h.hi, 1);
  EXPECT_EQ(MakeHistogram(v, 0, 1).counts.size(), 50u);
}

TEST(ImagingHistogram, AllEqual) {
  const std::vector<double> v = {2073600, 2073600, 2073600};
  const Histogram h = MakeHistogram(v, 2073600, 2073600);
  EXPECT_EQ(h.lo, 2073599.5);
  EXPECT_EQ(h.hi, 2073600.5);
  EXPECT_EQ(h.counts[25], 3);
}

TEST(ImagingHistogram, SharedRange) {
  std::vector<double> a, b;
  for (int i = 0; i <= 100; ++i) a.push_back(i);   // p0.5 = 0.5, p99.5 = 99.5
  for (int i = 50; i <= 250; ++i) b.push_back(i);  // p0.5 = 51, p99.5 = 249
  const std::vector<std::vector<double>> sets = {a, b, {}};
  EXPECT_EQ(SharedRange(sets), (ValueRange{0.5, 249}));
  EXPECT_EQ(SharedRange(sets, 0, 100), (ValueRange{0, 250}));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<std::vector<double>> odd = {{nan, 3, 1}, {2}};
  EXPECT_EQ(SharedRange(odd, 0, 100), (ValueRange{1, 3}));
  EXPECT_EQ(SharedRange(std::vector<std::vector<double>>{{}, {nan}}), (ValueRange{0, 0}));
}

}  // namespace
}  // namespace openarts::imaging
