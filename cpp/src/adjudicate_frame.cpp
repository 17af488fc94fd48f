#include "yibao/adjudicate_frame.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <string>
#include <variant>

#include "adjudicator.hpp"
#include "placement.hpp"
#include "readers.hpp"
#include "yibao/convert.hpp"
#include "yibao/errors.hpp"
#include "yibao/order.hpp"
#include "yibao/parallel.hpp"

namespace yibao {

std::size_t rows_of(const NumberSpan& values) {
  return std::visit([](auto v) { return v.size(); }, values);
}

namespace {

using detail::Adjudicator;
using detail::NotInOrder;

// Rows per block: the block's converted columns (about 20 bytes a row) stay in the core's
// own cache between conversion and adjudication.
constexpr std::size_t block_rows = 16384;
// Rows of each thread's share whose order is checked before its first block is converted.
constexpr std::size_t probe_rows = 64;
constexpr auto pharmacy = static_cast<std::int8_t>(Service::pharmacy);  // needs a prescriber

// A row that the general path must handle (it raises the error).
struct GiveUp {};

// The rows [first, last) of a chunked string column, as views into its buffers.
template <class Offset>
class ChunkedStrings {
 public:
  explicit ChunkedStrings(const std::vector<StringChunk<Offset>>& chunks) : chunks_(chunks) {
    starts_.push_back(0);
    for (const auto& chunk : chunks) starts_.push_back(starts_.back() + chunk.rows());
  }
  [[nodiscard]] std::size_t rows() const { return starts_.back(); }

  [[nodiscard]] std::vector<StringChunk<Offset>> slice(std::size_t first, std::size_t last) const {
    std::vector<StringChunk<Offset>> out;
    for (std::size_t c = 0; c < chunks_.size() && first < last; ++c) {
      if (starts_[c + 1] <= first) continue;
      const std::size_t from = first - starts_[c];
      const std::size_t count = std::min(last, starts_[c + 1]) - first;
      const auto& chunk = chunks_[c];
      out.push_back({chunk.offsets.subspan(from, count + 1), chunk.data, chunk.validity,
                     chunk.bit_offset + static_cast<std::int64_t>(from)});
      first += count;
    }
    return out;
  }

 private:
  const std::vector<StringChunk<Offset>>& chunks_;
  std::vector<std::size_t> starts_;
};

// A label column prepared once for every block of every thread: its matcher and its chunks.
class LabelReader {
 public:
  LabelReader(const LabelColumn& column, const LabelTable& table, const char* name)
      : column_(column), matcher_(table), large_(column.large), small_(column.small), name_(name) {}

  [[nodiscard]] const LabelMatcher& matcher() const { return matcher_; }
  [[nodiscard]] const ChunkedStrings<std::int64_t>& large() const { return large_; }

  // Rows [first, last) into `out`: in place from Arrow buffers, or through the codes.
  void read(std::size_t first, std::size_t last, std::span<std::int8_t> out) const {
    if (large_.rows() > 0) {
      label_codes<std::int64_t>(large_.slice(first, last), matcher_, out, name_);
    } else if (small_.rows() > 0) {
      label_codes<std::int32_t>(small_.slice(first, last), matcher_, out, name_);
    } else if (column_.present()) {
      if (detail::read_codes(column_, first, last - first, out.data())) throw GiveUp{};
    } else {
      std::fill(out.begin(), out.end(), std::int8_t{0});  // the column's default
    }
  }

 private:
  const LabelColumn& column_;
  LabelMatcher matcher_;
  ChunkedStrings<std::int64_t> large_;
  ChunkedStrings<std::int32_t> small_;
  std::string name_;
};

// Where a thread's block of converted rows goes.
struct Converted {
  std::span<std::int32_t> day;
  std::span<std::int64_t> fen;
  std::span<std::int8_t> level, status, service, prescriber, tier;
};

// Converted columns of n rows, in memory from the buffer cache: fresh pages for a thread's
// block on every call would cost more page faults than the block has rows.
class ConvertedMemory {
 public:
  explicit ConvertedMemory(std::size_t n) : day_(n), fen_(n), codes_(5 * n) {
    const auto codes = codes_.span();
    columns_ = {day_.span(),
                fen_.span(),
                codes.subspan(0, n),
                codes.subspan(n, n),
                codes.subspan(2 * n, n),
                codes.subspan(3 * n, n),
                codes.subspan(4 * n, n)};
  }
  [[nodiscard]] const Converted& columns() const { return columns_; }

