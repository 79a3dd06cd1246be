"""Microsoft's MSAL for Python, unchanged, against `rollcall emulator` behind an HTTPS front:
client credentials, authorization code + PKCE (MSAL sends and checks a nonce) and a refresh.
Usage: python msal_interop.py '<emulator JSON line>' <CA file>. Prints "ok" or fails with the reason.
"""
import hashlib
import json
import ssl
import sys
import urllib.parse
import urllib.request

import msal

info = json.loads(sys.argv[1])
ca = sys.argv[2]
authority = f"{info['authority']}/{info['tenantId']}"

# 1. Client credentials (the LMS's own flow).
cca = msal.ConfidentialClientApplication(
    info["clientId"], client_credential=info["clientSecret"], authority=authority,
    instance_discovery=False, verify=ca)
r = cca.acquire_token_for_client(scopes=["https://graph.microsoft.com/.default"])
assert "access_token" in r, r

# 2. Authorization code + PKCE; MSAL adds a nonce and checks it in the id token.
pca = msal.PublicClientApplication(
    info["clientId"], authority=authority, instance_discovery=False, verify=ca)
scopes = ["https://graph.microsoft.com/Calendars.ReadWrite"]
flow = pca.initiate_auth_code_flow(scopes, redirect_uri="http://localhost:53999", login_hint=info["hosts"][0])
assert "nonce" in flow, flow


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


opener = urllib.request.build_opener(
    NoRedirect, urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile=ca)))
try:
    opener.open(flow["auth_uri"])
    raise AssertionError("authorize should redirect back to the loopback")
except urllib.error.HTTPError as e:
    assert e.code in (302, 303), e.code
    location = e.headers["Location"]
answer = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(location).query))
r = pca.acquire_token_by_auth_code_flow(flow, answer)
assert "access_token" in r, r
# MSAL sends the SHA-256 of its nonce and has already refused a mismatch; check it too.
assert r["id_token_claims"].get("nonce") == hashlib.sha256(flow["nonce"].encode()).hexdigest(), r["id_token_claims"]

# 3. Refresh: a silent call forced to the token endpoint with the refresh token.
account = pca.get_accounts()[0]
r = pca.acquire_token_silent(scopes, account=account, force_refresh=True)
assert r and "access_token" in r, r
print("ok")
