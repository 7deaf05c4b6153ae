#include "bench/child_node.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace authnet::bench {

std::string AuthnetdPath() {
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (self.parent_path() / "authnetd").string();
}

absl::StatusOr<ChildNode> ChildNode::Start(const std::vector<std::string>& args,
                                           const std::string& log) {
  std::vector<std::string> argv = {AuthnetdPath()};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_t pid = ::fork();
  if (pid < 0) {
    return absl::UnavailableError("cannot fork to start authnetd");
  }
  if (pid == 0) {
    std::vector<char*> cargv;
    for (std::string& a : argv) {
      cargv.push_back(a.data());
    }
    cargv.push_back(nullptr);
    FILE* out = std::freopen(log.c_str(), "w", stderr);
    (void)out;
    ::execv(cargv[0], cargv.data());
    std::_Exit(127);
  }
  return ChildNode(pid, log);
}

bool ChildNode::Exited() {
  int status = 0;
  if (pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return true;
  }
  return pid_ <= 0;
}

void ChildNode::Stop() {
  if (pid_ <= 0) {
    return;
  }
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

double ChildNode::StatusMb(const std::string& field) const {
  std::ifstream in(absl::StrCat("/proc/", pid_, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      std::string digits;
      for (char c : line) {
        if (c >= '0' && c <= '9') {
          digits.push_back(c);
        }
      }
      int64_t kb = 0;
      return absl::SimpleAtoi(digits, &kb) ? static_cast<double>(kb) / 1024 : 0;
    }
  }
  return 0;
}

}  // namespace authnet::bench
