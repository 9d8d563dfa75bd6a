// File name → MIME type, and which types count as audio.
#pragma once

#include <string>

namespace vozduxan {

std::string mimeForName(const std::string& name);
bool isAudioMime(const std::string& mime);
/// A rough byte rate for sizing the prebuffer before anything is measured.
double typicalBytesPerSecond(const std::string& mime);

}  // namespace vozduxan
