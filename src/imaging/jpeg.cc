// JPEG through the libjpeg API (libjpeg-turbo): DCT-scaled decoding and the thumbnail encoder.
//
// libjpeg reports errors by calling error_exit, which must not return. Ours formats the message
// and longjmps back to the setjmp in ReadHeader / ReadPixels / Compress. Those functions are
// written so that the jump skips nothing with a destructor: every object with one (the image,
// row buffers, the libjpeg objects' owner) lives in the caller, and between setjmp and the jump
// only libjpeg's C frames and our C-style callbacks run. Warnings never print; the corrupt-data
// ones end decoding the same way (see IsCorruptData).
#include <algorithm>
#include <csetjmp>
#include <cstdio>  // before jpeglib.h, which needs FILE and size_t
#include <cstdlib>
#include <cstring>

// clang-format off
#include <jpeglib.h>
#include <jerror.h>
// clang-format on

#include "codecs.h"

namespace openarts::imaging::internal {
namespace {

// Progressive files can hold any number of scans, each a pass over the whole image; fuzzers
// build files of thousands. libjpeg-turbo's own fuzzers stop at 500.
constexpr int kMaxScans = 500;

struct ErrorManager {
  jpeg_error_mgr pub;  // first: libjpeg sees a jpeg_error_mgr*
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX + 64];
};

[[noreturn]] void OnError(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

// Warnings after which the pixels are not the file's: the entropy-coded data is damaged or ends
// early. Others (stray bytes before a marker, an unknown JFIF version or Adobe transform, a bad
// ICC chunk, a missing EOI marker) leave the image intact.
bool IsCorruptData(int code) {
  return code == JWRN_HIT_MARKER || code == JWRN_HUFF_BAD_CODE || code == JWRN_ARITH_BAD_CODE ||
         code == JWRN_MUST_RESYNC;
}

void OnMessage(j_common_ptr cinfo, int level) {
  if (level < 0 && IsCorruptData(cinfo->err->msg_code)) OnError(cinfo);
}

void OnOutput(j_common_ptr) {}  // libjpeg's default prints to stderr

void OnProgress(j_common_ptr cinfo) {
  if (!cinfo->is_decompressor) return;
  auto* d = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (d->input_scan_number > kMaxScans) {
    auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
    err->pub.msg_code = 0;
    std::snprintf(err->message, sizeof err->message, "more than %d scans", kMaxScans);
    std::longjmp(err->jump, 1);
  }
}

void InstallErrorManager(ErrorManager* err) {
  jpeg_std_error(&err->pub);
  err->pub.error_exit = OnError;
  err->pub.emit_message = OnMessage;
  err->pub.output_message = OnOutput;
  err->message[0] = '\0';
}

// ---- decoding
// ------------------------------------------------------------------------------------

// Owns the libjpeg state across the two setjmp regions, so the jump never has to.
struct Decoder {
  jpeg_decompress_struct cinfo;
  ErrorManager err;
  jpeg_progress_mgr progress;
  bool created = false;
  Decoder() { std::memset(&cinfo, 0, sizeof cinfo); }
  ~Decoder() {
    if (created) jpeg_destroy_decompress(&cinfo);
  }
};

bool ReadHeader(Decoder* d, const uint8_t* data, size_t size, int denom) {
  if (setjmp(d->err.jump)) return false;
  jpeg_decompress_struct* cinfo = &d->cinfo;
  cinfo->err = &d->err.pub;
  d->created = true;  // jpeg_destroy is safe even when creation fails half-way
  jpeg_create_decompress(cinfo);
  d->progress.progress_monitor = OnProgress;
  cinfo->progress = &d->progress;
  jpeg_mem_src(cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(cinfo, TRUE);
  // 4 components are CMYK or YCCK, which libjpeg converts to CMYK only; the rest to RGB (grey
  // included). Default DCT and upsampling: the same pixels as cv2.imread
  // (docs/feature-analysis.md).
  cinfo->out_color_space = cinfo->num_components == 4 ? JCS_CMYK : JCS_RGB;
  cinfo->scale_num = 1;
  cinfo->scale_denom = static_cast<unsigned>(denom);
  jpeg_calc_output_dimensions(cinfo);
  return true;
}

// Adobe (Photoshop) CMYK is stored inverted: 255 = no ink.
void CmykToRgb(const uint8_t* cmyk, uint8_t* rgb, int width, bool inverted) {
  for (int x = 0; x < width; ++x) {
    unsigned c = cmyk[4 * x], m = cmyk[4 * x + 1], y = cmyk[4 * x + 2], k = cmyk[4 * x + 3];
    if (!inverted) c = 255 - c, m = 255 - m, y = 255 - y, k = 255 - k;
    rgb[3 * x] = static_cast<uint8_t>((c * k + 127) / 255);
    rgb[3 * x + 1] = static_cast<uint8_t>((m * k + 127) / 255);
    rgb[3 * x + 2] = static_cast<uint8_t>((y * k + 127) / 255);
  }
}

// REQUIRES: out->rgb sized to the output dimensions; cmyk_row to 4 × output_width when CMYK.
bool ReadPixels(Decoder* d, Image* out, uint8_t* cmyk_row) {
  if (setjmp(d->err.jump)) return false;
  jpeg_decompress_struct* cinfo = &d->cinfo;
  jpeg_start_decompress(cinfo);
  const size_t stride = size_t{3} * cinfo->output_width;
  const bool cmyk = cinfo->out_color_space == JCS_CMYK;
  while (cinfo->output_scanline < cinfo->output_height) {
    const JDIMENSION y = cinfo->output_scanline;
    if (cmyk) {
      JSAMPROW row = cmyk_row;
      if (jpeg_read_scanlines(cinfo, &row, 1) != 1) break;
      CmykToRgb(cmyk_row, out->rgb.data() + stride * y, static_cast<int>(cinfo->output_width),
                cinfo->saw_Adobe_marker);
      continue;
    }
    JSAMPROW rows[16];
    const JDIMENSION n = std::min<JDIMENSION>(16, cinfo->output_height - y);
    for (JDIMENSION i = 0; i < n; ++i) rows[i] = out->rgb.data() + stride * (y + i);
    if (jpeg_read_scanlines(cinfo, rows, n) == 0) break;
  }
  // No jpeg_finish_decompress: it only reads on to the EOI marker, which some files lack.
  return cinfo->output_scanline == cinfo->output_height;
}

// ---- encoding
// ------------------------------------------------------------------------------------

// A growing malloc'd buffer: its callbacks run inside libjpeg, so they must not throw.
struct Destination {
  jpeg_destination_mgr pub;
  unsigned char* data = nullptr;
  size_t capacity = 0;
  size_t size = 0;
  ~Destination() { std::free(data); }
};

void InitDestination(j_compress_ptr cinfo) {
  auto* d = reinterpret_cast<Destination*>(cinfo->dest);
  d->capacity = 16384 + size_t{cinfo->image_width} * cinfo->image_height / 2;
  d->data = static_cast<unsigned char*>(std::malloc(d->capacity));
  if (d->data == nullptr) ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 0);
  d->pub.next_output_byte = d->data;
  d->pub.free_in_buffer = d->capacity;
}

boolean EmptyOutputBuffer(j_compress_ptr cinfo) {  // called when the buffer is full
  auto* d = reinterpret_cast<Destination*>(cinfo->dest);
  const size_t old = d->capacity;
  auto* bigger = static_cast<unsigned char*>(std::realloc(d->data, 2 * old));
  if (bigger == nullptr) ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 1);
  d->data = bigger;
  d->capacity = 2 * old;
  d->pub.next_output_byte = d->data + old;
  d->pub.free_in_buffer = d->capacity - old;
  return TRUE;
}

void TermDestination(j_compress_ptr cinfo) {
  auto* d = reinterpret_cast<Destination*>(cinfo->dest);
  d->size = d->capacity - d->pub.free_in_buffer;
}

struct Encoder {
  jpeg_compress_struct cinfo;
  ErrorManager err;
  Destination dest;
  bool created = false;
  Encoder() { std::memset(&cinfo, 0, sizeof cinfo); }
  ~Encoder() {
    if (created) jpeg_destroy_compress(&cinfo);
  }
};

bool Compress(Encoder* e, const Image* image, int quality) {
  if (setjmp(e->err.jump)) return false;
  jpeg_compress_struct* cinfo = &e->cinfo;
  cinfo->err = &e->err.pub;
  e->created = true;
  jpeg_create_compress(cinfo);
  e->dest.pub.init_destination = InitDestination;
  e->dest.pub.empty_output_buffer = EmptyOutputBuffer;
  e->dest.pub.term_destination = TermDestination;
  cinfo->dest = &e->dest.pub;
  cinfo->image_width = static_cast<JDIMENSION>(image->width);
  cinfo->image_height = static_cast<JDIMENSION>(image->height);
  cinfo->input_components = 3;
  cinfo->in_color_space = JCS_RGB;
  jpeg_set_defaults(cinfo);  // 4:2:0, baseline
  jpeg_set_quality(cinfo, quality, TRUE);
  cinfo->optimize_coding = TRUE;
  jpeg_start_compress(cinfo, TRUE);
  const size_t stride = size_t{3} * image->width;
  while (cinfo->next_scanline < cinfo->image_height) {
    // libjpeg's API takes non-const rows; it only reads them.
    JSAMPROW row = const_cast<uint8_t*>(image->rgb.data()) + stride * cinfo->next_scanline;
    jpeg_write_scanlines(cinfo, &row, 1);
  }
  jpeg_finish_compress(cinfo);
  return true;
}

}  // namespace

