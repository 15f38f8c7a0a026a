#include "progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "base/clock.h"
#include "format.h"

namespace openarts::cli {

namespace {
int TerminalWidth() {
  struct winsize ws {};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) return ws.ws_col;
  return 80;
}
}  // namespace

bool ProgressReporter::StderrIsTty() {
  const char* term = std::getenv("TERM");
  return ::isatty(STDERR_FILENO) == 1 && !(term != nullptr && std::strcmp(term, "dumb") == 0);
}

ProgressReporter::ProgressReporter(bool enabled, uint64_t bytes_total, uint64_t files_total)
    : enabled_(enabled), bytes_total_(bytes_total), files_total_(files_total), start_ns_(MonotonicNanos()) {
  if (!enabled_) return;
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stop_) {
      Draw();
      cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stop_; });
    }
  });
}

ProgressReporter::~ProgressReporter() { Finish(); }

double ProgressReporter::elapsed_seconds() const {
  return static_cast<double>(MonotonicNanos() - start_ns_) / 1e9;
}

void ProgressReporter::Draw() {
  ProgressState s{bytes_done_.load(), bytes_total_, files_done_.load(), files_total_, elapsed_seconds()};
  int width = TerminalWidth() - 1;  // never touch the last column: some terminals wrap there
  std::string line = "\r" + FormatProgress(s, width) + "\033[K";
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

void ProgressReporter::Finish() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
}

}  // namespace openarts::cli
