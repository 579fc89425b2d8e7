"""The runbook's host commands, read from docs/runbook.md, and how one run of them is judged.

Every `sh` block of the checked sections holds commands for a deployed host, one a line (a
line ending in a backslash goes on). The block after the "Where things are" table sets
`$SLOT` and `$PORT`, which the other commands use: it runs before each of them.
"""

import re
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.deploy.conftest import EDGE_ROOT_ON_HOST, ROOT, Site
from tests.deploy.hosts import Host

RUNBOOK = ROOT / "docs" / "runbook.md"
PRELUDE_SECTION = "Where things are"
CHECKED = ("Where things are", "Where the logs are")
ALERTS = "Alerts"
# Sections whose blocks need the backups set up: test_restore_drill.py runs them on the drill's
# hosts (the host each names: its "Check (on the ... host)"), not on the freshly deployed host.
BACKUP_SECTIONS = {
    "BackupTooOld": "backup",
    "BackupStatusMissing": "database",
    "WalArchivingFailing": "database",
    "WalNotArchived": "database",
}
EXCLUDED = dict.fromkeys(BACKUP_SECTIONS, "run by the restore drill, on the hosts it names")
# A command that follows a stream (journalctl -f) runs this long, then counts as done.
FOLLOW_SECONDS = 3
PLACEHOLDER_DOMAIN = "api.example.com"
_FENCE = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)
_HEADING = re.compile(r"^(#{2,3}) (.+)$", re.M)


@dataclass(frozen=True)
class Command:
    section: str
    line: str

    def __str__(self) -> str:
        return f"[{self.section}] {self.line}"


def sections(text: str) -> dict[str, str]:
    """Each `##` or `###` section's own text (up to the next heading), by title; an alert's
    title is its name."""
    found = list(_HEADING.finditer(text))
    return {
        match[2].strip(): text[match.end() : found[i + 1].start() if i + 1 < len(found) else None]
        for i, match in enumerate(found)
    }


def commands_of(body: str) -> list[str]:
    lines: list[str] = []
    for block in _FENCE.findall(body):
        joined = block.replace("\\\n", " ")
        lines += [line.strip() for line in joined.splitlines() if line.strip()]
    return lines


def alert_names(text: str) -> list[str]:
    alerts = text.split(f"\n## {ALERTS}\n", 1)[1]
    return [match[2].strip() for match in _HEADING.finditer(alerts) if match[1] == "###"]


def prelude() -> str:
    return "\n".join(commands_of(sections(RUNBOOK.read_text())[PRELUDE_SECTION])[:2])


def checked_commands() -> list[Command]:
    text = RUNBOOK.read_text()
    by_title = sections(text)
    titles = [*CHECKED, *(name for name in alert_names(text) if name not in EXCLUDED)]
    listed = [Command(title, line) for title in titles for line in commands_of(by_title[title])]
    # The prelude is not checked on its own: every other command runs after it.
    return [command for command in listed if not command.line.startswith(("SLOT=", "PORT="))]


def stages(line: str) -> list[str]:
    """The commands of the line's last pipeline (pipes inside quotes do not count)."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    pipelines: list[list[list[str]]] = [[[]]]
    for token in lexer:
        if token in {";", "&&", "||"}:
            pipelines.append([[]])
        elif token == "|":
            pipelines[-1].append([])
        else:
            pipelines[-1][-1].append(token)
    return [command_name(stage) for stage in pipelines[-1]]


def command_name(words: list[str]) -> str:
    """The program a stage runs: `sudo -u postgres grep ...` runs grep."""
    if words[:1] == ["sudo"]:
        rest = words[1:]
        while rest and rest[0].startswith("-"):
            rest = rest[2:] if rest[0] in {"-u", "-g"} else rest[1:]
        words = rest
    return words[0] if words else ""


def succeeded(line: str, statuses: list[int]) -> bool:
    """Every stage of the last pipeline answered: 0, 1 from a grep that found nothing, or a
    stage cut short by the `head`/`tail` after it (SIGPIPE, curl's write error)."""
    names = stages(line)
    if len(names) != len(statuses):
        return all(status == 0 for status in statuses)
    for index, (name, status) in enumerate(zip(names, statuses, strict=True)):
        cut_short = any(later in {"head", "tail"} for later in names[index + 1 :])
        if status == 0 or (name == "grep" and status == 1):
            continue
        if cut_short and status in {141, 23}:
            continue
        return False
    return True


def section_commands(title: str) -> list[Command]:
    return [Command(title, line) for line in commands_of(sections(RUNBOOK.read_text())[title])]


def script(command: Command, domain: str, with_prelude: bool = True) -> str:
    """A bash script running the prelude (on an API host), then the command; it prints the
    command's pipeline statuses last, on stderr."""
    line = command.line.replace(PLACEHOLDER_DOMAIN, domain)
    if re.search(r"journalctl\s+-f", line):
        line = f"timeout {FOLLOW_SECONDS} {line}; [ $? -eq 124 ]"
    first = prelude() if with_prelude else ""
    return f'{first}\n{line}\necho "pipestatus: ${{PIPESTATUS[*]}}" >&2\n'


_STATUS = re.compile(r"pipestatus: ([\d ]+)\s*$")


def as_operator(
    site: Site, bash: str, host: Host | None = None, known_hosts: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """A script run as the runbook's operator does: SSH as the deploy user, then root. The
    test host's edge certificate comes from the tier's own CA, which curl is told to trust
    (a real host's is publicly trusted)."""
    host = host or site.host
    key = site.workdir / "id_ed25519"
    known_hosts = known_hosts or site.workdir / "known_hosts"
    return subprocess.run(
        ["ssh", "-o", "BatchMode=yes", "-o", f"UserKnownHostsFile={known_hosts}",
         "-p", str(host.ssh_port), "-i", str(key), "deploy@127.0.0.1",
         # The whole script is read before it runs: a command in it that reads its input
         # (ssh does) must find none, as on an operator's terminal, not the script's rest.
         f'sudo -n env CURL_CA_BUNDLE={EDGE_ROOT_ON_HOST} bash -c "$(cat)" </dev/null'],
        input=bash, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip


def failure(command: Command, done: subprocess.CompletedProcess[str]) -> str | None:
    """Why a run of the command did not work as the runbook means, or None when it did."""
    found = _STATUS.search(done.stderr)
    if not found:
        return f"{command}: did not finish (exit {done.returncode})\n{done.stderr[-2000:]}"
    statuses = [int(status) for status in found[1].split()]
    shown = f"{command}\nexit {statuses}\n{done.stdout[-1500:]}\n{done.stderr[-1500:]}"
    if not succeeded(command.line, statuses):
        return shown
    for refusal in ("command not found", "No such file or directory", "Unit ", "Failed to "):
        if refusal in done.stderr.replace("pipestatus", ""):
            return shown
    return None
