// cli: the `ma-cli` command line — profiles (INI), obs-copy and obs commands, IAM and workspace
// administration, tasks — on top of client/. Links client/ and base/ only, never server code.
#pragma once

namespace openarts::cli {

// Runs `ma-cli` with these arguments and returns the process exit status: 0 on success, 1 when
// the command failed (one "Error: ..." line on stderr), 2 for a usage error.
int Main(int argc, char** argv);

}  // namespace openarts::cli
