# kmod-helper is a kernel module: kbuild builds it against the pinned kernel's
# headers, through scripts/testbed (which knows the profile and its make
# variables). Without a set-up test-bed the target explains what to run.
set(KSPLICE_TESTBED ${CMAKE_SOURCE_DIR}/scripts/testbed)
set(KSPLICE_KMOD_DIR ${CMAKE_BINARY_DIR}/kmod)
execute_process(
  COMMAND ${KSPLICE_TESTBED} env
  OUTPUT_VARIABLE KSPLICE_TESTBED_ENV
  RESULT_VARIABLE KSPLICE_TESTBED_ENV_RC
  ERROR_QUIET)
string(REGEX MATCH "KSPLICE_KERNEL_RELEASE=([^\n]*)" _m "${KSPLICE_TESTBED_ENV}")
set(KSPLICE_KERNEL_RELEASE "${CMAKE_MATCH_1}")
string(FIND "${KSPLICE_TESTBED_ENV}" "KSPLICE_READY=yes" _ready)

file(GLOB KSPLICE_KMOD_SOURCES CONFIGURE_DEPENDS
  ${CMAKE_SOURCE_DIR}/kmod-helper/*.c ${CMAKE_SOURCE_DIR}/kmod-helper/*.h
  ${CMAKE_SOURCE_DIR}/kmod-helper/Kbuild)
set(KSPLICE_HELPER_KO ${KSPLICE_KMOD_DIR}/${KSPLICE_KERNEL_RELEASE}/kmod-helper.ko)

if(_ready GREATER_EQUAL 0)
  add_custom_command(
    OUTPUT ${KSPLICE_HELPER_KO}
    COMMAND ${CMAKE_COMMAND} -E env --unset=MAKEFLAGS ${KSPLICE_TESTBED} kmod --out ${KSPLICE_KMOD_DIR}/${KSPLICE_KERNEL_RELEASE}
            ${CMAKE_SOURCE_DIR}/kmod-helper
    DEPENDS ${KSPLICE_KMOD_SOURCES}
    COMMENT "kbuild: kmod-helper.ko for ${KSPLICE_KERNEL_RELEASE}"
    VERBATIM)
  add_custom_target(kmod-helper ALL DEPENDS ${KSPLICE_HELPER_KO})
else()
  message(WARNING "test-bed not set up: kmod-helper is not built "
                  "(run scripts/testbed setup, then re-run cmake)")
  add_custom_target(kmod-helper
    COMMAND ${CMAKE_COMMAND} -E echo "kmod-helper needs the test-bed: run scripts/testbed setup"
    COMMAND ${CMAKE_COMMAND} -E false)
endif()
