"""A minimal Django project for the session engine's tests: no database,
the session middleware, and a few views."""
