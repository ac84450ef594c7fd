# In-tree test registration (not part of the SDK package).
#
# herald_add_unit_tests(NAME SOURCES ... LIBS ...): one Catch2 executable herald_<NAME>_tests whose
# cases are registered one by one as "<NAME>: <case>".
# herald_add_python_test(TEST_NAME SCRIPT [TIMEOUT s] [ARGS ...]): an acceptance script run with
# Debian's python3 against the real herald binary and the built plugins.

function(herald_add_unit_tests name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(herald_${name}_tests ${T_SOURCES})
  target_link_libraries(herald_${name}_tests PRIVATE ${T_LIBS} herald_catch_main Catch2::Catch2)
  herald_target_defaults(herald_${name}_tests)
  catch_discover_tests(herald_${name}_tests TEST_PREFIX "${name}: ")
endfunction()

function(herald_add_python_test test_name script)
  cmake_parse_arguments(T "" "TIMEOUT" "ARGS" ${ARGN})
  add_test(NAME "${test_name}"
           COMMAND /usr/bin/python3 ${script} --herald $<TARGET_FILE:herald> --plugin-dir ${HERALD_PLUGIN_OUTPUT_DIR}
                   ${T_ARGS})
  if(T_TIMEOUT)
    set_tests_properties("${test_name}" PROPERTIES TIMEOUT ${T_TIMEOUT})
  endif()
endfunction()
