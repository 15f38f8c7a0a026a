#include "test_images.h"

#include <png.h>

#include <cstdio>  // before jpeglib.h, which needs FILE and size_t
#include <cstdlib>
#include <stdexcept>

// clang-format off
#include <jpeglib.h>
// clang-format on

namespace openarts::imaging::testing {
namespace {

void Put16(std::string& s, uint32_t v) {
  s += static_cast<char>(v & 0xFF);
  s += static_cast<char>((v >> 8) & 0xFF);
}
void Put32(std::string& s, uint32_t v) {
  Put16(s, v & 0xFFFF);
  Put16(s, v >> 16);
}

void AppendPng(png_structp png, png_bytep data, size_t n) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<const char*>(data), n);
}

}  // namespace

std::string WriteJpeg(const JpegSpec& s) {
  if (s.samples.size() != size_t{1} * s.width * s.height * s.components)
    throw std::invalid_argument("WriteJpeg: wrong number of samples");
  jpeg_compress_struct c;
  jpeg_error_mgr err;
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&c, &buffer, &size);
  c.image_width = static_cast<JDIMENSION>(s.width);
  c.image_height = static_cast<JDIMENSION>(s.height);
  c.input_components = s.components;
  c.in_color_space = s.components == 1 ? JCS_GRAYSCALE : s.components == 3 ? JCS_RGB : JCS_CMYK;
  jpeg_set_defaults(&c);
  if (s.components == 4) {
    jpeg_set_colorspace(&c, s.ycck ? JCS_YCCK : JCS_CMYK);  // writes an Adobe marker
    c.write_Adobe_marker = s.adobe_marker ? TRUE : FALSE;
  }
  jpeg_set_quality(&c, s.quality, TRUE);
  if (s.components == 3 && !s.subsample)
    c.comp_info[0].h_samp_factor = c.comp_info[0].v_samp_factor = 1;
  if (s.progressive) jpeg_simple_progression(&c);
  c.arith_code = s.arithmetic ? TRUE : FALSE;
  c.restart_in_rows = s.restart_rows;
  jpeg_start_compress(&c, TRUE);
  while (c.next_scanline < c.image_height) {
    JSAMPROW row = const_cast<uint8_t*>(s.samples.data()) +
                   size_t{1} * s.width * s.components * c.next_scanline;
    jpeg_write_scanlines(&c, &row, 1);
  }
  jpeg_finish_compress(&c);
  std::string out(reinterpret_cast<const char*>(buffer), size);
  std::free(buffer);
  jpeg_destroy_compress(&c);
  return out;
}

std::string WriteJpeg(const Image& image, int quality, bool subsample) {
  JpegSpec s;
  s.width = image.width;
  s.height = image.height;
  s.components = 3;
  s.samples = image.rgb;
  s.quality = quality;
  s.subsample = subsample;
  return WriteJpeg(s);
}

