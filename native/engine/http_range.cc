#include "engine/http_range.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <optional>

namespace vozduxan {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

/// Digits only; saturates instead of overflowing (a huge position is simply past the end).
std::optional<std::int64_t> parseNumber(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t value = 0;
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max() / 10 - 10;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value > kMax ? kMax : value * 10 + (c - '0');
  }
  return value;
}

bool startsWithBytesUnit(std::string_view header) {
  constexpr std::string_view kUnit = "bytes=";
  if (header.size() < kUnit.size()) return false;
  for (std::size_t i = 0; i < kUnit.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != kUnit[i]) return false;
  }
  return true;
}

}  // namespace

RangeDecision decideRange(std::string_view header, std::int64_t size) {
  const RangeDecision whole{RangeKind::Whole, 0, size - 1};
  const RangeDecision unsatisfiable{RangeKind::Unsatisfiable, 0, -1};
  header = trim(header);
  if (header.empty() || !startsWithBytesUnit(header)) return whole;
  std::string_view spec = trim(header.substr(6));
  if (spec.empty() || spec.find(',') != std::string_view::npos) return whole;
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) return whole;
  const std::string_view left = trim(spec.substr(0, dash));
  const std::string_view right = trim(spec.substr(dash + 1));

  if (left.empty()) {  // suffix: the last N bytes
    const auto suffix = parseNumber(right);
    if (!suffix) return whole;
    if (*suffix == 0 || size == 0) return unsatisfiable;
    return {RangeKind::Partial, std::max<std::int64_t>(0, size - *suffix), size - 1};
  }
  const auto first = parseNumber(left);
  if (!first) return whole;
  std::optional<std::int64_t> last;
  if (!right.empty()) {
    last = parseNumber(right);
    if (!last || *last < *first) return whole;
  }
  if (*first >= size) return unsatisfiable;
  return {RangeKind::Partial, *first, last ? std::min(*last, size - 1) : size - 1};
}

}  // namespace vozduxan
