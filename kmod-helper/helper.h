/* SPDX-License-Identifier: GPL-2.0 */
/* kmod-helper internals, shared by its source files. */
#ifndef KSPLICE_HELPER_H
#define KSPLICE_HELPER_H

#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/stacktrace.h>
#include <linux/stop_machine.h>
#include "ksplice_update.h"

#define KSPLICE_HELPER_VERSION "0.3.0"
#define KSPLICE_DETAIL_LEN 200
#define KSPLICE_MAX_CONFLICTS 32

/* Kernel functions and data that are not exported, found through kallsyms. */
struct ksplice_ksyms {
	unsigned long (*kallsyms_lookup_name)(const char *name);
	int (*kallsyms_lookup_size_offset)(unsigned long addr,
					   unsigned long *size,
					   unsigned long *offset);
	int (*core_kernel_text)(unsigned long addr);
	struct module *(*module_text_address)(unsigned long addr);
	struct module *(*module_address)(unsigned long addr);
	int (*stop_machine_cpuslocked)(cpu_stop_fn_t fn, void *data,
				       const struct cpumask *cpus);
	void *(*text_poke_kgdb)(void *addr, const void *opcode, size_t len);
	void *(*text_poke)(void *addr, const void *opcode, size_t len);
	struct mutex *text_mutex;
	int (*save_tsk_reliable)(struct task_struct *tsk, unsigned long *store,
				 unsigned int size);
	struct task_struct *(*idle_task)(int cpu);
	int (*task_call_func)(struct task_struct *p,
			      int (*func)(struct task_struct *, void *),
			      void *arg);
	int (*ftrace_text_reserved)(const void *start, const void *end);
	int (*jump_label_text_reserved)(void *start, void *end);
	int (*static_call_text_reserved)(void *start, void *end);
	int (*alternatives_text_reserved)(void *start, void *end);
	void (*jump_label_lock)(void);
	void (*jump_label_unlock)(void);
	void (*put_task_stack)(struct task_struct *tsk);
	struct module *(*find_module_all)(const char *name, size_t len,
					  bool even_unformed);
	struct callback_head *(*task_work_cancel_match)(struct task_struct *t,
			bool (*match)(struct callback_head *, void *data),
			void *data);
};

extern struct ksplice_ksyms ksplice_ksyms;
int ksplice_find_ksyms(void);

enum ksplice_stage { KSPLICE_PREPARED, KSPLICE_APPLIED, KSPLICE_REVERSED };

struct ksplice_state;
struct ksplice_keys;
struct ksplice_pending;

/* What the helper learned about one patch when it last applied it. */
struct ksplice_site {
	unsigned long func;		/* the code patched (old or followed) */
	unsigned long site;		/* func + jump_offset */
	unsigned long new_size;
	struct module *mod;		/* module holding func, if any */
	bool holds_ref;			/* the update's one reference on mod */
	struct ksplice_state *dep;	/* update owning func, if stacked */
	u8 saved[KSPLICE_JUMP_LEN];	/* original bytes */
	u8 trampoline[KSPLICE_JUMP_LEN];
};

struct ksplice_conflict {
	pid_t pid;
	char comm[TASK_COMM_LEN];
	unsigned long addr;
	u8 verdict;			/* enum ksplice_kick */
	bool kicked;			/* kicked, and still there */
	long syscall;			/* the call it was in, -1: none */
};

/* One registered update: /sys/kernel/ksplice/<id>/. */
struct ksplice_state {
	struct kobject kobj;
	struct list_head list;
	char id[KSPLICE_ID_MAX + 1];
	char description[KSPLICE_DESCRIPTION_MAX + 1];	/* one line */
	char cves[KSPLICE_CVES_MAX + 1];	/* ids joined by spaces */
	char brings[KSPLICE_VERSION_MAX + 1];
	char signer[KSPLICE_SIGNER_MAX + 1];	/* as ksplice-apply verified it */
	const struct ksplice_update *update;
	struct module *owner;
	unsigned int nr_patches;
	struct ksplice_patch *plan;	/* the helper's own copy */
	struct ksplice_site *sites;
	struct ksplice_claim *claims;	/* redirectors.c, while applied */
	struct ksplice_keys *keys;	/* relocs.c: keys and their addresses */
	struct ksplice_pending *pending;	/* pending.c: parts of absent modules */
	const char *scope;		/* acting on this module's part only */
	bool frozen;			/* relocations written: plan final */
	enum ksplice_stage stage;
	enum ksplice_abort_cause cause;
	char detail[KSPLICE_DETAIL_LEN];
	struct ksplice_conflict conflicts[KSPLICE_MAX_CONFLICTS];
	unsigned int nr_conflicts;	/* may exceed KSPLICE_MAX_CONFLICTS */
	u64 pause_ns;			/* the whole stop_machine call */
	u64 pause_inside_ns;		/* our work with every CPU held */
	bool kick;			/* move user sleepers out (sleepers.c) */
	unsigned int nr_kicked;		/* threads kicked by the last action */
	u64 held_ns;			/* and how long they were held */
	time64_t applied_at;		/* last successful apply, 0: never */
	bool unregistered;
};

