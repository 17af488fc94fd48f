// yibao._core.adjudicate_frame (the one route), convert_frame (the same readers, whole
// columns out) and adjudicate (columns converted already): numpy/Arrow columns in, numpy out.
// Arrays arrive with the exact dtypes (the Python layer negotiates them); the kernel then runs
// without the GIL, which is safe because it reads only these buffers, kept alive by the
// arguments, and writes only the freshly allocated outputs.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <deque>
#include <optional>
#include <span>
#include <string>

#include "arrays.hpp"
#include "date_objects.hpp"
#include "decimal_objects.hpp"
#include "string_objects.hpp"
#include "yibao/adjudicate.hpp"
#include "yibao/adjudicate_frame.hpp"

namespace py = pybind11;

using yibao::bindings::Column;
using yibao::bindings::in;
using yibao::bindings::out;

namespace {

// The result columns of n rows, in the layout asked for, and their kernel view.
class Results {
 public:
  Results(std::size_t n, yibao::MoneyColumn::Layout layout)
      : layout_(layout),
        deductible_(money(n)),
        fund_(money(n)),
        self_pay_(money(n)),
        capped_(money(n)),
        ytd_(money(n)),
        rule_(yibao::bindings::new_column<std::uint16_t>(n)) {}

  [[nodiscard]] yibao::AdjudicationColumns columns() {
    auto column = [this](Column<std::int64_t>& a) { return yibao::MoneyColumn(out(a), layout_); };
    return {column(deductible_), column(fund_), column(self_pay_),
            column(capped_),     column(ytd_),  out(rule_)};
  }

  // The columns under the schema's output names (schema.hpp), in the schema's order.
  [[nodiscard]] py::dict dict() const {
    const std::array<py::object, yibao::output_names.size()> columns{deductible_, fund_, self_pay_,
                                                                     capped_,     ytd_,  rule_};
    py::dict d;
    for (std::size_t i = 0; i < columns.size(); ++i) d[yibao::output_names[i]] = columns[i];
    return d;
  }

 private:
  Column<std::int64_t> money(std::size_t n) const {
    const bool wide = layout_ == yibao::MoneyColumn::Layout::decimal128;
    return yibao::bindings::new_column<std::int64_t>(n, wide ? 2 : 1);
  }

  yibao::MoneyColumn::Layout layout_;
  Column<std::int64_t> deductible_, fund_, self_pay_, capped_, ytd_;
  Column<std::uint16_t> rule_;
};

template <class T>
std::span<const T> optional_in(const std::optional<Column<T>>& a) {
  return a ? in(*a) : std::span<const T>{};
}

// A contiguous numpy array of integers (any width) or float64, as a typed span. The caller's
// argument keeps the array alive.
template <class T>
bool try_span(const py::array& a, yibao::NumberSpan& out) {
  if (!py::isinstance<py::array_t<T>>(a)) return false;
  out = std::span<const T>(static_cast<const T*>(a.data()), static_cast<std::size_t>(a.size()));
  return true;
}

yibao::NumberSpan numbers(const py::handle& values) {
  const auto a = py::reinterpret_borrow<py::array>(values);
  if (a.ndim() != 1 || !(a.flags() & py::array::c_style))
    throw py::value_error("a column must be a contiguous 1-d array");
  yibao::NumberSpan out;
  if (try_span<std::int8_t>(a, out) || try_span<std::int16_t>(a, out) ||
      try_span<std::int32_t>(a, out) || try_span<std::int64_t>(a, out) ||
      try_span<std::uint8_t>(a, out) || try_span<std::uint16_t>(a, out) ||
      try_span<std::uint32_t>(a, out) || try_span<std::uint64_t>(a, out) ||
      try_span<double>(a, out))
    return out;
  throw py::type_error("a column of numbers must be integers or float64");
}

template <class T>
std::span<const T> typed(const py::handle& values) {
  const auto a = values.cast<Column<T>>();  // exact dtype (a cast would copy: refused)
  if (a.ptr() != values.ptr()) throw py::type_error("column of the wrong dtype");
  return {a.data(), static_cast<std::size_t>(a.size())};
}

std::span<const std::uint8_t> mask(const py::handle& values) {
  if (values.is_none()) return {};
  const auto a = py::reinterpret_borrow<py::array>(values);
  if (a.itemsize() != 1 || a.ndim() != 1 || !(a.flags() & py::array::c_style))
    throw py::type_error("a missing-value mask is one contiguous byte per row");
  return {static_cast<const std::uint8_t*>(a.data()), static_cast<std::size_t>(a.size())};
}

// The frame's columns as the Python layer describes them (yibao/_frame.py): a tuple per
// logical column naming its layout, holding the arrays it reads in place.
class FrameArgs {
 public:
  yibao::LevelColumn level(const py::object& spec) {
    if (spec.is_none()) return {};
    const auto t = spec.cast<py::tuple>();  // (values, mask or None)
    return {numbers(t[0]), mask(t[1])};
  }

