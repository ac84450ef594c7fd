# herald_add_plugin(NAME SOURCES ... [DEPS ...] [OUTPUT_DIR dir]): a plugin shared object
# libherald_<NAME>.so with hidden visibility and only the ABI entry point exported.
include(GNUInstallDirs)
set(HERALD_PLUGIN_OUTPUT_DIR ${CMAKE_BINARY_DIR}/lib/herald/plugins)
set(HERALD_PLUGIN_EXPORTS ${CMAKE_CURRENT_LIST_DIR}/herald_plugin.map)

function(herald_add_plugin name)
  cmake_parse_arguments(P "" "OUTPUT_DIR" "SOURCES;DEPS" ${ARGN})
  set(target herald_plugin_${name})
  add_library(${target} MODULE ${P_SOURCES})
  target_link_libraries(${target} PRIVATE herald_sdk ${P_DEPS})
  if(NOT P_OUTPUT_DIR)
    set(P_OUTPUT_DIR ${HERALD_PLUGIN_OUTPUT_DIR})
  endif()
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME herald_${name}
    PREFIX lib
    LIBRARY_OUTPUT_DIRECTORY ${P_OUTPUT_DIR}
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${target} PRIVATE -Wl,--version-script=${HERALD_PLUGIN_EXPORTS} -Wl,--no-undefined)
  herald_target_defaults(${target})
  # Shipped plugins go into the package; test-only ones (built into their own OUTPUT_DIR) do not.
  if(P_OUTPUT_DIR STREQUAL HERALD_PLUGIN_OUTPUT_DIR)
    install(TARGETS ${target} LIBRARY DESTINATION lib/herald/plugins COMPONENT runtime)
  endif()
endfunction()
