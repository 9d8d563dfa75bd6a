// Linked only into the self-contained addon, with -Wl,--wrap=SSL_CTX_set_default_verify_paths:
// libtorrent calls that once per session to find the CAs that verify HTTPS trackers. Our static
// OpenSSL would look only in /etc/ssl (where it was configured), which is wrong on Fedora and
// others, so after OpenSSL's own defaults (which honour SSL_CERT_FILE and SSL_CERT_DIR) this
// also loads the system's bundle and every session's caFile.
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "engine/tls_trust.h"

extern "C" int __real_SSL_CTX_set_default_verify_paths(SSL_CTX* ctx);

extern "C" int __wrap_SSL_CTX_set_default_verify_paths(SSL_CTX* ctx) {
  int ok = __real_SSL_CTX_set_default_verify_paths(ctx);
  try {
    for (const auto& file : vozduxan::trustedCaFiles()) {
      if (SSL_CTX_load_verify_locations(ctx, file.c_str(), nullptr) == 1) ok = 1;
    }
  } catch (...) {
    // Called from libtorrent's network thread: nothing may escape; OpenSSL's defaults stand.
  }
  ERR_clear_error();  // a missing default file leaves errors queued that would confuse later calls
  return ok;
}
