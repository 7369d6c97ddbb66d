# shellcheck shell=bash
# Process bookkeeping shared by cloud.sh and chassisctl.sh. A pid file holds
# "PID STARTTIME" (STARTTIME = field 22 of /proc/PID/stat), so a recycled
# PID is never mistaken for ours. (The environment cannot carry a marker:
# setproctitle, used by Neutron and Nova, overwrites /proc/PID/environ.)

# proc_start_time PID: prints the kernel start time of PID, or nothing.
proc_start_time() {
	sed -e 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20 || true
}

# proc_alive PID START: PID runs (not a zombie) and is the process started at START.
proc_alive() {
	local pid=$1 start=$2 st
	[ -n "$pid" ] && [ -n "$start" ] || return 1
	st=$(sed -e 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1,20 || true)
	case "$st" in "" | Z\ * | X\ * | x\ *) return 1 ;; esac
	[ "${st#* }" = "$start" ]
}

# pidfile_alive FILE: the process recorded in FILE still runs.
pidfile_alive() {
	local pid start
	[ -r "$1" ] || return 1
	read -r pid start <"$1" || return 1
	proc_alive "$pid" "$start"
}

# pidfile_pid FILE: the PID recorded in FILE.
pidfile_pid() {
	local pid _
	[ -r "$1" ] || return 0
	read -r pid _ <"$1" || return 0
	echo "$pid"
}

# pidfile_write FILE PID: records PID and its start time.
pidfile_write() {
	printf '%s %s\n' "$2" "$(proc_start_time "$2")" >"$1"
}

# session_rss_kib PID: resident memory (KiB) of every process in the session
# PID leads (each service is started with setsid, so that is the service
# with all its workers and helpers).
session_rss_kib() {
	ps -o rss= -s "$1" 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'
}

# cloud_rss_kib RUN_DIR: resident memory (KiB) of all live services recorded in RUN_DIR.
cloud_rss_kib() {
	local f total=0
	for f in "$1"/*.pid; do
		[ -e "$f" ] || continue
		if pidfile_alive "$f"; then
			total=$((total + $(session_rss_kib "$(pidfile_pid "$f")")))
		fi
	done
	echo "$total"
}
