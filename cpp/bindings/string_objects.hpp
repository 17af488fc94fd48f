// Text columns read by the core before the pass (issue 15): label codes matched straight from
// Python str objects, an object column of str copied into one Arrow chunk, and text keys
// factorized by their bytes.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "arrays.hpp"
#include "object_column.hpp"
#include "yibao/labels.hpp"

namespace yibao::bindings {

// The UTF-8 bytes of a str (compact ASCII: its own data; others: CPython's cached UTF-8), or
// false if `object` is not a str or has no UTF-8 form (a lone surrogate). Needs the GIL.
inline bool str_bytes(PyObject* object, std::string_view& out) {
  if (!PyUnicode_Check(object)) return false;
  Py_ssize_t size = 0;
  const char* text = nullptr;
  if (PyUnicode_IS_COMPACT_ASCII(object)) {
    size = PyUnicode_GET_LENGTH(object);
    text = static_cast<const char*>(PyUnicode_DATA(object));
  } else {
    text = PyUnicode_AsUTF8AndSize(object, &size);
    if (text == nullptr) {
      PyErr_Clear();
      return false;
    }
  }
  out = std::string_view(text, static_cast<std::size_t>(size));
  return true;
}

// The vocabulary code of each value of `values` (a numpy object array), matched from the str
// objects' own bytes: -1 where a value is not a str or not a spelling of `table` (the pass
// stops at that row's block and the careful converter words it). Compact ASCII strings (most
// labels) are read on up to `threads` threads while the calling thread holds the GIL (see
// ObjectColumn::all_of); others need the Python API for their UTF-8, so this thread reads
// them after.
inline pybind11::array_t<std::int8_t> label_codes_from_objects(const pybind11::array& values,
                                                               const LabelTable& table,
                                                               std::size_t threads) {
  const ObjectColumn column(values);
  const LabelMatcher matcher(table);
  auto out = new_column<std::int8_t>(column.rows());
  std::int8_t* code = out.mutable_data();
  constexpr std::int8_t later = -2;
  std::atomic<bool> any_later{false};
  column.all_of(threads, [&](std::size_t i, PyObject* object) {
    if (!PyUnicode_Check(object)) {
      code[i] = -1;
    } else if (PyUnicode_IS_COMPACT_ASCII(object)) {
      const std::string_view text(static_cast<const char*>(PyUnicode_DATA(object)),
                                  static_cast<std::size_t>(PyUnicode_GET_LENGTH(object)));
      code[i] = static_cast<std::int8_t>(label_code(matcher, text));
    } else {
      code[i] = later;
      any_later.store(true, std::memory_order_relaxed);
    }
    return true;
  });
  if (any_later.load()) {
    for (std::size_t i = 0; i < column.rows(); ++i) {
      if (code[i] != later) continue;
      std::string_view text;
      code[i] = static_cast<std::int8_t>(
          str_bytes(column.at(i, column.rows()), text) ? label_code(matcher, text) : -1);
    }
  }
  return out;
}

// (offsets, data) of the strings of `values` (a numpy object array) as one Arrow
// large_string chunk, or None if a value is not a str (e.g. a missing value: the careful
// converter words it). One pass over the objects, then one sequential copy of the bytes.
inline pybind11::object string_chunk_from_objects(const pybind11::array& values) {
  const ObjectColumn column(values);
  const std::size_t n = column.rows();
  pybind11::array_t<std::int64_t> offsets(static_cast<pybind11::ssize_t>(n + 1));
  std::int64_t* offset = offsets.mutable_data();
  offset[0] = 0;
  std::string bytes;
  bytes.reserve(n * 12);
  for (std::size_t i = 0; i < n; ++i) {
    std::string_view text;
    if (!str_bytes(column.at(i, n), text)) return pybind11::none();
    bytes.append(text);
    offset[i + 1] = static_cast<std::int64_t>(bytes.size());
  }
  pybind11::array_t<std::uint8_t> data(static_cast<pybind11::ssize_t>(bytes.size()));
  if (!bytes.empty()) std::memcpy(data.mutable_data(), bytes.data(), bytes.size());
  return pybind11::make_tuple(offsets, data);
}

// MurmurHash3's finalizer: every bit of a key reaches the low bits the table uses (a bare
// multiply leaves them to the first bytes, "1".."9" for member ids: long probes).
inline std::uint64_t mixed(std::uint64_t h) {
  h = (h ^ (h >> 33)) * 0xFF51AFD7ED558CCDULL;
  h = (h ^ (h >> 33)) * 0xC4CEB9FE1A85EC53ULL;
  return h ^ (h >> 33);
}

// A hash of a key longer than 8 bytes: its words folded with a multiply-xorshift, the last
// one its last 8 bytes (overlapping the word before: no loop over the bytes of a tail), then
// mixed. The keys are member ids, not adversarial; a collision costs a comparison, never a
// wrong code.
inline std::uint64_t long_key_hash(std::string_view key) {
  const auto fold = [](std::uint64_t h, const char* at) {
    std::uint64_t word = 0;
    std::memcpy(&word, at, 8);
    h = (h ^ word) * 0xBF58476D1CE4E5B9ULL;
    return h ^ (h >> 31);
  };
  std::uint64_t h = 0x9E3779B97F4A7C15ULL ^ key.size();
  for (std::size_t at = 0; at + 8 < key.size(); at += 8) h = fold(h, key.data() + at);
  return mixed(fold(h, key.data() + key.size() - 8));
}

// A hash of a key of at most 8 bytes given as one word (byte k at bits 8k, zero past the
// end) and its length (a NUL byte at the end is part of a key).
inline std::uint64_t short_key_hash(std::uint64_t word, std::size_t size) {
  return mixed(word ^ (size * 0x9E3779B97F4A7C15ULL));
}

// Dense codes of text keys in order of first appearance (as pd.factorize gives them).
//
// Claims sorted by member usually have their keys in order too: each run of equal keys sorts
// after the run before it, by bytes (a sort of the text) or by length and then bytes (numbers
// as text, a sort of the numbers). While that holds no key can come back, so a key's code is
// its run's number: one comparison a row, no hashing. From the first run out of both orders
// on, an open-addressing table takes over (the runs before entered in it). A slot of 16
// bytes holds a key of up to 8 bytes itself, a longer key its hash: the table stays small
// (shuffled rows look each key up anywhere in it), and grows without reading a key again.
// Its rows go by blocks: a key equal to the row before it costs one comparison; the others
// are hashed first and their slots fetched from memory together, then looked up in row
// order (shuffled rows put each key's slot anywhere: a miss a row the core would otherwise
// wait for in turn). A long key found by its hash and length is then compared, word by word,
// with the first key of its code, every row's ahead of need; where two keys share both (a
// collision, not seen in practice) the column goes to the general route: never a wrong code.
// Long keys that share a prefix past which none has more than 8 bytes are looked up by those
// last bytes alone, as short keys (shared_prefix).
class TextCodes {
 public:
  static constexpr std::size_t block = 256;

