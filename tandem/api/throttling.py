"""The API's throttles (settings REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]): per client
address without a key, per user with one; a refusal is a 429 in the API's error shape."""

from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from tandem.accounts.throttling import RateFromSettings


class AnonThrottle(RateFromSettings, AnonRateThrottle):
    pass


class UserThrottle(RateFromSettings, UserRateThrottle):
    pass
