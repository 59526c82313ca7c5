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
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("SCIM_PEER_DB", "/tmp/scim-peer.sqlite"),
        "OPTIONS": {"timeout": 30},
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
