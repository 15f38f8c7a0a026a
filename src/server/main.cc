// `openarts`: the daemon executable. `openarts serve` runs the platform until SIGTERM/SIGINT.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstring>

#include <CLI/CLI.hpp>

#include "base/log.h"
#include "server/config.h"
#include "server/server.h"

#ifndef OPENARTS_VERSION
#define OPENARTS_VERSION "0.0.0"
#endif

namespace {

// Blocks the stop signals in the calling thread; every thread started later inherits the mask,
// so only sigwait() in Serve() ever sees them and no handler runs inside Asio or SQLite.
// Must run before the first thread exists (spdlog's flusher included).
sigset_t BlockStopSignals() {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client that hangs up is an error return, not a death
  return stop_signals;
}

int Serve(const openarts::server::Config& config, sigset_t stop_signals) {
  openarts::InitLogging(config.log_level, config.log_file);

  auto server = openarts::server::Server::Start(config);
  if (!server.ok()) {
    OA_LOG_ERROR("cannot start: {}", server.status().ToString());
    std::fprintf(stderr, "openarts serve: %s\n", server.status().ToString().c_str());
    spdlog::shutdown();
    return 1;
  }
  // Scripts and tests wait for exactly this line.
  std::printf("OpenArts listening on %s\n", (*server)->url().c_str());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  OA_LOG_INFO("received {}, shutting down", strsignal(sig));
  (*server)->Stop();
  server->reset();
  spdlog::shutdown();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const sigset_t stop_signals = BlockStopSignals();
  CLI::App app{"OpenArts: a self-hosted AI development platform (daemon)", "openarts"};
  app.set_version_flag("--version", "openarts " OPENARTS_VERSION);
  app.require_subcommand(1);
  CLI::App* serve = app.add_subcommand("serve", "run the daemon in the foreground");
  openarts::server::ServeCommand command(*serve);
  CLI11_PARSE(app, argc, argv);

  auto config = command.Resolve(openarts::server::ProcessEnv());
  if (!config.ok()) {
    std::fprintf(stderr, "openarts serve: %s\n", config.status().message().c_str());
    return 2;
  }
  return Serve(*config, stop_signals);
}
