"""`make demo` (`python -m tools.demo`): the addon running for real.

One sandboxed Kodi (tools/realkodi: own HOME, PulseAudio null sink, JSON-RPC on a loopback
port), the Simkl stand-in seeded with tools/simkl_standin/demo_seed.json (account `demo`,
three paused playbacks: Inception 42.5 %, Breaking Bad S01E05 63 %, an anime that is not
in the library) and a small demo library of short clips (Inception, The Matrix, Breaking
Bad S01E01 and S01E05) built with ffmpeg and cached in build/realkodi-media/.

- With a usable display ($DISPLAY set and an X server answering) the demo account is
  written to the sandbox profile (signed in), Kodi opens in a window at the resume list
  and the demo waits until Kodi exits (close the window, or Ctrl-C here).
- Without one (or with --headless) Kodi runs under Xvfb: the demo signs in through the
  addon's /login PIN dialog (approving the code in the stand-in), opens the resume list
  and writes screenshots under build/demo/ (sign-in.png, resume-list.png), then quits and
  prints where they are.

Ctrl-C (or SIGTERM) stops Kodi, Xvfb, PulseAudio and the stand-in.
"""