std::string WritePng(const PngSpec& s) {
  const int channels = s.color_type == 0 || s.color_type == 3 ? 1
                       : s.color_type == 4                    ? 2
                       : s.color_type == 2                    ? 3
                                                              : 4;
  if (s.samples.size() != size_t{1} * s.width * s.height * channels)
    throw std::invalid_argument("WritePng: wrong number of samples");
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  std::string out;
  png_set_write_fn(png, &out, AppendPng, nullptr);
  png_set_IHDR(png, info, static_cast<png_uint_32>(s.width), static_cast<png_uint_32>(s.height),
               s.bit_depth, s.color_type, s.interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  std::vector<png_color> palette;
  for (size_t i = 0; i + 2 < s.palette_rgb.size(); i += 3)
    palette.push_back({s.palette_rgb[i], s.palette_rgb[i + 1], s.palette_rgb[i + 2]});
  if (s.color_type == 3) png_set_PLTE(png, info, palette.data(), static_cast<int>(palette.size()));
  png_write_info(png, info);
  // Pack each row: big-endian 16-bit samples, or sub-byte samples MSB first.
  const size_t row_bytes = (size_t{1} * s.width * channels * s.bit_depth + 7) / 8;
  std::vector<std::vector<uint8_t>> rows(s.height, std::vector<uint8_t>(row_bytes, 0));
  for (int y = 0; y < s.height; ++y) {
    for (int i = 0; i < s.width * channels; ++i) {
      const uint16_t v = s.samples[size_t{1} * y * s.width * channels + i];
      if (s.bit_depth == 16) {
        rows[y][2 * i] = static_cast<uint8_t>(v >> 8);
        rows[y][2 * i + 1] = static_cast<uint8_t>(v);
      } else if (s.bit_depth == 8) {
        rows[y][i] = static_cast<uint8_t>(v);
      } else {
        const int per_byte = 8 / s.bit_depth;
        rows[y][i / per_byte] |=
            static_cast<uint8_t>(v << ((per_byte - 1 - i % per_byte) * s.bit_depth));
      }
    }
  }
  std::vector<png_bytep> pointers;
  for (auto& r : rows) pointers.push_back(r.data());
  if (s.interlaced) png_set_interlace_handling(png);
  png_write_image(png, pointers.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

std::string WritePng(const Image& image) {
  PngSpec s;
  s.width = image.width;
  s.height = image.height;
  s.color_type = 2;
  s.bit_depth = 8;
  s.samples.assign(image.rgb.begin(), image.rgb.end());
  return WritePng(s);
}

std::string WriteBmp(const BmpSpec& s) {
  if (s.pixels.size() != size_t{1} * s.width * s.height)
    throw std::invalid_argument("WriteBmp: wrong number of pixels");
  const uint32_t row_bytes = (static_cast<uint32_t>(s.bits) * s.width + 31) / 32 * 4;
  const uint32_t colors = static_cast<uint32_t>(s.palette_rgb.size() / 3);
  const uint32_t entry = s.header_size == 12 ? 3 : 4;
  const uint32_t masks_after = s.bitfields && s.header_size == 40 ? 12 : 0;
  const uint32_t offset = 14 + s.header_size + masks_after + colors * entry;
  std::string out = "BM";
  Put32(out, offset + row_bytes * s.height);
  Put32(out, 0);
  Put32(out, offset);
  Put32(out, static_cast<uint32_t>(s.header_size));
  if (s.header_size == 12) {
    Put16(out, static_cast<uint32_t>(s.width));
    Put16(out, static_cast<uint32_t>(s.height));
    Put16(out, 1);
    Put16(out, static_cast<uint32_t>(s.bits));
  } else {
    Put32(out, static_cast<uint32_t>(s.width));
    Put32(out, static_cast<uint32_t>(s.top_down ? -s.height : s.height));
    Put16(out, 1);
    Put16(out, static_cast<uint32_t>(s.bits));
    Put32(out, s.bitfields ? 3 : 0);
    Put32(out, row_bytes * s.height);
    Put32(out, 2835), Put32(out, 2835);  // 72 dpi
    Put32(out, colors);
    Put32(out, 0);
    if (s.header_size >= 108) {
      for (uint32_t m : s.masks) Put32(out, m);
      Put32(out, 0x73524742);     // "sRGB"
      out.append(36 + 12, '\0');  // endpoints, gamma
      if (s.header_size == 124) out.append(16, '\0');
    } else if (s.bitfields) {
      for (int i = 0; i < 3; ++i) Put32(out, s.masks[i]);
    }
  }
  for (uint32_t i = 0; i < colors; ++i) {
    out += static_cast<char>(s.palette_rgb[3 * i + 2]);
    out += static_cast<char>(s.palette_rgb[3 * i + 1]);
    out += static_cast<char>(s.palette_rgb[3 * i]);
    if (entry == 4) out += '\0';
  }
  for (int r = 0; r < s.height; ++r) {
    const int y = s.top_down ? r : s.height - 1 - r;
    std::string row(row_bytes, '\0');
    for (int x = 0; x < s.width; ++x) {
      const uint32_t v = s.pixels[size_t{1} * y * s.width + x];
      switch (s.bits) {
        case 1:
        case 4:
        case 8: {
          const int per_byte = 8 / s.bits;
          row[x / per_byte] = static_cast<char>(static_cast<uint8_t>(row[x / per_byte]) |
                                                (v << ((per_byte - 1 - x % per_byte) * s.bits)));
          break;
        }
        case 16:
          row[2 * x] = static_cast<char>(v & 0xFF), row[2 * x + 1] = static_cast<char>(v >> 8);
          break;
        case 24:
          row[3 * x] = static_cast<char>(v & 0xFF);
          row[3 * x + 1] = static_cast<char>((v >> 8) & 0xFF);
          row[3 * x + 2] = static_cast<char>((v >> 16) & 0xFF);
          break;
        case 32:
          for (int k = 0; k < 4; ++k) row[4 * x + k] = static_cast<char>((v >> (8 * k)) & 0xFF);
          break;
      }
    }
    out += row;
  }
  return out;
}

std::string WriteBmp(const Image& image) {
  BmpSpec s;
  s.width = image.width;
  s.height = image.height;
  s.bits = 24;
  for (size_t i = 0; i < image.rgb.size(); i += 3)
    s.pixels.push_back(uint32_t{image.rgb[i]} << 16 | uint32_t{image.rgb[i + 1]} << 8 |
                       image.rgb[i + 2]);
  return WriteBmp(s);
}

}  // namespace openarts::imaging::testing
