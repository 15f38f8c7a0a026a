// BMP by hand (no library): Windows BITMAPINFOHEADER and its V2–V5 extensions, OS/2 1.x headers;
// 1, 4 and 8 bits with a palette, 16 and 32 bits plain or with bit-field masks, 24 bits.
// RLE-compressed and embedded JPEG/PNG bitmaps are refused.
#include <bit>
#include <limits>
#include <string>

#include "codecs.h"

namespace openarts::imaging::internal {
namespace {

uint32_t Le16(std::string_view b, size_t i) {
  return uint32_t{static_cast<uint8_t>(b[i])} | uint32_t{static_cast<uint8_t>(b[i + 1])} << 8;
}
uint32_t Le32(std::string_view b, size_t i) { return Le16(b, i) | Le16(b, i + 2) << 16; }

// One bit-field mask as "shift, then scale `bits` bits to 0–255".
struct Channel {
  uint32_t mask = 0;
  int shift = 0;
  uint64_t max = 0;  // 0: the channel is absent (reads 0)
  uint8_t Get(uint32_t pixel) const {
    if (max == 0) return 0;
    const uint64_t v = (pixel & mask) >> shift;
    return static_cast<uint8_t>((v * 255 + max / 2) / max);
  }
};

Channel MakeChannel(uint32_t mask) {
  Channel c;
  if (mask == 0) return c;
  c.mask = mask;
  c.shift = std::countr_zero(mask);
  const int bits = std::bit_width(mask >> c.shift);
  c.max = (uint64_t{1} << bits) - 1;
  return c;
}

}  // namespace

Result<BmpHeader> ParseBmpHeader(std::string_view b) {
  if (b.size() < 18) return InvalidArgument("truncated BMP: the file ends inside the file header");
  BmpHeader h;
  h.pixel_offset = Le32(b, 10);
  const uint32_t dib = Le32(b, 14);
  uint32_t compression = 0;
  uint32_t colors_used = 0;
  int64_t width = 0, height = 0;
  if (dib == 12) {  // OS/2 1.x BITMAPCOREHEADER
    if (b.size() < 26)
      return InvalidArgument("truncated BMP: the file ends inside the info header");
    width = Le16(b, 18);
    height = Le16(b, 20);
    h.bits = static_cast<int>(Le16(b, 24));
    h.palette_entry_size = 3;
    h.palette_offset = 26;
  } else if (dib == 40 || dib == 52 || dib == 56 || dib == 108 || dib == 124) {
    if (b.size() < 14 + dib)
      return InvalidArgument("truncated BMP: the file ends inside the " + std::to_string(dib) +
                             "-byte info header");
    width = static_cast<int32_t>(Le32(b, 18));
    height = static_cast<int32_t>(Le32(b, 22));
    h.bits = static_cast<int>(Le16(b, 28));
    compression = Le32(b, 30);
    colors_used = Le32(b, 46);
    h.palette_offset = 14 + dib;
    if (compression == 3 || compression == 6) {
      h.bitfields = true;
      const uint32_t n = compression == 6 ? 4 : 3;
      if (dib == 40) {  // the masks follow the header
        if (b.size() < 54 + 4 * n)
          return InvalidArgument("truncated BMP: the file ends inside the bit-field masks");
        h.palette_offset += 4 * n;
      }
      const bool has_alpha_field = n == 4 || dib >= 56;
      for (uint32_t i = 0; i < (has_alpha_field ? 4u : 3u); ++i) h.masks[i] = Le32(b, 54 + 4 * i);
    }
  } else if (dib == 64) {
    return InvalidArgument("OS/2 2.x BMP headers are not supported");
  } else {
    return InvalidArgument("BMP: unknown info header size " + std::to_string(dib));
  }
  if (width <= 0) return InvalidArgument("BMP: width " + std::to_string(width) + " is invalid");
  if (height == 0 || height == std::numeric_limits<int32_t>::min())
    return InvalidArgument("BMP: height " + std::to_string(height) + " is invalid");
  h.top_down = height < 0;
  h.width = static_cast<int>(width);
  h.height = static_cast<int>(height < 0 ? -height : height);
  switch (compression) {
    case 0:
    case 3:
    case 6: break;
    case 1:
    case 2: return InvalidArgument("RLE-compressed BMP is not supported");
    case 4:
    case 5: return InvalidArgument("BMP with an embedded JPEG or PNG is not supported");
    default: return InvalidArgument("BMP: unknown compression " + std::to_string(compression));
  }
  const int bits = h.bits;
  if (bits != 1 && bits != 4 && bits != 8 && bits != 16 && bits != 24 && bits != 32)
    return InvalidArgument("BMP: " + std::to_string(bits) + " bits per pixel is not supported");
  if (h.bitfields && bits != 16 && bits != 32)
    return InvalidArgument("BMP: bit-field masks with " + std::to_string(bits) + " bits per pixel");
  if (bits <= 8) {
    const uint32_t most = 1u << bits;
    h.palette_colors = colors_used == 0 || colors_used > most ? most : colors_used;
  }
  if (!h.bitfields) {
    if (bits == 16) {
      h.masks[0] = 0x7C00, h.masks[1] = 0x03E0, h.masks[2] = 0x001F;
    } else if (bits == 32) {
      h.masks[0] = 0xFF0000, h.masks[1] = 0xFF00, h.masks[2] = 0xFF;
    }
  }
  h.channels = h.bitfields && h.masks[3] != 0 ? 4 : 3;
  return h;
}

Result<Image> DecodeBmp(std::string_view b, const ImageInfo& info, int denom) {
  OA_ASSIGN_OR_RETURN(BmpHeader h, ParseBmpHeader(b));
  const uint64_t row_bytes = (uint64_t{static_cast<uint32_t>(h.bits)} * h.width + 7) / 8;
  const uint64_t stride = (row_bytes + 3) / 4 * 4;
  const uint64_t needed = uint64_t{h.pixel_offset} + stride * (h.height - 1) + row_bytes;
  if (needed > b.size())
    return InvalidArgument("truncated BMP: the pixel data needs " + std::to_string(needed) +
                           " bytes, the file has " + std::to_string(b.size()));
  // Palette, as RGB; indices past its end read black.
  std::vector<uint8_t> palette(256 * 3, 0);
  if (h.bits <= 8) {
    const uint64_t end =
        uint64_t{h.palette_offset} + uint64_t{h.palette_colors} * h.palette_entry_size;
    if (end > b.size())
      return InvalidArgument("truncated BMP: the file ends inside the " +
                             std::to_string(h.palette_colors) + "-colour palette");
    for (uint32_t i = 0; i < h.palette_colors; ++i) {
      const size_t p = h.palette_offset + size_t{i} * h.palette_entry_size;
      palette[3 * i] = static_cast<uint8_t>(b[p + 2]);
      palette[3 * i + 1] = static_cast<uint8_t>(b[p + 1]);
      palette[3 * i + 2] = static_cast<uint8_t>(b[p]);
    }
  }
  const Channel r = MakeChannel(h.masks[0]), g = MakeChannel(h.masks[1]),
                bl = MakeChannel(h.masks[2]);
  Image out;
  BlockReducer reducer(info.width, info.height, denom, &out);
  std::vector<uint8_t> row(size_t{3} * h.width);
  const auto* data = reinterpret_cast<const uint8_t*>(b.data());
  for (int y = 0; y < h.height; ++y) {
    const int file_row = h.top_down ? y : h.height - 1 - y;
    const uint8_t* src = data + h.pixel_offset + stride * file_row;
    uint8_t* dst = row.data();
    switch (h.bits) {
      case 1:
      case 4:
      case 8: {
        const int per_byte = 8 / h.bits;
        const unsigned mask = (1u << h.bits) - 1;
        for (int x = 0; x < h.width; ++x) {
          const int shift = (per_byte - 1 - x % per_byte) * h.bits;
          const unsigned index = (src[x / per_byte] >> shift) & mask;
          dst[3 * x] = palette[3 * index];
          dst[3 * x + 1] = palette[3 * index + 1];
          dst[3 * x + 2] = palette[3 * index + 2];
        }
        break;
      }
      case 16:
        for (int x = 0; x < h.width; ++x) {
          const uint32_t p = uint32_t{src[2 * x]} | uint32_t{src[2 * x + 1]} << 8;
          dst[3 * x] = r.Get(p), dst[3 * x + 1] = g.Get(p), dst[3 * x + 2] = bl.Get(p);
        }
        break;
      case 24:
        for (int x = 0; x < h.width; ++x) {
          dst[3 * x] = src[3 * x + 2], dst[3 * x + 1] = src[3 * x + 1], dst[3 * x + 2] = src[3 * x];
        }
        break;
      case 32:
        if (!h.bitfields) {
          for (int x = 0; x < h.width; ++x) {
            dst[3 * x] = src[4 * x + 2], dst[3 * x + 1] = src[4 * x + 1],
                    dst[3 * x + 2] = src[4 * x];
          }
        } else {
          for (int x = 0; x < h.width; ++x) {
            const uint32_t p = uint32_t{src[4 * x]} | uint32_t{src[4 * x + 1]} << 8 |
                               uint32_t{src[4 * x + 2]} << 16 | uint32_t{src[4 * x + 3]} << 24;
            dst[3 * x] = r.Get(p), dst[3 * x + 1] = g.Get(p), dst[3 * x + 2] = bl.Get(p);
          }
        }
        break;
    }
    reducer.AddRow(row.data());
  }
  return out;
}

}  // namespace openarts::imaging::internal
