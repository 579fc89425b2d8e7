#!/usr/bin/env bash
# backup.sh - the operator's entry point to the database backups (the `just` backup recipes).
set -euo pipefail

# shellcheck source=ansible/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

usage() {
  cat <<EOF
Usage: ${0##*/} COMMAND ENV [options] [-- ANSIBLE_ARGS...]

Commands (ENV is staging or production; docs/backups.md):
  provision ENV            pgBackRest on the database and backup hosts (ansible/playbooks/backups.yml):
                           WAL archiving, the encrypted repository, the schedule; checks it and makes
                           a first full backup when there is none. Safe to rerun
  backup ENV [full|diff]   take a backup now (default diff)
  backups ENV              what the repository holds: each backup's type, time, sizes and age
  restore ENV [--to TIME] [--timeline N] [--discard-newer-timelines] [--yes]
                           restore the database from the repository into a stopped database or a
                           new host, to the latest archived point or to TIME (e.g. '2026-12-01
                           03:15:00+00'; without a zone, UTC), along the timeline live at TIME (or
                           timeline N); refuses to discard a newer timeline's writes unless
                           --discard-newer-timelines. production asks for confirmation unless --yes

Environment:
  AGROBRIDGE_INVENTORIES        folder holding staging/ and production/ (default ansible/inventories)
  ANSIBLE_VAULT_PASSWORD_FILE   the vault password file (docs/deploy.md: where it comes from)
Everything after -- goes to ansible-playbook (e.g. -e ansible_user=admin for a first run of
every host; for some hosts only, set ansible_user on their lines in hosts.yml: docs/deploy.md).
EOF
}

command_and_env "$@"
shift 2

yes='' to='' timeline='' discard='' kind='' extra=()
while (($#)); do
  case $1 in
    --yes) yes=1; shift ;;
    --to)
      [[ -n ${2:-} ]] || die "--to needs a time, e.g. --to '2026-12-01 03:15:00+00'"
      to=$2; shift 2 ;;
    --to=*) to=${1#--to=}; [[ -n $to ]] || die "--to needs a time"; shift ;;
    --timeline)
      [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--timeline needs a timeline number (just backups ENV lists them)"
      timeline=$2; shift 2 ;;
    --discard-newer-timelines) discard=1; shift ;;
    --) shift; extra=("$@"); break ;;
    -*) die "unknown option: $1" ;;
    *) [[ -z $kind ]] || die "unexpected argument: $1"; kind=$1; shift ;;
  esac
done

case $command in
  backup)
    kind=${kind:-diff}
    [[ $kind == full || $kind == diff ]] || die "the backup type must be full or diff, not '$kind'" ;;
  restore) [[ -z $kind ]] || die "restore takes no argument but --to TIME and --yes, not '$kind'" ;;
  provision | backups) [[ -z $kind ]] || die "$command takes no argument, not '$kind'" ;;
  *) usage >&2; die "unknown command: $command" ;;
esac
[[ -z $to$timeline$discard || $command == restore ]] || die "--to, --timeline and --discard-newer-timelines are for restore only"

use_ansible "$env"

case $command in
  provision) playbook backups "$env" ;;
  backup) playbook backup "$env" -e "backups_type=$kind" ;;
  backups) playbook backup-info "$env" ;;
  restore)
    args=()
    if [[ -n $to ]]; then
      # A time without a zone is UTC, as everything the hosts log.
      [[ $to =~ ([+-][0-9]{2}(:?[0-9]{2})?|Z|UTC)$ ]] || to="$to UTC"
      epoch=$(date -u -d "$to" +%s.%N 2>/dev/null) || die "--to '$to' is not a time (e.g. '2026-12-01 03:15:00+00')"
      (($(date -u +%s) >= ${epoch%.*})) || die "--to '$to' is in the future: nothing is archived after now"
      target=$(date -u -d "@$epoch" '+%Y-%m-%d %H:%M:%S.%6N+00')
      args=(-e "backups_restore_target='$target'" -e "backups_restore_target_epoch=$epoch")
      echo "restoring $env to $target (UTC)"
    else
      echo "restoring $env to the latest archived point"
    fi
    if [[ $env == production && -z $yes ]]; then
      read -r -p "This replaces production's database. Type 'yes': " answer
      [[ $answer == yes ]] || die "not confirmed"
    fi
    [[ -z $timeline ]] || args+=(-e "backups_restore_timeline=$timeline")
    [[ -z $discard ]] || args+=(-e "backups_discard_newer_timelines=true")
    playbook restore "$env" "${args[@]+"${args[@]}"}"
    ;;
esac
