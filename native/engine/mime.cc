#include "engine/mime.h"

#include <algorithm>
#include <cctype>
#include <utility>

namespace vozduxan {
namespace {

struct MimeRow {
  const char* ext;
  const char* mime;
  double bytesPerSecond;
};

// Byte rates: CD PCM for wav/aiff, ~60% of it for lossless, a high lossy rate otherwise.
constexpr MimeRow kTable[] = {
    {"mp3", "audio/mpeg", 40'000},       {"flac", "audio/flac", 110'000},
    {"wav", "audio/wav", 176'400},       {"wave", "audio/wav", 176'400},
    {"ogg", "audio/ogg", 40'000},        {"oga", "audio/ogg", 40'000},
    {"opus", "audio/ogg", 32'000},       {"m4a", "audio/mp4", 40'000},
    {"m4b", "audio/mp4", 40'000},        {"aac", "audio/aac", 40'000},
    {"webm", "audio/webm", 32'000},      {"weba", "audio/webm", 32'000},
    {"aif", "audio/aiff", 176'400},      {"aiff", "audio/aiff", 176'400},
    {"ape", "audio/x-ape", 110'000},     {"wv", "audio/x-wavpack", 110'000},
    {"alac", "audio/mp4", 110'000},      {"dsf", "audio/x-dsf", 705'600},
    {"mka", "audio/x-matroska", 40'000},
};

std::string extensionOf(const std::string& name) {
  auto dot = name.find_last_of('.');
  auto slash = name.find_last_of('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return {};
  std::string ext = name.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

const MimeRow* rowFor(const std::string& name) {
  const std::string ext = extensionOf(name);
  for (const auto& row : kTable) {
    if (ext == row.ext) return &row;
  }
  return nullptr;
}

}  // namespace

std::string mimeForName(const std::string& name) {
  if (const MimeRow* row = rowFor(name)) return row->mime;
  const std::string ext = extensionOf(name);
  if (ext == "txt" || ext == "nfo" || ext == "cue" || ext == "log" || ext == "m3u") {
    return "text/plain";
  }
  if (ext == "jpg" || ext == "jpeg") return "image/jpeg";
  if (ext == "png") return "image/png";
  return "application/octet-stream";
}

bool isAudioMime(const std::string& mime) { return mime.rfind("audio/", 0) == 0; }

double typicalBytesPerSecond(const std::string& mime) {
  for (const auto& row : kTable) {
    if (mime == row.mime) return row.bytesPerSecond;
  }
  return 40'000;
}

}  // namespace vozduxan
