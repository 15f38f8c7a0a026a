#include <gtest/gtest.h>

#include <string>

#include "formats/wav.h"

namespace openarts::formats {
namespace {

std::string Le32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(v >> (8 * i));
  return s;
}
std::string Le16(uint16_t v) { return std::string{static_cast<char>(v & 0xff), static_cast<char>(v >> 8)}; }

std::string Fmt(uint16_t channels, uint32_t rate, uint16_t bits) {
  return "fmt " + Le32(16) + Le16(1) + Le16(channels) + Le32(rate) + Le32(rate * channels * bits / 8) +
         Le16(static_cast<uint16_t>(channels * bits / 8)) + Le16(bits);
}

// A whole WAV file of `seconds` of 16-bit PCM, with an optional chunk before fmt.
std::string Wav(double seconds, uint16_t channels = 1, uint32_t rate = 16000, std::string extra = "",
                uint32_t data_size_field = 0xABCD1234) {
  uint32_t bytes = static_cast<uint32_t>(seconds * rate * channels * 2);
  std::string body = "WAVE" + extra + Fmt(channels, rate, 16) + "data" +
                     Le32(data_size_field == 0xABCD1234 ? bytes : data_size_field) + std::string(bytes, '\0');
  return "RIFF" + Le32(static_cast<uint32_t>(body.size())) + body;
}

TEST(WavTest, DurationFromTheHeader) {
  std::string w = Wav(2.5, 2, 8000);
  auto info = ProbeWav(std::string_view(w).substr(0, 64), w.size(), "a.wav");
  ASSERT_TRUE(info.ok()) << info.status().message();
  EXPECT_EQ(info->format_tag, 1);
  EXPECT_EQ(info->channels, 2);
  EXPECT_EQ(info->sample_rate, 8000);
  EXPECT_EQ(info->byte_rate, 32000);
  EXPECT_EQ(info->bits_per_sample, 16);
  EXPECT_EQ(info->data_bytes, 80000u);
  EXPECT_DOUBLE_EQ(info->duration_seconds, 2.5);
}

TEST(WavTest, SkipsChunksBeforeTheDataAndPadsOddOnes) {
  std::string list = "LIST" + Le32(5) + "INFOx" + std::string(1, '\0');  // odd size, one pad byte
  std::string w = Wav(1.0, 1, 16000, list);
  auto info = ProbeWav(w, w.size(), "b.wav");
  ASSERT_TRUE(info.ok()) << info.status().message();
  EXPECT_DOUBLE_EQ(info->duration_seconds, 1.0);
}

TEST(WavTest, StreamedAndTruncatedDataSizesAreBoundedByTheFile) {
  std::string streamed = Wav(1.0, 1, 16000, "", 0xFFFFFFFFu);
  auto a = ProbeWav(streamed, streamed.size(), "s.wav");
  ASSERT_TRUE(a.ok());
  EXPECT_DOUBLE_EQ(a->duration_seconds, 1.0);
  std::string zero = Wav(0.5, 1, 16000, "", 0);
  auto b = ProbeWav(zero, zero.size(), "z.wav");
  ASSERT_TRUE(b.ok());
  EXPECT_DOUBLE_EQ(b->duration_seconds, 0.5);
  std::string w = Wav(2.0);
  auto c = ProbeWav(w, w.size() - 32000, "t.wav");  // the file was cut: half a second less
  ASSERT_TRUE(c.ok());
  EXPECT_DOUBLE_EQ(c->duration_seconds, 1.0);
}

TEST(WavTest, RejectsWhatIsNotAWavHeaderNamingTheProblem) {
  auto msg = [](std::string_view head) {
    auto r = ProbeWav(head, head.size(), "x.wav");
    EXPECT_FALSE(r.ok());
    return r.status().message();
  };
  EXPECT_EQ(msg("ID3\x03 an mp3"), "x.wav: not a WAV file (no RIFF/WAVE header)");
  EXPECT_EQ(msg("RIFF" + Le32(4) + "WAVE"), "x.wav: no data chunk in the first 12 bytes");
  EXPECT_EQ(msg("RIFF" + Le32(12) + "WAVEdata" + Le32(0)), "x.wav: the data chunk comes before the fmt chunk");
  EXPECT_EQ(msg("RIFF" + Le32(20) + "WAVEfmt " + Le32(8) + std::string(8, '\0')),
            "x.wav: fmt chunk of 8 bytes; at least 16 expected");
  std::string no_channels = "RIFF" + Le32(36) + "WAVE" + "fmt " + Le32(16) + Le16(1) + Le16(0) + Le32(8000) +
                            Le32(16000) + Le16(2) + Le16(16) + "data" + Le32(0);
  EXPECT_EQ(msg(no_channels), "x.wav: 0 channels");
  EXPECT_EQ(msg("RIFF" + Le32(40) + "WAVE" + "JUNK" + Le32(1000) + "abc"),
            "x.wav: chunk \"JUNK\" of 1000 bytes runs past the first 23 bytes before the data chunk");
}

}  // namespace
}  // namespace openarts::formats
