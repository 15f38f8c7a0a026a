// Private to imaging/: the per-format decoders behind Decode, the JPEG encoder behind Thumbnail,
// and the pixel helpers they share.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "imaging/imaging.h"

namespace openarts::imaging::internal {

// The decoders: `info` comes from Probe and the pixel limit has been checked; they return an
// image of ⌈width/denom⌉ × ⌈height/denom⌉ (denom ∈ {1, 2, 4, 8}) with scale_denom = denom.
Result<Image> DecodeJpeg(std::string_view bytes, const ImageInfo& info, int denom);
Result<Image> DecodePng(std::string_view bytes, const ImageInfo& info, int denom);
Result<Image> DecodeBmp(std::string_view bytes, const ImageInfo& info, int denom);

// Dispatches to the three above by info.format.
Result<Image> DecodeScaled(std::string_view bytes, const ImageInfo& info, int denom);

// Baseline JPEG, 4:2:0, optimised Huffman tables. REQUIRES: 1 ≤ quality ≤ 100, a non-empty
// image. kInternal (out of memory) is the only error.
Result<std::string> EncodeJpeg(const Image& image, int quality);

// The BMP header fields the decoder needs (Probe reads the same ones).
struct BmpHeader {
  int width = 0;
  int height = 0;                    // positive; see top_down
  bool top_down = false;             // rows stored top to bottom (negative height in the file)
  int bits = 0;                      // 1, 4, 8, 16, 24, 32
  bool bitfields = false;            // BI_BITFIELDS / BI_ALPHABITFIELDS: the masks below apply
  uint32_t masks[4] = {0, 0, 0, 0};  // R, G, B, A (16 and 32 bits)
  uint32_t pixel_offset = 0;
  uint32_t palette_offset = 0;
  int palette_entry_size = 4;  // 3 for OS/2 1.x headers
  uint32_t palette_colors = 0;
  int channels = 3;
};
Result<BmpHeader> ParseBmpHeader(std::string_view bytes);

// Averages denom × denom blocks of full-width RGB rows fed top to bottom (the last block row and
// column may be partial) into `out`, sized ⌈width/denom⌉ × ⌈height/denom⌉ by the constructor. With
// denom 1 rows are copied. Integer arithmetic, rounded to nearest.
class BlockReducer {
 public:
  BlockReducer(int width, int height, int denom, Image* out);
  void AddRow(const uint8_t* rgb);  // REQUIRES: called exactly `height` times

 private:
  int width_, height_, denom_;
  Image* out_;
  int row_ = 0;
  std::vector<uint32_t> sums_;
};

// "image is 20000×20000 = 400000000 pixels, over the limit of 100000000" when over the limit.
Status CheckPixelLimit(int width, int height, int64_t max_pixels);

// "4 bytes: 47 49 46 38" style rendering of the first bytes, for messages.
std::string HexPrefix(std::string_view bytes, size_t n);

}  // namespace openarts::imaging::internal
