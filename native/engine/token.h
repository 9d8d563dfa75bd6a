// Stream tokens: unguessable, URL-safe.
#pragma once

#include <string>

namespace vozduxan {

/// 192 random bits from the OS, as 48 lowercase hex characters.
std::string newStreamToken();

}  // namespace vozduxan
