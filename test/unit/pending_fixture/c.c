/* live.pending_plan's other module (dep.ko), which mod.ko depends on. */
int dep_fn(int x)
{
	return x + 7;
}
