#include "engine/tls_trust.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>

#include "engine/errors.h"

#ifdef VOZDUXAN_STATIC_OPENSSL
#include <openssl/crypto.h>
#endif

namespace vozduxan {
namespace {

// The places distributions keep one PEM bundle of every trusted CA (the list Go's crypto/x509
// and curl's configure probe, in the same order).
constexpr const char* kBundleCandidates[] = {
    "/etc/ssl/certs/ca-certificates.crt",                 // Debian, Ubuntu, Arch, Gentoo
    "/etc/pki/tls/certs/ca-bundle.crt",                   // Fedora, RHEL
    "/etc/ssl/ca-bundle.pem",                             // openSUSE
    "/etc/pki/tls/cacert.pem",                            // OpenELEC
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  // CentOS, RHEL 7+
    "/etc/ssl/cert.pem",                                  // Alpine, Void
};

bool readableFile(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
         ::access(path.c_str(), R_OK) == 0;
}

std::mutex& registryMutex() {
  static std::mutex mu;
  return mu;
}

std::vector<std::string>& registry() {
  static std::vector<std::string> files;
  return files;
}

}  // namespace

std::string findSystemCaBundle() {
  for (const char* candidate : kBundleCandidates) {
    if (readableFile(candidate)) return candidate;
  }
  return {};
}

void addTrustedCaFile(const std::string& path) {
  if (!readableFile(path))
    throw EngineError(ErrorCode::BadInput, "caFile '" + path + "' is not a readable file");
  {
    std::lock_guard<std::mutex> lock(registryMutex());
    auto& files = registry();
    if (std::find(files.begin(), files.end(), path) == files.end()) files.push_back(path);
  }
  // A source build's OpenSSL is the system's, reached only through its default paths: point the
  // default file at the caFile, over any SSL_CERT_FILE (the system's CA folder still counts).
  // The prebuilt addon loads the files itself and leaves the environment alone: see
  // static/verify_paths_hook.cc.
  if (!carriesOwnOpenssl()) ::setenv("SSL_CERT_FILE", path.c_str(), 1);
}

std::vector<std::string> trustedCaFiles() {
  std::vector<std::string> files;
  if (std::string system = findSystemCaBundle(); !system.empty()) files.push_back(system);
  std::lock_guard<std::mutex> lock(registryMutex());
  for (const auto& file : registry()) {
    if (std::find(files.begin(), files.end(), file) == files.end()) files.push_back(file);
  }
  return files;
}

bool carriesOwnOpenssl() {
#ifdef VOZDUXAN_STATIC_OPENSSL
  return true;
#else
  return false;
#endif
}

std::string ownOpensslVersion() {
#ifdef VOZDUXAN_STATIC_OPENSSL
  return OpenSSL_version(OPENSSL_VERSION);
#else
  return {};
#endif
}

}  // namespace vozduxan
