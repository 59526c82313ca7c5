import os
BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET_KEY = "test-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "django_scim", "accounts"]
MIDDLEWARE = ["accounts.middleware.BearerTokenMiddleware", "django_scim.middleware.SCIMAuthCheckMiddleware"]
ROOT_URLCONF = "scimpeer.urls"
# runserver is threaded: under a loaded machine (the whole suite on two cores) concurrent writes wait for
# sqlite's lock longer than its 5 s default, and django-scim2 answers 500; 30 s keeps the peer a peer.
# django-scim2 runs each PATCH in `transaction.atomic()`, which reads (the group, its members) and then
# writes: in sqlite's default deferred mode that upgrade fails at once with "database is locked" when
# another PATCH holds the write lock — sqlite refuses to wait there, as waiting could deadlock — so
# parallel member PATCHes drew 500s whatever the timeout (a fresh-clone CI run: five in a row on one
# group). IMMEDIATE takes the write lock at BEGIN, where the timeout applies (Django ≥ 5.1).
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("SCIM_PEER_DB", "/tmp/scim-peer.sqlite"),
        "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE"},
    }
}
AUTH_USER_MODEL = "accounts.User"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
SCIM_SERVICE_PROVIDER = {
    "NETLOC": os.environ.get("SCIM_PEER_NETLOC", "127.0.0.1"),
    "SCHEME": "http",
    "GROUP_MODEL": "accounts.models.Group",
    "AUTHENTICATION_SCHEMES": [{"type": "oauthbearertoken", "name": "OAuth Bearer Token", "description": "bearer"}],
}
