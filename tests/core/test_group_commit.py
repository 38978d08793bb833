"""The group committer: concurrent jobs are written together, each caller gets its own answer."""

import threading
import time

import pytest

from ostoja.core.group_commit import GroupCommitter


class Recorder:
    """A write_group that records its groups and can be held open."""

    def __init__(self):
        self.groups: list[list] = []
        self.hold = threading.Event()
        self.hold.set()
        self.entered = threading.Event()

    def __call__(self, jobs):
        self.entered.set()
        self.hold.wait(5)
        self.groups.append(list(jobs))
        for job in jobs:
            if isinstance(job, Exception):
                raise job
        return [job * 10 for job in jobs]


def run_in_threads(committer, jobs):
    results, errors = {}, {}

    def call(job):
        try:
            results[job] = committer.submit(job)
        except Exception as exc:  # noqa: BLE001 - recorded for the assertions
            errors[job] = exc

    threads = [threading.Thread(target=call, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    return threads, results, errors


def wait_until_waiting(committer, count):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with committer._lock:
            if len(committer._waiting) >= count:
                return
        time.sleep(0.001)
    raise AssertionError(f"{count} jobs never queued")


def test_a_lone_caller_writes_a_group_of_one():
    write = Recorder()
    committer = GroupCommitter(write)
    assert committer.submit(4) == 40
    assert committer.submit(5) == 50
    assert write.groups == [[4], [5]]


def test_callers_arriving_during_a_write_are_written_together_after_it():
    write = Recorder()
    write.hold.clear()
    committer = GroupCommitter(write, max_group=64)
    first, results, errors = run_in_threads(committer, [1])
    assert write.entered.wait(5)
    others, results2, errors2 = run_in_threads(committer, list(range(2, 12)))
    wait_until_waiting(committer, 10)
    write.hold.set()
    for t in first + others:
        t.join(5)
    assert write.groups[0] == [1]
    assert sorted(write.groups[1]) == list(range(2, 12))  # one group, one transaction
    assert len(write.groups) == 2
    assert {**results, **results2} == {n: n * 10 for n in range(1, 12)}
    assert not errors and not errors2


def test_max_group_and_weight_split_the_waiting_callers():
    write = Recorder()
    write.hold.clear()
    committer = GroupCommitter(write, max_group=3, weight=lambda job: job, max_weight=100)
    first, _r, _e = run_in_threads(committer, [1])
    assert write.entered.wait(5)
    others, results, errors = run_in_threads(committer, [2, 3, 4, 5, 90])
    wait_until_waiting(committer, 5)
    write.hold.set()
    for t in first + others:
        t.join(5)
    assert not errors
    assert all(len(group) <= 3 for group in write.groups)
    assert all(sum(group) <= 100 or len(group) == 1 for group in write.groups)
    assert sorted(job for group in write.groups for job in group) == [1, 2, 3, 4, 5, 90]


def test_jobs_that_cannot_join_wait_for_their_own_group():
    write = Recorder()
    write.hold.clear()
    committer = GroupCommitter(write, can_join=lambda a, b: a % 2 == b % 2)
    first, _r, _e = run_in_threads(committer, [100])
    assert write.entered.wait(5)
    others, results, errors = run_in_threads(committer, [1, 2, 3, 4, 5, 6])
    wait_until_waiting(committer, 6)
    write.hold.set()
    for t in first + others:
        t.join(5)
    assert not errors
    for group in write.groups:
        assert len({job % 2 for job in group}) == 1


def test_one_failing_job_gets_its_error_and_the_others_are_written_again_alone():
    write = Recorder()
    write.hold.clear()
    committer = GroupCommitter(write)
    boom = ValueError("bad job")
    first, _r, _e = run_in_threads(committer, [1])
    assert write.entered.wait(5)
    others, results, errors = run_in_threads(committer, [2, boom, 3])
    wait_until_waiting(committer, 3)
    write.hold.set()
    for t in first + others:
        t.join(5)
    assert results == {2: 20, 3: 30}
    assert errors == {boom: boom}
    # The failed group of three was followed by one write per job.
    assert sorted(map(len, write.groups[1:]), reverse=True)[0] == 3
    assert [g for g in write.groups if len(g) == 1 and g[0] in (2, 3)]


def test_the_lead_passes_on_after_an_error_so_nobody_waits_forever():
    def explode(jobs):
        raise KeyboardInterrupt  # not an Exception: the finally block must still hand over

    committer = GroupCommitter(explode)
    with pytest.raises(KeyboardInterrupt):
        committer.submit(1)
    committer._write_group = list
    assert committer.submit(2) == 2


def test_many_threads_all_get_their_own_answer():
    committer = GroupCommitter(lambda jobs: [j * 2 for j in jobs], max_group=7)
    threads, results, errors = run_in_threads(committer, list(range(200)))
    for t in threads:
        t.join(10)
    assert not errors
    assert results == {n: n * 2 for n in range(200)}
    assert committer.jobs_written == 200
    assert committer.groups_written <= 200


def test_max_group_must_be_positive():
    with pytest.raises(ValueError):
        GroupCommitter(lambda jobs: jobs, max_group=0)
