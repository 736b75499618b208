"""Real-Kodi suite: real Kodi 20.1 instances under Xvfb (see tools/realkodi)."""
