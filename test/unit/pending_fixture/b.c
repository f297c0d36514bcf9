/* live.pending_plan's module-like file, part b: another static helper. */
int shared_counter;

static __attribute__((noinline)) int helper(int x)
{
	return x - shared_counter;
}

int other_fn(int x)
{
	return helper(x) * 2;
}
