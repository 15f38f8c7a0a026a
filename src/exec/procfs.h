// The few /proc facts the local backend needs: process identity (pid + start ticks), the
// process group, resource counters, and whether a process carries a task's key in its
// environment. Private to exec/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace openarts::exec {

struct ProcStat {
  int pid = 0;
  std::string comm;  // field 2, without the parentheses (16 bytes at most; settable by the process)
  char state = '?';  // R S D Z T ...
  int ppid = 0;
  int pgrp = 0;
  int session = 0;
  uint64_t cpu_ticks = 0;     // utime + stime + cutime + cstime (clock ticks)
  uint64_t start_ticks = 0;   // field 22: clock ticks after boot
};

// nullopt when the process does not exist (or /proc is unreadable).
std::optional<ProcStat> ReadProcStat(int pid);
// Start ticks of `pid`; 0 when it does not exist or is a zombie.
uint64_t LiveStartTicks(int pid);
// True when /proc/<pid>/environ holds exactly the entry `entry` ("KEY=value").
bool EnvironHas(int pid, std::string_view entry);
// Resident set size in bytes (VmRSS of /proc/<pid>/status); 0 when unknown.
uint64_t ReadRssBytes(int pid);
// Every pid in /proc.
std::vector<int> ListPids();
// Clock ticks per second (sysconf(_SC_CLK_TCK)), for CPU percentages.
long TicksPerSecond();

}  // namespace openarts::exec