  // Over the keys in `bytes` (all of them views into it): a short key is read there as one
  // word where 8 bytes from its start are still inside.
  explicit TextCodes(std::string_view bytes) : end_(bytes.data() + bytes.size()) {}

  // Codes of `n` keys, key(i) giving row i's bytes, into `code`. False if the table would
  // need 2^31 distinct keys or a key of 2 GiB (its slots hold 32-bit codes and lengths).
  template <class KeyAt>
  bool run(std::size_t n, KeyAt key, std::int64_t* code) {
    const std::size_t first = ordered_runs(n, key, code);
    if (first == n) return true;
    const std::size_t shared = shared_prefix(n, key);
    if (shared == 0) return hashed(first, n, key, code);
    return hashed(
        first, n, [&](std::size_t i) { return key(i).substr(shared); }, code);
  }

 private:
  // The length of the prefix every key shares where, past it, no key has more than 8 bytes
  // left: then the rest of each key is a short key, held in its slot itself (no hash of its
  // bytes, no comparison after), as in ids written as a region's code, zeros, then a person's
  // number (人员编号). 0 otherwise, and not looked for where the first key is short.
  template <class KeyAt>
  static std::size_t shared_prefix(std::size_t n, KeyAt key) {
    const std::string_view head = key(0);
    std::size_t shared = head.size(), longest = head.size();
    for (std::size_t i = 1; i < n && longest > in_slot; ++i) {
      const std::string_view here = key(i);
      longest = std::max(longest, here.size());
      shared = common_prefix(head, here, std::min(shared, here.size()));
      if (longest - shared > in_slot) return 0;
    }
    return longest > in_slot ? shared : 0;
  }

