// Text labels (status, tier, service, ...) read in place from Arrow string buffers and
// mapped to small integer codes; a missing or unknown label is noted for the caller to name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace yibao {

struct LabelTable {
  std::vector<std::string> labels;  // accepted spellings, e.g. "retired", "退休"
  std::vector<std::int8_t> codes;   // the code of each spelling
};

// One chunk of an Arrow string (int32 offsets) or large_string (int64 offsets) column:
// `offsets` has rows + 1 entries; `validity` is the null bitmap (empty if no nulls) from
// bit `bit_offset` on.
template <class Offset>
struct StringChunk {
  std::span<const Offset> offsets;
  std::span<const char> data;
  std::span<const std::uint8_t> validity;
  std::int64_t bit_offset = 0;

  [[nodiscard]] std::size_t rows() const { return offsets.empty() ? 0 : offsets.size() - 1; }
};

// A LabelTable prepared for matching (a collision-free hash of its spellings), built once and
// used for any number of calls, e.g. every block of a frame.
class LabelMatcher {
 public:
  explicit LabelMatcher(const LabelTable& table);  // throws InputError for a malformed table

  class Impl;  // defined in labels.cpp
  [[nodiscard]] const Impl& impl() const { return *impl_; }

 private:
  std::shared_ptr<const Impl> impl_;  // immutable once built: copies share it
};

// The code of one string, or -1 when it is not an accepted spelling of the matcher's table:
// for labels that do not sit in an Arrow buffer (e.g. Python str objects).
[[nodiscard]] int label_code(const LabelMatcher& matcher, std::string_view value);

// The codes of rows [first, first + out.size()) of a column made of `chunks` (rows counted
// over all chunks) into `out`. Returns whether a row is bad: missing, not an accepted
// spelling, or with corrupt offsets (its code is -1); the caller names the first bad row.
template <class Offset>
bool label_codes(std::span<const StringChunk<Offset>> chunks, const LabelMatcher& matcher,
                 std::size_t first, std::span<std::int8_t> out);

// Which of the codes 0..n_codes-1 occur in `codes` (1 = present). A code >= n_codes is an
// InputError naming its row.
std::vector<std::uint8_t> codes_present(std::span<const std::uint16_t> codes, std::size_t n_codes,
                                        std::size_t threads = 1);

// out[i] = table[codes[i]]: e.g. the kernel's rule codes as the categories of their labels.
template <class Out>
void recode(std::span<const std::uint16_t> codes, std::span<const Out> table, std::span<Out> out,
            std::size_t threads = 1);

}  // namespace yibao
