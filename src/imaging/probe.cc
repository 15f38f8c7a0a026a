// Probe: the format from the first bytes, then that format's header, read by hand (no libjpeg or
// libpng state to set up: a probe costs microseconds).
#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "codecs.h"
#include "imaging/imaging.h"

namespace openarts::imaging {
namespace {

uint8_t U8(std::string_view b, size_t i) { return static_cast<uint8_t>(b[i]); }
uint32_t Be16(std::string_view b, size_t i) { return uint32_t{U8(b, i)} << 8 | U8(b, i + 1); }
uint32_t Be32(std::string_view b, size_t i) { return Be16(b, i) << 16 | Be16(b, i + 2); }

std::string Hex2(unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02X", v & 0xFF);
  return buf;
}

bool StartsWith(std::string_view b, std::string_view prefix) {
  return b.size() >= prefix.size() && b.substr(0, prefix.size()) == prefix;
}

// What an unsupported file probably is, for the message.
std::string_view Guess(std::string_view b) {
  if (StartsWith(b, "GIF8")) return "GIF";
  if (StartsWith(b, "RIFF") && b.size() >= 12 && b.substr(8, 4) == "WEBP") return "WebP";
  if (StartsWith(b, std::string_view("II*\0", 4)) || StartsWith(b, std::string_view("MM\0*", 4)))
    return "TIFF";
  if (b.size() >= 12 && b.substr(4, 4) == "ftyp") return "HEIF/AVIF/MP4";
  if (StartsWith(b, "%PDF")) return "PDF";
  if (StartsWith(b, "\xFF\xD8")) return "JPEG without a marker after SOI";
  return "";
}

// ---- JPEG
// ----------------------------------------------------------------------------------------

Result<ImageInfo> ProbeJpeg(std::string_view b) {
  size_t pos = 2;  // after SOI
  while (true) {
    if (pos >= b.size())
      return InvalidArgument("truncated JPEG header: the file ends before the frame header (SOF)");
    if (U8(b, pos) != 0xFF)
      return InvalidArgument("JPEG header: expected a marker at offset " + std::to_string(pos) +
                             ", found byte 0x" + Hex2(U8(b, pos)));
    while (pos < b.size() && U8(b, pos) == 0xFF) ++pos;  // fill bytes
    if (pos >= b.size())
      return InvalidArgument("truncated JPEG header: the file ends before the frame header (SOF)");
    const unsigned m = U8(b, pos++);
    const std::string name = "FF" + Hex2(m);
    if (m == 0x01 || (m >= 0xD0 && m <= 0xD8)) continue;  // TEM, RSTn, SOI: no length
    if (m == 0xD9 || m == 0xDA)
      return InvalidArgument("JPEG header: " + std::string(m == 0xD9 ? "EOI" : "SOS") +
                             " marker before the frame header (SOF)");
    if (m == 0x00)
      return InvalidArgument("JPEG header: invalid marker FF00 at offset " +
                             std::to_string(pos - 2));
    if (pos + 2 > b.size())
      return InvalidArgument("truncated JPEG header: the file ends inside the " + name +
                             " marker's length");
    const size_t len = Be16(b, pos);
    if (len < 2)
      return InvalidArgument("JPEG header: marker " + name + " at offset " +
                             std::to_string(pos - 2) + " has length " + std::to_string(len));
    if (pos + len > b.size())
      return InvalidArgument("truncated JPEG header: the " + name + " segment at offset " +
                             std::to_string(pos - 2) + " needs " + std::to_string(len) +
                             " bytes, the file has " + std::to_string(b.size() - pos));
    const bool sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
    if (!sof) {
      pos += len;
      continue;
    }
    if (m == 0xC3 || m == 0xCB)
      return InvalidArgument("lossless JPEG (" + name + ") is not supported");
    if ((m >= 0xC5 && m <= 0xC7) || m >= 0xCD)
      return InvalidArgument("hierarchical JPEG (" + name + ") is not supported");
    if (len < 8) return InvalidArgument("JPEG frame header (" + name + ") is too short");
    const unsigned precision = U8(b, pos + 2);
    const int height = static_cast<int>(Be16(b, pos + 3));
    const int width = static_cast<int>(Be16(b, pos + 5));
    const int components = U8(b, pos + 7);
    if (precision != 8)
      return InvalidArgument(std::to_string(precision) +
                             "-bit JPEG is not supported (8-bit samples only)");
    if (width == 0) return InvalidArgument("JPEG frame header: width 0");
    if (height == 0)
      return InvalidArgument("JPEG frame header: height 0 (set by a DNL marker) is not supported");
    if (components != 1 && components != 3 && components != 4)
      return InvalidArgument("JPEG frame header: " + std::to_string(components) +
                             " components; 1 (grey), 3 (colour) or 4 (CMYK) are supported");
    if (len != 8 + 3 * static_cast<size_t>(components))
      return InvalidArgument("JPEG frame header: length " + std::to_string(len) + " for " +
                             std::to_string(components) + " components (expected " +
                             std::to_string(8 + 3 * components) + ")");
    for (int c = 0; c < components; ++c) {
      const unsigned f = U8(b, pos + 9 + 3 * c);
      if ((f >> 4) < 1 || (f >> 4) > 4 || (f & 15) < 1 || (f & 15) > 4)
        return InvalidArgument("JPEG frame header: component " + std::to_string(c + 1) +
                               " has sampling factors " + std::to_string(f >> 4) + "x" +
                               std::to_string(f & 15) + " (each must be 1 to 4)");
    }
    return ImageInfo{ImageFormat::kJpeg, width, height, components};
  }
}

// ---- PNG
// -----------------------------------------------------------------------------------------

Result<ImageInfo> ProbePng(std::string_view b) {
  // signature (8), IHDR length (4), "IHDR" (4), 13 bytes of data, CRC (4)
  if (b.size() < 33)
    return InvalidArgument("truncated PNG: " + std::to_string(b.size()) +
                           " bytes end inside the IHDR chunk");
  if (b.substr(12, 4) != "IHDR")
    return InvalidArgument("PNG: the first chunk is not IHDR (" +
                           internal::HexPrefix(b.substr(12), 4) + ")");
  if (Be32(b, 8) != 13)
    return InvalidArgument("PNG IHDR: length " + std::to_string(Be32(b, 8)) + ", expected 13");
  const uint32_t stored = Be32(b, 29);
  const uint32_t computed = static_cast<uint32_t>(
      crc32(crc32(0, nullptr, 0), reinterpret_cast<const Bytef*>(b.data() + 12), 17));
  if (stored != computed) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "PNG IHDR: CRC 0x%08X does not match the data (0x%08X)", stored,
                  computed);
    return InvalidArgument(buf);
  }
  const uint32_t width = Be32(b, 16), height = Be32(b, 20);
  const unsigned depth = U8(b, 24), type = U8(b, 25);
  if (width == 0 || width > 0x7FFFFFFF)
    return InvalidArgument("PNG IHDR: width " + std::to_string(width) + " is invalid");
  if (height == 0 || height > 0x7FFFFFFF)
    return InvalidArgument("PNG IHDR: height " + std::to_string(height) + " is invalid");
  int channels = 0;
  bool depth_ok = false;
  switch (type) {
    case 0:
      channels = 1;
      depth_ok = depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
      break;
    case 2:
      channels = 3;
      depth_ok = depth == 8 || depth == 16;
      break;
    case 3:
      channels = 3;
      depth_ok = depth == 1 || depth == 2 || depth == 4 || depth == 8;
      break;
    case 4:
      channels = 2;
      depth_ok = depth == 8 || depth == 16;
      break;
    case 6:
      channels = 4;
      depth_ok = depth == 8 || depth == 16;
      break;
    default:
      return InvalidArgument("PNG IHDR: colour type " + std::to_string(type) + " is invalid");
  }
  if (!depth_ok)
    return InvalidArgument("PNG IHDR: bit depth " + std::to_string(depth) +
                           " is invalid for colour type " + std::to_string(type));
  if (U8(b, 26) != 0 || U8(b, 27) != 0)
    return InvalidArgument("PNG IHDR: unknown compression or filter method");
  if (U8(b, 28) > 1)
    return InvalidArgument("PNG IHDR: interlace method " + std::to_string(U8(b, 28)) +
                           " is invalid");
  return ImageInfo{ImageFormat::kPng, static_cast<int>(width), static_cast<int>(height), channels};
}

}  // namespace

