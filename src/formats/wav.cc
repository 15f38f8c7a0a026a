// WAV headers (wav.h).
#include "formats/wav.h"

namespace openarts::formats {
namespace {

uint32_t Le32(std::string_view s, size_t at) {
  return static_cast<uint32_t>(static_cast<unsigned char>(s[at])) |
         static_cast<uint32_t>(static_cast<unsigned char>(s[at + 1])) << 8 |
         static_cast<uint32_t>(static_cast<unsigned char>(s[at + 2])) << 16 |
         static_cast<uint32_t>(static_cast<unsigned char>(s[at + 3])) << 24;
}

uint16_t Le16(std::string_view s, size_t at) {
  return static_cast<uint16_t>(static_cast<unsigned char>(s[at]) |
                               static_cast<unsigned char>(s[at + 1]) << 8);
}

}  // namespace

Result<WavInfo> ProbeWav(std::string_view head, uint64_t file_size, std::string_view name) {
  auto fail = [&](const std::string& problem) {
    return InvalidArgument(std::string(name) + ": " + problem);
  };
  if (head.size() < 12 || head.substr(0, 4) != "RIFF" || head.substr(8, 4) != "WAVE") {
    return fail("not a WAV file (no RIFF/WAVE header)");
  }
  WavInfo info;
  bool have_fmt = false;
  size_t pos = 12;
  while (true) {
    if (pos + 8 > head.size()) return fail("no data chunk in the first " + std::to_string(head.size()) + " bytes");
    std::string_view id = head.substr(pos, 4);
    uint64_t size = Le32(head, pos + 4);
    size_t body = pos + 8;
    if (id == "fmt ") {
      if (size < 16) return fail("fmt chunk of " + std::to_string(size) + " bytes; at least 16 expected");
      if (body + 16 > head.size()) return fail("the fmt chunk is cut off");
      info.format_tag = Le16(head, body);
      info.channels = Le16(head, body + 2);
      info.sample_rate = Le32(head, body + 4);
      info.byte_rate = Le32(head, body + 8);
      info.bits_per_sample = Le16(head, body + 14);
      if (info.channels == 0) return fail("0 channels");
      if (info.sample_rate == 0) return fail("sample rate 0");
      if (info.byte_rate == 0) return fail("byte rate 0");
      have_fmt = true;
    } else if (id == "data") {
      if (!have_fmt) return fail("the data chunk comes before the fmt chunk");
      uint64_t available = file_size > body ? file_size - body : 0;
      info.data_bytes = (size == 0 || size == 0xFFFFFFFFu || size > available) ? available : size;
      info.duration_seconds = static_cast<double>(info.data_bytes) / static_cast<double>(info.byte_rate);
      return info;
    }
    // Chunks are padded to an even size.
    uint64_t next = body + size + (size & 1);
    if (next > head.size()) {
      std::string printable(id);
      for (char& c : printable) {
        if (c < 0x20 || c > 0x7e) c = '?';
      }
      return fail("chunk \"" + printable + "\" of " + std::to_string(size) +
                  " bytes runs past the first " + std::to_string(head.size()) + " bytes before the data chunk");
    }
    pos = static_cast<size_t>(next);
  }
}

}  // namespace openarts::formats
