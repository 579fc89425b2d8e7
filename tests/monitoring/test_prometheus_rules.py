"""The Prometheus configuration and rules are valid, tested, and each alert is actionable."""

import functools
import re
from collections import defaultdict

import pytest

from tests.monitoring.support import (
    BLACKBOX_CONFIG,
    PROMETHEUS_CONFIG,
    RULE_TESTS_DIR,
    RUNBOOK,
    alert_rules,
    load_yaml,
    recorded_names,
    rule_files,
    run_tool,
)


def test_promtool_accepts_the_prometheus_configuration_and_its_rule_files():
    result = run_tool("promtool", "check", "config", str(PROMETHEUS_CONFIG))
    assert result.returncode == 0, result.stdout + result.stderr
    # The configuration's `rule_files` glob reaches every rule file.
    for path in rule_files():
        assert f"Checking {path}" in result.stdout, result.stdout


def test_promtool_accepts_every_rule_file():
    result = run_tool("promtool", "check", "rules", *map(str, rule_files()))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(rule_files())


def test_the_promtool_unit_tests_of_the_rules_pass():
    tests = sorted(RULE_TESTS_DIR.glob("*_test.yml"))
    assert tests
    result = run_tool("promtool", "test", "rules", *map(str, tests), cwd=RULE_TESTS_DIR)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(tests), result.stdout


@functools.cache
def _alert_tests() -> dict[str, list[list[dict[str, str]]]]:
    """For each alert name, the labels of the alerts expected at each evaluation tested."""
    cases: dict[str, list[list[dict[str, str]]]] = defaultdict(list)
    for path in RULE_TESTS_DIR.glob("*_test.yml"):
        for test in load_yaml(path)["tests"]:
            for case in test.get("alert_rule_test", []):
                expected = [alert.get("exp_labels", {}) for alert in case.get("exp_alerts", [])]
                cases[case["alertname"]].append(expected)
    return cases


@pytest.mark.parametrize(
    "rule", alert_rules(), ids=lambda rule: f"{rule['alert']}-{rule['labels']['severity']}"
)
def test_every_alert_rule_is_tested_firing_and_quiet(rule):
    cases = _alert_tests()[rule["alert"]]
    fired = [labels for expected in cases for labels in expected]
    assert any(labels.get("severity") == rule["labels"]["severity"] for labels in fired), (
        f"no promtool test in {RULE_TESTS_DIR} expects {rule['alert']} to fire "
        f"with severity {rule['labels']['severity']}"
    )
    assert [] in cases, f"no promtool test expects {rule['alert']} to stay quiet"


# Alerts about the whole API (every app host together) or its public endpoint: no one host.
NOT_ABOUT_ONE_HOST = frozenset(
    {
        "ApiHealthCheckFailing",
        "ApiLatencyP99High",
        "ApiErrorRateHigh",
        "BackupStatusMissing",
        "TlsCertificateExpiringSoon",
        # Every webhook worker reports the one queue all hosts share.
        "WebhookBacklogGrowing",
        "WebhookEndpointDisabled",
    }
)


@pytest.mark.parametrize(
    "rule",
    [rule for rule in alert_rules() if rule["alert"] not in NOT_ABOUT_ONE_HOST],
    ids=lambda rule: f"{rule['alert']}-{rule['labels']['severity']}",
)
def test_every_alert_about_one_target_names_its_host(rule):
    annotations = rule["annotations"]
    assert "$labels.host" in annotations["summary"], annotations["summary"]
    assert "$labels.host" in annotations["description"], annotations["description"]
    fired = [labels for expected in _alert_tests()[rule["alert"]] for labels in expected]
    assert any("host" in labels for labels in fired), (
        f"no promtool test expects {rule['alert']} to carry its target's `host` label"
    )


def test_every_recording_rule_is_checked_by_a_promtool_test():
    exprs = " ".join(
        case["expr"]
        for path in RULE_TESTS_DIR.glob("*_test.yml")
        for test in load_yaml(path)["tests"]
        for case in test.get("promql_expr_test", [])
    )
    untested = {name for name in recorded_names() if name not in exprs}
    assert not untested, f"recording rules without a promql_expr_test: {sorted(untested)}"


@functools.cache
def _runbook_anchors() -> frozenset[str]:
    """GitHub's anchors for the runbook's headings."""
    anchors = set()
    for line in RUNBOOK.read_text().splitlines():
        heading = re.match(r"#{1,6}\s+(.*)", line)
        if heading:
            text = heading.group(1).strip().lower()
            anchors.add(re.sub(r"[^\w\- ]", "", text).replace(" ", "-"))
    return frozenset(anchors)


def test_the_runbooks_links_to_its_own_sections_resolve():
    links = re.findall(r"\]\(#([^)]+)\)", RUNBOOK.read_text())
    assert links
    assert set(links) <= _runbook_anchors()


@pytest.mark.parametrize(
    "rule", alert_rules(), ids=lambda rule: f"{rule['alert']}-{rule['labels']['severity']}"
)
def test_every_alert_says_how_bad_it_is_what_happened_and_where_its_runbook_is(rule):
    assert rule["labels"]["severity"] in {"critical", "warning"}
    annotations = rule["annotations"]
    assert annotations["summary"].strip()
    assert annotations["description"].strip()
    page, _, anchor = annotations["runbook_url"].partition("#")
    assert page == "docs/runbook.md"
    assert anchor in _runbook_anchors(), f"docs/runbook.md has no section #{anchor}"


def test_alerts_sharing_a_name_differ_only_by_severity():
    severities = defaultdict(list)
    for rule in alert_rules():
        severities[rule["alert"]].append(rule["labels"]["severity"])
    for name, levels in severities.items():
        assert len(levels) == len(set(levels)), f"{name} has two rules of one severity"


def test_the_blackbox_modules_prometheus_asks_for_exist_and_are_valid():
    modules = load_yaml(BLACKBOX_CONFIG)["modules"]
    for job in load_yaml(PROMETHEUS_CONFIG)["scrape_configs"]:
        for module in job.get("params", {}).get("module", []):
            assert module in modules, f"{job['job_name']} asks blackbox for unknown {module}"
    result = run_tool("blackbox_exporter", "--config.check", f"--config.file={BLACKBOX_CONFIG}")
    assert result.returncode == 0, result.stdout + result.stderr
