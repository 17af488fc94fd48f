// Text labels (status, tier, service, ...) read in place from Arrow string buffers and
// mapped to small integer codes, with the row of the first unknown or missing label.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace yibao {

struct LabelTable {
  std::vector<std::string> labels;  // accepted spellings, e.g. "retired", "退休"
  std::vector<std::int8_t> codes;   // the code of each spelling
};

// One Arrow string (int32 offsets) or large_string (int64 offsets) array: `offsets` has
// n + 1 entries, `validity` is the null bitmap (empty if no nulls) starting at bit
// `bit_offset`. Throws InputError naming `column`, the row (position + `row_base`) and value.
template <class Offset>
void label_codes(std::span<const Offset> offsets, std::span<const char> data,
                 std::span<const std::uint8_t> validity, std::int64_t bit_offset,
                 const LabelTable& table, std::span<std::int8_t> out, std::int64_t row_base,
                 const std::string& column);

}  // namespace yibao
