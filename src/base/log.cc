#include "base/log.h"

#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

namespace openarts {

void InitLogging(const std::string& level, const std::string& file) {
  // Asynchronous: a request thread only formats and enqueues; one background thread writes.
  // The access log is one line per request, and a synchronous write there cost a third of the
  // daemon's small-request throughput. Block (never drop) when the queue is full: losing log
  // lines silently is worse than slowing down.
  static std::once_flag pool_once;
  std::call_once(pool_once, [] { spdlog::init_thread_pool(32768, 1); });
  spdlog::drop("openarts");
  spdlog::sink_ptr sink;
  if (file.empty()) {
    sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  } else {
    sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(file);
  }
  auto logger = std::make_shared<spdlog::async_logger>(
      "openarts", sink, spdlog::thread_pool(), spdlog::async_overflow_policy::block);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") lvl = spdlog::level::info;
  logger->set_level(lvl);
  logger->flush_on(spdlog::level::warn);
  spdlog::register_logger(logger);
  spdlog::set_default_logger(logger);
  spdlog::flush_every(std::chrono::seconds(1));
}

void FlushLogging() {
  if (auto l = spdlog::default_logger()) l->flush();
}

}  // namespace openarts
