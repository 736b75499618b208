"""Plugin entry point: Kodi runs this for every plugin:// URL of the addon."""
import os
import sys

LIB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib")
if LIB not in sys.path:  # reuselanguageinvoker runs this file again in the same interpreter
    sys.path.insert(0, LIB)

from simkl_resume.plugin import routes  # noqa: E402

routes.run(sys.argv)
