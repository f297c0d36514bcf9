/*
 * What a file kbuild generates is made from. Some objects include headers
 * that only their own build generates (security/selinux/flask.h from
 * genheaders, which compiles classmap.h in; security/apparmor's
 * capability_names.h; the asn1 decoders' headers). The header index can
 * describe such an object only if it knows which source files decide the
 * generated header's text: then a patch that changes none of them leaves
 * the header as it was, and a patch that changes one may alter the object.
 *
 * kbuild records, beside each file it makes with if_changed, the command
 * (".NAME.cmd": "cmd_PATH := COMMAND", or savedcmd_ since 6.3) and, for
 * compiled files, the sources and headers read (source_, deps_). The inputs
 * of a generated file are the tree's files named there, followed through
 * the .cmd files of those that kbuild made in turn (the genheaders program
 * to genheaders.c and classmap.h). A file made as a side output of another
 * command (av_permissions.h, made by flask.h's) has no .cmd of its own: a
 * .cmd of its directory whose command names it stands for it. A file kbuild
 * makes with $(call cmd,...) rather than if_changed has no .cmd at all
 * (apparmor's capability_names.h, the asn1 decoders' headers): make's own
 * database gives the prerequisites its rule names.
 */
#ifndef KSPLICE_GENERATED_INPUTS_H
#define KSPLICE_GENERATED_INPUTS_H

#include "strlist.h"

struct ksp_made_files {
	/* Whether the builds of this run made rel (tree-relative): it is not
	 * a source, even without a .cmd of its own. */
	int (*is_new)(void *ctx, const char *rel);
	/* The prerequisites make's rule for rel names (ksp_tree_prerequisites):
	 * 0 with out filled (or left empty), -1. */
	int (*prerequisites)(void *ctx, const char *rel, struct ksp_strlist *out);
	void *ctx;
};

/* Appends to inputs the tree-relative source files that generated file rel
 * (relative to root) is made from, each once. 0, or -1 if neither a .cmd
 * file nor make's rules tell how rel is made (or how a file it is made from
 * is), or if out of memory: then the inputs are unknown. */
int ksp_generated_inputs(const char *root, const char *rel, const struct ksp_made_files *made,
			 struct ksp_strlist *inputs);

#endif
