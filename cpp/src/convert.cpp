#include "yibao/convert.hpp"

#include "yibao/errors.hpp"

namespace yibao {
namespace {

// Re-throw a conversion error with the row and column attached.
template <class Convert>
void convert_each(std::size_t n, const std::string& column, Convert convert) {
  std::size_t i = 0;
  try {
    for (; i < n; ++i) convert(i);
  } catch (const OverflowError& e) {
    throw OverflowError(e.what(), static_cast<std::int64_t>(i), column);
  } catch (const Error& e) {
    throw InputError(e.what(), static_cast<std::int64_t>(i), column);
  }
}

}  // namespace

void fen_from_doubles(std::span<const double> in, std::span<std::int64_t> out,
                      const Rounding* rounding, const std::string& column) {
  convert_each(in.size(), column,
               [&](std::size_t i) { out[i] = from_double(in[i], rounding).fen(); });
}

void fen_from_decimal128s(std::span<const std::uint64_t> words, int scale,
                          std::span<std::int64_t> out, const Rounding* rounding,
                          const std::string& column) {
  convert_each(out.size(), column, [&](std::size_t i) {
    out[i] =
        from_decimal128(words[2 * i], static_cast<std::int64_t>(words[2 * i + 1]), scale, rounding)
            .fen();
  });
}

void fen_from_integers(std::span<const std::int64_t> in, std::int64_t fen_per_unit,
                       std::span<std::int64_t> out, const std::string& column) {
  convert_each(in.size(), column,
               [&](std::size_t i) { out[i] = Money::from_wide(Wide(in[i]) * fen_per_unit).fen(); });
}

}  // namespace yibao
