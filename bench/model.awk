# model.awk: what a fleet of N nodes needs, from measured results.
#
#   awk -f bench/model.awk [-v N=50000] [-v T=2] [-v P=2] [-v quiet=ERE] \
#       bench/results/*.md
#
# Reads every "## N = n" section of the results files given: the CPU one
# `metactl ping` cost the agents, RabbitMQ and metactl ("Where the time of
# one more run goes"), its wall time, the agents' idle RSS and total PSS,
# and RabbitMQ's RSS without and with the n agents when the file has it.
# The model is linear in the fleet size: per node, a ping costs a of agent
# CPU, b of broker CPU and c of client CPU (each fitted as the total CPU
# over the total nodes of all points, so the largest fleets weigh most;
# a zero, a figure not taken, is left out). CPU times grow when other
# work shares the machine: with quiet set, only the files whose names
# match it are fitted, and the others are checked against the fit.
# On the benchmark machine every process shares P CPUs and metactl
# verifies the replies on one thread, so a ping takes at least
# max(c n, (a + b + c) n / P); the model prints that next to each measured
# point, with the error. For N nodes, each agent on its own machine, it
# prints the broker CPU per ping, the broker cores for a ping within T
# seconds, the client's time, and the memory of agents and broker.

function num(s) {
	gsub(/[^0-9.]/, "", s)
	return s + 0
}

FNR == 1 { file = FILENAME; sub(/.*\//, "", file) }

/^## N = [0-9]+/ { n = $4 + 0; next }

# | `metactl ping` | wall | own CPU | agents' CPU | RabbitMQ's CPU |
n > 0 && /^\| `metactl ping` \| [0-9.]+ \|/ {
	split($0, f, "|")
	k = ++npts
	pn[k] = n; pf[k] = file
	pwall[k] = num(f[3]); pc[k] = num(f[4])
	pa[k] = num(f[5]); pb[k] = num(f[6])
	next
}

n > 0 && /^\| agent idle RSS \|/ { split($0, f, "|"); rss[n] = num(f[3]); next }

n > 0 && /^\| total idle RSS \/ PSS of the/ {
	split($0, f, "|")
	split(f[3], m, "/")
	psstot[n] = num(m[2]); pssn[n] = num(f[2]) # the agents measured
	next
}

# | RabbitMQ RSS: before the agents / with the n agents idle | A MiB / B MiB |
n > 0 && /^\| RabbitMQ RSS: before the agents/ {
	split($0, f, "|")
	split(f[3], m, "/")
	brk0[n] = num(m[1]); brk1[n] = num(m[2])
	next
}

END {
	if (N == "") N = 50000
	if (T == "") T = 2
	if (P == "") P = 2
	if (npts == 0) {
		print "model: no `metactl ping` CPU figures in the files given" > "/dev/stderr"
		exit 1
	}
	# A zero is a figure that was not taken (time(1) said nothing).
	for (k = 1; k <= npts; k++) {
		if (quiet != "" && pf[k] !~ quiet)
			continue
		nfit++
		if (pa[k] > 0) { na += pn[k]; sa += pa[k] }
		if (pb[k] > 0) { nb += pn[k]; sb += pb[k] }
		if (pc[k] > 0) { nc += pn[k]; sc += pc[k] }
	}
	a = na ? sa / na : 0; b = nb ? sb / nb : 0; c = nc ? sc / nc : 0
	printf "Per node and ping (fitted over %d points, %d, %d and %d nodes): " \
	    "agent %.0f µs, broker %.0f µs, client %.0f µs of CPU\n\n",
	    nfit, na, nb, nc, a * 1000, b * 1000, c * 1000
	if (na == 0) {
		print "model: no file matches " quiet > "/dev/stderr"
		exit 1
	}
	print "| file | N | ping wall, measured | model: max(c N, (a+b+c) N / " P ") | error | CPU per node: agent / broker / client, measured |"
	print "|---|---:|---:|---:|---:|---|"
	for (k = 1; k <= npts; k++) {
		w = (a + b + c) * pn[k] / P
		if (c * pn[k] > w) w = c * pn[k]
		printf "| %s%s | %d | %.0f ms | %.0f ms | %+.0f%% | %.0f / %.0f / %.0f µs |\n",
		    pf[k], quiet == "" || pf[k] ~ quiet ? "" : " (not fitted)",
		    pn[k], pwall[k], w, (w - pwall[k]) * 100 / pwall[k],
		    pa[k] * 1000 / pn[k], pb[k] * 1000 / pn[k], pc[k] * 1000 / pn[k]
	}
	# Memory: the agents' figures of the largest fleet, the broker's
	# per connection over every point that has them.
	for (x in pssn) if (x + 0 > big) big = x + 0
	for (x in brk1) { bn += x; bd += brk1[x] - brk0[x]; bbase = brk0[x] }
	printf "\nFor N = %d nodes, each agent on its own machine:\n\n", N
	printf "| need | model |\n|---|---|\n"
	printf "| broker CPU per ping of all | %.1f s (b N) |\n", b * N / 1000
	printf "| broker cores for that ping within %g s | %d (b N / %g s; the broker cluster's cores, if the fan-out spreads over them) |\n",
	    T, int(b * N / 1000 / T) + (b * N / 1000 / T > int(b * N / 1000 / T)), T
	printf "| client CPU per ping (verifying %d replies on one thread) | %.1f s (c N): the time for a ping, at best |\n",
	    N, c * N / 1000
	printf "| client CPU per reply for a ping within %g s | %.0f µs (today %.0f) |\n",
	    T, T * 1e6 / N, c * 1000
	printf "| agent CPU per ping, on each node | %.2f ms (a) |\n", a
	if (big > 0)
		printf "| agent memory per node | %.2f MiB RSS alone on its machine (median at N=%d); %.3f MiB PSS per agent when %d share a machine |\n",
		    rss[big], big, psstot[big] / pssn[big], pssn[big]
	if (bn > 0)
		printf "| broker memory | %.0f MiB: %.1f KiB per connection (with its queue and channel) × %d, plus %.0f MiB without agents |\n",
		    bbase + bd / bn * N, bd / bn * 1024, N, bbase
	else
		printf "| broker memory | not in these files (no RabbitMQ RSS row) |\n"
}