  // How many of the first `limit` bytes (at most either's length) a and b share.
  static std::size_t common_prefix(std::string_view a, std::string_view b, std::size_t limit) {
    std::size_t at = 0;
    for (; at + 8 <= limit; at += 8) {
      std::uint64_t x = 0, y = 0;
      std::memcpy(&x, a.data() + at, 8);
      std::memcpy(&y, b.data() + at, 8);
      if (x != y) break;  // the bytes below find which differs first
    }
    while (at < limit && a[at] == b[at]) ++at;
    return at;
  }

  // Whether a and b, of one length longer than 8 bytes, hold the same bytes: compared a word
  // at a time, the last word the key's last 8 bytes (overlapping the one before: no loop of
  // bytes, no call to memcmp).
  static bool same_long(std::string_view a, std::string_view b) {
    const std::size_t size = a.size();
    const auto word = [](const char* at) {
      std::uint64_t w = 0;
      std::memcpy(&w, at, 8);
      return w;
    };
    std::uint64_t differ = word(a.data() + size - 8) ^ word(b.data() + size - 8);
    for (std::size_t at = 0; at + 8 < size; at += 8)
      differ |= word(a.data() + at) ^ word(b.data() + at);
    return differ == 0;
  }

  // Whether a and b are the same key, given their words (word_of): most rows, sorted or not,
  // the key of the row before.
  static bool same_key(std::string_view a, std::uint64_t a_word, std::string_view b,
                       std::uint64_t b_word) {
    return a.size() == b.size() && (a.size() <= in_slot ? a_word == b_word : same_long(a, b));
  }

  // <0, 0 or >0 as a sorts before, with or after b by bytes (unsigned), a prefix first: as
  // string_view::compare, inline (ids are short: a call to memcmp would cost more).
  static int compare_bytes(std::string_view a, std::string_view b) {
    const std::size_t common = std::min(a.size(), b.size());
    const std::size_t at = common_prefix(a, b, common);
    if (at < common)
      return static_cast<unsigned char>(a[at]) < static_cast<unsigned char>(b[at]) ? -1 : 1;
    return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
  }

  // Codes by run number while the runs are in order; the row where that stops (n if never).
  template <class KeyAt>
  std::size_t ordered_runs(std::size_t n, KeyAt key, std::int64_t* code) {
    if (n == 0) return 0;
    bool by_bytes = true, by_length = true;
    std::int64_t runs = 0;
    code[0] = 0;
    std::string_view before = key(0);
    std::uint64_t before_word = word_of(before);
    for (std::size_t i = 1; i < n; ++i) {
      const std::string_view here = key(i);
      const std::uint64_t word = word_of(here);
      const int order = same_key(before, before_word, here, word) ? 0 : compare_bytes(before, here);
      if (order != 0) {
        by_bytes = by_bytes && order < 0;
        by_length = by_length &&
                    (before.size() < here.size() || (before.size() == here.size() && order < 0));
        if (!by_bytes && !by_length) return i;
        ++runs;
      }
      code[i] = runs;
      before = here;
      before_word = word;
    }
    return n;
  }

  // Codes of rows [first, n) by the table, the rows before `first` having codes by run.
  template <class KeyAt>
  bool hashed(std::size_t first_row, std::size_t n, KeyAt key, std::int64_t* code) {
    // The runs before enter the table first: their first rows' keys, each a new code in order.
    grow_for(first_row == 0 ? 0 : static_cast<std::size_t>(code[first_row - 1]) + 1);
    for (std::size_t i = 0; i < first_row; ++i) {
      if (i > 0 && code[i] == code[i - 1]) continue;
      const std::string_view k = key(i);
      const std::uint64_t word = word_of(k);
      if (code_of(k, hash(k, word), word) != code[i]) return false;  // (too many or long)
    }
    // A block's rows whose key is not the row before's: what their lookup needs, read from
    // the key once (the rows in between take the code of the row before them).
    std::array<std::uint64_t, block> hashes{}, words{}, lengths{};
    std::array<std::uint32_t, block> rows{};
    std::string_view before = first_row > 0 ? key(first_row - 1) : std::string_view{};
    std::uint64_t before_word = first_row > 0 ? word_of(before) : 0;
    for (std::size_t first = first_row; first < n; first += block) {
      const std::size_t last = std::min(n, first + block);
      grow_for(keys_.size() + (last - first));
      std::size_t pending = 0;
      for (std::size_t i = first; i < last; ++i) {
        const std::string_view here = key(i);
        const std::uint64_t word = word_of(here);
        const bool same = i > 0 && same_key(here, word, before, before_word);
        before = here;
        before_word = word;
        if (same) continue;
        const std::uint64_t h = hash(here, word);
        __builtin_prefetch(&slots_[h & mask_]);
        hashes[pending] = h;
        words[pending] = here.size() <= in_slot ? word : h;  // what the slot holds
        lengths[pending] = here.size();
        rows[pending++] = static_cast<std::uint32_t>(i - first);
      }
      std::int64_t found = first > 0 ? code[first - 1] : -1;
      std::size_t next = first;  // the next row without a code
      for (std::size_t k = 0; k < pending; ++k) {
        const std::size_t row = first + rows[k];
        for (; next < row; ++next) code[next] = found;
        const std::size_t s = find(words[k], lengths[k], hashes[k]);
        found = slots_[s].code >= 0 ? slots_[s].code : add(s, key(row), hashes[k], words[k]);
        if (found < 0) return false;
        code[next++] = found;
      }
      for (; next < last; ++next) code[next] = found;
    }
    return !long_keys_ || same_as_first(first_row, n, key, code);
  }

