#include "yibao/labels.hpp"

#include <string_view>

#include "yibao/errors.hpp"

namespace yibao {
namespace {

std::string expected(const LabelTable& table) {
  std::string out;
  for (const auto& label : table.labels) out += (out.empty() ? "" : ", ") + label;
  return out;
}

}  // namespace

template <class Offset>
void label_codes(std::span<const Offset> offsets, std::span<const char> data,
                 std::span<const std::uint8_t> validity, std::int64_t bit_offset,
                 const LabelTable& table, std::span<std::int8_t> out, std::int64_t row_base,
                 const std::string& column) {
  if (offsets.size() != out.size() + 1 || table.labels.size() != table.codes.size())
    throw InputError("label column buffers do not match", no_row, column);
  std::vector<std::string_view> labels(table.labels.begin(), table.labels.end());
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto row = row_base + static_cast<std::int64_t>(i);
    if (!validity.empty()) {
      const auto bit = static_cast<std::uint64_t>(bit_offset) + i;
      if (((validity[bit / 8] >> (bit % 8)) & 1U) == 0U)
        throw InputError("missing value; expected one of " + expected(table), row, column);
    }
    const auto begin = static_cast<std::size_t>(offsets[i]);
    const auto end = static_cast<std::size_t>(offsets[i + 1]);
    if (end < begin || end > data.size()) throw InputError("corrupt string offsets", row, column);
    const std::string_view value(data.data() + begin, end - begin);
    std::size_t k = 0;
    while (k < labels.size() && labels[k] != value) ++k;
    if (k == labels.size()) {
      throw InputError(
          "unknown value '" + std::string(value) + "'; expected one of " + expected(table), row,
          column);
    }
    out[i] = table.codes[k];
  }
}

template void label_codes<std::int32_t>(std::span<const std::int32_t>, std::span<const char>,
                                        std::span<const std::uint8_t>, std::int64_t,
                                        const LabelTable&, std::span<std::int8_t>, std::int64_t,
                                        const std::string&);
template void label_codes<std::int64_t>(std::span<const std::int64_t>, std::span<const char>,
                                        std::span<const std::uint8_t>, std::int64_t,
                                        const LabelTable&, std::span<std::int8_t>, std::int64_t,
                                        const std::string&);

}  // namespace yibao
