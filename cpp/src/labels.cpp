#include "yibao/labels.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>
#include <string_view>
#include <vector>

#include "yibao/errors.hpp"
#include "yibao/parallel.hpp"

namespace yibao {
namespace {

// A string's length and first 16 bytes (zero past its end): the key labels are told apart by.
struct Key {
  std::uint64_t low = 0, high = 0, length = 0;
  friend bool operator==(const Key&, const Key&) = default;
};

// Masks keeping the first `length` bytes of a 16-byte load, as two words, by length 0..16:
// table lookups rather than branches on the length, which varies at random between rows.
struct PrefixMasks {
  std::array<std::uint64_t, 17> low{}, high{};
  constexpr PrefixMasks() {
    for (std::size_t length = 0; length <= 16; ++length) {
      low[length] = length >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * length)) - 1;
      const std::size_t rest = length > 8 ? length - 8 : 0;
      high[length] = rest >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * rest)) - 1;
    }
  }
};
constexpr PrefixMasks prefix_masks;

// The Key of a string of `length` bytes at `p`, of which 16 may be read: two loads, masked.
[[nodiscard, gnu::always_inline]] inline Key masked_key(const char* p, std::uint64_t length) {
  const std::uint64_t clamped = std::min<std::uint64_t>(length, 16);
  Key key;
  std::memcpy(&key.low, p, 8);
  std::memcpy(&key.high, p + 8, 8);
  key.low &= prefix_masks.low[clamped];
  key.high &= prefix_masks.high[clamped];
  key.length = length;
  return key;
}

// The Key of any string: its first 16 bytes (at most) copied out, then masked_key().
Key key_of(const char* p, std::size_t length) {
  std::array<char, 16> bytes{};
  if (length != 0) std::memcpy(bytes.data(), p, std::min<std::size_t>(length, 16));
  return masked_key(bytes.data(), length);
}

}  // namespace

// The accepted spellings in a collision-free hash table over Key (a multiplier is searched for
// at construction), so a row costs one multiply, one read of a slot that holds the whole key,
// and one comparison that always succeeds on good data: no branch that depends on which label
// a row holds. Labels that share a Key (same length and first 16 bytes) are resolved by a
// linear scan instead.
class LabelMatcher::Impl {
 public:
  explicit Impl(const LabelTable& table) {
    for (std::size_t k = 0; k < table.labels.size(); ++k) {
      entries_.push_back({key_of(table.labels[k].data(), table.labels[k].size()), table.labels[k],
                          table.codes[k]});
    }
    perfect_ = build_hash();
  }

  // Whether the hash is collision-free (short_code() may be used).
  [[nodiscard]] bool perfect() const { return perfect_; }

  // The code of the `length` bytes at `p`, of which 16 may be read, or -1 when they are not
  // an accepted spelling or are longer than 16 bytes. Requires perfect().
  [[nodiscard, gnu::always_inline]] int short_code(const char* p, std::uint64_t length) const {
    const Key key = masked_key(p, length);
    const Entry& slot = slots_[slot_of(key)];
    // (A longer string has a length no slot of a short label holds; long labels have their
    // own length, so they are refused here and matched by code() on the careful path.)
    const bool same = ((slot.key.low ^ key.low) | (slot.key.high ^ key.high) |
                       (slot.key.length ^ key.length) | (length > 16 ? 1U : 0U)) == 0;
    return same ? slot.code : -1;
  }

  // The code of data[begin, end), or -1 when it is not an accepted spelling.
  [[nodiscard, gnu::always_inline]] int code(std::span<const char> data, std::size_t begin,
                                             std::size_t end) const {
    const std::size_t length = end - begin;
    const Key key = length <= 16 && begin + 16 <= data.size()
                        ? masked_key(data.data() + begin, length)
                        : key_of(data.data() + begin, length);
    if (perfect_) [[likely]] {
      const Entry& slot = slots_[slot_of(key)];
      if (!(slot.key == key)) return -1;
      if (length > 16 && std::string_view(data.data() + begin, length) != slot.label) return -1;
      return slot.code;
    }
    const std::string_view value(data.data() + begin, length);
    for (const auto& e : entries_) {
      if (e.key == key && value == e.label) return e.code;
    }
    return -1;
  }