  static yibao::DateColumn date(const py::tuple& t) {
    const auto kind = t[0].cast<std::string>();
    if (kind == "ticks") return {typed<std::int64_t>(t[1]), t[2].cast<std::int64_t>(), {}};
    if (kind == "days") return {{}, 1, typed<std::int32_t>(t[1])};
    throw py::value_error("dates are ('ticks', values, per_day) or ('days', values)");
  }

  static yibao::AmountColumn amounts(const py::tuple& t) {
    const auto kind = t[0].cast<std::string>();
    yibao::AmountColumn out;
    if (kind == "yuan") {
      out.yuan = typed<double>(t[1]);
    } else if (kind == "decimal128") {
      out.decimal128 = typed<std::uint64_t>(t[1]);
      out.scale = t[2].cast<int>();
    } else if (kind == "units") {
      out.units = typed<std::int64_t>(t[1]);
      out.fen_per_unit = t[2].cast<std::int64_t>();
    } else {
      throw py::value_error("amounts are ('yuan' | 'decimal128' | 'units', values, ...)");
    }
    return out;
  }

  // The frame as the Python layer describes it, its arrays kept alive by the arguments.
  yibao::FrameColumns frame(const Column<std::int64_t>& member, const py::tuple& date,
                            const py::object& level, const py::tuple& eligible,
                            const py::object& status, const py::object& service,
                            const py::object& tier, const py::object& prescriber,
                            const std::optional<Column<std::int64_t>>& institution,
                            const std::optional<yibao::Rounding>& rounding, std::int64_t max_fen) {
    rounding_ = rounding;
    return {in(member),
            FrameArgs::date(date),
            this->level(level),
            FrameArgs::amounts(eligible),
            labels(status),
            labels(service),
            labels(tier),
            this->level(prescriber),
            optional_in(institution),
            rounding_ ? &*rounding_ : nullptr,
            max_fen,
            nullptr};
  }

  yibao::LabelColumn labels(const py::object& spec) {
    yibao::LabelColumn out;
    if (spec.is_none()) return out;
    const auto t = spec.cast<py::tuple>();
    const auto kind = t[0].cast<std::string>();
    if (kind == "large") {
      out.large = large_.emplace_back(t[1].cast<py::list>()).spans();
    } else if (kind == "string") {
      out.small = small_.emplace_back(t[1].cast<py::list>()).spans();
    } else if (kind == "codes") {
      out.codes = numbers(t[1]);
      const auto table = typed<std::int8_t>(t[2]);
      out.by_code.assign(table.begin(), table.end());
    } else {
      throw py::value_error("labels are ('large' | 'string', chunks) or ('codes', codes, table)");
    }
    return out;
  }

 private:
  // The chunks' typed views, alive for the call (std::deque: no moves as it grows).
  std::deque<yibao::bindings::StringChunks<std::int64_t>> large_;
  std::deque<yibao::bindings::StringChunks<std::int32_t>> small_;
  std::optional<yibao::Rounding> rounding_;
};

}  // namespace

