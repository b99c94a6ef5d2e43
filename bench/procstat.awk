# procstat.awk: one line per process from its /proc files:
#   PID TICKS SWITCHES RSS_KB PSS_KB
# TICKS is utime+stime (stat fields 14 and 15, in clock ticks), SWITCHES
# voluntary plus involuntary context switches (status), RSS and PSS from
# smaps_rollup. Give it, for each PID, /proc/PID/stat, /proc/PID/status and
# /proc/PID/smaps_rollup; a process that is gone prints nothing.
#
#   awk -f bench/procstat.awk /proc/123/stat /proc/123/status ...

{
	split(FILENAME, f, "/")
	pid = f[3]
	seen[pid] = 1
}

FILENAME ~ /\/stat$/ {
	# The command name may hold blanks: count fields after its ')'.
	s = $0
	sub(/^.*\) /, "", s)
	split(s, v, " ")
	ticks[pid] = v[12] + v[13]
}

FILENAME ~ /\/status$/ && /^(voluntary|nonvoluntary)_ctxt_switches:/ {
	sw[pid] += $2
}

FILENAME ~ /\/smaps_rollup$/ && /^Rss:/ {
	rss[pid] = $2
}

FILENAME ~ /\/smaps_rollup$/ && /^Pss:/ {
	pss[pid] = $2
}

END {
	for (p in seen)
		if (p in ticks)
			print p, ticks[p], sw[p] + 0, rss[p] + 0, pss[p] + 0
}
