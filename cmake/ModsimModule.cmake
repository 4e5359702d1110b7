# modsim_add_module(NAME SOURCES...): build NAME.so, a modsim module.
#
# The module is a plain shared object with no prefix, compiled with
# MODSIM_BUILDING_MODULE (which turns on THIS_MODULE, MODSIM_MODULE(),
# module_param() and EXPORT_SYMBOL()) and linked with -Bsymbolic so its
# references to its own symbols bind locally even though modsim loads every
# module into the global scope (that is how one module calls another's
# exported symbols).  Symbols from the host stay undefined and are resolved
# when modsim loads the module.
#
# Set MODSIM_MODULE_OUTPUT_DIRECTORY to choose where the .so lands.
function(modsim_add_module name)
  add_library(${name} MODULE ${ARGN})
  set_target_properties(${name} PROPERTIES PREFIX "" C_STANDARD 11 C_EXTENSIONS ON)
  if(MODSIM_MODULE_OUTPUT_DIRECTORY)
    set_target_properties(${name} PROPERTIES
      LIBRARY_OUTPUT_DIRECTORY ${MODSIM_MODULE_OUTPUT_DIRECTORY})
  endif()
  target_compile_definitions(${name} PRIVATE MODSIM_BUILDING_MODULE)
  if(TARGET modsim::headers)
    target_link_libraries(${name} PRIVATE modsim::headers)
  else()
    target_include_directories(${name} PRIVATE ${MODSIM_INCLUDE_DIR})
  endif()
  target_link_options(${name} PRIVATE -Wl,-Bsymbolic)
endfunction()
