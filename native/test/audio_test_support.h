// What the time index tests (audio_index*_test.cc) share: a scratch directory, encoders run
// into it (sox, flac: scripts/install-system-deps.sh installs both), and LocalBytes over a buffer
// with only a prefix local.
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/audio_index.h"

namespace vozduxan::audio_test {

using Bytes = std::vector<unsigned char>;
namespace fs = std::filesystem;

/// A scratch directory for encoder output, removed with its files.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "audio-index-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

inline bool haveTool(const char* name) {
  return std::system((std::string("command -v ") + name + " >/dev/null 2>&1").c_str()) == 0;
}

/// The command's standard output (empty when it fails).
inline std::string output(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return out;
  std::array<char, 4096> buffer{};
  while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe))
    out.append(buffer.data(), n);
  pclose(pipe);
  return out;
}

inline Bytes readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// A file made by `command` (sox or flac writing to OUT), or empty when the tool failed.
inline Bytes encode(const TempDir& dir, const std::string& name, const std::string& command) {
  const std::string path = dir.file(name);
  std::string line = command;
  line.replace(line.find("OUT"), 3, path);
  if (std::system((line + " 2>/dev/null").c_str()) != 0) return {};
  return readAll(path);
}

inline double soxiSeconds(const TempDir& dir, const std::string& name) {
  return std::atof(output("soxi -D " + dir.file(name)).c_str());
}

/// Every byte local, or only the first `localBytes` (a prefix, as LocalBytes promises).
inline LocalBytes localReader(const Bytes& file, std::size_t localBytes = ~std::size_t{0}) {
  return [&file, localBytes](std::int64_t offset, std::size_t len) -> std::optional<Bytes> {
    const std::size_t end = std::min(file.size(), localBytes);
    if (offset < 0 || static_cast<std::size_t>(offset) >= end) return std::nullopt;
    const std::size_t n = std::min(len, end - static_cast<std::size_t>(offset));
    return Bytes(file.begin() + offset, file.begin() + offset + static_cast<std::ptrdiff_t>(n));
  };
}

inline std::int64_t sizeOf(const Bytes& file) { return static_cast<std::int64_t>(file.size()); }

/// A 16-bit stereo sine of `seconds` through sox's output options (e.g. "-C 128").
inline std::string soxSine(double seconds, const std::string& options, const std::string& type,
                           int rate = 44'100) {
  std::ostringstream cmd;
  cmd << "sox -V1 -n -r " << rate << " -c 2 -b 16 " << options << " -t " << type << " OUT synth "
      << seconds << " sine 440 sine 660";
  return cmd.str();
}

#define REQUIRE_TOOLS(...)                                                            \
  for (const char* tool : {__VA_ARGS__}) {                                            \
    if (!haveTool(tool)) {                                                            \
      MESSAGE("skipped: " << tool << " is missing (scripts/install-system-deps.sh)"); \
      return;                                                                         \
    }                                                                                 \
  }

}  // namespace vozduxan::audio_test
