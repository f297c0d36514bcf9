# Kernel profile: everything specific to one target kernel, in one place.
# Read by scripts/testbed (as shell) and by test/support/profile.c (as KEY=VALUE).
# Format: KEY=VALUE per line, no spaces around '=', no quoting, '#' comments.

# Kernel ABI name (uname -r) and the Debian package version it ships in.
KERNEL_RELEASE=6.1.0-53-cloud-amd64
PACKAGE_VERSION=6.1.187-1
# Debian source package that holds the exact source tree, and its tarball.
SOURCE_PACKAGE=linux-source-6.1
SOURCE_TARBALL=linux-source-6.1.tar.xz
# Support packages (downloaded at the archive's current version: kbuild is
# backward compatible within a series).
KBUILD_PACKAGE=linux-kbuild-6.1
HEADERS_COMMON=linux-headers-6.1.0-53-common
# Debian's make variables (.kernelvariables and UTS_VERSION of the image);
# with these the tree compiles objects byte-identical to the shipped kernel.
CC=gcc-12
DISTRIBUTION_OFFICIAL_BUILD=1
DISTRIBUTOR=Debian
DISTRIBUTION_VERSION=6.1.187-1
KBUILD_BUILD_USER=debian-kernel
KBUILD_BUILD_HOST=lists.debian.org
KBUILD_BUILD_TIMESTAMP=2026-09-07
