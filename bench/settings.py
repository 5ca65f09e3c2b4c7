"""Settings for load benchmarks: the real settings plus two reference views (bench/urls.py).

Never used outside bench/: the reference views exist only to compare the roster page against
"Django doing nothing" on the same server.
"""

from union_office.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
# Keep the measurement about our code, not about logging every request to the console.
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]  # noqa: F405
