#include "yibao/adjudicate_frame.hpp"

#include <algorithm>
#include <array>
#include <exception>
#include <functional>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "adjudicator.hpp"
#include "placement.hpp"
#include "readers.hpp"
#include "rules/visits.hpp"
#include "yibao/adjudicate.hpp"
#include "yibao/convert.hpp"
#include "yibao/errors.hpp"
#include "yibao/parallel.hpp"

namespace yibao {

namespace {

using detail::Adjudicator;
using detail::NotInOrder;

// Rows per block: the block's converted columns (about 20 bytes a row) stay in the core's
// own cache between conversion and adjudication.
constexpr std::size_t block_rows = 16384;
// Rows of each thread's share whose order is checked before its first block is converted.
constexpr std::size_t probe_rows = 64;
constexpr auto pharmacy = static_cast<std::int8_t>(Service::pharmacy);  // needs a prescriber

// A block holds a bad value: the pass stops, and FrameConverter::throw_first_bad() names
// the frame's first bad row (a second scan, only on this rare path).
struct BadValue {};

// The cell (readers.hpp) of a pharmacy row without a prescriber: after the row's prescriber
// level is read.
struct Lacking {
  const std::int8_t* service;
  const std::int8_t* prescriber;
  explicit Lacking(const ConvertedColumns& to)
      : service(to.service.data()), prescriber(to.prescriber.data()) {}
  bool operator()(std::size_t i) const { return (service[i] == pharmacy) & (prescriber[i] < 0); }
};

// The checks for bad values, in the order that names the frame's first one: the schema's
// column order, a pharmacy row without a prescriber (`lacking`) after the prescriber's own
// values.
enum class Check { date, level, eligible, status, service, prescriber, lacking, tier };
constexpr std::array<const char*, 8> check_column{
    "date", "level", "eligible", "status", "service", "prescriber_level", "prescriber_level",
    "tier"};

// Converted columns of n rows, in memory from the buffer cache: fresh pages for a thread's
// block on every call would cost more page faults than the block has rows.
class ConvertedMemory {
 public:
  explicit ConvertedMemory(std::size_t n) : day_(n), fen_(n), codes_(5 * n) {
    const auto codes = [&](std::size_t k) { return codes_.span().subspan(k * n, n); };
    columns_ = {day_.span(), fen_.span(), codes(0), codes(1), codes(2), codes(3), codes(4)};
  }
  [[nodiscard]] const ConvertedColumns& columns() const { return columns_; }

 private:
  Scratch<std::int32_t> day_;
  Scratch<std::int64_t> fen_;
  Scratch<std::int8_t> codes_;  // level, status, service, prescriber, tier
  ConvertedColumns columns_;
};

class FrameConverter {
 public:
  FrameConverter(const FrameColumns& frame, const FrameLabels& labels)
      : frame_(frame),
        labels_{&frame.status, &frame.service, &frame.tier},
        matchers_{LabelMatcher(labels.status), LabelMatcher(labels.service),
                  LabelMatcher(labels.tier)} {}

  // Rows [first, last) of the frame converted into `block`, as the kernel's columns;
  // BadValue if one of them holds a bad value.
  ClaimColumns convert(std::size_t first, std::size_t last, const ConvertedColumns& block) const {
    const std::size_t n = last - first;
    if (frame_.converted != nullptr) {
      ClaimColumns rows = frame_.converted->rows(first, n);
      rows.member = frame_.member.subspan(first, n);
      return rows;
    }
    try {
      return read(first, last, block);
    } catch (const Error&) {  // an amount that does not convert (e.g. needs rounding)
      throw BadValue{};
    }
  }

  // Whether row `row` (> 0) comes after row - 1 in processing order.
  [[nodiscard]] bool follows(std::size_t row) const {
    const auto m = frame_.member;
    return m[row - 1] < m[row] || (m[row - 1] == m[row] && day_at(row - 1) <= day_at(row));
  }

  // Whether every row is in processing order (after throw_first_bad(): every date valid).
  [[nodiscard]] bool in_order() const {
    for (std::size_t row = 1; row < frame_.member.size(); ++row) {
      if (!follows(row)) return false;
    }
    return true;
  }

