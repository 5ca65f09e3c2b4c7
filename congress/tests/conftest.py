from .builders import world  # noqa: F401  (the fixture, for every congress test module)
