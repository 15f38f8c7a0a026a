// PNG through libpng 1.6: every colour type and depth reduced to 8-bit RGB by libpng's own
// transforms, rows streamed into the block reducer (interlaced images need the whole image first).
//
// libpng reports errors through our error function, which longjmps to the setjmp in ReadInfo /
// ReadRows (png_jmpbuf). As in jpeg.cc, those functions keep every object with a destructor in
// the caller, so the jump skips only libpng's C frames.
#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>

#include "codecs.h"

namespace openarts::imaging::internal {
namespace {

struct Source {
  const uint8_t* data = nullptr;
  size_t size = 0;
  size_t pos = 0;
};

struct Decoder {
  png_structp png = nullptr;
  png_infop info = nullptr;
  Source src;
  char message[256] = "";
  bool interlaced = false;
  ~Decoder() {
    if (png != nullptr) png_destroy_read_struct(&png, info != nullptr ? &info : nullptr, nullptr);
  }
};

void OnError(png_structp png, png_const_charp message) {
  auto* d = static_cast<Decoder*>(png_get_error_ptr(png));
  std::snprintf(d->message, sizeof d->message, "%s", message);
  png_longjmp(png, 1);
}

void OnWarning(png_structp, png_const_charp) {}  // libpng's default prints to stderr

void ReadData(png_structp png, png_bytep out, size_t n) {
  auto* src = static_cast<Source*>(png_get_io_ptr(png));
  if (n > src->size - src->pos) png_error(png, "the file ends early (truncated PNG)");
  std::memcpy(out, src->data + src->pos, n);
  src->pos += n;
}

bool ReadInfo(Decoder* d) {
  if (setjmp(png_jmpbuf(d->png))) return false;
  png_structp png = d->png;
  png_set_read_fn(png, &d->src, ReadData);
  png_set_user_limits(png, 0x7FFFFFFF, 0x7FFFFFFF);  // Decode applies its own pixel limit
  png_read_info(png, d->info);
  const int type = png_get_color_type(png, d->info);
  const int depth = png_get_bit_depth(png, d->info);
  if (type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (type == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (depth == 16) png_set_scale_16(png);  // v × 255 / 65535, rounded
  if (type == PNG_COLOR_TYPE_GRAY || type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
  if (type & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
  d->interlaced = png_set_interlace_handling(png) > 1;
  png_read_update_info(png, d->info);
  if (png_get_rowbytes(png, d->info) != size_t{3} * png_get_image_width(png, d->info))
    png_error(png, "unexpected row size after conversion to RGB");
  return true;
}

// Non-interlaced: one row at a time into `row`, then the reducer. Interlaced: the whole image
// through `rows` (pointers into a full-size buffer); the caller feeds the reducer.
bool ReadRows(Decoder* d, int height, uint8_t* row, BlockReducer* reducer, png_bytepp rows) {
  if (setjmp(png_jmpbuf(d->png))) return false;
  if (d->interlaced) {
    png_read_image(d->png, rows);
    return true;
  }
  for (int y = 0; y < height; ++y) {
    png_read_row(d->png, row, nullptr);
    reducer->AddRow(row);
  }
  // No png_read_end: what follows the image data (text, IEND) is not needed.
  return true;
}

}  // namespace

Result<Image> DecodePng(std::string_view bytes, const ImageInfo& info, int denom) {
  Decoder d;
  d.src = {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), 0};
  d.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &d, OnError, OnWarning);
  if (d.png == nullptr) return ResourceExhausted("PNG: out of memory");
  d.info = png_create_info_struct(d.png);
  if (d.info == nullptr) return ResourceExhausted("PNG: out of memory");
  if (!ReadInfo(&d)) return InvalidArgument(std::string("PNG: ") + d.message);
  const size_t stride = size_t{3} * info.width;
  Image out;
  BlockReducer reducer(info.width, info.height, denom, &out);
  std::vector<uint8_t> row(stride);
  std::vector<uint8_t> whole;
  std::vector<png_bytep> rows;
  if (d.interlaced) {
    whole.resize(stride * info.height);
    rows.resize(info.height);
    for (int y = 0; y < info.height; ++y) rows[y] = whole.data() + stride * y;
  }
  if (!ReadRows(&d, info.height, row.data(), &reducer, rows.data()))
    return InvalidArgument(std::string("PNG: ") + d.message);
  if (d.interlaced)
    for (int y = 0; y < info.height; ++y) reducer.AddRow(rows[y]);
  return out;
}

}  // namespace openarts::imaging::internal