 private:
  Scratch<std::int32_t> day_;
  Scratch<std::int64_t> fen_;
  Scratch<std::int8_t> codes_;  // level, status, service, prescriber, tier
  Converted columns_;
};

template <class T>
bool holds(const NumberSpan& values) {
  return std::holds_alternative<std::span<const T>>(values);
}

class FrameConverter {
 public:
  FrameConverter(const FrameColumns& frame, const FrameLabels& labels)
      : frame_(frame),
        status_(frame.status, labels.status, "status"),
        service_(frame.service, labels.service, "service"),
        tier_(frame.tier, labels.tier, "tier"),
        // The usual layouts take one fused loop (a column at a time took about twice as long).
        fused_(frame.date.per_day == ns_per_day && !frame.date.ticks.empty() &&
               !frame.eligible.yuan.empty() && holds<std::int8_t>(frame.level.values) &&
               frame.level.missing.empty() && holds<std::int8_t>(frame.prescriber.values)) {}

  // Rows [first, last) of the frame converted into `block`, as the kernel's columns.
  ClaimColumns convert(std::size_t first, std::size_t last, const Converted& block) const {
    const std::size_t n = last - first;
    auto part = [n](auto v) { return v.first(n); };
    // The three label columns together where they can be (all large_string, one chunk each
    // here, no missing values); the rest, and any row that needs care, a column at a time.
    const std::size_t together = labels_together(first, last, block);
    status_.read(first + together, last, part(block.status).subspan(together));
    service_.read(first + together, last, part(block.service).subspan(together));
    tier_.read(first + together, last, part(block.tier).subspan(together));
    std::span<const std::int8_t> level = part(block.level);
    if (!fused_) {
      read_numbers(first, n, block);
    } else if (rows_of(frame_.prescriber.values) == 0) {
      convert_numbers<false>(first, n, block);
      level = std::get<std::span<const std::int8_t>>(frame_.level.values).subspan(first, n);
    } else {
      convert_numbers<true>(first, n, block);
      level = std::get<std::span<const std::int8_t>>(frame_.level.values).subspan(first, n);
    }
    return {frame_.member.subspan(first, n),
            part(block.day),
            level,
            part(block.fen),
            part(block.status),
            part(block.service),
            part(block.prescriber),
            part(block.tier),
            frame_.institution.empty() ? std::span<const std::int64_t>{}
                                       : frame_.institution.subspan(first, n)};
  }

  // Whether row `row` (> 0) comes after row - 1 in processing order.
  [[nodiscard]] bool follows(std::size_t row) const {
    const auto m = frame_.member;
    return m[row - 1] < m[row] || (m[row - 1] == m[row] && day_at(row - 1) <= day_at(row));
  }

 private:
  [[nodiscard]] std::int64_t day_at(std::size_t row) const {
    const DateColumn& date = frame_.date;
    if (date.ticks.empty()) return date.days[row];
    const std::int64_t t = date.ticks[row];
    if (t == std::numeric_limits<std::int64_t>::min()) throw GiveUp{};
    return floor_divide(t, date.per_day);
  }

