from congress.tests.builders import world  # noqa: F401  (the congress fixture, for test_congress_parts)
