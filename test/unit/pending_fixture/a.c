/* live.pending_plan's module-like file, part a: a function with a fentry
 * call that calls a static of its file (the other part has a static of the
 * same name), the kernel (printk), a module it depends on that is not loaded (dep_fn)
 * and one that is (live_fn), and
 * reads a global of the other part.
 * VALUE differs in the variant that must not match. */
#ifndef VALUE
#define VALUE 10
#endif
extern int printk(const char *fmt, ...);
extern int shared_counter;
extern int dep_fn(int x);  /* of another module, not loaded either */
extern int live_fn(int x); /* of a module that is loaded */

static __attribute__((noinline)) int helper(int x)
{
	return x * 3 + shared_counter;
}

int target_fn(int x)
{
	if (x > VALUE)
		printk("big %d\n", x);
	return helper(x) + dep_fn(x) + live_fn(x);
}