/* An update module or early table of this API version is understood. */
static inline bool ksplice_api_known(u32 version)
{
	return version >= KSPLICE_API_VERSION_MIN &&
	       version <= KSPLICE_API_VERSION;
}

static inline bool ksplice_check_only(const struct ksplice_state *state,
				      unsigned int i)
{
	return state->plan[i].flags & KSPLICE_PATCH_CHECK_ONLY;
}

/* registry.c: every registered update, under ksplice_mutex. */
extern struct mutex ksplice_mutex;
extern struct list_head ksplice_updates;
struct ksplice_state *ksplice_find_follower(const struct ksplice_state *self,
					   unsigned long func,
					   unsigned int *index);
struct ksplice_state *ksplice_update_owning(struct module *mod);
struct ksplice_state *ksplice_first_dependent(const struct ksplice_state *state);
struct ksplice_state *ksplice_find_replaced(unsigned long new_addr,
					    unsigned int *index);

/* sysfs.c */
extern struct kobject *ksplice_root;
int ksplice_sysfs_init(void);
void ksplice_sysfs_exit(void);
int ksplice_state_add(struct ksplice_state *state);
void ksplice_state_remove(struct ksplice_state *state);
const char *ksplice_cause_name(enum ksplice_abort_cause cause);

/* plan.c: check a plan and find the code it patches. */
int ksplice_resolve_plan(struct ksplice_state *state);
void ksplice_release_plan(struct ksplice_state *state);
int ksplice_check_reserved(struct ksplice_state *state);
bool ksplice_holds_ref(const struct ksplice_state *state, struct module *mod);
bool ksplice_target(struct ksplice_state *state, unsigned int i, char *name,
		    size_t len, const char **how);
int ksplice_resolve_part(struct ksplice_state *state);

/* relocs.c: the plan user space writes, and the new code's references. */
bool ksplice_relocs_valid(const struct ksplice_update *update);
int ksplice_keys_new(struct ksplice_state *state,
		     const struct ksplice_update *update);
void ksplice_keys_free(struct ksplice_state *state);
int ksplice_plan_write(struct ksplice_state *state, const char *buf,
		       size_t count);
int ksplice_relocs_check(struct ksplice_state *state);
void ksplice_relocs_write(struct ksplice_state *state);
int ksplice_key_index(const struct ksplice_state *state, const char *name);
void ksplice_key_unvalue(struct ksplice_state *state, unsigned int k);
void ksplice_key_set(struct ksplice_state *state, unsigned int k,
		     unsigned long addr);
unsigned int ksplice_nr_keys(const struct ksplice_state *state);
const char *ksplice_key_name(const struct ksplice_state *state, unsigned int k);
int ksplice_relocs_check_keys(struct ksplice_state *state,
			      const unsigned long *keys);
void ksplice_relocs_write_keys(struct ksplice_state *state,
			       const unsigned long *keys);

/* pending.c: entries of modules not loaded at apply (plan lines, scope). */
int ksplice_pending_new(struct ksplice_state *state, unsigned int nr_entries,
			unsigned int nr_keys);
void ksplice_pending_free(struct ksplice_state *state);
int ksplice_pending_line(struct ksplice_state *state, char **args, int nargs);
void ksplice_pending_key_valued(struct ksplice_state *state, unsigned int k);
bool ksplice_is_pending(const struct ksplice_state *state, unsigned int i);
bool ksplice_waiting(const struct ksplice_state *state, unsigned int i);
bool ksplice_acting(const struct ksplice_state *state, unsigned int i);
bool ksplice_key_pending(const struct ksplice_state *state, unsigned int k);
const char *ksplice_pending_module(const struct ksplice_state *state,
				   unsigned int i);
