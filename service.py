"""Service entry point: Kodi starts this once at login and stops it at abort."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

from simkl_resume.service import wiring  # noqa: E402

wiring.run()