void register_adjudicate(py::module_& m) {
  py::enum_<yibao::MoneyColumn::Layout>(m, "MoneyLayout")
      .value("fen64", yibao::MoneyColumn::Layout::fen64)
      .value("decimal128", yibao::MoneyColumn::Layout::decimal128);

  m.def(
      "adjudicate",
      [](const yibao::Policy& policy, const Column<std::int64_t>& member,
         const Column<std::int32_t>& day, const Column<std::int8_t>& level,
         const Column<std::int64_t>& eligible, const Column<std::int8_t>& status,
         const Column<std::int8_t>& service, const Column<std::int8_t>& prescriber,
         const Column<std::int8_t>& tier, const std::optional<Column<std::int64_t>>& institution,
         std::size_t threads, yibao::MoneyColumn::Layout layout) {
        Results results(static_cast<std::size_t>(member.size()), layout);
        const yibao::ClaimColumns claims{in(member),     in(day),    in(level),
                                         in(eligible),   in(status), in(service),
                                         in(prescriber), in(tier),   optional_in(institution)};
        const yibao::AdjudicationColumns columns = results.columns();
        {
          py::gil_scoped_release release;
          yibao::adjudicate(policy, claims, columns, threads);
        }
        return results.dict();
      },
      py::arg("policy"), py::arg("member"), py::arg("day"), py::arg("level"), py::arg("eligible"),
      py::arg("status"), py::arg("service"), py::arg("prescriber"), py::arg("tier"),
      py::arg("institution"), py::arg("threads") = 1,
      py::arg("layout") = yibao::MoneyColumn::Layout::decimal128);

  m.def(
      "adjudicate_frame",
      [](const yibao::Policy& policy, const Column<std::int64_t>& member, const py::tuple& date,
         const py::object& level, const py::tuple& eligible, const py::object& status,
         const py::object& service, const py::object& tier, const py::object& prescriber,
         const std::optional<Column<std::int64_t>>& institution,
         std::optional<yibao::Rounding> rounding, std::int64_t max_fen,
         const yibao::FrameLabels& labels, std::size_t threads, yibao::MoneyColumn::Layout layout) {
        FrameArgs args;
        const yibao::FrameColumns frame =
            args.frame(member, date, level, eligible, status, service, tier, prescriber,
                       institution, rounding, max_fen);
        Results results(static_cast<std::size_t>(member.size()), layout);
        const yibao::AdjudicationColumns columns = results.columns();
        {
          py::gil_scoped_release release;
          yibao::adjudicate_frame(policy, frame, labels, columns, threads);
        }
        return results.dict();
      },
      py::arg("policy"), py::arg("member"), py::arg("date"), py::arg("level"), py::arg("eligible"),
      py::arg("status"), py::arg("service"), py::arg("tier"), py::arg("prescriber"),
      py::arg("institution"), py::arg("rounding"), py::arg("max_fen"), py::arg("labels"),
      py::arg("threads") = 1, py::arg("layout") = yibao::MoneyColumn::Layout::decimal128);

  m.def(
      "convert_frame",
      [](const Column<std::int64_t>& member, const py::tuple& date, const py::object& level,
         const py::tuple& eligible, const py::object& status, const py::object& service,
         const py::object& tier, const py::object& prescriber,
         const std::optional<Column<std::int64_t>>& institution,
         std::optional<yibao::Rounding> rounding, std::int64_t max_fen,
         const yibao::FrameLabels& labels, std::size_t threads) {
        FrameArgs args;
        const yibao::FrameColumns frame =
            args.frame(member, date, level, eligible, status, service, tier, prescriber,
                       institution, rounding, max_fen);
        const auto n = static_cast<std::size_t>(member.size());
        auto day = yibao::bindings::new_column<std::int32_t>(n);
        auto fen = yibao::bindings::new_column<std::int64_t>(n);
        std::array<Column<std::int8_t>, 5> codes{yibao::bindings::new_column<std::int8_t>(n),
                                                 yibao::bindings::new_column<std::int8_t>(n),
                                                 yibao::bindings::new_column<std::int8_t>(n),
                                                 yibao::bindings::new_column<std::int8_t>(n),
                                                 yibao::bindings::new_column<std::int8_t>(n)};
        const yibao::ConvertedColumns converted{out(day),      out(fen),      out(codes[0]),
                                                out(codes[1]), out(codes[2]), out(codes[3]),
                                                out(codes[4])};
        {
          py::gil_scoped_release release;
          yibao::convert_frame(frame, labels, converted, threads);
        }
        py::dict d;
        d["day"] = day;
        d["eligible"] = fen;
        d["level"] = codes[0];
        d["status"] = codes[1];
        d["service"] = codes[2];
        d["prescriber"] = codes[3];
        d["tier"] = codes[4];
        return d;
      },
      py::arg("member"), py::arg("date"), py::arg("level"), py::arg("eligible"), py::arg("status"),
      py::arg("service"), py::arg("tier"), py::arg("prescriber"), py::arg("institution"),
      py::arg("rounding"), py::arg("max_fen"), py::arg("labels"), py::arg("threads") = 1);

  m.def("fen_from_decimal_objects", &yibao::bindings::fen_from_decimal_objects, py::arg("values"),
        py::arg("decimal_type"), py::arg("threads") = 1);

  m.def("text_codes", &yibao::bindings::text_codes<std::int64_t>, py::arg("offsets"),
        py::arg("data"));
  m.def("text_codes", &yibao::bindings::text_codes<std::int32_t>, py::arg("offsets"),
        py::arg("data"));
  m.def("string_chunk_from_objects", &yibao::bindings::string_chunk_from_objects,
        py::arg("values"));
  m.def("label_codes_from_objects", &yibao::bindings::label_codes_from_objects, py::arg("values"),
        py::arg("table"), py::arg("threads") = 1);
  m.def("days_from_date_objects", &yibao::bindings::days_from_date_objects, py::arg("values"),
        py::arg("threads") = 1);
  m.def("days_from_iso_text", &yibao::bindings::days_from_iso_text<std::int64_t>,
        py::arg("offsets"), py::arg("data"), py::arg("threads") = 1);
  m.def("days_from_iso_text", &yibao::bindings::days_from_iso_text<std::int32_t>,
        py::arg("offsets"), py::arg("data"), py::arg("threads") = 1);

  py::class_<yibao::FrameLabels>(m, "FrameLabels")
      .def(
          py::init([](yibao::LabelTable status, yibao::LabelTable service, yibao::LabelTable tier) {
            return yibao::FrameLabels{std::move(status), std::move(service), std::move(tier)};
          }),
          py::arg("status"), py::arg("service"), py::arg("tier"));

  // The schema's rule codes as the core compiled them (tests/test_schema.py compares them
  // with yibao._schema, so a stale build cannot go unnoticed).
  m.attr("rule_codes_per_version") = yibao::rule_codes_per_version;
  m.attr("max_versions") = yibao::max_versions;
  for (const auto& flag : yibao::rule_flags) {
    m.attr(("rule_" + std::string(flag.name)).c_str()) = static_cast<int>(flag.bit);
  }
}
