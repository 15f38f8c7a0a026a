// Probe, Decode and Thumbnail over JPEG, PNG and BMP files written in the test by independent
// encoders (libjpeg, libpng, a hand-written BMP writer) with known pixels: every colour model the
// decoders convert, DCT and block scaling, truncated and corrupt files with their messages, the
// decompression-bomb limit, thumbnails' sizes. The fuzzer's seed corpus (tests/corpus/
// imaging_fuzz/) is made here too, and its golden file (tests/golden/imaging/corpus.golden:
// what Probe, Decode and the metrics say of each seed) is the decoders' contract;
// OPENARTS_UPDATE_GOLDEN=1 rewrites both.
#include "imaging/imaging.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "base/fs.h"
#include "test_images.h"

namespace openarts::imaging {
namespace {

namespace fs = std::filesystem;
using testing::BmpSpec;
using testing::JpegSpec;
using testing::MakeImage;
using testing::PngSpec;
using testing::WriteBmp;
using testing::WriteJpeg;
using testing::WritePng;

struct Rgb {
  int r, g, b;
};

// 16×8 with every pixel different: r = 16x, g = 32y, b = 255 − 8(x + y).
Image Gradient(int width = 16, int height = 8) {
  return MakeImage(width, height, [](int x, int y) {
    return Rgb{(16 * x) % 256, (32 * y) % 256, 255 - (8 * (x + y)) % 256};
  });
}

Image DecodeOk(std::string_view bytes, DecodeOptions options = {}) {
  auto img = Decode(bytes, options);
  EXPECT_TRUE(img.ok()) << img.status().ToString();
  return img.ok() ? *img : Image{};
}

std::string DecodeError(std::string_view bytes, DecodeOptions options = {}) {
  auto img = Decode(bytes, options);
  EXPECT_FALSE(img.ok());
  if (img.ok()) return "";
  EXPECT_EQ(img.status().code(), Code::kInvalidArgument) << img.status().ToString();
  return img.status().message();
}

std::string ProbeError(std::string_view bytes) {
  auto info = Probe(bytes);
  EXPECT_FALSE(info.ok());
  if (info.ok()) return "";
  EXPECT_EQ(info.status().code(), Code::kInvalidArgument);
  return info.status().message();
}

std::vector<uint8_t> Pixel(const Image& img, int x, int y) {
  const uint8_t* p = img.rgb.data() + 3 * (size_t{1} * img.width * y + x);
  return {p[0], p[1], p[2]};
}

int MaxDifference(const Image& a, const Image& b) {
  EXPECT_EQ(a.width, b.width);
  EXPECT_EQ(a.height, b.height);
  if (a.rgb.size() != b.rgb.size()) return 256;
  int most = 0;
  for (size_t i = 0; i < a.rgb.size(); ++i) most = std::max(most, std::abs(a.rgb[i] - b.rgb[i]));
  return most;
}

std::string Uniform(int components, int width, int height, std::vector<uint8_t> value) {
  JpegSpec s;
  s.width = width;
  s.height = height;
  s.components = components;
  for (int i = 0; i < width * height; ++i)
    s.samples.insert(s.samples.end(), value.begin(), value.end());
  return WriteJpeg(s);
}

// ---- Probe
// ---------------------------------------------------------------------------------------

TEST(ImagingProbe, EachFormat) {
  EXPECT_EQ(*Probe(WriteJpeg(Gradient(17, 9))), (ImageInfo{ImageFormat::kJpeg, 17, 9, 3}));
  EXPECT_EQ(*Probe(Uniform(1, 5, 7, {9})), (ImageInfo{ImageFormat::kJpeg, 5, 7, 1}));
  EXPECT_EQ(*Probe(Uniform(4, 8, 3, {1, 2, 3, 4})), (ImageInfo{ImageFormat::kJpeg, 8, 3, 4}));
  PngSpec p;
  p.width = 3, p.height = 2;
  const int channels[] = {1, 0, 3, 1, 2, 0, 4};  // by colour type
  for (int type : {0, 2, 3, 4, 6}) {
    p.color_type = type;
    p.samples.assign(size_t{6} * channels[type], 1);
    p.palette_rgb = {0, 0, 0, 255, 255, 255};
    SCOPED_TRACE(type);
    EXPECT_EQ(*Probe(WritePng(p)),
              (ImageInfo{ImageFormat::kPng, 3, 2, type == 3 ? 3 : channels[type]}));
  }
  EXPECT_EQ(*Probe(WriteBmp(Gradient(5, 3))), (ImageInfo{ImageFormat::kBmp, 5, 3, 3}));
  BmpSpec b;
  b.width = 2, b.height = 3, b.bits = 32, b.header_size = 124, b.top_down = true,
  b.bitfields = true;
  b.masks[0] = 0xFF0000, b.masks[1] = 0xFF00, b.masks[2] = 0xFF, b.masks[3] = 0xFF000000;
  b.pixels.assign(6, 0);
  EXPECT_EQ(*Probe(WriteBmp(b)), (ImageInfo{ImageFormat::kBmp, 2, 3, 4}));
  EXPECT_EQ(ImageFormatName(ImageFormat::kPng), "png");
}

TEST(ImagingProbe, UnknownFormats) {
  EXPECT_EQ(ProbeError(""), "empty file (0 bytes): not an image");
  EXPECT_EQ(ProbeError("GIF89a\x01\x00"),
            "not a JPEG, PNG or BMP image (starts with 47 49 46 38: GIF)");
  EXPECT_EQ(ProbeError(std::string("RIFF\0\0\0\0WEBPVP8 ", 16)),
            "not a JPEG, PNG or BMP image (starts with 52 49 46 46: WebP)");
  EXPECT_EQ(ProbeError("<svg"), "not a JPEG, PNG or BMP image (starts with 3C 73 76 67)");
  EXPECT_EQ(ProbeError("\xFF"), "not a JPEG, PNG or BMP image (starts with FF)");
}

TEST(ImagingProbe, TruncatedHeaders) {
  const std::string jpeg = WriteJpeg(Gradient());
  // libjpeg writes SOI, APP0 (JFIF, 18 bytes), DQT×2, then SOF0: cut inside the quantisation
  // tables.
  EXPECT_EQ(ProbeError(jpeg.substr(0, 30)),
            "truncated JPEG header: the FFDB segment at offset 20 needs 67 bytes, the file has 8");
  EXPECT_EQ(ProbeError(jpeg.substr(0, 2)),
            "not a JPEG, PNG or BMP image (starts with FF D8: JPEG "
            "without a marker after SOI)");
  EXPECT_EQ(ProbeError(jpeg.substr(0, 3)),
            "truncated JPEG header: the file ends before the frame header (SOF)");
  const std::string png = WritePng(Gradient());
  EXPECT_EQ(ProbeError(png.substr(0, 20)), "truncated PNG: 20 bytes end inside the IHDR chunk");
  const std::string bmp = WriteBmp(Gradient());
  EXPECT_EQ(ProbeError(bmp.substr(0, 40)),
            "truncated BMP: the file ends inside the 40-byte info header");
  EXPECT_EQ(ProbeError(bmp.substr(0, 10)), "truncated BMP: the file ends inside the file header");
}

TEST(ImagingProbe, CorruptAndUnsupportedHeaders) {
  std::string png = WritePng(Gradient());
  png[19] = 99;  // width's low byte, under the IHDR CRC
  EXPECT_NE(ProbeError(png).find("PNG IHDR: CRC 0x"), std::string::npos);
  EXPECT_NE(ProbeError(png).find("does not match the data"), std::string::npos);

  const std::string jpeg = WriteJpeg(Gradient());
  const size_t sof = jpeg.find("\xFF\xC0");
  ASSERT_NE(sof, std::string::npos);
  std::string twelve = jpeg;
  twelve[sof + 4] = 12;  // sample precision
  EXPECT_EQ(ProbeError(twelve), "12-bit JPEG is not supported (8-bit samples only)");
  std::string lossless = jpeg;
  lossless[sof + 1] = '\xC3';
  EXPECT_EQ(ProbeError(lossless), "lossless JPEG (FFC3) is not supported");
  std::string hierarchical = jpeg;
  hierarchical[sof + 1] = '\xC5';
  EXPECT_EQ(ProbeError(hierarchical), "hierarchical JPEG (FFC5) is not supported");
  std::string dnl = jpeg;
  dnl[sof + 5] = 0, dnl[sof + 6] = 0;  // height 0
  EXPECT_EQ(ProbeError(dnl), "JPEG frame header: height 0 (set by a DNL marker) is not supported");
  std::string sampling = jpeg;
  sampling[sof + 11] = 0x51;  // first component 5x1
  EXPECT_EQ(ProbeError(sampling),
            "JPEG frame header: component 1 has sampling factors 5x1 (each must be 1 to 4)");

  std::string bmp = WriteBmp(Gradient());
  bmp[30] = 1;  // BI_RLE8
  EXPECT_EQ(ProbeError(bmp), "RLE-compressed BMP is not supported");
  bmp[30] = 0;
  bmp[28] = 2;  // 2 bits per pixel
  EXPECT_EQ(ProbeError(bmp), "BMP: 2 bits per pixel is not supported");
  bmp[28] = 24;
  bmp[18] = bmp[19] = bmp[20] = bmp[21] = 0;  // width 0
  EXPECT_EQ(ProbeError(bmp), "BMP: width 0 is invalid");
}

TEST(ImagingProbe, ReadsTheHeaderOnly) {
  const std::string jpeg = WriteJpeg(Gradient(64, 64));
  const std::string head = jpeg.substr(0, jpeg.size() / 2);
  EXPECT_EQ(*Probe(head), (ImageInfo{ImageFormat::kJpeg, 64, 64, 3}));
  EXPECT_EQ(DecodeError(head), "corrupt or truncated JPEG data: premature end of data segment");
}

// ---- Decode: JPEG
// --------------------------------------------------------------------------------

TEST(ImagingDecodeJpeg, RgbNearlyLossless) {
  const Image src = Gradient(17, 9);
  const Image got = DecodeOk(WriteJpeg(src, 100));
  EXPECT_EQ(got.width, 17);
  EXPECT_EQ(got.height, 9);
  EXPECT_EQ(got.scale_denom, 1);
  EXPECT_LE(MaxDifference(got, src), 3);  // YCbCr rounding at quality 100, 4:4:4
}

TEST(ImagingDecodeJpeg, GreyBecomesRgb) {
  const Image got = DecodeOk(Uniform(1, 9, 5, {77}));
  EXPECT_EQ(got.width, 9);
  EXPECT_EQ(got.height, 5);
  for (int i = 0; i < 9 * 5; ++i)
    EXPECT_EQ(Pixel(got, i % 9, i / 9), (std::vector<uint8_t>{77, 77, 77}));
}

TEST(ImagingDecodeJpeg, AdobeCmyk) {
  // Stored (inverted) C M Y K = 200 100 50 128: R = C·K/255, G = M·K/255, B = Y·K/255, rounded.
  const Image got = DecodeOk(Uniform(4, 8, 8, {200, 100, 50, 128}));
  EXPECT_EQ(Pixel(got, 3, 4), (std::vector<uint8_t>{100, 50, 25}));
  const Image white = DecodeOk(Uniform(4, 8, 8, {255, 255, 255, 255}));  // no ink
  EXPECT_EQ(Pixel(white, 0, 0), (std::vector<uint8_t>{255, 255, 255}));
  JpegSpec s;
  s.components = 4;
  for (int i = 0; i < 64; ++i) s.samples.insert(s.samples.end(), {200, 100, 50, 128});
  s.ycck = true;  // libjpeg converts YCCK back to (inverted) CMYK, up to rounding
  const std::vector<uint8_t> ycck = Pixel(DecodeOk(WriteJpeg(s)), 2, 2);
  EXPECT_NEAR(ycck[0], 100, 1);
  EXPECT_NEAR(ycck[1], 50, 1);
  EXPECT_NEAR(ycck[2], 25, 1);
  s.ycck = false;
  s.adobe_marker = false;  // plain CMYK: R = (255 − C)(255 − K)/255, so 55·127/255 = 27.4
  EXPECT_EQ(Pixel(DecodeOk(WriteJpeg(s)), 2, 2), (std::vector<uint8_t>{27, 77, 102}));
}

TEST(ImagingDecodeJpeg, DctScaling) {
  const std::string jpeg = WriteJpeg(Gradient(65, 49));
  struct Case {
    int min_side, denom, width, height;
  };
  for (const Case& c :
       {Case{0, 1, 65, 49}, Case{7, 8, 9, 7}, Case{8, 4, 17, 13}, Case{13, 4, 17, 13},
        Case{14, 2, 33, 25}, Case{25, 2, 33, 25}, Case{26, 1, 65, 49}, Case{1000, 1, 65, 49}}) {
    SCOPED_TRACE(c.min_side);
    const Image got = DecodeOk(jpeg, {.min_side = c.min_side});
    EXPECT_EQ(got.scale_denom, c.denom);
    EXPECT_EQ(got.width, c.width);
    EXPECT_EQ(got.height, c.height);
    EXPECT_EQ(ScaleDenominator(65, 49, c.min_side), c.denom);
  }
  EXPECT_EQ(ScaleDenominator(1920, 1080, 256), 4);
  EXPECT_EQ(ScaleDenominator(4000, 3000, 256), 8);
  EXPECT_EQ(ScaleDenominator(640, 480, 256), 1);
  const Image grey = DecodeOk(Uniform(1, 64, 64, {77}), {.min_side = 8});
  EXPECT_EQ(grey.width, 8);
  EXPECT_EQ(Pixel(grey, 5, 5), (std::vector<uint8_t>{77, 77, 77}));  // a flat block stays flat
}

TEST(ImagingDecodeJpeg, ProgressiveArithmeticAndRestartsDecodeAlike) {
  JpegSpec s;
  s.width = 40, s.height = 24;
  s.samples = Gradient(40, 24).rgb;
  const Image base = DecodeOk(WriteJpeg(s));
  for (int variant = 0; variant < 3; ++variant) {
    JpegSpec v = s;
    v.progressive = variant == 0;
    v.arithmetic = variant == 1;
    v.restart_rows = variant == 2 ? 1 : 0;
    SCOPED_TRACE(variant);
    EXPECT_EQ(MaxDifference(DecodeOk(WriteJpeg(v)), base), 0);  // same coefficients, other coding
  }
}

TEST(ImagingDecodeJpeg, TooManyScans) {
  // A progressive file whose first scan (DC, all components) is repeated 600 times: each copy is
  // a pass over the image. libjpeg only warns of the bogus progression; the scan limit stops it.
  JpegSpec s;
  s.width = 16, s.height = 16, s.progressive = true;
  s.samples = Gradient(16, 16).rgb;
  const std::string jpeg = WriteJpeg(s);
  const size_t first = jpeg.find("\xFF\xDA");
  ASSERT_NE(first, std::string::npos);
  const size_t next = std::min(jpeg.find("\xFF\xC4", first + 2), jpeg.find("\xFF\xDA", first + 2));
  ASSERT_NE(next, std::string::npos);
  std::string many = jpeg.substr(0, next);
  for (int i = 0; i < 600; ++i) many += jpeg.substr(first, next - first);
  many += jpeg.substr(next);
  EXPECT_EQ(DecodeError(many), "JPEG: more than 500 scans");
  many = jpeg.substr(0, next);
  for (int i = 0; i < 3; ++i) many += jpeg.substr(first, next - first);
  EXPECT_EQ(MaxDifference(DecodeOk(many + jpeg.substr(next)), DecodeOk(jpeg)), 0);  // a few: fine
}

TEST(ImagingDecodeJpeg, TruncatedAndCorrupt) {
  const std::string jpeg = WriteJpeg(Gradient(64, 64));
  EXPECT_EQ(DecodeError(jpeg.substr(0, jpeg.size() - 200)),
            "corrupt or truncated JPEG data: premature end of data segment");
  // A missing EOI marker alone loses nothing.
  EXPECT_EQ(MaxDifference(DecodeOk(jpeg.substr(0, jpeg.size() - 2)), DecodeOk(jpeg)), 0);
  // A restart marker where none belongs: the scan's data stops early.
  std::string corrupt = jpeg;
  const size_t sos = corrupt.find("\xFF\xDA");
  ASSERT_NE(sos, std::string::npos);
  corrupt[sos + 40] = '\xFF', corrupt[sos + 41] = '\xD0';
  EXPECT_EQ(DecodeError(corrupt), "corrupt or truncated JPEG data: premature end of data segment");
}

// ---- Decode: PNG
// ---------------------------------------------------------------------------------

TEST(ImagingDecodePng, RgbExact) {
  const Image src = Gradient(13, 7);
  EXPECT_EQ(MaxDifference(DecodeOk(WritePng(src)), src), 0);
  PngSpec p;
  p.width = 13, p.height = 7, p.interlaced = true;
  p.samples.assign(src.rgb.begin(), src.rgb.end());
  EXPECT_EQ(MaxDifference(DecodeOk(WritePng(p)), src), 0);  // Adam7
}

TEST(ImagingDecodePng, AlphaIsDropped) {
  PngSpec p;
  p.width = 2, p.height = 1, p.color_type = 6;
  p.samples = {10, 20, 30, 0, 40, 50, 60, 255};  // transparent, opaque
  const Image got = DecodeOk(WritePng(p));
  EXPECT_EQ(Pixel(got, 0, 0), (std::vector<uint8_t>{10, 20, 30}));
  EXPECT_EQ(Pixel(got, 1, 0), (std::vector<uint8_t>{40, 50, 60}));
  p.color_type = 4;  // grey + alpha
  p.samples = {7, 0, 200, 128};
  const Image grey = DecodeOk(WritePng(p));
  EXPECT_EQ(Pixel(grey, 0, 0), (std::vector<uint8_t>{7, 7, 7}));
  EXPECT_EQ(Pixel(grey, 1, 0), (std::vector<uint8_t>{200, 200, 200}));
}

TEST(ImagingDecodePng, SixteenBitsRounded) {
  PngSpec p;
  p.width = 4, p.height = 1, p.color_type = 0, p.bit_depth = 16;
  // 257·k is exactly k; 0x12FF is 18.996 → 19 (rounded, not the high byte 18); 0x8080 → 128.
  p.samples = {257 * 3, 0x12FF, 0x8080, 65535};
  const Image got = DecodeOk(WritePng(p));
  EXPECT_EQ(Pixel(got, 0, 0), (std::vector<uint8_t>{3, 3, 3}));
  EXPECT_EQ(Pixel(got, 1, 0), (std::vector<uint8_t>{19, 19, 19}));
  EXPECT_EQ(Pixel(got, 2, 0), (std::vector<uint8_t>{128, 128, 128}));
  EXPECT_EQ(Pixel(got, 3, 0), (std::vector<uint8_t>{255, 255, 255}));
  p.color_type = 2;
  p.width = 1;
  p.samples = {65535, 257 * 100, 0};
  EXPECT_EQ(Pixel(DecodeOk(WritePng(p)), 0, 0), (std::vector<uint8_t>{255, 100, 0}));
}

TEST(ImagingDecodePng, PaletteAndLowBitGrey) {
  PngSpec p;
  p.width = 3, p.height = 1, p.color_type = 3, p.bit_depth = 4;
  p.palette_rgb = {0, 0, 0, 255, 0, 0, 1, 2, 3};
  p.samples = {2, 1, 0};
  const Image got = DecodeOk(WritePng(p));
  EXPECT_EQ(Pixel(got, 0, 0), (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_EQ(Pixel(got, 1, 0), (std::vector<uint8_t>{255, 0, 0}));
  p.color_type = 0, p.bit_depth = 1;
  p.samples = {1, 0, 1};
  const Image bits = DecodeOk(WritePng(p));
  EXPECT_EQ(Pixel(bits, 0, 0), (std::vector<uint8_t>{255, 255, 255}));
  EXPECT_EQ(Pixel(bits, 1, 0), (std::vector<uint8_t>{0, 0, 0}));
  p.bit_depth = 2;
  p.samples = {1, 2, 3};  // 2 bits: ×85
  EXPECT_EQ(Pixel(DecodeOk(WritePng(p)), 1, 0), (std::vector<uint8_t>{170, 170, 170}));
}

TEST(ImagingDecodePng, BlockAveraging) {
  // 5×3 at 1/2 → 3×2: each output pixel the rounded mean of its (partial) 2×2 block.
  const Image src = MakeImage(5, 3, [](int x, int y) {
    return Rgb{10 * x + y, 100, 255 * (x % 2)};
  });
  const Image got = DecodeOk(WritePng(src), {.min_side = 2});
  ASSERT_EQ(got.scale_denom, 2);
  ASSERT_EQ(got.width, 3);
  ASSERT_EQ(got.height, 2);
  EXPECT_EQ(Pixel(got, 0, 0), (std::vector<uint8_t>{6, 100, 128}));   // (0+1+10+11)/4 = 5.5, 510/4
  EXPECT_EQ(Pixel(got, 2, 0), (std::vector<uint8_t>{41, 100, 0}));    // a 1×2 column: (40+41)/2
  EXPECT_EQ(Pixel(got, 2, 1), (std::vector<uint8_t>{42, 100, 0}));    // a single pixel
  EXPECT_EQ(Pixel(got, 1, 1), (std::vector<uint8_t>{27, 100, 128}));  // (22+32)/2, (0+255)/2
}

TEST(ImagingDecodePng, TruncatedAndCorrupt) {
  const std::string png = WritePng(Gradient(32, 32));
  EXPECT_EQ(DecodeError(png.substr(0, png.size() - 40)),
            "PNG: the file ends early (truncated PNG)");
  std::string crc = png;
  crc[png.size() - 13] ^= 0x55;  // the last byte of IDAT's CRC (IEND's 12 bytes follow)
  EXPECT_EQ(DecodeError(crc), "PNG: IDAT: CRC error");
  std::string deflate = png;
  deflate[60] ^= 0x55;  // inside the compressed data: zlib notices before the CRC is read
  EXPECT_EQ(DecodeError(deflate).rfind("PNG: IDAT: ", 0), 0u);
}

// ---- Decode: BMP
// ---------------------------------------------------------------------------------

TEST(ImagingDecodeBmp, TwentyFourBitsBothRowOrders) {
  const Image src = Gradient(5, 3);  // 15-byte rows: padded to 16
  EXPECT_EQ(MaxDifference(DecodeOk(WriteBmp(src)), src), 0);
  BmpSpec b;
  b.width = 5, b.height = 3, b.top_down = true;
  for (size_t i = 0; i < src.rgb.size(); i += 3)
    b.pixels.push_back(uint32_t{src.rgb[i]} << 16 | uint32_t{src.rgb[i + 1]} << 8 | src.rgb[i + 2]);
  EXPECT_EQ(MaxDifference(DecodeOk(WriteBmp(b)), src), 0);
  b.header_size = 12;  // OS/2 1.x, bottom-up
  b.top_down = false;
  EXPECT_EQ(MaxDifference(DecodeOk(WriteBmp(b)), src), 0);
}

TEST(ImagingDecodeBmp, Palettes) {
  BmpSpec b;
  b.width = 3, b.height = 2, b.bits = 8;
  b.palette_rgb = {1, 2, 3, 200, 100, 50};
  b.pixels = {1, 0, 1, 0, 1, 7};  // index 7 lies past the 2-colour palette: black
  const Image got = DecodeOk(WriteBmp(b));
  EXPECT_EQ(Pixel(got, 0, 0), (std::vector<uint8_t>{200, 100, 50}));
  EXPECT_EQ(Pixel(got, 1, 0), (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_EQ(Pixel(got, 2, 1), (std::vector<uint8_t>{0, 0, 0}));
  b.bits = 1;
  b.pixels = {1, 0, 1, 0, 0, 1};
  EXPECT_EQ(Pixel(DecodeOk(WriteBmp(b)), 2, 1), (std::vector<uint8_t>{200, 100, 50}));
  b.bits = 4;
  b.width = 9, b.height = 1;
  b.pixels = {0, 1, 0, 1, 0, 1, 0, 1, 1};
  EXPECT_EQ(Pixel(DecodeOk(WriteBmp(b)), 8, 0), (std::vector<uint8_t>{200, 100, 50}));
}

TEST(ImagingDecodeBmp, BitFields) {
  BmpSpec b;
  b.width = 2, b.height = 1, b.bits = 16;
  b.pixels = {31u << 10 | 16u << 5, 1};  // default 5-5-5: R 31 → 255, G 16 → 132, B 1 → 8
  const Image got = DecodeOk(WriteBmp(b));
  EXPECT_EQ(Pixel(got, 0, 0), (std::vector<uint8_t>{255, 132, 0}));
  EXPECT_EQ(Pixel(got, 1, 0), (std::vector<uint8_t>{0, 0, 8}));
  b.bitfields = true;  // 5-6-5
  b.masks[0] = 0xF800, b.masks[1] = 0x07E0, b.masks[2] = 0x001F;
  b.pixels = {0xF800 | 32u << 5, 0x001F};
  const Image rgb565 = DecodeOk(WriteBmp(b));
  EXPECT_EQ(Pixel(rgb565, 0, 0), (std::vector<uint8_t>{255, 130, 0}));  // G 32/63
  EXPECT_EQ(Pixel(rgb565, 1, 0), (std::vector<uint8_t>{0, 0, 255}));
  b.bits = 32, b.header_size = 108;  // BGRA with alpha in the top byte
  b.masks[0] = 0xFF0000, b.masks[1] = 0xFF00, b.masks[2] = 0xFF, b.masks[3] = 0xFF000000;
  b.pixels = {0x00123456, 0xFFABCDEF};
  const Image argb = DecodeOk(WriteBmp(b));
  EXPECT_EQ(Pixel(argb, 0, 0), (std::vector<uint8_t>{0x12, 0x34, 0x56}));
  EXPECT_EQ(Pixel(argb, 1, 0), (std::vector<uint8_t>{0xAB, 0xCD, 0xEF}));
}

TEST(ImagingDecodeBmp, Truncated) {
  const std::string bmp = WriteBmp(Gradient(5, 3));
  EXPECT_EQ(DecodeError(bmp.substr(0, bmp.size() - 20)),
            "truncated BMP: the pixel data needs 101 bytes, the file has 82");
  // The last row may lack its padding.
  EXPECT_EQ(MaxDifference(DecodeOk(bmp.substr(0, bmp.size() - 1)), Gradient(5, 3)), 0);
}

// ---- the pixel limit
// -----------------------------------------------------------------------------

TEST(ImagingDecode, DecompressionBombs) {
  EXPECT_EQ(DecodeError(WriteJpeg(Gradient(64, 64)), {.max_pixels = 4095}),
            "image is 64x64 = 4096 pixels, over the limit of 4095 (decompression bomb?)");
  EXPECT_TRUE(Decode(WriteJpeg(Gradient(64, 64)), {.max_pixels = 4096}).ok());
  // Headers that claim 60000 × 60000 are refused before anything is allocated.
  std::string jpeg = WriteJpeg(Gradient());
  const size_t sof = jpeg.find("\xFF\xC0");
  jpeg[sof + 5] = jpeg[sof + 7] = '\xEA', jpeg[sof + 6] = jpeg[sof + 8] = '\x60';
  EXPECT_EQ(DecodeError(jpeg),
            "image is 60000x60000 = 3600000000 pixels, over the limit of 100000000 (decompression "
            "bomb?)");
  BmpSpec b;
  b.width = 1, b.height = 1, b.pixels = {0};
  std::string bmp = WriteBmp(b);
  bmp[18] = bmp[22] = '\x60', bmp[19] = bmp[23] = '\xEA';  // 60000 × 60000
  EXPECT_NE(DecodeError(bmp).find("over the limit of 100000000"), std::string::npos);
  EXPECT_NE(Thumbnail(bmp, 64).status().message().find("over the limit"), std::string::npos);
}

// ---- Thumbnail
// -----------------------------------------------------------------------------------

TEST(ImagingThumbnail, Sizes) {
  struct Case {
    int width, height, max_side, want_width, want_height;
  };
  for (const Case& c :
       {Case{640, 480, 256, 256, 192}, Case{100, 300, 256, 85, 256}, Case{50, 40, 256, 50, 40},
        Case{1000, 10, 100, 100, 1}, Case{1920, 1080, 256, 256, 144}}) {
    SCOPED_TRACE(std::to_string(c.width) + "x" + std::to_string(c.height));
    const std::string jpeg = WriteJpeg(Gradient(c.width, c.height), 90, true);
    auto thumb = Thumbnail(jpeg, c.max_side, 80);
    ASSERT_TRUE(thumb.ok()) << thumb.status().ToString();
    EXPECT_EQ(*Probe(*thumb), (ImageInfo{ImageFormat::kJpeg, c.want_width, c.want_height, 3}));
  }
  auto from_png = Thumbnail(WritePng(Gradient(300, 100)), 64);
  ASSERT_TRUE(from_png.ok());
  EXPECT_EQ(*Probe(*from_png), (ImageInfo{ImageFormat::kJpeg, 64, 21, 3}));
}

TEST(ImagingThumbnail, KeepsTheColours) {
  const Image flat = MakeImage(400, 300, [](int, int) { return Rgb{200, 60, 30}; });
  auto thumb = Thumbnail(WriteBmp(flat), 32, 95);
  ASSERT_TRUE(thumb.ok());
  const Image got = DecodeOk(*thumb);
  EXPECT_EQ(got.width, 32);
  EXPECT_EQ(got.height, 24);
  const Image want = MakeImage(32, 24, [](int, int) { return Rgb{200, 60, 30}; });
  EXPECT_LE(MaxDifference(got, want), 3);
}

TEST(ImagingThumbnail, BadArguments) {
  const std::string jpeg = WriteJpeg(Gradient());
  EXPECT_EQ(Thumbnail(jpeg, 0).status().message(), "thumbnail size 0: must be at least 1");
  EXPECT_EQ(Thumbnail(jpeg, 64, 0).status().message(),
            "thumbnail JPEG quality 0: must be 1 to 100");
  EXPECT_EQ(Thumbnail(jpeg, 64, 101).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Thumbnail("GIF89a", 64).status().message(),
            "not a JPEG, PNG or BMP image (starts with 47 49 46 38: GIF)");
}

// ---- the fuzzer's seeds and their golden file
// ----------------------------------------------------

const fs::path kCorpus = fs::path(OPENARTS_SOURCE_DIR) / "src/imaging/tests/corpus/imaging_fuzz";
const fs::path kGolden =
    fs::path(OPENARTS_SOURCE_DIR) / "src/imaging/tests/golden/imaging/corpus.golden";

// Tiny files covering every decoder path.
std::map<std::string, std::string> Seeds() {
  std::map<std::string, std::string> seeds;
  const Image g = Gradient(17, 9);
  seeds["rgb_444.jpg"] = WriteJpeg(g, 90);
  seeds["rgb_420.jpg"] = WriteJpeg(g, 75, true);
  seeds["grey.jpg"] = Uniform(1, 8, 8, {77});
  seeds["cmyk.jpg"] = Uniform(4, 8, 8, {200, 100, 50, 128});
  JpegSpec s;
  s.width = 17, s.height = 9, s.samples = g.rgb, s.quality = 80;
  s.progressive = true;
  seeds["progressive.jpg"] = WriteJpeg(s);
  s.progressive = false, s.arithmetic = true;
  seeds["arithmetic.jpg"] = WriteJpeg(s);
  s.arithmetic = false, s.restart_rows = 1;
  seeds["restart.jpg"] = WriteJpeg(s);
  const std::string big = WriteJpeg(Gradient(64, 64), 90);
  seeds["truncated.jpg"] = big.substr(0, big.size() / 2);
  seeds["rgb8.png"] = WritePng(g);
  PngSpec p;
  p.width = 5, p.height = 3;
  p.color_type = 6;
  for (int i = 0; i < 15; ++i)
    p.samples.insert(p.samples.end(), {uint16_t(17 * i), 40, 200, uint16_t(i * 18)});
  seeds["rgba8.png"] = WritePng(p);
  p.color_type = 4, p.samples.clear();
  for (int i = 0; i < 15; ++i) p.samples.insert(p.samples.end(), {uint16_t(17 * i), 128});
  seeds["grey_alpha.png"] = WritePng(p);
  p.color_type = 0, p.bit_depth = 16, p.samples.clear();
  for (int i = 0; i < 15; ++i) p.samples.push_back(uint16_t(4369 * i));
  seeds["grey16.png"] = WritePng(p);
  p.color_type = 2, p.samples.clear();
  for (int i = 0; i < 45; ++i) p.samples.push_back(uint16_t(1456 * i));
  seeds["rgb16.png"] = WritePng(p);
  p.color_type = 0, p.bit_depth = 1, p.samples.clear();
  for (int i = 0; i < 15; ++i) p.samples.push_back(uint16_t(i % 2));
  seeds["grey1.png"] = WritePng(p);
  p.color_type = 3, p.bit_depth = 4, p.samples.clear(),
  p.palette_rgb = {0, 0, 0, 255, 0, 0, 0, 255, 0, 30, 60, 90};
  for (int i = 0; i < 15; ++i) p.samples.push_back(uint16_t(i % 4));
  seeds["palette4.png"] = WritePng(p);
  p.color_type = 2, p.bit_depth = 8, p.interlaced = true, p.palette_rgb.clear();
  p.width = 17, p.height = 9, p.samples.assign(g.rgb.begin(), g.rgb.end());
  seeds["interlaced.png"] = WritePng(p);
  const std::string png = WritePng(Gradient(32, 32));
  seeds["truncated.png"] = png.substr(0, png.size() - 40);
  seeds["rgb24.bmp"] = WriteBmp(Gradient(5, 3));
  BmpSpec b;
  b.width = 5, b.height = 3, b.top_down = true;
  for (int i = 0; i < 15; ++i) b.pixels.push_back(0x010203u * static_cast<uint32_t>(i * 17));
  seeds["rgb24_topdown.bmp"] = WriteBmp(b);
  b.header_size = 12, b.top_down = false;
  seeds["core12.bmp"] = WriteBmp(b);
  b.header_size = 40, b.bits = 8, b.palette_rgb = {10, 20, 30, 250, 240, 230, 0, 128, 255},
  b.pixels.clear();
  for (int i = 0; i < 15; ++i) b.pixels.push_back(static_cast<uint32_t>(i % 3));
  seeds["pal8.bmp"] = WriteBmp(b);
  b.bits = 1, b.palette_rgb = {0, 0, 0, 255, 255, 255};
  for (auto& v : b.pixels) v %= 2;
  seeds["pal1.bmp"] = WriteBmp(b);
  b.bits = 16, b.bitfields = true, b.palette_rgb.clear();
  b.masks[0] = 0xF800, b.masks[1] = 0x07E0, b.masks[2] = 0x001F;
  for (int i = 0; i < 15; ++i) b.pixels[i] = static_cast<uint32_t>(4369 * i);
  seeds["rgb565.bmp"] = WriteBmp(b);
  b.bits = 32, b.header_size = 124;
  b.masks[0] = 0xFF0000, b.masks[1] = 0xFF00, b.masks[2] = 0xFF, b.masks[3] = 0xFF000000;
  for (int i = 0; i < 15; ++i) b.pixels[i] = 0x11223344u * static_cast<uint32_t>(i + 1);
  seeds["argb32.bmp"] = WriteBmp(b);
  return seeds;
}

// One line per seed: what a caller learns from it. Brightness and saturation are float sums whose
// order depends on the vector width the CPU offers (AVX2 or not): 5 decimals are stable; the other
// metrics come from exact integer sums.
std::string Describe(const std::string& name, std::string_view bytes) {
  auto info = Probe(bytes);
  if (!info.ok()) return name + ": probe: " + info.status().message() + "\n";
  char head[160];
  std::snprintf(head, sizeof head, "%s: %s %dx%d channels=%d", name.c_str(),
                std::string(ImageFormatName(info->format)).c_str(), info->width, info->height,
                info->channels);
  auto features = Analyze(bytes, {}, {.min_side = 0});
  if (!features.ok()) return std::string(head) + "; decode: " + features.status().message() + "\n";
  const PixelMetrics& m = features->pixels;
  char line[400];
  std::snprintf(line, sizeof line,
                "%s; brightness=%.5f saturation=%.5f contrast=%.6f blur=%.3f colorfulness=%.4f\n",
                head, m.brightness, m.saturation, m.contrast, m.blur, m.colorfulness);
  return line;
}

TEST(ImagingCorpus, SeedsAndGolden) {
  const auto seeds = Seeds();
  const bool update = std::getenv("OPENARTS_UPDATE_GOLDEN") != nullptr;
  if (update) {
    fs::create_directories(kCorpus);
    for (const auto& [name, bytes] : seeds)
      ASSERT_TRUE(WriteFileAtomic(kCorpus / name, bytes).ok());
  }
  std::string golden;
  for (const auto& [name, bytes] : seeds) {
    auto committed = ReadFile(kCorpus / name);
    ASSERT_TRUE(committed.ok()) << name << ": run with OPENARTS_UPDATE_GOLDEN=1";
    golden += Describe(name, *committed);
    // The committed seed is still what the encoders make (it was not edited by hand).
    EXPECT_EQ(Describe(name, bytes), Describe(name, *committed));
  }
  if (update) {
    fs::create_directories(kGolden.parent_path());
    ASSERT_TRUE(WriteFileAtomic(kGolden, golden).ok());
  }
  auto want = ReadFile(kGolden);
  ASSERT_TRUE(want.ok()) << "run with OPENARTS_UPDATE_GOLDEN=1";
  EXPECT_EQ(golden, *want);
}

}  // namespace
}  // namespace openarts::imaging