  // Whether rows [first_row, n), their long keys matched by hash and length alone, hold the
  // bytes of their code's first key; false at a row that does not (a collision: the caller's
  // general route then factorizes the column). Every row's code is known, so the views and
  // bytes to compare are asked for ahead.
  template <class KeyAt>
  bool same_as_first(std::size_t first_row, std::size_t n, KeyAt key, const std::int64_t* code) {
    static constexpr std::size_t ahead = 16;
    const auto first_key = [&](std::size_t i) -> const std::string_view& {
      return keys_[static_cast<std::size_t>(code[i])];
    };
    for (std::size_t i = first_row; i < n; ++i) {
      if (i + 2 * ahead < n) __builtin_prefetch(&first_key(i + 2 * ahead));
      if (i + ahead < n) __builtin_prefetch(first_key(i + ahead).data());
      const std::string_view here = key(i);
      // (Of one length: the row's code was found by its key's length too.)
      if (here.size() > in_slot && !same_long(here, first_key(i))) return false;
    }
    return true;
  }

  static bool fits(std::size_t keys) {
    return keys < static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max());
  }
  static bool fits_length(std::string_view key) {
    return key.size() <= static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max());
  }

  // What a slot holds and compares: a key of up to 8 bytes itself (zero past its end), a
  // longer key its hash (its bytes compared after: same_as_first); its length.
  struct Slot {
    std::uint64_t word = 0;
    std::uint32_t length = 0;
    std::int32_t code = -1;
  };
  static constexpr std::size_t in_slot = 8;
  // The first k bytes of a word, by k = 0..8 (a table: the length varies at random by row).
  static constexpr std::array<std::uint64_t, in_slot + 1> low_bytes{0,
                                                                    0xFF,
                                                                    0xFFFF,
                                                                    0xFFFFFF,
                                                                    0xFFFFFFFF,
                                                                    0xFFFFFFFFFF,
                                                                    0xFFFFFFFFFFFF,
                                                                    0xFFFFFFFFFFFFFF,
                                                                    ~std::uint64_t{0}};

  // The bytes of a key of at most 8 bytes as one word, zero past its end (byte k at bits
  // 8k): one load where 8 bytes from its start are inside the column (all keys but the
  // last few), else byte by byte. (A memcpy of a length not known here is a call, and a
  // key compared by string_view's == another: a third of a shuffled column's time.)
  [[nodiscard]] std::uint64_t short_word(std::string_view key) const {
    if constexpr (std::endian::native == std::endian::little) {
      if (key.data() != nullptr && end_ - key.data() >= 8) {
        std::uint64_t word = 0;
        std::memcpy(&word, key.data(), 8);
        return word & low_bytes[key.size()];
      }
    }
    std::uint64_t word = 0;
    for (std::size_t k = 0; k < key.size(); ++k)
      word |= std::uint64_t{static_cast<unsigned char>(key[k])} << (8 * k);
    return word;
  }

  // A short key's bytes as one word (short_word), 0 for a longer key.
  [[nodiscard]] std::uint64_t word_of(std::string_view key) const {
    return key.size() <= in_slot ? short_word(key) : 0;
  }

  // The hash of `key`: a short one's from its word (word_of(key)), a longer one's from its bytes.
  [[nodiscard]] static std::uint64_t hash(std::string_view key, std::uint64_t word) {
    return key.size() <= in_slot ? short_key_hash(word, key.size()) : long_key_hash(key);
  }

  // The slot of `key` (hash h, word word_of(key)) with `code`.
  [[nodiscard]] static Slot slot_for(std::string_view key, std::uint64_t h, std::uint64_t word,
                                     std::int32_t code) {
    Slot slot;
    slot.word = key.size() <= in_slot ? word : h;
    slot.length = static_cast<std::uint32_t>(key.size());
    slot.code = code;
    return slot;
  }

  // The key's hash, from the slot alone (a short key's bytes are there).
  static std::uint64_t hash_of(const Slot& slot) {
    if (slot.length > in_slot) return slot.word;
    return short_key_hash(slot.word, slot.length);  // as hash(): the same word
  }

  // The slot holding a key's word (a long key's: its hash) and length (hash h), or the first
  // free one after its run, read only. A long key's bytes are compared later
  // (same_as_first), not here: a row would wait on two misses in turn (the view in keys_,
  // then its bytes).
  [[nodiscard]] std::size_t find(std::uint64_t word, std::uint64_t length, std::uint64_t h) const {
    for (std::size_t s = static_cast<std::size_t>(h) & mask_;; s = (s + 1) & mask_) {
      const Slot& slot = slots_[s];
      if (slot.code < 0 || (slot.word == word && slot.length == length)) return s;
    }
  }

  // `key` (hash h, word word_of(key)) given the next code in the free slot `s`; -1 if the
  // table would need 2^31 keys, or the key is 2 GiB long (no slot holds such a length).
  std::int64_t add(std::size_t s, std::string_view key, std::uint64_t h, std::uint64_t word) {
    if (!fits(keys_.size()) || !fits_length(key)) return -1;
    const auto code = static_cast<std::int32_t>(keys_.size());
    slots_[s] = slot_for(key, h, word, code);
    keys_.push_back(key);
    long_keys_ |= key.size() > in_slot;
    return code;
  }

  std::int64_t code_of(std::string_view key, std::uint64_t h, std::uint64_t word) {
    const std::size_t s = find(key.size() <= in_slot ? word : h, key.size(), h);
    return slots_[s].code >= 0 ? slots_[s].code : add(s, key, h, word);
  }

  // Room for `keys` keys at a load of at most one half. The slots move in their order, by
  // what they hold (no key is read again): the writes go through the larger table in order.
  void grow_for(std::size_t keys) {
    if (2 * keys <= slots_.size()) return;
    std::size_t size = std::max<std::size_t>(slots_.size(), 1024);
    while (2 * keys > size) size *= 2;
    std::vector<Slot> old(size, Slot{});
    old.swap(slots_);
    mask_ = size - 1;
    for (const Slot& slot : old) {
      if (slot.code < 0) continue;
      std::size_t s = static_cast<std::size_t>(hash_of(slot)) & mask_;
      while (slots_[s].code >= 0) s = (s + 1) & mask_;
      slots_[s] = slot;
    }
  }

  const char* end_;  // one past the column's bytes
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;                // slots_.size() - 1 (a power of two)
  std::vector<std::string_view> keys_;  // by code: views into the column's own bytes
  bool long_keys_ = false;              // whether a key of keys_ is longer than in_slot
};

