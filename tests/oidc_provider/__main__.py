"""Run the test provider: `python -m tests.oidc_provider --port N --people FILE
--client-id ID --client-secret S --redirect-uri URI --logout-uri URI --db FILE`.

A fresh RSA key is made at each start; the people file lists username, password,
email, email_verified and groups. Serves until killed; prints "ready" when up.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIServer, make_server

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("port", "people", "client-id", "client-secret", "redirect-uri"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--logout-uri", default="")
    parser.add_argument("--db", required=True)
    args = parser.parse_args()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    os.environ["OIDC_PROVIDER_KEY"] = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    os.environ["OIDC_PROVIDER_ISSUER"] = f"http://127.0.0.1:{args.port}/o"
    os.environ["OIDC_PROVIDER_PEOPLE"] = args.people
    os.environ["OIDC_PROVIDER_DB"] = args.db
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"

    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0)
    with open(args.people, encoding="utf-8") as file:
        for person in json.load(file):
            User.objects.create_user(person["username"], password=person["password"])
    Application.objects.create(
        name="portal",
        client_id=args.client_id,
        client_secret=args.client_secret,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=args.redirect_uri,
        post_logout_redirect_uris=args.logout_uri,
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )
    server = make_server(
        "127.0.0.1", int(args.port), get_wsgi_application(), ThreadingServer
    )
    print("ready", flush=True)
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
