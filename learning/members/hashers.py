"""The hasher of random one-time initial passwords (see learning.members.importers.initial_password_hash)."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class InitialPasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2 with fewer rounds, for machine-made 71-bit one-time passwords only.

    Listed after the default hasher in ``PASSWORD_HASHERS``: Django checks such a hash and,
    when the member logs in, re-hashes with the default; the forced change replaces it anyway.
    """

    algorithm = "pbkdf2_initial"
    iterations = 20_000
