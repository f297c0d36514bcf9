# helper.jump_write: a jump whose 5 bytes would cross a cache line cannot be
# written with one atomic store, so the helper refuses it (bad_plan) before
# anything is written. The plan is pointed (ksplice-test-plan --old-addr,
# --jump-offset, --expected) at a site 60-63 bytes into a cache line in a
# function of the test module; candidates whose site overlaps a site the
# kernel rewrites (static calls) are refused for that reason instead, and the
# next one is tried.
. "$(dirname "$0")/helper_lib.sh"
build_helper_modules ksplice_target ksplice_update_a
guest_must_pass -- '
load_helper
# "ADDR NAME" of the test module functions, by address, with the next one.
grep "\[ksplice_target\]$" /proc/kallsyms | awk "\$2 ~ /[tT]/ { print \$1, \$3 }" | sort >/tmp/syms
found=0
while read -r addr name && [ $found = 0 ]; do
	next=$(awk -v a=$addr "\$1 > a { print \$1; exit }" /tmp/syms)
	[ -n "$next" ] || continue
	size=$((0x$next - 0x$addr))
	off=5
	while [ $((off + 5)) -le $size ] && [ $found = 0 ]; do
		if [ $(((0x$addr + off) & 63)) -ge 60 ]; then
			site=$(printf %x $((0x$addr + off)))
			bytes=$(ksplice-kcore-read $site 5)
			load_update a --old-addr $addr --jump-offset $off --old-size $size --expected $bytes
			set_stage testa applied && fail "a jump across a cache line was written at $name+$off"
			detail=$(cat $KS/testa/abort_detail)
			echo "$name+$off ($site): $(cause testa): $detail"
			case "$detail" in
			*"crosses a cache line"*)
				expect "cause" "$(cause testa)" bad_plan
				expect "bytes at the refused site" "$(ksplice-kcore-read $site 5)" "$bytes"
				found=1 ;;
			esac
			rmmod ksplice_update_a || fail "rmmod"
			off=$((off + 64))
		else
			off=$((off + 1))
		fi
	done
done </tmp/syms
[ $found = 1 ] || fail "no site 60-63 bytes into a cache line was refused for it"
expect "value" "$(value)" 1
echo PASS'
