#include "engine/token.h"

#include <sys/random.h>

#include <array>
#include <cstdint>

#include "engine/errors.h"

namespace vozduxan {

std::string newStreamToken() {
  std::array<std::uint8_t, 24> bytes{};
  std::size_t filled = 0;
  while (filled < bytes.size()) {
    ssize_t n = getrandom(bytes.data() + filled, bytes.size() - filled, 0);
    if (n < 0) throw EngineError(ErrorCode::Internal, "getrandom failed");
    filled += static_cast<std::size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  token.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    token.push_back(kHex[b >> 4]);
    token.push_back(kHex[b & 0xf]);
  }
  return token;
}

}  // namespace vozduxan
