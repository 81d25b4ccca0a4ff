"""Settings of the test project. CONNECTDYNAMO_STORE is filled in by the
tests (override_settings) with the local endpoint and a fresh table."""

SECRET_KEY = "connectdynamo tests"
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
# The sessions app only for its clearsessions command; no database is used.
INSTALLED_APPS = ["django.contrib.sessions"]
DATABASES: dict = {}
MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware"]
ROOT_URLCONF = "djangoapp.urls"
USE_TZ = True
SESSION_ENGINE = "connectdynamo.contrib.django"
CONNECTDYNAMO_STORE: dict = {}
