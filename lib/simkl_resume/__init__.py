"""Resume from Simkl: cross-device resume for Kodi through a Simkl account."""
ADDON_ID = "plugin.video.simkl.resume"
