#include "yibao/adjudicate_frame.hpp"

#include <algorithm>
#include <array>
#include <limits>

#include "adjudicator.hpp"
#include "placement.hpp"
#include "yibao/convert.hpp"
#include "yibao/errors.hpp"
#include "yibao/order.hpp"
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

// A row that the general path must handle (it raises the error).
struct GiveUp {};

// The rows [first, last) of a chunked string column, as views into its buffers.
class ChunkedStrings {
 public:
  explicit ChunkedStrings(const std::vector<StringChunk<std::int64_t>>& chunks) : chunks_(chunks) {
    starts_.push_back(0);
    for (const auto& chunk : chunks) starts_.push_back(starts_.back() + chunk.rows());
  }
  [[nodiscard]] std::size_t rows() const { return starts_.back(); }

  [[nodiscard]] std::vector<StringChunk<std::int64_t>> slice(std::size_t first,
                                                             std::size_t last) const {
    std::vector<StringChunk<std::int64_t>> out;
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
  const std::vector<StringChunk<std::int64_t>>& chunks_;
  std::vector<std::size_t> starts_;
};

// Where a thread's block of converted rows goes.
struct Converted {
  std::span<std::int32_t> day;
  std::span<std::int64_t> fen;
  std::span<std::int8_t> status, service, prescriber, tier;
};

// Converted columns of n rows, in memory from the buffer cache: fresh pages for a thread's
// block on every call would cost more page faults than the block has rows.
class ConvertedMemory {
 public:
  explicit ConvertedMemory(std::size_t n) : day_(n), fen_(n), codes_(4 * n) {
    const auto codes = codes_.span();
    columns_ = {day_.span(),
                fen_.span(),
                codes.subspan(0, n),
                codes.subspan(n, n),
                codes.subspan(2 * n, n),
                codes.subspan(3 * n, n)};
  }
  [[nodiscard]] const Converted& columns() const { return columns_; }

 private:
  Scratch<std::int32_t> day_;
  Scratch<std::int64_t> fen_;
  Scratch<std::int8_t> codes_;  // status, service, prescriber, tier
  Converted columns_;
};

class FrameConverter {
 public:
  FrameConverter(const FrameColumns& frame, const FrameLabels& labels)
      : frame_(frame),
        status_labels_(labels.status),
        service_labels_(labels.service),
        tier_labels_(labels.tier),
        status_(frame.status),
        service_(frame.service),
        tier_(frame.tier) {}

  // Rows [first, last) of the frame converted into `block`, as the kernel's columns.
  ClaimColumns convert(std::size_t first, std::size_t last, const Converted& block) const {
    const std::size_t n = last - first;
    auto part = [n](auto v) { return v.first(n); };
    // The three label columns together where they can be (all present, one chunk each here,
    // no missing values); the rest, and any row that needs care, a column at a time.
    const std::size_t together = labels_together(first, last, block);
    label_codes<std::int64_t>(status_.slice(first + together, last), status_labels_,
                              part(block.status).subspan(together), "status");
    codes_or(service_, service_labels_, first + together, last,
             part(block.service).subspan(together), "service");
    codes_or(tier_, tier_labels_, first + together, last, part(block.tier).subspan(together),
             "tier");
    if (frame_.prescriber.empty()) {
      convert_numbers<false>(first, n, block);
    } else {
      convert_numbers<true>(first, n, block);
    }
    return {frame_.member.subspan(first, n),
            part(block.day),
            frame_.level.subspan(first, n),
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
    const auto& t = frame_.date_ns;
    constexpr std::int64_t nat = std::numeric_limits<std::int64_t>::min();
    if (t[row] == nat || t[row - 1] == nat) throw GiveUp{};
    const auto m = frame_.member;
    return m[row - 1] < m[row] || (m[row - 1] == m[row] && floor_divide(t[row - 1], ns_per_day) <=
                                                               floor_divide(t[row], ns_per_day));
  }

 private:
  // Dates, amounts, levels and prescriber levels of rows [first, first + n), after the label
  // codes, in one loop (a column at a time, each its own loop, took about twice as long).
  // GiveUp at any value the general path must word: a missing date, an amount that does not
  // convert or is out of range, a level outside 0..3, a pharmacy row without a prescriber.
  template <bool with_prescriber>
  void convert_numbers(std::size_t first, std::size_t n, const Converted& block) const {
    // Plain pointers: stores through int8_t may alias anything.
    const std::int64_t* const time = frame_.date_ns.data() + first;
    const double* const amount = frame_.eligible.data() + first;
    const std::int8_t* const level = frame_.level.data() + first;
    const std::int8_t* const prescriber =
        with_prescriber ? frame_.prescriber.data() + first : nullptr;
    const std::uint8_t* const missing =
        frame_.prescriber_missing.empty() ? nullptr : frame_.prescriber_missing.data() + first;
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

  // How many of rows [first, first + n) label_codes_together() matched (0: none).
  std::size_t labels_together(std::size_t first, std::size_t last, const Converted& block) const {
    if (service_.rows() == 0 || tier_.rows() == 0) return 0;
    const std::size_t n = last - first;
    const std::array<const ChunkedStrings*, 3> columns{&status_, &service_, &tier_};
    const std::array<const LabelMatcher*, 3> matchers{&status_labels_, &service_labels_,
                                                      &tier_labels_};
    const std::array<std::span<std::int8_t>, 3> outs{block.status.first(n), block.service.first(n),
                                                     block.tier.first(n)};
    std::array<LabelRows, 3> rows;
    for (std::size_t k = 0; k < 3; ++k) {
      const auto slice = columns[k]->slice(first, last);
      if (slice.size() != 1 || !slice[0].validity.empty()) return 0;
      rows[k] = {slice[0].offsets, slice[0].data, matchers[k], outs[k]};
    }
    return label_codes_together(rows);
  }

  void codes_or(const ChunkedStrings& column, const LabelMatcher& table, std::size_t first,
                std::size_t last, std::span<std::int8_t> out, const char* name) const {
    if (column.rows() == 0) {
      std::fill(out.begin(), out.end(), std::int8_t{0});  // the column's default
    } else {
      label_codes<std::int64_t>(column.slice(first, last), table, out, name);
    }
  }

  const FrameColumns& frame_;
  // Prepared once, for every block of every thread.
  LabelMatcher status_labels_, service_labels_, tier_labels_;
  ChunkedStrings status_, service_, tier_;
};

bool same_length(const FrameColumns& f, const AdjudicationColumns& out) {
  const std::size_t n = f.member.size();
  auto rows = [](const std::vector<StringChunk<std::int64_t>>& chunks) {
    std::size_t total = 0;
    for (const auto& c : chunks) total += c.rows();
    return total;
  };
  auto optional = [n](std::size_t m) { return m == 0 || m == n; };
  return f.date_ns.size() == n && f.level.size() == n && f.eligible.size() == n &&
         rows(f.status) == n && (f.service.empty() || rows(f.service) == n) &&
         (f.tier.empty() || rows(f.tier) == n) && optional(f.prescriber.size()) &&
         optional(f.prescriber_missing.size()) && optional(f.institution.size()) &&
         out.deductible.size() == n && out.fund_paid.size() == n && out.self_pay.size() == n &&
         out.capped.size() == n && out.ytd_fund_paid.size() == n && out.rule.size() == n;
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
