// The policy tables as plain records. The Python layer (yibao.policy) fills them from the
// TOML files; nothing here interprets a rule.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "casters.hpp"
#include "yibao/policy.hpp"

namespace py = pybind11;
using namespace yibao;

void register_policy(py::module_& m) {
  py::enum_<DeductiblePeriod>(m, "DeductiblePeriod")
      .value("year", DeductiblePeriod::year)
      .value("quarter", DeductiblePeriod::quarter)
      .value("month", DeductiblePeriod::month)
      .value("visit", DeductiblePeriod::visit);
  py::enum_<LevelSource>(m, "LevelSource")
      .value("row", LevelSource::row)
      .value("prescriber", LevelSource::prescriber)
      .value("fixed", LevelSource::fixed);

  py::class_<LevelChoice>(m, "LevelChoice")
      .def(py::init<>())
      .def(py::init([](LevelSource source, std::int8_t level) {
             return LevelChoice{source, level};
           }),
           py::arg("source"), py::arg("fixed_level") = 0)
      .def_readwrite("source", &LevelChoice::source)
      .def_readwrite("fixed_level", &LevelChoice::fixed_level);

  py::class_<Pool>(m, "Pool")
      .def(py::init<>())
      .def_readwrite("period", &Pool::period)
      .def_readwrite("threshold", &Pool::threshold)
      .def_readwrite("first_visit", &Pool::first_visit)
      .def_readwrite("later_visit", &Pool::later_visit)
      .def_readwrite("rate", &Pool::rate)
      .def_readwrite("has_visit_cap", &Pool::has_visit_cap)
      .def_readwrite("visit_cap", &Pool::visit_cap)
      .def_readwrite("has_annual_cap", &Pool::has_annual_cap)
      .def_readwrite("annual_cap", &Pool::annual_cap);

  py::class_<ServiceRule>(m, "ServiceRule")
      .def(py::init<>())
      .def_readwrite("pool", &ServiceRule::pool)
      .def_readwrite("rate_level", &ServiceRule::rate_level)
      .def_readwrite("deductible_level", &ServiceRule::deductible_level)
      .def_readwrite("cap_level", &ServiceRule::cap_level)
      .def_readwrite("missing", &ServiceRule::missing);

  py::class_<Version>(m, "Version")
      .def(py::init<>())
      .def_readwrite("effective_day", &Version::effective_day)
      .def_readwrite("rounding", &Version::rounding)
      .def_readwrite("level0_as", &Version::level0_as)
      .def_readwrite("pools", &Version::pools)
      .def_readwrite("services", &Version::services)
      .def_readwrite("has_overall_cap", &Version::has_overall_cap)
      .def_readwrite("overall_cap", &Version::overall_cap)
      .def_readwrite("overall_missing", &Version::overall_missing)
      .def_readwrite("has_supplementary", &Version::has_supplementary)
      .def_readwrite("supplementary_cap", &Version::supplementary_cap)
      .def_readwrite("supplementary_missing", &Version::supplementary_missing);

  py::class_<Policy>(m, "Policy")
      .def(py::init<>())
      .def_readwrite("region", &Policy::region)
      .def_readwrite("versions", &Policy::versions)
      .def("validate", [](const Policy& p) { validate(p); })
      // A copy of the tables (yibao.load_policy gives each caller its own).
      .def("__copy__", [](const Policy& p) { return p; });

  m.attr("n_levels") = n_levels;
  m.attr("n_statuses") = n_statuses;
  m.attr("n_tiers") = n_tiers;
  m.attr("n_services") = n_services;
  m.attr("max_pools") = max_pools;
}
