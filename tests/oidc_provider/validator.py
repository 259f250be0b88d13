"""The claims the test provider puts in its ID tokens: each user's email, whether
it is verified, and their groups, from the people file __main__.py loaded."""

from __future__ import annotations

import json
import os
from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator


def people() -> dict[str, dict[str, Any]]:
    with open(os.environ["OIDC_PROVIDER_PEOPLE"], encoding="utf-8") as file:
        return {person["username"]: person for person in json.load(file)}


class Validator(OAuth2Validator):
    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "groups": "openid",  # sent with every ID token
    }

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        person = people().get(request.user.get_username(), {})
        return {
            "email": person.get("email", ""),
            "email_verified": person.get("email_verified", True),
            "preferred_username": request.user.get_username(),
            "groups": person.get("groups", []),
        }
