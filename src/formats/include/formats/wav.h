// The header of a WAV file (RIFF/WAVE): what audio labeling needs to check a segment against the
// recording's length (spec/data.md §1.1, speech segmentation). Reads only the first bytes of a
// file, so a caller need not fetch the whole object.
//
//   auto info = ProbeWav(first_64_kib, object_size, "a.wav");
//   if (info.ok() && end_seconds > info->duration_seconds) reject(...);
//
// Pure function, thread-safe, no exceptions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace openarts::formats {

struct WavInfo {
  int format_tag = 0;        // 1 PCM, 3 IEEE float, 0xFFFE extensible, ...
  int channels = 0;          // ≥ 1
  int64_t sample_rate = 0;   // Hz, ≥ 1
  int64_t byte_rate = 0;     // bytes per second, ≥ 1
  int bits_per_sample = 0;
  uint64_t data_bytes = 0;   // the data chunk's size (clipped to the file)
  double duration_seconds = 0;  // data_bytes / byte_rate
};

// `head`: the file's first bytes (at least up to the data chunk's header; 64 KiB is plenty for
// any real file); `file_size`: the whole file's size, which bounds a data chunk whose size field
// is 0 or 0xFFFFFFFF (streamed WAVs) or larger than the file (truncated ones).
// kInvalidArgument "<name>: <problem>" for anything that is not a RIFF/WAVE header with a fmt
// chunk before the data chunk, a fmt chunk of less than 16 bytes, zero channels, sample rate or
// byte rate, or a chunk running past `head` before the data chunk is found.
Result<WavInfo> ProbeWav(std::string_view head, uint64_t file_size, std::string_view name);

}  // namespace openarts::formats
