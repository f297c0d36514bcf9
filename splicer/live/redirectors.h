/*
 * Other redirectors of a kernel function (the kernel's livepatch, ftrace
 * IPMODIFY users: kprobes with a post handler, BPF trampolines), as user
 * space can see them: /sys/kernel/livepatch and tracefs' enabled_functions.
 * kmod-helper owns the fentry call of each function it redirects, so that
 * none can arrive later; these tell who got there first, or who got in
 * where the helper's claim could not be made.
 */
#ifndef KSPLICE_REDIRECTORS_H
#define KSPLICE_REDIRECTORS_H

#include <stddef.h>

/* Who else redirects the function called name, in words ("livepatch P",
 * "ftrace IPMODIFY user HANDLER"): 1 and owner filled when one is seen,
 * else 0 and owner "". */
int ksp_redirector(const char *name, char *owner, size_t len);

/* The same from the texts of the files: the livepatch function directories
 * ("PATCH/OBJECT/FUNC,POS" lines) and enabled_functions. For tests. */
int ksp_redirector_parse(const char *name, const char *livepatch_dirs,
			 const char *enabled_functions, char *owner, size_t len);

#endif
