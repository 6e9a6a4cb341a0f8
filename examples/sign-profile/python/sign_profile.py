"""Mint the p13n_profile cookie in your Python backend (PyJWT >= 2.8; `pip install "pyjwt[crypto]"`).

HS256 with PROFILE_SECRET (the same value as the Worker's secret), or ES256/RS256 with your own
key pair, a `kid`, and a JWKS route the Worker reads (PROFILE_JWKS_URL). See README.md here.
Run: python sign_profile.py
"""
import json
import os
import time

import jwt  # PyJWT
from jwt.algorithms import ECAlgorithm

COOKIE = "p13n_profile"  # the Worker's PROFILE_COOKIE
TYP = "p13n-profile+jwt"  # the Worker's PROFILE_TYP: only tokens minted for it pass as profiles


def profile_claims(user: dict, issuer: str, audience: str, ttl_seconds: int = 3600) -> dict:
    now = int(time.time())
    return {
        "sub": str(user["id"]),  # a stable, opaque id: not an email
        "iss": issuer,  # PROFILE_ISSUER
        "aud": audience,  # PROFILE_AUDIENCE
        "iat": now,
        "exp": now + ttl_seconds,
        "tier": user.get("tier"),
        "stage": user.get("stage"),  # "new" | "developing" | "established"
        "prefs": {
            "topics": user.get("topics", []),
            "channels": user.get("channels", []),
            "frequency": user.get("frequency", "normal"),  # "fewer" | "normal" | "more"
        },
        "consent": {"personalize": user.get("personalize", True), "track": user.get("track", True)},
        "attrs": user.get("attrs", {}),  # your own scalars
    }


def sign_profile(user: dict, secret: str, issuer: str, audience: str, ttl_seconds: int = 3600) -> str:
    """HS256 with PROFILE_SECRET."""
    claims = {k: v for k, v in profile_claims(user, issuer, audience, ttl_seconds).items() if v is not None}
    return jwt.encode(claims, secret, algorithm="HS256", headers={"typ": TYP})


def sign_profile_with_key(user: dict, private_key_pem: str, kid: str, issuer: str, audience: str, alg: str = "ES256", ttl_seconds: int = 3600) -> str:
    """ES256 (or RS256) with your private key; the Worker finds the public key by `kid` in your JWKS."""
    claims = {k: v for k, v in profile_claims(user, issuer, audience, ttl_seconds).items() if v is not None}
    return jwt.encode(claims, private_key_pem, algorithm=alg, headers={"kid": kid, "typ": TYP})


def jwks_document(public_keys: list) -> dict:
    """The body of your JWKS route (GET /.well-known/p13n-jwks.json): [(public_key, kid), ...], current and previous."""
    keys = []
    for public_key, kid in public_keys:
        jwk = json.loads(ECAlgorithm.to_jwk(public_key))  # RSAAlgorithm.to_jwk for RSA keys
        keys.append({**jwk, "kid": kid, "alg": "ES256", "use": "sig"})
    return {"keys": keys}


def set_cookie_header(token: str, ttl_seconds: int = 3600) -> str:
    """Flask: response.set_cookie(COOKIE, token, max_age=ttl, path="/", secure=True, httponly=True, samesite="Lax")."""
    return f"{COOKIE}={token}; Path=/; Max-Age={ttl_seconds}; Secure; HttpOnly; SameSite=Lax"


if __name__ == "__main__":
    user = {"id": "cust-1042", "tier": "gold", "stage": "new", "topics": ["running"], "attrs": {"subscribed": True}}
    secret = os.environ.get("PROFILE_SECRET", "dev-only-profile-secret-7f3a9c1e5b2d4086a1f9e3c7b5d20846")
    token = sign_profile(user, secret, os.environ.get("PROFILE_ISSUER", "https://demo-shop.example"), os.environ.get("PROFILE_AUDIENCE", "p13n-edge"))
    print("Set-Cookie: " + set_cookie_header(token))

    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    print(json.dumps(jwks_document([(key.public_key(), "2026-11")]), indent=2))
