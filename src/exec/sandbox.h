// How a TaskSpec becomes a command line: argv[0] resolution (so a missing binary fails Start()
// rather than the task), and the bubblewrap layout. Pure functions of the spec and the host's
// file system; private to exec/.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "exec/exec.h"

namespace openarts::exec {

// Checks mounts, hidden paths and cwd of a sandboxed spec: absolute, normalised targets that
// bubblewrap can create (under /home, /tmp, a hidden path, an earlier mount, a new top-level
// directory, or an existing host path). kInvalidArgument naming the field otherwise.
Status ValidateSandboxLayout(const TaskSpec& spec);

// Resolves argv[0] the way execvp would with PATH from `spec.env`: on the host (`sandboxed` =
// false), or as the sandbox will see the file system. Returns the path on the host (for the
// check) and, through `exec_path`, the path to exec (the sandbox path when sandboxed).
// kInvalidArgument "argv[0]: exec <name>: No such file or directory" when there is none.
Status ResolveExecutable(const TaskSpec& spec, bool sandboxed, std::string* exec_path);

// bwrap arguments up to and including "--", for `spec` run as uid/gid inside the sandbox.
// The host root is bound read-only entry by entry onto a tmpfs root (so that new top-level
// mount points such as /cache can be created), then /dev, /proc, tmpfs /tmp and /home, the
// hidden paths, the mounts in order, and the root remounted read-only.
std::vector<std::string> BwrapArgs(const std::string& bwrap, const TaskSpec& spec);

}  // namespace openarts::exec
