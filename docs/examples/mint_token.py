#!/usr/bin/env python3
"""Mints a Newton token on the CRM's backend (HS256, the secret Newton has as JWT_SECRET).

docs/auth.md explains every claim. Needs PyJWT (`pip install PyJWT`, or Debian's python3-jwt).

    NEWTON_JWT_SECRET=<JWT_SECRET of Newton> python3 mint_token.py <tenant_id> <user_id> [agent|admin]

Prints the token on stdout. In a CRM, call mint_newton_token() from the view
your signed-in users fetch their token from (e.g. GET /api/newton-token).
"""
import os
import sys
import time

import jwt  # PyJWT


def mint_newton_token(secret, tenant_id, user_id, role="agent", ttl_seconds=15 * 60):
    now = int(time.time())
    claims = {
        "sub": user_id,  # the CRM's user id: shown as user_id, kept on replies as sender_user_id
        "tenant_id": tenant_id,  # the tenant this token opens (or "tenants": [...] for several)
        "role": role,  # "agent" (inbox) or "admin" (also /api/admin/*)
        "iat": now,
        "exp": now + ttl_seconds,  # required
    }
    return jwt.encode(claims, secret, algorithm="HS256", headers={"typ": "JWT"})


if __name__ == "__main__":
    args = sys.argv[1:]
    secret = os.environ.get("NEWTON_JWT_SECRET")
    role = args[2] if len(args) > 2 else "agent"
    if not secret or len(args) < 2 or role not in ("agent", "admin"):
        print("usage: NEWTON_JWT_SECRET=<secret> python3 mint_token.py <tenant_id> <user_id> [agent|admin]", file=sys.stderr)
        sys.exit(2)
    print(mint_newton_token(secret, args[0], args[1], role))
