# procstat.awk: one line per process from its /proc files:
#   PID TICKS SWITCHES RSS_KB PSS_KB RUN_NS
# TICKS is utime+stime of all threads (stat fields 14 and 15, in clock
# ticks), SWITCHES voluntary plus involuntary context switches (status),
# RSS and PSS from smaps_rollup, RUN_NS the time on a CPU in nanoseconds
# (schedstat: exact, but of the main thread only). Give it, for each PID,
# /proc/PID/stat, /proc/PID/status, /proc/PID/smaps_rollup and
# /proc/PID/schedstat; a process that is gone prints nothing.
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

FILENAME ~ /\/schedstat$/ {
	run[pid] = $1
}

END {
	for (p in seen)
		if (p in ticks)
			printf "%s %d %d %d %d %.0f\n", p, ticks[p], sw[p], rss[p],
			    pss[p], run[p]
}
