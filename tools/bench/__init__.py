"""`make bench` (python -m tools.bench): measurements written to docs/benchmarks.md.

    menu.py      1. menu open as a whole process vs a bare interpreter; -X importtime
    library.py   2. library index for 10,000 movies and 50,000 episodes
    network.py   3. requests and bytes of an idle and a busy day vs fetching everything
    report.py    docs/benchmarks.md from the figures
Real-Kodi measurements (hand-off, start error, idle CPU) are not in here yet.
"""
