"""The runbook's host commands, read from docs/runbook.md, and how one run of them is judged.

Every `sh` block of the checked sections holds commands for a deployed host, one a line (a
line ending in a backslash goes on). The block after the "Where things are" table sets
`$SLOT` and `$PORT`, which the other commands use: it runs before each of them.
"""

import re
import shlex
from dataclasses import dataclass

from tests.deploy.conftest import ROOT

RUNBOOK = ROOT / "docs" / "runbook.md"
PRELUDE_SECTION = "Where things are"
CHECKED = ("Where things are", "Where the logs are")
ALERTS = "Alerts"
# Sections whose blocks run elsewhere than on the single host right after a deploy, and why.
EXCLUDED = {
    "BackupTooOld": "the backup host's commands: the restore drill (test_restore_drill.py) "
    "sets up the backups after this file",
    "BackupStatusMissing": "the backup status exists once `just provision-backups` ran (the "
    "restore drill, after this file)",
    "WalArchivingFailing": "archiving exists once `just provision-backups` ran (the restore "
    "drill, after this file)",
    "WalNotArchived": "archiving exists once `just provision-backups` ran (the restore drill, "
    "after this file)",
}
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
    return [stage[0] if stage else "" for stage in pipelines[-1]]


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


def script(command: Command, domain: str) -> str:
    """A bash script running the prelude, then the command; it prints the command's pipeline
    statuses last, on stderr."""
    line = command.line.replace(PLACEHOLDER_DOMAIN, domain)
    if re.search(r"journalctl\s+-f", line):
        line = f"timeout {FOLLOW_SECONDS} {line}; [ $? -eq 124 ]"
    return f'{prelude()}\n{line}\necho "pipestatus: ${{PIPESTATUS[*]}}" >&2\n'
