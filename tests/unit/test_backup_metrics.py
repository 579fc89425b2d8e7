"""The WAL metrics of the backup role's script (ansible/roles/backups/files), which the
WalNotArchived alert reads: written WAL waiting for the archive, and since when."""

from tests.support.scripts import load_script

MIB_16 = 16 * 1024 * 1024


metrics = load_script("ansible/roles/backups/files/agrobridge_backup_metrics.py")


def test_wal_past_the_last_archived_segment_waits():
    # Segment 5 of timeline 2 is archived: it ends at 6 x 16 MiB.
    waiting = metrics.unarchived_bytes("000000020000000000000005", "000000020000000000000006",
                                       6 * MIB_16 + 300_000)  # fmt: skip
    assert waiting == 300_000


def test_nothing_waits_right_after_a_segment_is_archived():
    assert metrics.unarchived_bytes("000000020000000100000003", "000000020000000100000004",
                                    2**32 + 4 * MIB_16) == 0  # fmt: skip


def test_after_a_restore_everything_waits_until_the_new_timeline_archives_a_segment():
    # The last thing archived is the new timeline's history file, or the old timeline's end.
    for last in ("00000003.history", "000000020000000000000007.partial", "-"):
        assert metrics.unarchived_bytes(last, "000000030000000000000007", 7 * MIB_16 + 5) > 0


def test_the_wait_keeps_its_start_until_it_ends():
    assert metrics.unarchived_since(0, 0.0, 1000.0) == 0.0
    assert metrics.unarchived_since(100, 0.0, 1000.0) == 0.0  # an idle database's own records
    assert metrics.unarchived_since(50_000, 0.0, 1000.0) == 1000.0
    assert metrics.unarchived_since(90_000, 1000.0, 1060.0) == 1000.0
    assert metrics.unarchived_since(0, 1000.0, 1120.0) == 0.0
