#!/usr/bin/env bash
# Stop the daemons start_cluster.sh started, by the pids it recorded (slurmd, slurmctld,
# munged), and remove the configuration it wrote under /etc/slurm. The state folder (logs
# included) stays for inspection; remove it by hand when done.
set -euo pipefail

state=${MEDIAGEN_SLURM_DIR:-/tmp/mediagen-slurm}

stop_by_pidfile() {
    local name=$1 pidfile=$2 pid
    [[ -s $pidfile ]] || return 0
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "stop_cluster.sh: $name (pid $pid) did not stop on TERM; sending KILL" >&2
            kill -9 "$pid" 2>/dev/null || true
        fi
        echo "stopped $name (pid $pid)"
    fi
    rm -f "$pidfile"
}

stop_by_pidfile slurmd "$state/slurmd.pid"
stop_by_pidfile slurmctld "$state/slurmctld.pid"
stop_by_pidfile munged "$state/munged.pid"

marker="# Single-node Slurm written by mediagen's start_cluster.sh"
for conf in /etc/slurm/slurm.conf /etc/slurm/gres.conf; do
    if [[ -e $conf ]] && grep -qxF "$marker" "$conf"; then
        rm -f "$conf"
    fi
done
