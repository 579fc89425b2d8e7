"""The restore's choice of timeline (ansible/roles/backups/files/agrobridge_timelines.py) on
repository listings shaped as `pgbackrest repo-ls --recurse --output=json` prints them."""

from typing import Any

import pytest

from tests.support.scripts import load_script

SHA = "0" * 40
# Timeline 1 written from 1000 to 1500; a restore ended at 1600 went back to 1200 (timeline 2),
# which was then written until 2400.
FIRST_RESTORE_TARGET, FIRST_RESTORE_END = 1200.0, 1600.0


timelines_script = load_script("ansible/roles/backups/files/agrobridge_timelines.py")


def segment(
    tli: int, number: int, at: float, partial: bool = False
) -> tuple[str, dict[str, object]]:
    log, seg = divmod(number, 256)
    name = (
        f"{tli:08X}{log:08X}/{tli:08X}{log:08X}{seg:08X}{'.partial' if partial else ''}-{SHA}.zst"
    )
    return name, {"type": "file", "size": 4096, "time": at}


def repository() -> dict[int, Any]:
    listing: dict[str, dict[str, object]] = {}
    for number, at in ((1, 1000), (2, 1100), (3, 1300), (4, 1500)):
        listing.update([segment(1, number, at)])
    listing["00000002.history"] = {"type": "file", "size": 60, "time": FIRST_RESTORE_END}
    listing.update([segment(1, 2, FIRST_RESTORE_END, partial=True)])
    for number, at in ((2, 1700), (3, 2000), (4, 2400)):
        listing.update([segment(2, number, at)])
    histories = {"00000002.history": "1\t0/2A00000\tbefore 1970-01-01 00:20:00+00\n"}
    found: dict[int, Any] = timelines_script.read_timelines(listing, histories.__getitem__)
    return found


def test_the_listing_gives_each_timeline_its_branch_and_wal():
    found = repository()
    assert sorted(found) == [1, 2]
    assert found[2].parent == 1
    assert found[2].branch_lsn == 0x2A00000
    assert found[2].created == FIRST_RESTORE_END
    assert found[1].last_archived == 1500  # not its .partial segment, pushed by the restore
    assert found[2].last_archived == 2400
    described = timelines_script.describe(found[2], 2)
    assert "timeline 2 (current): branched from timeline 1 at 0/2A00000" in described
    assert "3 WAL segments" in described


def test_the_latest_point_follows_the_newest_timeline_and_discards_nothing():
    planned = timelines_script.plan(repository(), None, None, False)
    assert planned["timeline"] == 2
    assert planned["refused"] == ""
    assert planned["discards"] == []


def test_a_time_after_the_first_restore_follows_the_current_timeline():
    planned = timelines_script.plan(repository(), 2100.0, None, False)
    assert planned["timeline"] == 2
    assert planned["refused"] == ""
    assert "the writes on timeline 2 after" in planned["discards"][0]


def test_a_later_time_on_the_old_timeline_refuses_to_drop_the_new_one_unless_told():
    # 1400 is after the first restore's target but before it ran: timeline 1 was live then.
    planned = timelines_script.plan(repository(), 1400.0, None, False)
    assert planned["timeline"] == 1
    assert "would discard every write on timeline 2: 3 WAL segments" in planned["refused"]
    assert "--discard-newer-timelines" in planned["refused"]
    accepted = timelines_script.plan(repository(), 1400.0, None, True)
    assert accepted["timeline"] == 1
    assert accepted["refused"] == ""


def test_an_earlier_time_than_the_first_restore_also_names_what_it_drops():
    planned = timelines_script.plan(repository(), 1050.0, None, False)
    assert planned["timeline"] == 1
    assert "every write on timeline 2" in planned["refused"]


@pytest.mark.parametrize(
    ("target", "timeline", "reason"),
    [
        (2500.0, None, "after the last WAL archived on timeline 2"),
        (1550.0, 1, "after the last WAL archived on timeline 1"),
        (1400.0, 2, "timeline 2 began"),
        (2000.0, 7, "holds no timeline 7"),
    ],
)
def test_points_a_timeline_cannot_reach_are_refused(target, timeline, reason):
    assert reason in timelines_script.plan(repository(), target, timeline, True)["refused"]