  // Throws the error of the frame's first bad value: the first bad row of the first check
  // that has one, as converting column by column would meet them; returns if no value is
  // bad. Each check's reader a block at a time, then row by row in the first bad block.
  void throw_first_bad() const {
    if (frame_.converted != nullptr) return;
    const ConvertedMemory scratch(block_rows);
    const ConvertedColumns& to = scratch.columns();
    const std::size_t n = frame_.member.size();
    for (std::size_t k = 0; k < check_column.size(); ++k) {
      const auto check = static_cast<Check>(k);
      for (std::size_t first = 0; first < n; first += block_rows) {
        const std::size_t m = std::min(n - first, block_rows);
        if (!read(check, first, m, to)) continue;
        for (std::size_t row = first; row < first + m; ++row) {
          if (read(check, row, 1, to))
            throw InputError(words(check, row), static_cast<std::int64_t>(row), check_column[k]);
        }
        throw std::logic_error("yibao: a bad block without a bad row");
      }
    }
  }

 private:
  // The reader of `check`: rows [first, first + n) into the block `to`; whether one is bad.
  bool read(Check check, std::size_t first, std::size_t n, const ConvertedColumns& to) const {
    switch (check) {
      case Check::date:
        return detail::read_days(frame_.date, first, n, to.day.data());
      case Check::level:
        return detail::read_levels(frame_.level, false, first, n, to.level.data());
      case Check::eligible:  // (an amount that does not convert, e.g. needs rounding, is bad)
        try {
          return detail::read_fen(frame_.eligible, frame_.rounding, frame_.max_fen, first, n,
                                  to.fen.data());
        } catch (const Error&) {
          return true;
        }
      case Check::prescriber:  // no prescriber column: no prescriber on any row (-1)
        return detail::read_levels(frame_.prescriber, true, first, n, to.prescriber.data());
      case Check::lacking:  // (after Check::prescriber: no prescriber level is bad here)
        (void)read(Check::service, first, n, to);
        return detail::with_level_cell(
            frame_.prescriber, true, first, to.prescriber.data(),
            [&](auto by) { return detail::read_rows(n, by, Lacking{to}); });
      case Check::status:
        return read_label(0, first, n, to.status.data());
      case Check::service:
        return read_label(1, first, n, to.service.data());
      case Check::tier:
        break;
    }
    return read_label(2, first, n, to.tier.data());
  }

  // Label column k (status, service, tier): rows [first, first + n) into `out`.
  bool read_label(std::size_t k, std::size_t first, std::size_t n, std::int8_t* out) const {
    return detail::read_labels(*labels_[k], matchers_[k], first, n, out);
  }

  // What is wrong with row `row`, a bad row of `check` (an amount throws its own error).
  [[nodiscard]] const char* words(Check check, std::size_t row) const {
    switch (check) {
      case Check::date:
        return (frame_.date.ticks.empty()
                    ? frame_.date.days[row] == missing_day
                    : frame_.date.ticks[row] == std::numeric_limits<std::int64_t>::min())
                   ? "missing date"
                   : "date out of range";
      case Check::level:
      case Check::prescriber: {
        // A bad level is bad even where missing values are allowed if outside 0..3.
        std::int8_t level = 0;
        const LevelColumn& c = check == Check::level ? frame_.level : frame_.prescriber;
        return detail::read_levels(c, true, row, 1, &level)
                   ? "level is not an integer 0..3"
                   : "missing level; expected an integer 0..3";
      }
      case Check::eligible:
        throw_amount(static_cast<std::int64_t>(row));
      case Check::lacking:
        return "a pharmacy row (外配处方) needs prescriber_level: its rules take the "
               "prescribing institution's level";
      default:
        return "not a label of the vocabulary";
    }
  }

  [[noreturn]] void throw_amount(std::int64_t row) const {
    std::int64_t fen = 0;
    try {
      (void)detail::read_fen(frame_.eligible, frame_.rounding, frame_.max_fen,
                             static_cast<std::size_t>(row), 1, &fen);
    } catch (const OverflowError& e) {
      throw OverflowError(e.what(), row, "eligible");
    } catch (const Error& e) {
      throw InputError(e.what(), row, "eligible");
    }
    if (fen < 0) throw InputError("eligible amount is negative", row, "eligible");
    throw OverflowError(
        "eligible amount does not fit decimal(18, 2), at most 16 integer digits of yuan", row,
        "eligible");
  }

