import os


class ServiceAccount:
    is_authenticated = True
    is_anonymous = False


class BearerTokenMiddleware:
    """The bearer token in $SCIM_PEER_TOKEN lets a request in as the one service account."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.expected = "Bearer " + os.environ["SCIM_PEER_TOKEN"]

    def __call__(self, request):
        if request.headers.get("Authorization") == self.expected:
            request.user = ServiceAccount()
        else:
            from django.contrib.auth.models import AnonymousUser
            request.user = AnonymousUser()
        return self.get_response(request)
