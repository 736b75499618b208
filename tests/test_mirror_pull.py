"""The mirror behind a real pull: stand-in playback -> PullSync -> resume list -> library resume
point, and gone again once the playback is deleted on Simkl (the fake-Kodi half of issue 9)."""
import pytest

from tests._service_rig import FixedSettings, QuietUi
from tools.simkl_standin import StandIn

TOKEN = "mirror-token"


@pytest.fixture
def standin():
    with StandIn() as server:
        server.add_user(TOKEN, "alice")
        yield server


def test_pulled_playback_becomes_the_library_resume_point_and_its_deletion_clears_it(kodi, standin, tmp_path):
    # imported here, after the fake Kodi is installed (kodi modules bind xbmc at import)
    from simkl_resume.context import AddonContext
    from simkl_resume.service.mirror import ResumeMirror, chain
    from simkl_resume.service.pull import PullSync
    from simkl_resume.service.resume_list import ResumeListBuilder

    from tests.fakekodi.library import stream_details

    movieid = kodi.library.add_movie("Inception", 2010, {"imdb": "tt1375666"}, runtime=300,
                                     streamdetails=stream_details(300))
    ctx = AddonContext(str(tmp_path / "profile"), "1.0.0", now=kodi.clock.now,
                       env={"SIMKL_API_URL": standin.url, "SIMKL_CLIENT_ID": "mirror-tests"})
    ctx.account.sign_in(TOKEN, "alice", "free")
    builder = ResumeListBuilder(ctx)
    mirror = ResumeMirror(ctx)
    pull = PullSync(ctx, on_change=chain(builder.playbacks_changed, mirror.playbacks_changed),
                    ui=QuietUi(), settings=FixedSettings())
    created = standin.add_playback(movie={"title": "Inception", "year": 2010, "ids": {"imdb": "tt1375666"}},
                                   progress=40.0, ago=600)
    pull.run_check()
    assert kodi.library.movies[movieid]["resume"] == {"position": 120.0, "total": 300.0}
    ctx.client().delete_playback(created["id"])
    pull.run_check()
    assert kodi.library.movies[movieid]["resume"]["position"] == 0.0