Result<Image> DecodeJpeg(std::string_view bytes, const ImageInfo& info, int denom) {
  Decoder d;
  InstallErrorManager(&d.err);
  if (!ReadHeader(&d, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), denom))
    return InvalidArgument(std::string("JPEG header: ") + d.err.message);
  const jpeg_decompress_struct& c = d.cinfo;
  if (static_cast<int>(c.image_width) != info.width ||
      static_cast<int>(c.image_height) != info.height)
    return InvalidArgument("JPEG: two frame headers disagree on the size (" +
                           std::to_string(info.width) + "x" + std::to_string(info.height) +
                           " and " + std::to_string(c.image_width) + "x" +
                           std::to_string(c.image_height) + ")");
  Image out;
  out.width = static_cast<int>(c.output_width);
  out.height = static_cast<int>(c.output_height);
  out.scale_denom = denom;
  out.rgb.resize(size_t{3} * out.width * out.height);
  std::vector<uint8_t> cmyk_row(c.out_color_space == JCS_CMYK ? size_t{4} * out.width : 0);
  if (!ReadPixels(&d, &out, cmyk_row.data())) {
    if (d.err.message[0] == '\0') return InvalidArgument("JPEG: the image data ends early");
    std::string_view message = d.err.message;
    if (IsCorruptData(d.err.pub.msg_code)) {  // "Corrupt JPEG data: bad Huffman code"
      constexpr std::string_view kPrefix = "Corrupt JPEG data: ";
      if (message.substr(0, kPrefix.size()) == kPrefix) message.remove_prefix(kPrefix.size());
      return InvalidArgument("corrupt or truncated JPEG data: " + std::string(message));
    }
    return InvalidArgument("JPEG: " + std::string(message));
  }
  return out;
}

Result<std::string> EncodeJpeg(const Image& image, int quality) {
  Encoder e;
  InstallErrorManager(&e.err);
  if (!Compress(&e, &image, quality))
    return Internal(std::string("JPEG encoder: ") + e.err.message);
  return std::string(reinterpret_cast<const char*>(e.dest.data), e.dest.size);
}

}  // namespace openarts::imaging::internal