  ClaimColumns read(std::size_t first, std::size_t last, const ConvertedColumns& block) const {
    const std::size_t n = last - first;
    auto part = [n](auto v) { return v.first(n); };
    bool bad = read_label(0, first, n, block.status.data());
    bad |= read_label(1, first, n, block.service.data());
    bad |= read_label(2, first, n, block.tier.data());
    // The numbers in two loops whatever their layouts (a loop a column took about twice as
    // long, docs/performance.md): dates with amounts, then levels with prescribers and the
    // pharmacy check.
    bad |= detail::with_day_cell(frame_.date, first, block.day.data(), [&](auto day) {
      return detail::with_fen_cell(frame_.eligible, frame_.rounding, frame_.max_fen, first,
                                   block.fen.data(),
                                   [&](auto fen) { return detail::read_rows(n, day, fen); });
    });
    bad |= detail::with_level_cell(frame_.level, false, first, block.level.data(), [&](auto level) {
      return detail::with_level_cell(
          frame_.prescriber, true, first, block.prescriber.data(),
          [&](auto by) { return detail::read_rows(n, level, by, Lacking{block}); });
    });
    if (bad) throw BadValue{};
    const auto institution =
        frame_.institution.empty() ? frame_.institution : frame_.institution.subspan(first, n);
    return {frame_.member.subspan(first, n),
            part(block.day),
            part(block.level),
            part(block.fen),
            part(block.status),
            part(block.service),
            part(block.prescriber),
            part(block.tier),
            institution};
  }

  [[nodiscard]] std::int64_t day_at(std::size_t row) const {
    if (frame_.converted != nullptr) return frame_.converted->day[row];
    const DateColumn& date = frame_.date;
    if (date.ticks.empty()) return date.days[row];
    const std::int64_t t = date.ticks[row];
    if (t == std::numeric_limits<std::int64_t>::min()) throw BadValue{};
    return floor_divide(t, date.per_day);
  }

