import threading

from simkl_resume.service.worker import BackgroundWorker


class CountingWorker(BackgroundWorker):
    name = "counting"

    def __init__(self, block=None, fail=False):
        self.runs = 0
        self.block = block
        self.fail = fail
        self.logged = []
        self.started = threading.Event()
        super().__init__(log=self.logged.append)

    def work(self):
        self.runs += 1
        self.started.set()
        if self.block is not None:
            self.block.wait(5)
        if self.fail:
            raise RuntimeError("boom")


def test_wake_runs_work_once_and_goes_idle():
    worker = CountingWorker()
    worker.start()
    worker.wake()
    assert worker.wait_idle(5)
    assert worker.runs == 1
    worker.stop()


def test_wakes_while_busy_fold_into_one_more_run():
    gate = threading.Event()
    worker = CountingWorker(block=gate)
    worker.start()
    worker.wake()
    assert worker.started.wait(5)
    for _ in range(5):
        worker.wake()
    gate.set()
    assert worker.wait_idle(5)
    assert worker.runs == 2
    worker.stop()


def test_a_failing_run_is_logged_and_the_worker_keeps_running():
    worker = CountingWorker(fail=True)
    worker.start()
    worker.wake()
    assert worker.wait_idle(5)
    worker.wake()
    assert worker.wait_idle(5)
    assert worker.runs == 2
    assert len(worker.logged) == 2 and "boom" in worker.logged[0]
    worker.stop()


def test_stop_returns_even_when_a_run_hangs():
    gate = threading.Event()
    worker = CountingWorker(block=gate)
    worker.start()
    worker.wake()
    assert worker.started.wait(5)
    worker.stop(timeout=0.2)
    assert worker.stopping
    assert not worker.wait_idle(0)  # still inside the hanging run: stop did not wait for it
    gate.set()
