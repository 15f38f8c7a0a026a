// Logging for the whole platform: spdlog underneath, one process-wide logger.
// Never pass a secret (password, token, SK, signature) to a log call.
#pragma once

#include <spdlog/spdlog.h>

#include <string>

namespace openarts {

// level: "trace" | "debug" | "info" | "warn" | "error" | "off". Unknown → info.
// Lines are written by a background thread; call FlushLogging() before exiting. May be called
// again (tests): the previous logger is replaced.
void InitLogging(const std::string& level, const std::string& file = "");
void FlushLogging();

}  // namespace openarts

#define OA_LOG_DEBUG(...) SPDLOG_DEBUG(__VA_ARGS__)
#define OA_LOG_INFO(...) SPDLOG_INFO(__VA_ARGS__)
#define OA_LOG_WARN(...) SPDLOG_WARN(__VA_ARGS__)
#define OA_LOG_ERROR(...) SPDLOG_ERROR(__VA_ARGS__)
