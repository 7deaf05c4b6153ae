#include "node/ctl/passphrase.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "node/bundle/secure_file.h"
#include "node/core/unique_fd.h"

namespace authnet::cli {
namespace {

// ReadLine reads one line from `fd`, without its newline.
std::string ReadLine(int fd) {
  std::string line;
  char c = 0;
  while (::read(fd, &c, 1) == 1 && c != '\n') {
    line.push_back(c);
  }
  return line;
}

}  // namespace

absl::StatusOr<std::string> ReadPassphraseFile(const std::filesystem::path& path) {
  absl::StatusOr<std::string> data = ReadFile(path);
  if (!data.ok()) {
    return absl::Status(data.status().code(),
                        absl::StrCat("--passphrase-file: ", data.status().message()));
  }
  std::string line = data->substr(0, data->find('\n'));
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  if (line.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--passphrase-file: ", path.string(),
                                                   " holds no passphrase on its first line"));
  }
  return line;
}

absl::StatusOr<std::string> PromptPassphrase(const std::string& prompt, bool confirm) {
  UniqueFd tty(::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY));
  if (!tty.valid() || !::isatty(STDIN_FILENO)) {
    return absl::NotFoundError("no terminal to ask for a passphrase on");
  }
  termios saved{};
  if (::tcgetattr(tty.get(), &saved) != 0) {
    return absl::NotFoundError("no terminal to ask for a passphrase on");
  }
  termios quiet = saved;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  ::tcsetattr(tty.get(), TCSAFLUSH, &quiet);
  auto ask = [&](const std::string& text) {
    (void)!::write(tty.get(), text.data(), text.size());
    std::string answer = ReadLine(tty.get());
    (void)!::write(tty.get(), "\n", 1);
    return answer;
  };
  std::string first = ask(prompt);
  std::string second = confirm ? ask("again: ") : first;
  ::tcsetattr(tty.get(), TCSAFLUSH, &saved);
  if (first != second) {
    return absl::InvalidArgumentError("the two passphrases differ");
  }
  return first;
}

PassphraseFn PassphraseSource(const std::optional<std::string>& passphrase_file) {
  if (passphrase_file) {
    std::string path = *passphrase_file;
    return [path](const std::filesystem::path&) { return ReadPassphraseFile(path); };
  }
  return [](const std::filesystem::path& file) -> absl::StatusOr<std::string> {
    absl::StatusOr<std::string> answer =
        PromptPassphrase(absl::StrCat("passphrase for ", file.filename().string(), ": "), false);
    if (absl::IsNotFound(answer.status())) {
      return absl::PermissionDeniedError(
          "it is encrypted; give --passphrase-file FILE (no terminal to ask on)");
    }
    return answer;
  };
}

}  // namespace authnet::cli
