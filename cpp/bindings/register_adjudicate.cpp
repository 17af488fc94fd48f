// yibao._core.adjudicate and adjudicate_frame: numpy/Arrow columns in, numpy columns out.
// Arrays arrive with the exact dtypes (the Python layer negotiates them); the kernel then runs
// without the GIL, which is safe because it reads only these buffers, kept alive by the
// arguments, and writes only the freshly allocated outputs.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <optional>
#include <span>
#include <string>

#include "arrays.hpp"
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

std::vector<yibao::StringChunk<std::int64_t>> optional_chunks(
    const std::optional<yibao::bindings::StringChunks<std::int64_t>>& chunks) {
  return chunks ? chunks->spans() : std::vector<yibao::StringChunk<std::int64_t>>{};
}

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
      [](const yibao::Policy& policy, const Column<std::int64_t>& member,
         const Column<std::int64_t>& date_ns, const Column<std::int8_t>& level,
         const Column<double>& eligible, const py::list& status,
         const std::optional<py::list>& service, const std::optional<py::list>& tier,
         const std::optional<Column<std::int8_t>>& prescriber,
         const std::optional<Column<bool>>& prescriber_missing,
         const std::optional<Column<std::int64_t>>& institution,
         std::optional<yibao::Rounding> rounding, std::int64_t max_fen,
         const yibao::FrameLabels& labels, std::size_t threads,
         yibao::MoneyColumn::Layout layout) -> py::object {
        using Chunks = yibao::bindings::StringChunks<std::int64_t>;
        const Chunks status_chunks(status);
        std::optional<Chunks> service_chunks, tier_chunks;
        if (service) service_chunks.emplace(*service);
        if (tier) tier_chunks.emplace(*tier);
        const auto missing =
            prescriber_missing
                ? std::span<const std::uint8_t>(
                      reinterpret_cast<const std::uint8_t*>(prescriber_missing->data()),
                      static_cast<std::size_t>(prescriber_missing->size()))
                : std::span<const std::uint8_t>{};
        const yibao::FrameColumns frame{in(member),
                                        in(date_ns),
                                        in(level),
                                        in(eligible),
                                        status_chunks.spans(),
                                        optional_chunks(service_chunks),
                                        optional_chunks(tier_chunks),
                                        optional_in(prescriber),
                                        missing,
                                        optional_in(institution),
                                        rounding ? &*rounding : nullptr,
                                        max_fen};
        Results results(static_cast<std::size_t>(member.size()), layout);
        const yibao::AdjudicationColumns columns = results.columns();
        bool done = false;
        {
          py::gil_scoped_release release;
          done = yibao::adjudicate_frame(policy, frame, labels, columns, threads);
        }
        if (!done) return py::none();
        return results.dict();
      },
      py::arg("policy"), py::arg("member"), py::arg("date_ns"), py::arg("level"),
      py::arg("eligible"), py::arg("status"), py::arg("service"), py::arg("tier"),
      py::arg("prescriber"), py::arg("prescriber_missing"), py::arg("institution"),
      py::arg("rounding"), py::arg("max_fen"), py::arg("labels"), py::arg("threads") = 1,
      py::arg("layout") = yibao::MoneyColumn::Layout::decimal128);

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
