import os
BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET_KEY = "test-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "django_scim", "accounts"]
MIDDLEWARE = ["accounts.middleware.BearerTokenMiddleware", "django_scim.middleware.SCIMAuthCheckMiddleware"]
ROOT_URLCONF = "scimpeer.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ.get("SCIM_PEER_DB", "/tmp/scim-peer.sqlite")}}
AUTH_USER_MODEL = "accounts.User"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
SCIM_SERVICE_PROVIDER = {
    "NETLOC": os.environ.get("SCIM_PEER_NETLOC", "127.0.0.1"),
    "SCHEME": "http",
    "GROUP_MODEL": "accounts.models.Group",
    "AUTHENTICATION_SCHEMES": [{"type": "oauthbearertoken", "name": "OAuth Bearer Token", "description": "bearer"}],
}
