# Locate Boost's headers (only Boost.Multiprecision is used, header-only).
# Order: an explicit -DYIBAO_BOOST_INCLUDE_DIR, then the PyPI package `libboost-headers`
# (a build requirement in pyproject.toml, so pip brings it), then a system Boost.
set(YIBAO_BOOST_INCLUDE_DIR "" CACHE PATH "Directory that contains boost/multiprecision")

if(NOT YIBAO_BOOST_INCLUDE_DIR)
  find_package(Python COMPONENTS Interpreter QUIET)
  if(Python_EXECUTABLE)
    # find_spec, not import: the package's __init__ pulls importlib_resources, which we don't need.
    execute_process(
      COMMAND "${Python_EXECUTABLE}" -c
              "import importlib.util as u, os; s = u.find_spec('libboost_headers'); print(os.path.join(list(s.submodule_search_locations)[0], 'include'))"
      OUTPUT_VARIABLE _yibao_boost_dir
      OUTPUT_STRIP_TRAILING_WHITESPACE
      RESULT_VARIABLE _yibao_boost_rc
      ERROR_QUIET)
    if(_yibao_boost_rc EQUAL 0 AND EXISTS "${_yibao_boost_dir}/boost/multiprecision/cpp_int.hpp")
      set(YIBAO_BOOST_INCLUDE_DIR "${_yibao_boost_dir}")
    endif()
  endif()
endif()

if(NOT YIBAO_BOOST_INCLUDE_DIR)
  find_path(YIBAO_BOOST_INCLUDE_DIR boost/multiprecision/cpp_int.hpp)
endif()

if(NOT YIBAO_BOOST_INCLUDE_DIR OR NOT EXISTS "${YIBAO_BOOST_INCLUDE_DIR}/boost/multiprecision/cpp_int.hpp")
  message(FATAL_ERROR
    "Boost.Multiprecision headers not found. `pip install libboost-headers` (the build does this "
    "itself), or pass -DYIBAO_BOOST_INCLUDE_DIR=/path/to/include.")
endif()
message(STATUS "Boost headers: ${YIBAO_BOOST_INCLUDE_DIR}")

add_library(yibao_boost INTERFACE)
# SYSTEM: Boost's own warnings must not fail our -Werror builds.
target_include_directories(yibao_boost SYSTEM INTERFACE "${YIBAO_BOOST_INCLUDE_DIR}")
