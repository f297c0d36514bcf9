# Finds the libraries ksplice needs and names the Debian package that
# provides each one that is missing.
find_package(PkgConfig QUIET)

function(ksplice_require_library var lib header package)
  find_library(${var}_LIBRARY NAMES ${lib})
  find_path(${var}_INCLUDE_DIR NAMES ${header})
  if(NOT ${var}_LIBRARY OR NOT ${var}_INCLUDE_DIR)
    message(FATAL_ERROR
      "${lib} not found (${header}): install the Debian package '${package}' "
      "(or run scripts/testbed setup, which installs everything)")
  endif()
  add_library(ksplice::${lib} UNKNOWN IMPORTED)
  set_target_properties(ksplice::${lib} PROPERTIES
    IMPORTED_LOCATION "${${var}_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${${var}_INCLUDE_DIR}")
endfunction()

ksplice_require_library(BFD bfd bfd.h binutils-dev)
ksplice_require_library(OPCODES opcodes dis-asm.h binutils-dev)
ksplice_require_library(ZLIB z zlib.h zlib1g-dev)
# Modules compressed with xz (6.12: CONFIG_MODULE_COMPRESS_XZ).
ksplice_require_library(LZMA lzma lzma.h liblzma-dev)
# SHA-256 of update file members; CMS signatures of updates and modules.
find_package(OpenSSL 3.0 QUIET COMPONENTS Crypto)
if(NOT OPENSSL_FOUND)
  message(FATAL_ERROR "OpenSSL 3 (libcrypto) not found: install the Debian package 'libssl-dev'")
endif()

if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "pkg-config not found: install the Debian package 'pkg-config'")
endif()
pkg_check_modules(CHECK IMPORTED_TARGET check)
if(NOT CHECK_FOUND)
  message(FATAL_ERROR "Check (unit test framework) not found: install the Debian package 'check'")
endif()
# Compiled data layouts from the DWARF of relocatable objects (libdwfl).
pkg_check_modules(LIBDW IMPORTED_TARGET libdw)
if(NOT LIBDW_FOUND)
  message(FATAL_ERROR "libdw (elfutils) not found: install the Debian package 'libdw-dev'")
endif()
# Screening reads preprocessed sources on a thread while make runs.
find_package(Threads REQUIRED)
