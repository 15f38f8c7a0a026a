# openarts_library(NAME n SOURCES ... DEPS ...)   -> target openarts_<n>, alias openarts::<n>
#   Public include dir: src/<n>/include. DEPS are linked PUBLIC only when they are openarts::
#   libraries named in a public header; everything else is PRIVATE, so a missing edge fails to
#   compile.
# openarts_test(NAME n SOURCES ... DEPS ... [LABELS ...] [TIMEOUT s])
# openarts_fuzz(NAME n SOURCES ... DEPS ...)      -> built only with -DOPENARTS_FUZZ=ON (clang)
# openarts_bench(NAME n SOURCES ... DEPS ...)      -> Google Benchmark binary, not a test

set(OPENARTS_WARNINGS -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers)

function(openarts_library)
  cmake_parse_arguments(A "" "NAME" "SOURCES;DEPS;PUBLIC_DEPS" ${ARGN})
  add_library(openarts_${A_NAME} STATIC ${A_SOURCES})
  add_library(openarts::${A_NAME} ALIAS openarts_${A_NAME})
  target_include_directories(openarts_${A_NAME} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                             PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(openarts_${A_NAME} PUBLIC ${A_PUBLIC_DEPS} PRIVATE ${A_DEPS})
  target_compile_options(openarts_${A_NAME} PRIVATE ${OPENARTS_WARNINGS})
  if(OPENARTS_FUZZ)
    target_compile_options(openarts_${A_NAME} PRIVATE -fsanitize=fuzzer-no-link,address,undefined)
  endif()
endfunction()

function(openarts_test)
  cmake_parse_arguments(A "" "NAME;TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  if(NOT OPENARTS_TESTS OR OPENARTS_FUZZ)
    return()
  endif()
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 120)
  endif()
  add_executable(${A_NAME} ${A_SOURCES})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} GTest::gtest GTest::gtest_main Threads::Threads)
  target_compile_options(${A_NAME} PRIVATE ${OPENARTS_WARNINGS})
  target_compile_definitions(${A_NAME} PRIVATE OPENARTS_BINARY_DIR="${CMAKE_BINARY_DIR}"
                             OPENARTS_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  gtest_discover_tests(${A_NAME} DISCOVERY_MODE PRE_TEST
                       PROPERTIES LABELS "${A_LABELS}" TIMEOUT ${A_TIMEOUT})
endfunction()

function(openarts_fuzz)
  cmake_parse_arguments(A "" "NAME" "SOURCES;DEPS" ${ARGN})
  if(NOT OPENARTS_FUZZ)
    return()
  endif()
  add_executable(${A_NAME} ${A_SOURCES})
  target_compile_options(${A_NAME} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(${A_NAME} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS})
  set_property(GLOBAL APPEND PROPERTY OPENARTS_FUZZ_TARGETS ${A_NAME})
endfunction()

function(openarts_bench)
  cmake_parse_arguments(A "" "NAME" "SOURCES;DEPS" ${ARGN})
  if(NOT benchmark_FOUND OR OPENARTS_FUZZ)
    return()
  endif()
  add_executable(${A_NAME} ${A_SOURCES})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} benchmark::benchmark Threads::Threads)
endfunction()
