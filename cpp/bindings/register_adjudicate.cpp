// yibao._core.adjudicate: numpy columns in, numpy columns out. Arrays arrive with the exact
// dtypes (the Python layer negotiates them); the kernel then runs without the GIL, which is
// safe because it reads only these buffers, kept alive by the arguments, and writes only
// the freshly allocated outputs.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <span>

#include "arrays.hpp"
#include "yibao/adjudicate.hpp"

namespace py = pybind11;

using yibao::bindings::Column;
using yibao::bindings::in;
using yibao::bindings::out;

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
        const auto n = static_cast<std::size_t>(member.size());
        const bool wide = layout == yibao::MoneyColumn::Layout::decimal128;
        auto money = [&] { return yibao::bindings::new_column<std::int64_t>(n, wide ? 2 : 1); };
        Column<std::int64_t> deductible = money(), fund = money(), self_pay = money(),
                             capped = money(), ytd = money();
        Column<std::uint16_t> rule = yibao::bindings::new_column<std::uint16_t>(n);
        auto column = [layout](Column<std::int64_t>& a) {
          return yibao::MoneyColumn(out(a), layout);
        };
        const yibao::ClaimColumns claims{
            in(member),
            in(day),
            in(level),
            in(eligible),
            in(status),
            in(service),
            in(prescriber),
            in(tier),
            institution ? in(*institution) : std::span<const std::int64_t>{}};
        const yibao::AdjudicationColumns results{column(deductible), column(fund), column(self_pay),
                                                 column(capped),     column(ytd),  out(rule)};
        {
          py::gil_scoped_release release;
          yibao::adjudicate(policy, claims, results, threads);
        }
        py::dict d;
        d["deductible"] = deductible;
        d["fund_paid"] = fund;
        d["self_pay"] = self_pay;
        d["capped"] = capped;
        d["ytd_fund_paid"] = ytd;
        d["rule"] = rule;
        return d;
      },
      py::arg("policy"), py::arg("member"), py::arg("day"), py::arg("level"), py::arg("eligible"),
      py::arg("status"), py::arg("service"), py::arg("prescriber"), py::arg("tier"),
      py::arg("institution"), py::arg("threads") = 1,
      py::arg("layout") = yibao::MoneyColumn::Layout::decimal128);

  m.attr("rule_codes_per_version") = yibao::rule_codes_per_version;
  m.attr("rule_deductible") = static_cast<int>(yibao::rule_deductible);
  m.attr("rule_rate") = static_cast<int>(yibao::rule_rate);
  m.attr("rule_visit_cap") = static_cast<int>(yibao::rule_visit_cap);
  m.attr("rule_annual_cap") = static_cast<int>(yibao::rule_annual_cap);
  m.attr("rule_overall_cap") = static_cast<int>(yibao::rule_overall_cap);
  m.attr("rule_prescriber") = static_cast<int>(yibao::rule_prescriber);
}
