"""Authentication hardening: login lockout, session lifetime, TOTP two-factor (docs/authentication.md).

Part of the kernel, so it imports no domain app: whether a user *must* use two-factor depends on
their roles, which live in members; settings.TWO_FACTOR_POLICY names that function by its dotted path.
"""
