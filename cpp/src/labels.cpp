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
  [[nodiscard]] int code(std::span<const char> data, std::size_t begin, std::size_t end) const {
    const std::size_t length = end - begin;
    if (perfect_ && length <= 16 && begin + 16 <= data.size())
      return short_code(data.data() + begin, length);
    const std::string_view value(data.data() + begin, length);
    const Key key = key_of(value.data(), length);
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
    const char* data = chunk.data.data();
    const std::uint8_t* validity = chunk.validity.empty() ? nullptr : chunk.validity.data();
    const auto data_size = static_cast<std::int64_t>(chunk.data.size());
    const std::size_t stop = std::min(chunk.rows(), first + left);
    std::size_t i = first;
    // Rows that need no care (none missing, offsets in order within the data, 16 readable
    // bytes from each row's start): the matcher's branch-free short_code(); any row it
    // refuses (an unknown value, a string longer than 16 bytes) sends them all the careful way.
    bool careful = validity != nullptr || !matcher.perfect() || offsets[first] < 0 ||
                   offsets[stop] > data_size;
    for (std::size_t k = first; k < stop; ++k) careful |= offsets[k + 1] < offsets[k];
    std::size_t safe = careful ? first : stop;
    while (safe > first && static_cast<std::int64_t>(offsets[safe - 1]) + 16 > data_size) --safe;
    int refused = 0;
    for (; i < safe; ++i) {
      const int code = matcher.short_code(data + offsets[i],
                                          static_cast<std::uint64_t>(offsets[i + 1] - offsets[i]));
      refused |= code;  // negative if any is -1
      dst[i - first] = static_cast<std::int8_t>(code);
    }
    if (refused < 0) i = first;
    for (; i < stop; ++i) {
      const auto bit = static_cast<std::uint64_t>(chunk.bit_offset) + i;
      const bool valid = validity == nullptr || ((validity[bit / 8] >> (bit % 8)) & 1U) != 0U;
      const Offset begin = offsets[i], end = offsets[i + 1];
      const bool sane = begin >= 0 && end >= begin && end <= data_size;
      const int code = valid && sane ? matcher.code(chunk.data, static_cast<std::size_t>(begin),
                                                    static_cast<std::size_t>(end))
                                     : -1;
      bad |= code < 0;
      dst[i - first] = static_cast<std::int8_t>(code);
    }
    dst += stop - first;
    left -= stop - first;
    first = 0;
  }
  return bad || left > 0;
}

template bool label_codes<std::int32_t>(std::span<const StringChunk<std::int32_t>>,
                                        const LabelMatcher&, std::size_t, std::span<std::int8_t>);
template bool label_codes<std::int64_t>(std::span<const StringChunk<std::int64_t>>,
                                        const LabelMatcher&, std::size_t, std::span<std::int8_t>);

namespace {

// The InputError of the first of rows [first, last) whose code is not below `n_codes`, if any.
void check_codes(std::span<const std::uint16_t> codes, std::size_t first, std::size_t last,
                 std::size_t n_codes) {
  std::uint16_t top = 0;  // one branch-free pass (vectorized), the search only on failure
  for (std::size_t i = first; i < last; ++i) top = std::max(top, codes[i]);
  if (top < n_codes) return;
  for (std::size_t i = first; i < last; ++i) {
    if (codes[i] >= n_codes) {
      throw InputError("code " + std::to_string(codes[i]) + " is out of range",
                       static_cast<std::int64_t>(i), "rule");
    }
  }
}

}  // namespace

std::vector<std::uint8_t> codes_present(std::span<const std::uint16_t> codes, std::size_t n_codes,
                                        std::size_t threads) {
  std::mutex merge;
  std::vector<std::uint8_t> present(n_codes, 0);
  for_each_range(codes.size(), threads, [&](std::size_t first, std::size_t last) {
    check_codes(codes, first, last, n_codes);
    std::vector<std::uint8_t> seen(n_codes, 0);
    // Local pointers: a store through uint8_t may alias anything, so fields read through
    // the spans would be read again on every row.
    std::uint8_t* const mark = seen.data();
    const std::uint16_t* const code = codes.data();
    for (std::size_t i = first; i < last; ++i) mark[code[i]] = 1;
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
    check_codes(codes, first, last, table.size());
    const std::uint16_t* const code = codes.data();  // (locals: as in codes_present)
    const Out* const by_code = table.data();
    Out* const to = out.data();
    for (std::size_t i = first; i < last; ++i) to[i] = by_code[code[i]];
  });
}

template void recode<std::int8_t>(std::span<const std::uint16_t>, std::span<const std::int8_t>,
                                  std::span<std::int8_t>, std::size_t);
template void recode<std::int16_t>(std::span<const std::uint16_t>, std::span<const std::int16_t>,
                                   std::span<std::int16_t>, std::size_t);

}  // namespace yibao