void ksplice_pending_reset(struct ksplice_state *state);
int ksplice_pending_absent(struct ksplice_state *state);

/* pending_module.c: a pending part applied when its module comes. */
int ksplice_module_coming(struct module *mod);
/* early.c: an update module's early references, at COMING and GOING. */
int ksplice_early_coming(struct module *mod);
void ksplice_early_going(struct module *mod);
void ksplice_module_going_parts(struct module *mod);

/* sched_notes.c: threads switched out or created while armed. */
#define KSPLICE_MAX_NOTED 4096
struct ksplice_notes {
	atomic_t nr;			/* may exceed KSPLICE_MAX_NOTED */
	pid_t pids[KSPLICE_MAX_NOTED];
};

int ksplice_sched_notes_init(void);
void ksplice_sched_notes_exit(void);
void ksplice_notes_arm(struct ksplice_notes *notes);
void ksplice_notes_disarm(void);

/* stack_check.c */
struct ksplice_range {
	unsigned long lo, hi;	/* addresses in [lo, hi) are busy */
};

struct ksplice_stack_check;
struct ksplice_stack_check *ksplice_stack_check_new(struct ksplice_state *s,
						    bool undo);
void ksplice_stack_check_free(struct ksplice_stack_check *check);
int ksplice_stack_precheck(struct ksplice_stack_check *check);
int ksplice_stack_recheck(struct ksplice_stack_check *check);
struct task_struct **ksplice_stack_busy(struct ksplice_stack_check *check,
					unsigned int *nr);

/* sleepers.c: kicking user threads out of busy code and holding them. */
struct ksplice_parking;
extern bool ksplice_kick_default;
struct ksplice_parking *ksplice_parking_new(void);
enum ksplice_kick {
	KSPLICE_KICK_YES,
	KSPLICE_KICK_NEVER,		/* kernel thread, io worker, exiting */
	KSPLICE_KICK_NOT_THIS_CALL,	/* a call a kick could disturb */
};
enum ksplice_kick ksplice_kick_verdict(struct task_struct *t, long *nr);
bool ksplice_parking_kick(struct ksplice_parking *lot, struct task_struct *t);
unsigned int ksplice_parking_kicked(const struct ksplice_parking *lot);
bool ksplice_parking_has(const struct ksplice_parking *lot, pid_t pid);
void ksplice_parking_wait(struct ksplice_parking *lot);
u64 ksplice_parking_release(struct ksplice_parking *lot);

/* patching.c */
extern unsigned int ksplice_tries;
extern unsigned int ksplice_retry_ms;
int ksplice_apply(struct ksplice_state *state);
int ksplice_reverse(struct ksplice_state *state);
int ksplice_act_with_retries(struct ksplice_state *state, bool undo);
void ksplice_hide_addresses(char *to, const char *from, size_t len);
int ksplice_cause_errno(enum ksplice_abort_cause cause);

/* jump_write.c: the jump written with one store, NMI-safe. */
struct ksplice_jump_write;
struct ksplice_jump_write *ksplice_jump_write_new(struct ksplice_state *state,
						  int *cause);
void ksplice_jump_write_free(struct ksplice_jump_write *jw);
void ksplice_jump_write(struct ksplice_jump_write *jw, unsigned int i,
			const u8 *bytes);

/* redirectors.c: own the fentry calls of replaced functions (ftrace). */
int ksplice_claim_entries(struct ksplice_state *state);
void ksplice_release_claims(struct ksplice_state *state);
void ksplice_release_part_claims(struct ksplice_state *state);

/* force_unload.c: reverse updates whose code a forced unload frees. */
int ksplice_force_unload_init(void);
void ksplice_force_unload_exit(void);
void ksplice_reverse_for_unload(struct ksplice_state *state, const char *why);

/* Records why an action stopped, with a one-line detail. */
__printf(3, 4)
int ksplice_abort(struct ksplice_state *state, enum ksplice_abort_cause cause,
		  const char *fmt, ...);

#endif /* KSPLICE_HELPER_H */