 private:
  // A spelling, and a slot of the hash: an empty slot's length can match no string read
  // from a buffer.
  struct Entry {
    Key key{0, 0, ~std::uint64_t{0}};
    std::string label;
    int code = -1;
  };
  static constexpr unsigned bits = 8;  // 256 slots: room for any realistic list of spellings

  [[nodiscard]] std::size_t slot_of(const Key& key) const {
    const std::uint64_t mixed =
        (key.low ^ (key.high * 0x9E3779B97F4A7C15ULL) ^ key.length) * multiplier_;
    return static_cast<std::size_t>(mixed >> (64 - bits));
  }

  bool build_hash() {
    std::uint64_t candidate = 0xD6E8FEB86659FD93ULL;
    for (int attempt = 0; attempt < 64; ++attempt) {
      multiplier_ = candidate | 1U;
      slots_.assign(std::size_t{1} << bits, Entry{});
      bool ok = true;
      for (std::size_t k = 0; k < entries_.size() && ok; ++k) {
        Entry& slot = slots_[slot_of(entries_[k].key)];
        if (slot.code >= 0) ok = false;  // a collision (or two labels with one Key)
        slot = entries_[k];
      }
      if (ok) return true;
      candidate = candidate * 6364136223846793005ULL + 1442695040888963407ULL;
    }
    return false;
  }

  std::vector<Entry> entries_;
  std::vector<Entry> slots_;
  std::uint64_t multiplier_ = 0;
  bool perfect_ = false;
};

LabelMatcher::LabelMatcher(const LabelTable& table) {
  if (table.labels.size() != table.codes.size())
    throw InputError("label table: labels and codes differ in length", no_row, "");
  impl_ = std::make_shared<const Impl>(table);
}

int label_code(const LabelMatcher& matcher, std::string_view value) {
  return matcher.impl().code(std::span(value.data(), value.size()), 0, value.size());
}

template <class Offset>
bool label_codes(std::span<const StringChunk<Offset>> chunks, const LabelMatcher& prepared,
                 std::size_t first, std::span<std::int8_t> out) {
  const LabelMatcher::Impl& matcher = prepared.impl();
  std::int8_t* dst = out.data();
  std::size_t left = out.size();
  bool bad = false;
  for (std::size_t c = 0; c < chunks.size() && left > 0; ++c) {
    // Locals, not the chunk's fields: stores through int8_t may alias anything, so fields
    // read through a reference would be reloaded on every row.
    const StringChunk<Offset> chunk = chunks[c];
    if (first >= chunk.rows()) {
      first -= chunk.rows();
      continue;
    }
    const Offset* offsets = chunk.offsets.data();
    const std::uint8_t* validity = chunk.validity.empty() ? nullptr : chunk.validity.data();
    const std::size_t data_size = chunk.data.size();
    const std::size_t stop = std::min(chunk.rows(), first + left);
    for (std::size_t i = first; i < stop; ++i) {
      const auto bit = static_cast<std::uint64_t>(chunk.bit_offset) + i;
      const bool valid = validity == nullptr || ((validity[bit / 8] >> (bit % 8)) & 1U) != 0U;
      const Offset begin = offsets[i], end = offsets[i + 1];
      const bool sane = begin >= 0 && end >= begin && static_cast<std::size_t>(end) <= data_size;
      const int code = valid && sane ? matcher.code(chunk.data, static_cast<std::size_t>(begin),
                                                    static_cast<std::size_t>(end))
                                     : -1;
      bad |= code < 0;
      *dst++ = static_cast<std::int8_t>(code);
    }
    left -= stop - first;
    first = 0;
  }
  return bad || left > 0;
}

