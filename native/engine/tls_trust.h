// Which CA certificates verify HTTPS trackers. The prebuilt addon carries its own OpenSSL, whose
// compiled-in certificate folder (/etc/ssl) is only right on some distributions, so the engine
// finds the system's CA bundle at run time and adds any caFile a session was given.
#pragma once

#include <string>
#include <vector>

namespace vozduxan {

/// The first CA bundle that exists among the well-known Linux locations, or "" if none does.
std::string findSystemCaBundle();

/// Makes `path` trusted for HTTPS trackers of sessions started from now on (process-wide: one
/// OpenSSL serves every session). Throws EngineError(BadInput) if it is not a readable file.
void addTrustedCaFile(const std::string& path);

/// The system bundle (if found) followed by every file given to addTrustedCaFile, de-duplicated.
std::vector<std::string> trustedCaFiles();

/// True when this build verifies trackers with its own OpenSSL (the prebuilt addon); false for a
/// source build over the system's libtorrent, whose OpenSSL already knows the system's CAs.
bool carriesOwnOpenssl();

/// The version text of the OpenSSL this build carries, or "" when it uses the system's.
std::string ownOpensslVersion();

}  // namespace vozduxan
