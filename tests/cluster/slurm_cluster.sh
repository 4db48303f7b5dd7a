#!/usr/bin/env bash
# A real single-node SLURM cluster on this machine, for the cluster proof (tests/cluster/).
#
#   bash tests/cluster/slurm_cluster.sh start   # install (Debian) if needed, configure, start
#   bash tests/cluster/slurm_cluster.sh stop    # stop the daemons started here
#
# Needs root (it writes /etc/munge and /etc/slurm and starts munged, slurmctld and slurmd).
# Accounting is off (no slurmdbd): the Snakemake SLURM executor then follows jobs with squeue,
# which needs finished jobs kept long enough (MinJobAge), and submits without an account.
set -euo pipefail

RUN=/run/injury-survey-slurm
SPOOL=/var/spool/injury-survey-slurm

start() {
  if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    echo "[slurm] installing slurm-wlm and munge from Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
  fi
  mkdir -p "$RUN" "$SPOOL/ctld" "$SPOOL/d" /etc/slurm /etc/munge /run/munge /var/lib/munge /var/log/munge
  if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
  chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge
  chmod 400 /etc/munge/munge.key
  chmod 700 /etc/munge
  if ! pgrep -x munged >/dev/null; then
    su -s /bin/sh munge -c /usr/sbin/munged
  fi

  local host cpus mem
  host=$(hostname -s)
  cpus=$(nproc)
  mem=$(( $(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) - 1024 ))
  cat > /etc/slurm/slurm.conf <<CONF
ClusterName=injurysurvey
SlurmctldHost=${host}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
MinJobAge=600
SlurmctldPidFile=${RUN}/slurmctld.pid
SlurmdPidFile=${RUN}/slurmd.pid
StateSaveLocation=${SPOOL}/ctld
SlurmdSpoolDir=${SPOOL}/d
SlurmctldLogFile=${SPOOL}/slurmctld.log
SlurmdLogFile=${SPOOL}/slurmd.log
NodeName=${host} CPUs=${cpus} RealMemory=${mem} State=UNKNOWN
PartitionName=main Nodes=${host} Default=YES MaxTime=INFINITE State=UP
CONF
  # -c: start without the jobs of an earlier session (an interrupted run leaves them queued in
  # the saved state, and they would hold the node).
  pgrep -x slurmctld >/dev/null || /usr/sbin/slurmctld -c
  pgrep -x slurmd >/dev/null || /usr/sbin/slurmd
  for _ in $(seq 1 30); do
    if sinfo -h -o %T 2>/dev/null | grep -q idle; then
      echo "[slurm] node $host idle: $cpus CPUs, ${mem} MB"
      return 0
    fi
    sleep 1
  done
  echo "[slurm] the node did not become idle; logs in $SPOOL" >&2
  sinfo >&2 || true
  return 1
}

stop() {
  for pid_file in "$RUN/slurmd.pid" "$RUN/slurmctld.pid" /run/munge/munged.pid; do
    [ -f "$pid_file" ] && kill "$(cat "$pid_file")" 2>/dev/null || true
  done
  # A slurm.conf naming a controller that is not running costs every Snakemake start ~9 s: the
  # SLURM executor plugin calls scontrol as it loads, and scontrol waits for the controller.
  if grep -qx "ClusterName=injurysurvey" /etc/slurm/slurm.conf 2>/dev/null; then
    rm -f /etc/slurm/slurm.conf
  fi
  echo "[slurm] stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
