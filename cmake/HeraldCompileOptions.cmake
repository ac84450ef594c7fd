# Warning and sanitizer flags shared by every Herald target (herald_target_defaults).
set(HERALD_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough)
if(HERALD_WERROR)
  list(APPEND HERALD_WARNINGS -Werror)
endif()

set(HERALD_SANITIZER_FLAGS)
if(HERALD_SANITIZE)
  set(HERALD_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
endif()
if(HERALD_FUZZ)
  # Coverage instrumentation for every target (the codecs above all), not only the fuzzer's own
  # file: without it libFuzzer gets no feedback from the code it is meant to explore.
  list(APPEND HERALD_SANITIZER_FLAGS -fsanitize=fuzzer-no-link)
endif()

function(herald_target_defaults target)
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:${HERALD_WARNINGS}> ${HERALD_SANITIZER_FLAGS})
  if(HERALD_SANITIZER_FLAGS)
    target_link_options(${target} PRIVATE ${HERALD_SANITIZER_FLAGS})
  endif()
endfunction()

# herald_add_fuzzer(NAME SOURCES... LIBS ... CORPUS dir): a libFuzzer target plus a bounded ctest run
# (label "fuzz"). HERALD_FUZZ_SECONDS bounds each run.
set(HERALD_FUZZ_SECONDS 40 CACHE STRING "Seconds each fuzzer runs under ctest")
function(herald_add_fuzzer name)
  cmake_parse_arguments(F "" "CORPUS" "SOURCES;LIBS" ${ARGN})
  if(NOT HERALD_FUZZ)
    return()
  endif()
  add_executable(${name} ${F_SOURCES})
  herald_target_defaults(${name})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  target_link_libraries(${name} PRIVATE ${F_LIBS})
  # Work on a copy of the committed seed corpus so a run never writes into the source tree;
  # any crash input lands in the build dir and fails the test.
  set(work ${CMAKE_CURRENT_BINARY_DIR}/${name}-corpus)
  add_test(NAME ${name}
           COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=1
                   ${CMAKE_SOURCE_DIR}/cmake/run_fuzzer.sh $<TARGET_FILE:${name}> ${F_CORPUS} ${work}
                   ${HERALD_FUZZ_SECONDS})
  set_tests_properties(${name} PROPERTIES LABELS fuzz TIMEOUT 600)
endfunction()
