# Flags every Portcullis target carries: the standard, warnings, sanitizers.
add_library(portcullis_options INTERFACE)
target_compile_options(portcullis_options INTERFACE -Wall -Wextra -Wpedantic)
if(PORTCULLIS_WERROR)
  target_compile_options(portcullis_options INTERFACE -Werror)
endif()
if(PORTCULLIS_SANITIZE)
  target_compile_options(portcullis_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(portcullis_options INTERFACE -fsanitize=address,undefined)
endif()
target_include_directories(portcullis_options INTERFACE ${PROJECT_SOURCE_DIR})
target_compile_definitions(portcullis_options INTERFACE
  PORTCULLIS_VERSION="${PROJECT_VERSION}")

# portcullis_add_library(NAME SOURCES ... [PUBLIC deps...] [PRIVATE deps...])
function(portcullis_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC;PRIVATE" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_link_libraries(${name} PUBLIC portcullis_options ${ARG_PUBLIC} PRIVATE ${ARG_PRIVATE})
endfunction()

# portcullis_add_test(NAME SOURCES ... LIBS ... [LABELS ...])
# One doctest executable per library, registered with ctest.
function(portcullis_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE portcullis_options portcullis_doctest_main ${ARG_LIBS})
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES
    ENVIRONMENT "PORTCULLIS_SOURCE_DIR=${PROJECT_SOURCE_DIR};PORTCULLIS_BINARY_DIR=${PROJECT_BINARY_DIR}")
  if(ARG_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}")
  endif()
endfunction()
