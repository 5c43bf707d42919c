"""Local development: DEBUG on, a fixed insecure key unless one is given."""

from .base import *  # noqa: F401,F403
from .base import envbool, envstr

DEBUG = envbool("DEBUG", True)
SECRET_KEY = envstr("SECRET_KEY") or "dev-only-insecure-key-do-not-use-in-production"
