// Amount columns from their input representations to int64 fen, with the row of the first
// bad value in the error (DESIGN §3: exact decimals, integer fen or yuan, float64 through
// the shortest round-trip decimal).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "yibao/money.hpp"

namespace yibao {

void fen_from_doubles(std::span<const double> in, std::span<std::int64_t> out,
                      const Rounding* rounding, const std::string& column);

// `words` holds 2 × n little-endian 64-bit words: Arrow's decimal128 layout.
void fen_from_decimal128s(std::span<const std::uint64_t> words, int scale,
                          std::span<std::int64_t> out, const Rounding* rounding,
                          const std::string& column);

// Whole units times `fen_per_unit` (100 for yuan, 1 for fen), overflow-checked.
void fen_from_integers(std::span<const std::int64_t> in, std::int64_t fen_per_unit,
                       std::span<std::int64_t> out, const std::string& column);

}  // namespace yibao
