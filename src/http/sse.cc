// Server-Sent Events framing (https://html.spec.whatwg.org/multipage/server-sent-events.html):
// pure string formatting for producers; the streaming itself is server.cc's.
#include <string>
#include <string_view>

#include "http/http.h"

namespace openarts::http {
namespace {

// Appends "<field>: <line>\n" for each line of `text` (split at CRLF, LF or CR, the line ends
// the client splits at); an empty `text` is one empty line.
void AppendLines(std::string& out, std::string_view field, std::string_view text) {
  for (;;) {
    size_t end = text.find_first_of("\r\n");
    std::string_view line = text.substr(0, end);
    out += field;
    if (!line.empty()) {
      out += ' ';  // the client strips one space after the colon
      out += line;
    }
    out += '\n';
    if (end == std::string_view::npos) return;
    size_t next = end + 1;
    if (text[end] == '\r' && next < text.size() && text[next] == '\n') ++next;
    text.remove_prefix(next);
  }
}

// A single-line field: characters that would end the line (or, for `id`, make the client
// ignore the field) are dropped.
void AppendField(std::string& out, std::string_view field, std::string_view value, bool no_nul) {
  if (value.empty()) return;
  out += field;
  out += ' ';
  for (char c : value) {
    if (c == '\r' || c == '\n' || (no_nul && c == '\0')) continue;
    out += c;
  }
  out += '\n';
}

}  // namespace

std::string SseEvent(std::string_view event, std::string_view data, std::string_view id) {
  std::string out;
  out.reserve(data.size() + event.size() + id.size() + 32);
  AppendField(out, "id:", id, /*no_nul=*/true);
  AppendField(out, "event:", event, /*no_nul=*/false);
  AppendLines(out, "data:", data);
  out += '\n';
  return out;
}

std::string SseComment(std::string_view text) {
  std::string out;
  AppendLines(out, ":", text);
  out += '\n';
  return out;
}

void Response::SetEventStream(Producer p) {
  headers["Content-Type"] = "text/event-stream";
  headers["Cache-Control"] = "no-cache";
  headers["X-Accel-Buffering"] = "no";
  producer = std::move(p);
}

}  // namespace openarts::http