  // Dates, amounts, levels and prescriber levels of rows [first, first + n), after the label
  // codes, in one loop, for the usual layouts: datetime64[ns], float64, int8 levels.
  // GiveUp at any value the general path must word: a missing date, an amount that does not
  // convert or is out of range, a level outside 0..3, a pharmacy row without a prescriber.
  template <bool with_prescriber>
  void convert_numbers(std::size_t first, std::size_t n, const Converted& block) const {
    // Plain pointers: stores through int8_t may alias anything.
    const std::int64_t* const time = frame_.date.ticks.data() + first;
    const double* const amount = frame_.eligible.yuan.data() + first;
    const std::int8_t* const level =
        std::get<std::span<const std::int8_t>>(frame_.level.values).data() + first;
    const std::int8_t* const prescriber =
        with_prescriber
            ? std::get<std::span<const std::int8_t>>(frame_.prescriber.values).data() + first
            : nullptr;
    const std::uint8_t* const missing =
        frame_.prescriber.missing.empty() ? nullptr : frame_.prescriber.missing.data() + first;
    const std::int8_t* const service = block.service.data();
    std::int32_t* const day = block.day.data();
    std::int64_t* const fen = block.fen.data();
    std::int8_t* const prescribed = block.prescriber.data();
    const Rounding* const rounding = frame_.rounding;
    const std::int64_t max_fen = frame_.max_fen;
    constexpr std::int64_t nat = std::numeric_limits<std::int64_t>::min();
    bool bad = false;  // no branch a row: bad values are the rare case
    for (std::size_t i = 0; i < n; ++i) {
      // (Any int64 of nanoseconds is within ±106,752 days.)
      const std::int64_t t = time[i];
      day[i] = static_cast<std::int32_t>(floor_divide(t, ns_per_day));
      const std::int64_t cents = from_double(amount[i], rounding).fen();
      fen[i] = cents;
      std::int8_t by = -1;
      bool absent = true;
      if constexpr (with_prescriber) {
        absent = missing != nullptr && missing[i] != 0;
        by = absent ? std::int8_t{-1} : prescriber[i];
      }
      prescribed[i] = by;
      bad |=
          (t == nat) | (cents < 0) | (cents > max_fen) | (static_cast<std::uint8_t>(level[i]) > 3) |
          (!absent & (static_cast<std::uint8_t>(by) > 3)) | ((service[i] == pharmacy) & (by < 0));
    }
    if (bad) throw GiveUp{};
  }

  // The same for any other layouts: a reader per column, then the checks across columns.
  void read_numbers(std::size_t first, std::size_t n, const Converted& block) const {
    bool bad = detail::read_days(frame_.date, first, n, block.day.data());
    bad |= detail::read_fen(frame_.eligible, frame_.rounding, frame_.max_fen, first, n,
                            block.fen.data());
    bad |= detail::read_levels(frame_.level, false, first, n, block.level.data());
    std::int8_t* const prescribed = block.prescriber.data();
    if (rows_of(frame_.prescriber.values) == 0) {
      std::fill_n(prescribed, n, std::int8_t{-1});
    } else {
      bad |= detail::read_levels(frame_.prescriber, true, first, n, prescribed);
    }
    const std::int8_t* const service = block.service.data();
    for (std::size_t i = 0; i < n; ++i) bad |= (service[i] == pharmacy) & (prescribed[i] < 0);
    if (bad) throw GiveUp{};
  }

  // How many of rows [first, first + n) label_codes_together() matched (0: none).
  std::size_t labels_together(std::size_t first, std::size_t last, const Converted& block) const {
    const std::array<const LabelReader*, 3> readers{&status_, &service_, &tier_};
    const std::size_t n = last - first;
    const std::array<std::span<std::int8_t>, 3> outs{block.status.first(n), block.service.first(n),
                                                     block.tier.first(n)};
    std::array<LabelRows, 3> rows;
    for (std::size_t k = 0; k < 3; ++k) {
      if (readers[k]->large().rows() == 0) return 0;
      const auto slice = readers[k]->large().slice(first, last);
      if (slice.size() != 1 || !slice[0].validity.empty()) return 0;
      rows[k] = {slice[0].offsets, slice[0].data, &readers[k]->matcher(), outs[k]};
    }
    return label_codes_together(rows);
  }

