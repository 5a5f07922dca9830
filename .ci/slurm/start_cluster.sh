#!/usr/bin/env bash
# Stand up a real single-node Slurm on this host: munged, slurmctld and slurmd, with the
# host's CPUs and memory and one generic GPU resource (gres gpu:1 backed by /dev/null), so that
# GPU-tagged rules are scheduled the way they are on a GPU cluster. The node sits in the
# default partition (main) and in a second one named like the GPU partition of
# profiles/slurm (gpu), so the profile runs here unchanged.
#
# Configuration goes where Slurm's commands look by default, /etc/slurm/slurm.conf and
# gres.conf, because Snakemake's job-step executor clears SLURM_* variables (SLURM_CONF
# included) before it calls srun inside a job. A slurm.conf there that this script did not
# write is never overwritten. Spool, state, logs, pid files and a private munge socket live
# in one state folder (default /tmp/mediagen-slurm; override with MEDIAGEN_SLURM_DIR).
#
# Needs root (slurmd runs as root). Installs Debian's slurm-wlm and munge when absent.
# Stop everything with stop_cluster.sh, which kills the daemons by the pids written here and
# removes the configuration this script wrote.
set -euo pipefail

state=${MEDIAGEN_SLURM_DIR:-/tmp/mediagen-slurm}
partition=${MEDIAGEN_SLURM_PARTITION:-main}
gpu_partition=${MEDIAGEN_SLURM_GPU_PARTITION:-gpu}
ctld_port=${MEDIAGEN_SLURMCTLD_PORT:-6817}
slurmd_port=${MEDIAGEN_SLURMD_PORT:-6818}
node=$(hostname -s)

if [[ $(id -u) -ne 0 ]]; then
    echo "start_cluster.sh: needs root (slurmd runs as root); run it with sudo" >&2
    exit 1
fi

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    echo "installing slurm-wlm and munge"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi

for daemon in munged slurmctld slurmd; do
    if [[ -s $state/$daemon.pid ]] && kill -0 "$(cat "$state/$daemon.pid")" 2>/dev/null; then
        echo "start_cluster.sh: $daemon from $state is already running;" \
            "stop it with stop_cluster.sh first" >&2
        exit 1
    fi
done
# From here on, a failure stops whatever this script has started.
fail() {
    echo "start_cluster.sh: $1; logs in $state/log/" >&2
    "$(dirname "$0")/stop_cluster.sh"
    exit 1
}
trap 'fail "a command failed"' ERR

etc=/etc/slurm
marker="# Single-node Slurm written by mediagen's start_cluster.sh"
for conf in slurm.conf gres.conf; do
    if [[ -e $etc/$conf ]] && ! grep -qxF "$marker" "$etc/$conf"; then
        echo "start_cluster.sh: $etc/$conf exists and was not written by this script;" \
            "this host already has a Slurm configuration, use that cluster instead" >&2
        exit 1
    fi
done

mkdir -p "$state"/{munge,ctld,spool,log} "$etc"
chmod 700 "$state/munge"

# munge: a fresh key and a private socket, so a system munged (if any) is left alone.
if [[ ! -s $state/munge/munge.key ]]; then
    dd if=/dev/urandom of="$state/munge/munge.key" bs=1024 count=1 status=none
fi
chmod 400 "$state/munge/munge.key"
munge_socket=$state/munge/munge.socket
munged --force --socket="$munge_socket" --key-file="$state/munge/munge.key" \
    --pid-file="$state/munged.pid" --log-file="$state/log/munged.log" \
    --seed-file="$state/munge/munged.seed"

# The node offers all its CPUs and its memory less 1 GiB for the daemons themselves.
cpus=$(nproc)
mem_mb=$(awk '/MemTotal/ {print int($2 / 1024) - 1024}' /proc/meminfo)

cat >"$etc/slurm.conf" <<CONF
$marker
ClusterName=mediagen
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$munge_socket
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
# Finished jobs stay visible to squeue and scontrol for a day: there is no accounting
# database here, so this is how job states and allocations are read after the fact.
MinJobAge=86400
MaxJobCount=100000
DefMemPerCPU=1024
GresTypes=gpu
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb Gres=gpu:1 State=UNKNOWN
PartitionName=$partition Nodes=$node Default=YES MaxTime=INFINITE State=UP
PartitionName=$gpu_partition Nodes=$node MaxTime=INFINITE State=UP
CONF

cat >"$etc/gres.conf" <<CONF
$marker
# One GPU slot without a device: lets jobs request and be allocated gres gpu:1.
AutoDetect=off
NodeName=$node Name=gpu File=/dev/null
CONF

slurmctld -c  # a fresh controller: no jobs or node states from an earlier run
slurmd

# Wait for the node to register, then bring it out of its initial state if it needs that.
for _ in $(seq 60); do
    if scontrol ping >/dev/null 2>&1 && sinfo -h -n "$node" -o %T | grep -qv -E '^$'; then
        break
    fi
    sleep 1
done
for _ in $(seq 30); do
    node_state=$(sinfo -h -n "$node" -o %T)
    case $node_state in
        idle|mixed|allocated) break ;;
        *) scontrol update nodename="$node" state=resume >/dev/null 2>&1 || true ;;
    esac
    sleep 1
done
node_state=$(sinfo -h -n "$node" -o %T)
if [[ $node_state != idle && $node_state != mixed && $node_state != allocated ]]; then
    fail "node $node is '$node_state', not idle"
fi
echo "Slurm is up: node $node ($cpus CPUs, $mem_mb MB, gres gpu:1)," \
    "partitions $partition (default) and $gpu_partition"
