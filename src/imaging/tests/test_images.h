// Encoders for the tests: small JPEG, PNG and BMP files with known pixels, written with libjpeg
// and libpng directly (BMP by hand), so the decoders are checked against independent writers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "imaging/imaging.h"

namespace openarts::imaging::testing {

// A width × height RGB image whose pixel (x, y) is fn(x, y).
template <typename Fn>
Image MakeImage(int width, int height, Fn fn) {
  Image img;
  img.width = width;
  img.height = height;
  img.rgb.resize(size_t{3} * width * height);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const auto [r, g, b] = fn(x, y);
      uint8_t* p = img.rgb.data() + 3 * (size_t{1} * width * y + x);
      p[0] = static_cast<uint8_t>(r), p[1] = static_cast<uint8_t>(g),
      p[2] = static_cast<uint8_t>(b);
    }
  return img;
}

struct JpegSpec {
  int width = 8;
  int height = 8;
  int components = 3;            // 1 grey, 3 YCbCr (from RGB), 4 CMYK (Adobe, inverted)
  std::vector<uint8_t> samples;  // width × height × components, as stored
  int quality = 100;
  bool subsample = false;  // 4:2:0 instead of 4:4:4 (3 components)
  bool progressive = false;
  bool arithmetic = false;
  int restart_rows = 0;      // a restart marker every N MCU rows
  bool ycck = false;         // 4 components: stored as YCCK (Adobe transform 2)
  bool adobe_marker = true;  // 4 components: without it, CMYK is read as not inverted
};
std::string WriteJpeg(const JpegSpec& spec);

// An RGB image as a 4:4:4 (or 4:2:0) JPEG.
std::string WriteJpeg(const Image& image, int quality = 100, bool subsample = false);

struct PngSpec {
  int width = 4;
  int height = 4;
  int color_type = 2;  // 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA
  int bit_depth = 8;
  bool interlaced = false;
  std::vector<uint16_t> samples;     // width × height × channels, values < 2^bit_depth
  std::vector<uint8_t> palette_rgb;  // colour type 3: 3 bytes per entry
};
std::string WritePng(const PngSpec& spec);

// An RGB image as an 8-bit RGB PNG.
std::string WritePng(const Image& image);

struct BmpSpec {
  int width = 4;
  int height = 4;
  int bits = 24;         // 1, 4, 8, 16, 24, 32
  int header_size = 40;  // 12 (OS/2 1.x), 40, 108, 124
  bool top_down = false;
  bool bitfields = false;  // BI_BITFIELDS with `masks` (16 and 32 bits)
  uint32_t masks[4] = {0, 0, 0, 0};
  std::vector<uint8_t> palette_rgb;  // bits ≤ 8
  std::vector<uint32_t> pixels;      // width × height, top row first: a palette index, or the
                                     // raw 16/32-bit value, or 0xRRGGBB for 24 bits
};
std::string WriteBmp(const BmpSpec& spec);

// An RGB image as a 24-bit bottom-up BMP.
std::string WriteBmp(const Image& image);

}  // namespace openarts::imaging::testing