  const FrameColumns& frame_;
  LabelReader status_, service_, tier_;
  bool fused_;
};

bool same_length(const FrameColumns& f, const AdjudicationColumns& out) {
  const std::size_t n = f.member.size();
  auto chunk_rows = [](const auto& chunks) {
    std::size_t total = 0;
    for (const auto& c : chunks) total += c.rows();
    return total;
  };
  auto label_ok = [&](const LabelColumn& c, bool required) {
    const std::size_t rows = chunk_rows(c.large) + chunk_rows(c.small) + rows_of(c.codes);
    return rows == n || (!required && !c.present());
  };
  auto optional = [n](std::size_t m) { return m == 0 || m == n; };
  const DateColumn& d = f.date;
  const AmountColumn& a = f.eligible;
  const std::size_t amounts = a.yuan.size() + a.decimal128.size() / 2 + a.units.size();
  return (d.ticks.size() + d.days.size()) == n && rows_of(f.level.values) == n &&
         optional(f.level.missing.size()) && amounts == n && label_ok(f.status, true) &&
         label_ok(f.service, false) && label_ok(f.tier, false) &&
         optional(rows_of(f.prescriber.values)) && optional(f.prescriber.missing.size()) &&
         optional(f.institution.size()) && out.deductible.size() == n &&
         out.fund_paid.size() == n && out.self_pay.size() == n && out.capped.size() == n &&
         out.ytd_fund_paid.size() == n && out.rule.size() == n;
}

// Unsorted rows: converted block by block (on threads) and each block placed in member order
// at once (placement.hpp), so converted columns never leave the cache; then the kernel over
// the placed rows. Only for dense member ids (a counting sort); other ids are left to the
// general path, which factorizes them first.
bool place_then_adjudicate(const Policy& policy, const FrameColumns& frame,
                           const FrameConverter& converter, const AdjudicationColumns& out,
                           std::size_t threads) {
  try {
    const auto placed = detail::MemberPlacement::for_dense_ids(frame.member, threads);
    if (!placed) return false;
    run_tasks(placed->parts(), [&](std::size_t k) {
      const std::size_t first = placed->part_begin(k), last = placed->part_begin(k + 1);
      const ConvertedMemory block(std::min(block_rows, last - first));
      auto placer = placed->placer(k);
      for (std::size_t from = first; from < last; from += block_rows) {
        const std::size_t to = std::min(last, from + block_rows);
        placer.place(from, converter.convert(from, to, block.columns()));
      }
      placer.finish();
    });
    placed->close();
    detail::adjudicate_placed(policy, *placed, frame.institution, out, threads);
  } catch (const GiveUp&) {
    return false;
  } catch (const Error&) {
    return false;
  }
  return true;
}

}  // namespace

bool adjudicate_frame(const Policy& policy, const FrameColumns& frame, const FrameLabels& labels,
                      const AdjudicationColumns& out, std::size_t threads) {
  threads = std::clamp<std::size_t>(threads, 1, max_threads);
  if (!same_length(frame, out)) throw InputError("frame columns differ in length", no_row, "");
  const FrameConverter converter(frame, labels);
  const std::vector<std::size_t> bounds = member_chunks({}, frame.member, threads);
  try {
    validate(policy);
    run_tasks(bounds.size() - 1, [&](std::size_t k) {
      const std::size_t begin = bounds[k], end = bounds[k + 1];
      // Rows out of order usually show it at once: checked here, before a block is converted
      // that the pass would give up on at its second row (0.4 ms at 2 M rows, 12 alternations).
      for (std::size_t row = std::max<std::size_t>(begin, 1);
           row < std::min(end, begin + probe_rows); ++row) {
        if (!converter.follows(row)) throw NotInOrder{};
      }
      const ConvertedMemory block(std::min(block_rows, end - begin));
      Adjudicator adjudicator(policy, ClaimColumns{}, out);
      for (std::size_t first = begin; first < end; first += block_rows) {
        const std::size_t last = std::min(end, first + block_rows);
        adjudicator.run_block(converter.convert(first, last, block.columns()), first);
      }
    });
  } catch (const NotInOrder&) {
    return place_then_adjudicate(policy, frame, converter, out, threads);
  } catch (const GiveUp&) {
    return false;
  } catch (const Error&) {
    return false;
  }
  return true;
}

}  // namespace yibao