  const FrameColumns& frame_;
  std::array<const LabelColumn*, 3> labels_;  // status, service, tier
  std::array<LabelMatcher, 3> matchers_;
};

bool outputs_ok(std::size_t n, const AdjudicationColumns& out) {
  return out.deductible.size() == n && out.fund_paid.size() == n && out.self_pay.size() == n &&
         out.capped.size() == n && out.ytd_fund_paid.size() == n && out.rule.size() == n;
}

bool inputs_ok(const FrameColumns& f) {
  const std::size_t n = f.member.size();
  auto optional = [n](std::size_t m) { return m == 0 || m == n; };
  if (f.converted != nullptr) {
    const ClaimColumns& c = *f.converted;
    return c.member.data() == f.member.data() && c.day.size() == n && c.level.size() == n &&
           c.eligible.size() == n && c.status.size() == n && c.service.size() == n &&
           c.prescriber.size() == n && c.tier.size() == n && optional(c.institution.size());
  }
  auto chunk_rows = [](const auto& chunks) {
    return std::transform_reduce(chunks.begin(), chunks.end(), std::size_t{0}, std::plus<>(),
                                 [](const auto& c) { return c.rows(); });
  };
  auto label_ok = [&](const LabelColumn& c, bool required) {
    const std::size_t rows = chunk_rows(c.large) + chunk_rows(c.small) + rows_of(c.codes);
    return rows == n || (!required && !c.present());
  };
  const DateColumn& d = f.date;
  const AmountColumn& a = f.eligible;
  const std::size_t amounts = a.yuan.size() + a.decimal128.size() / 2 + a.units.size();
  return (d.ticks.size() + d.days.size()) == n && rows_of(f.level.values) == n &&
         optional(f.level.missing.size()) && amounts == n && label_ok(f.status, true) &&
         label_ok(f.service, false) && label_ok(f.tier, false) &&
         optional(rows_of(f.prescriber.values)) && optional(f.prescriber.missing.size()) &&
         optional(f.institution.size());
}

// Member codes 0.. in the ids' own order, for ids too sparse to count: the processing order,
// and so the first error in it, stays that of the ids.
std::vector<std::int64_t> dense_codes(std::span<const std::int64_t> member) {
  std::vector<std::int64_t> ids(member.begin(), member.end());
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::vector<std::int64_t> codes(member.size());
  for (std::size_t i = 0; i < member.size(); ++i) {
    codes[i] = std::lower_bound(ids.begin(), ids.end(), member[i]) - ids.begin();
  }
  return codes;
}

// Unsorted rows: converted block by block (on threads) and each block placed in member order
// at once (placement.hpp), so converted columns never leave the cache; then the kernel over
// the placed rows, chunks of whole members in processing order (the first error in that
// order is the one raised, for any thread count).
void place_then_adjudicate(const Policy& policy, const FrameColumns& frame,
                           const FrameLabels& labels, const AdjudicationColumns& out,
                           std::size_t threads) {
  validate(policy);
  auto placed = detail::MemberPlacement::for_dense_ids(frame.member, threads);
  std::vector<std::int64_t> codes;
  FrameColumns dense = frame;
  if (!placed && !frame.member.empty()) {
    codes = dense_codes(frame.member);
    dense.member = codes;
    placed = detail::MemberPlacement::for_dense_ids(dense.member, threads);
  }
  if (!placed) return;  // no rows
  const FrameConverter converter(dense, labels);
  try {
    run_tasks(placed->parts(), [&](std::size_t k) {
      const ConvertedMemory block(
          std::min(block_rows, placed->part_begin(k + 1) - placed->part_begin(k)));
      placed->place(k, block_rows, [&](std::size_t from, std::size_t to) {
        return converter.convert(from, to, block.columns());
      });
    });
  } catch (const BadValue&) {
    converter.throw_first_bad();
    throw std::logic_error("yibao: a bad value that no reader names");
  }
  placed->close();
  const auto institution =
      needs_visits(policy) ? frame.institution : std::span<const std::int64_t>{};
  run_tasks(placed->chunks().size() - 1,
            [&](std::size_t k) { Adjudicator(policy, out).run_placed(*placed, k, institution); });
  placed->put_back(out, threads);
}

}  // namespace

void adjudicate_frame(const Policy& policy, const FrameColumns& frame, const FrameLabels& labels,
                      const AdjudicationColumns& out, std::size_t threads) {
  threads = std::clamp<std::size_t>(threads, 1, max_threads);
  if (!inputs_ok(frame) || !outputs_ok(frame.member.size(), out))
    throw InputError("frame columns differ in length", no_row, "");
  const FrameConverter converter(frame, labels);
  try {
    validate(policy);
    const std::vector<std::size_t> bounds = member_chunks(frame.member, threads);
    run_tasks(bounds.size() - 1, [&](std::size_t k) {
      const std::size_t begin = bounds[k], end = bounds[k + 1];
      // Rows out of order usually show it at once: checked here, before a block is converted
      // that the pass would stop at its second row (0.4 ms at 2 M rows, 12 alternations).
      for (std::size_t row = std::max<std::size_t>(begin, 1);
           row < std::min(end, begin + probe_rows); ++row) {
        if (!converter.follows(row)) throw NotInOrder{};
      }
      const ConvertedMemory block(std::min(block_rows, end - begin));
      Adjudicator adjudicator(policy, out);
      for (std::size_t first = begin; first < end; first += block_rows) {
        const std::size_t last = std::min(end, first + block_rows);
        adjudicator.run_block(converter.convert(first, last, block.columns()), first);
      }
    });
    return;
  } catch (const NotInOrder&) {  // NOLINT(bugprone-empty-catch): placed below
  } catch (const BadValue&) {
    converter.throw_first_bad();
    throw std::logic_error("yibao: a bad value that no reader names");
  } catch (const Error&) {
    // Bad values come before the kernel's errors (as a column-by-column conversion would
    // raise them); the kernel's error is the one to raise only if the rows are in order.
    const std::exception_ptr error = std::current_exception();
    converter.throw_first_bad();
    if (converter.in_order()) std::rethrow_exception(error);
  }
  place_then_adjudicate(policy, frame, labels, out, threads);
}

void convert_frame(const FrameColumns& frame, const FrameLabels& labels,
                   const ConvertedColumns& out, std::size_t threads) {
  const std::size_t n = frame.member.size();
  const bool sizes = out.day.size() == n && out.fen.size() == n && out.level.size() == n &&
                     out.status.size() == n && out.service.size() == n &&
                     out.prescriber.size() == n && out.tier.size() == n;
  if (!inputs_ok(frame) || !sizes) throw InputError("frame columns differ in length", no_row, "");
  const FrameConverter converter(frame, labels);
  try {
    for_each_range(n, threads, [&](std::size_t begin, std::size_t end) {
      for (std::size_t first = begin; first < end; first += block_rows) {
        const std::size_t m = std::min(end, first + block_rows) - first;
        const ConvertedColumns block{
            out.day.subspan(first, m),     out.fen.subspan(first, m),
            out.level.subspan(first, m),   out.status.subspan(first, m),
            out.service.subspan(first, m), out.prescriber.subspan(first, m),
            out.tier.subspan(first, m)};
        (void)converter.convert(first, first + m, block);
      }
    });
  } catch (const BadValue&) {
    converter.throw_first_bad();
    throw std::logic_error("yibao: a bad value that no reader names");
  }
}

void adjudicate(const Policy& policy, const ClaimColumns& claims, const AdjudicationColumns& out,
                std::size_t threads) {
  FrameColumns frame;
  frame.member = claims.member;
  frame.institution = claims.institution;
  frame.converted = &claims;
  if (!inputs_ok(frame) || !outputs_ok(claims.size(), out))
    throw InputError("claim and output columns differ in length", no_row, "");
  adjudicate_frame(policy, frame, FrameLabels{}, out, threads);
}

}  // namespace yibao
