// WAV headers come from users' audio objects (speech segmentation labeling). The first 8 bytes
// are the claimed file size; the rest is the head. Probing must never crash, hang or read past
// the head; errors name the file; what it accepts is self-consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "formats/wav.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 8) return 0;
  uint64_t file_size = 0;
  std::memcpy(&file_size, data, 8);
  std::string_view head(reinterpret_cast<const char*>(data + 8), size - 8);
  auto info = openarts::formats::ProbeWav(head, file_size, "f.wav");
  if (!info.ok()) {
    if (info.status().code() != openarts::Code::kInvalidArgument) std::abort();
    if (info.status().message().rfind("f.wav: ", 0) != 0) std::abort();
    return 0;
  }
  if (info->channels < 1 || info->sample_rate < 1 || info->byte_rate < 1) std::abort();
  if (info->data_bytes > file_size) std::abort();
  if (!(info->duration_seconds >= 0)) std::abort();
  return 0;
}
