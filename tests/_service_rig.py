"""Pieces the service-level tests share: the stand-in on the fake Kodi's clock, the settings
PullSync reads, and starting the service loop the way those tests all need it."""
from simkl_resume.service.pull import _KodiUi
from tools.simkl_standin import StandIn


class LinkedStandIn:
    """The stand-in with its clock following the fake Kodi's clock (times `rate`)."""

    def __init__(self, kodi, rate=1.0, **options):
        self.server = StandIn(**options).start()
        self.base = kodi.clock.now()
        self.rate = rate
        self.server.freeze(self.base)
        kodi.clock.add_tick_handler(self._tick)
        self.on_tick = []

    def _tick(self, now):
        self.server.set_now(self.base + (now - self.base) * self.rate)
        for fn in list(self.on_tick):
            fn(now - self.base)

    def polls(self):
        return [r for r in self.server.requests("/oauth/pin/") if r["path"] != "/oauth/pin"]


class FakeKodiSettings:
    """get_bool/get_int over the fake Kodi's settings (defaults from resources/settings.xml)."""

    def __init__(self, kodi):
        self.kodi = kodi

    def get_bool(self, setting_id):
        return self.kodi.get_setting(setting_id) == "true"

    def get_int(self, setting_id):
        return int(self.kodi.get_setting(setting_id) or 0)


class FixedSettings:
    """PullSync's settings without Kodi's: pull on, a poll every `poll_interval` minutes."""

    def __init__(self, poll_interval=15):
        self.poll_interval = poll_interval

    def get_bool(self, setting_id):
        return True

    def get_int(self, setting_id):
        return self.poll_interval


class QuietUi:
    """PullSync's Kodi side doing nothing: no notification, no folder on screen, no sleeping."""

    def notify_sign_in_again(self):
        pass

    def refresh_if_on_screen(self):
        return False

    def sleep(self, seconds):
        pass


class PullUi(_KodiUi):
    """Kodi's real notification and refresh; the retry backoff does not sleep."""

    @staticmethod
    def sleep(seconds):
        pass


def run_service(kodi, service, workers=()):
    """Start `workers` from the calling (test) thread, then run `service` in a Kodi thread;
    returns that thread.

    The workers idle on plain threading.Conditions, not in a Kodi wait: started from a Kodi
    thread, the fake clock would track them and never count them as idle."""
    for worker in workers:
        worker.start()
    return kodi.start_thread(service.run, name="service")


def start_service(kodi, components, workers=()):
    """The service loop over `components` on the fake Kodi's clock, run as run_service does
    (a check our plugin asked for before it listened delivered at start, as wiring does);
    returns (service, thread)."""
    from simkl_resume.kodi.monitor import ServiceMonitor
    from simkl_resume.kodi.window import take_check_asked
    from simkl_resume.service.component import missed_checks
    from simkl_resume.service.loop import Service

    monitor = ServiceMonitor()
    service = Service(monitor, list(components), kodi.clock.now, missed=missed_checks(take_check_asked()))
    monitor.handler = service
    return service, run_service(kodi, service, workers)