std::size_t label_codes_together(const std::array<LabelRows, 3>& columns) {
  const std::size_t rows = columns[0].out.size();
  std::size_t safe = rows;  // rows with 16 readable bytes from their start, in every column
  for (const LabelRows& c : columns) {
    if (c.out.size() != rows || c.offsets.size() != rows + 1 || c.matcher == nullptr ||
        !c.matcher->impl().perfect())
      return 0;
    const std::int64_t* o = c.offsets.data();
    const auto size = static_cast<std::int64_t>(c.data.size());
    if (o[0] < 0 || o[rows] > size) return 0;
    bool descending = false;  // (no branch a row: the check runs over the whole block)
    for (std::size_t i = 0; i < rows; ++i) descending |= o[i + 1] < o[i];
    if (descending) return 0;
    while (safe > 0 && o[safe - 1] + 16 > size) --safe;
  }
  // Row by row, the three columns' matches side by side: independent work for the core to
  // overlap (one column at a time took twice as long in a micro-benchmark).
  const LabelMatcher::Impl& m0 = columns[0].matcher->impl();
  const LabelMatcher::Impl& m1 = columns[1].matcher->impl();
  const LabelMatcher::Impl& m2 = columns[2].matcher->impl();
  const std::int64_t *const o0 = columns[0].offsets.data(), *const o1 = columns[1].offsets.data(),
                            *const o2 = columns[2].offsets.data();
  const char *const d0 = columns[0].data.data(), *const d1 = columns[1].data.data(),
                    *const d2 = columns[2].data.data();
  std::int8_t *const x0 = columns[0].out.data(), *const x1 = columns[1].out.data(),
                     *const x2 = columns[2].out.data();
  int refused = 0;
  for (std::size_t i = 0; i < safe; ++i) {
    const int c0 = m0.short_code(d0 + o0[i], static_cast<std::uint64_t>(o0[i + 1] - o0[i]));
    const int c1 = m1.short_code(d1 + o1[i], static_cast<std::uint64_t>(o1[i + 1] - o1[i]));
    const int c2 = m2.short_code(d2 + o2[i], static_cast<std::uint64_t>(o2[i + 1] - o2[i]));
    refused |= c0 | c1 | c2;  // negative if any is -1
    x0[i] = static_cast<std::int8_t>(c0);
    x1[i] = static_cast<std::int8_t>(c1);
    x2[i] = static_cast<std::int8_t>(c2);
  }
  return refused < 0 ? 0 : safe;
}

template bool label_codes<std::int32_t>(std::span<const StringChunk<std::int32_t>>,
                                        const LabelMatcher&, std::size_t, std::span<std::int8_t>);
template bool label_codes<std::int64_t>(std::span<const StringChunk<std::int64_t>>,
                                        const LabelMatcher&, std::size_t, std::span<std::int8_t>);

std::vector<std::uint8_t> codes_present(std::span<const std::uint16_t> codes, std::size_t n_codes,
                                        std::size_t threads) {
  std::mutex merge;
  std::vector<std::uint8_t> present(n_codes, 0);
  for_each_range(codes.size(), threads, [&](std::size_t first, std::size_t last) {
    std::vector<std::uint8_t> seen(n_codes, 0);
    for (std::size_t i = first; i < last; ++i) {
      if (codes[i] >= n_codes) {
        throw InputError("code " + std::to_string(codes[i]) + " is out of range",
                         static_cast<std::int64_t>(i), "rule");
      }
      seen[codes[i]] = 1;
    }
    const std::scoped_lock lock(merge);
    for (std::size_t c = 0; c < n_codes; ++c) present[c] |= seen[c];
  });
  return present;
}

template <class Out>
void recode(std::span<const std::uint16_t> codes, std::span<const Out> table, std::span<Out> out,
            std::size_t threads) {
  if (codes.size() != out.size()) throw InputError("recode: lengths differ", no_row, "rule");
  for_each_range(codes.size(), threads, [&](std::size_t first, std::size_t last) {
    for (std::size_t i = first; i < last; ++i) {
      if (codes[i] >= table.size()) {
        throw InputError("code " + std::to_string(codes[i]) + " is out of range",
                         static_cast<std::int64_t>(i), "rule");
      }
      out[i] = table[codes[i]];
    }
  });
}

template void recode<std::int8_t>(std::span<const std::uint16_t>, std::span<const std::int8_t>,
                                  std::span<std::int8_t>, std::size_t);
template void recode<std::int16_t>(std::span<const std::uint16_t>, std::span<const std::int16_t>,
                                   std::span<std::int16_t>, std::size_t);

}  // namespace yibao