std::string_view ImageFormatName(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg: return "jpeg";
    case ImageFormat::kPng: return "png";
    case ImageFormat::kBmp: return "bmp";
  }
  return "?";
}

namespace internal {

std::string HexPrefix(std::string_view bytes, size_t n) {
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < n; ++i) {
    if (i) out += ' ';
    out += Hex2(static_cast<uint8_t>(bytes[i]));
  }
  return out;
}

}  // namespace internal

Result<ImageInfo> Probe(std::string_view bytes) {
  if (bytes.empty()) return InvalidArgument("empty file (0 bytes): not an image");
  if (StartsWith(bytes, "\xFF\xD8\xFF")) return ProbeJpeg(bytes);
  if (StartsWith(bytes, "\x89PNG\r\n\x1A\n")) return ProbePng(bytes);
  if (StartsWith(bytes, "BM")) {
    OA_ASSIGN_OR_RETURN(internal::BmpHeader h, internal::ParseBmpHeader(bytes));
    return ImageInfo{ImageFormat::kBmp, h.width, h.height, h.channels};
  }
  std::string what = "not a JPEG, PNG or BMP image (starts with " + internal::HexPrefix(bytes, 4);
  if (std::string_view guess = Guess(bytes); !guess.empty()) what += ": " + std::string(guess);
  return InvalidArgument(what + ")");
}

}  // namespace openarts::imaging