// Codes of a text key column (one Arrow chunk: offsets into data, no nulls), dense, in order
// of first appearance. None if the offsets are malformed (the caller's general route words
// it). No Python objects: runs without the GIL.
template <class Offset>
pybind11::object text_codes(const pybind11::array_t<Offset, pybind11::array::c_style>& offsets,
                            const pybind11::array_t<std::uint8_t, pybind11::array::c_style>& data) {
  if (offsets.size() < 1) throw pybind11::value_error("offsets need at least one entry");
  const auto n = static_cast<std::size_t>(offsets.size() - 1);
  const Offset* at = offsets.data();
  const auto* bytes = reinterpret_cast<const char*>(data.data());
  const auto size = static_cast<Offset>(data.size());
  auto codes = new_column<std::int64_t>(n);
  std::int64_t* code = codes.mutable_data();
  bool done = true;
  {
    const pybind11::gil_scoped_release release;
    bool malformed = at[0] < 0 || at[n] > size;
    for (std::size_t i = 0; i < n; ++i) malformed |= at[i + 1] < at[i];
    if (malformed) {
      done = false;
    } else {
      const auto key = [&](std::size_t i) {
        return std::string_view(bytes + at[i], static_cast<std::size_t>(at[i + 1] - at[i]));
      };
      done = TextCodes(std::string_view(bytes, data.size())).run(n, key, code);
    }
  }
  if (!done) return pybind11::none();
  return codes;
}

}  // namespace yibao::bindings
