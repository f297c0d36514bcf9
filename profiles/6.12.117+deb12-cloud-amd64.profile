# Kernel profile: everything specific to one target kernel, in one place.
# Read by scripts/testbed (as shell) and by test/support/profile.c (as KEY=VALUE).
# Format: KEY=VALUE per line, no spaces around '=', no quoting, '#' comments.

# Kernel ABI name (uname -r) and the Debian package version it ships in
# (bookworm-security's 6.12 series: linux-image-RELEASE is the signed image).
KERNEL_RELEASE=6.12.117+deb12-cloud-amd64
PACKAGE_VERSION=6.12.117-1~deb12u1
# Debian source package that holds the exact source tree, and its tarball.
SOURCE_PACKAGE=linux-source-6.12
SOURCE_TARBALL=linux-source-6.12.tar.xz
# Support packages. From 6.12 on, kbuild is named per upload, like the
# common headers.
KBUILD_PACKAGE=linux-kbuild-6.12.117+deb12
HEADERS_COMMON=linux-headers-6.12.117+deb12-common
# Debian's make variables (.kernelvariables and UTS_VERSION of the image);
# with these the tree compiles objects byte-identical to the shipped kernel.
# 6.12 is built with CROSS_COMPILE=x86_64-linux-gnu- even natively, so its
# CONFIG_CC_VERSION_TEXT names x86_64-linux-gnu-gcc-12.
CC=x86_64-linux-gnu-gcc-12
CROSS_COMPILE=x86_64-linux-gnu-
# Not Debian's: 6.12's Kconfig records the version of the rustc on PATH
# (CONFIG_RUSTC_VERSION); Debian built without one (0). A rustc that does not
# exist keeps a host's Rust toolchain out of the .config.
RUSTC=/nonexistent/rustc
DISTRIBUTION_OFFICIAL_BUILD=1
DISTRIBUTOR=Debian
DISTRIBUTION_VERSION=6.12.117-1~deb12u1
KBUILD_BUILD_USER=debian-kernel
KBUILD_BUILD_HOST=lists.debian.org
KBUILD_BUILD_TIMESTAMP=2026-11-14
