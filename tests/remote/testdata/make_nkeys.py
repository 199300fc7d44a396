#!/usr/bin/env python3
"""Regenerates the NATS NKey and JWT test data of remote_security_test.cc.

Writes, beside itself:
  user.nk, user.pub     an NKey user's seed ("SU...") and public key ("U...")
  operator.jwt          a self-signed operator (decentralized authentication)
  account.jwt           an account the operator signed; account.pub its key
  user.creds            a user JWT the account signed, with the user's seed: what
                        `nsc` writes as a credentials file
Keys are ed25519, made and used for signing by openssl (3.x); the NKey encoding
(prefix bytes, CRC-16/XMODEM, base32) and the JWT claims follow nats-io/nkeys and
nats-io/jwt v2. Test data only, never for a real deployment. Needs python3 and
openssl; nothing else.
"""
import base64
import hashlib
import json
import os
import subprocess
import tempfile
import time

PREFIX_SEED = 18 << 3
PREFIX_OPERATOR = 14 << 3
PREFIX_ACCOUNT = 0
PREFIX_USER = 20 << 3


def crc16(data):
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def base32(raw):
    return base64.b32encode(raw).decode().rstrip("=")


def with_crc(raw):
    return raw + crc16(raw).to_bytes(2, "little")


class Key:
    """An ed25519 key pair, with its NKey encodings for `prefix`."""

    def __init__(self, prefix, work):
        self.pem = os.path.join(work, f"key{prefix}-{len(os.listdir(work))}.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", self.pem],
                       check=True)
        private_der = subprocess.run(["openssl", "pkey", "-in", self.pem, "-outform", "DER"],
                                     check=True, capture_output=True).stdout
        public_der = subprocess.run(
            ["openssl", "pkey", "-in", self.pem, "-pubout", "-outform", "DER"],
            check=True, capture_output=True).stdout
        seed, public = private_der[-32:], public_der[-32:]
        self.public = base32(with_crc(bytes([prefix]) + public))
        self.seed = base32(with_crc(
            bytes([PREFIX_SEED | (prefix >> 5), (prefix & 31) << 3]) + seed))

    def sign(self, message, work):
        path = os.path.join(work, "message")
        with open(path, "wb") as out:
            out.write(message)
        return subprocess.run(
            ["openssl", "pkeyutl", "-sign", "-rawin", "-inkey", self.pem, "-in", path],
            check=True, capture_output=True).stdout


def b64url(raw):
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def jwt(claims, issuer, work):
    claims = dict(claims, iat=int(time.time()), iss=issuer.public)
    claims["jti"] = base32(hashlib.sha256(json.dumps(claims, sort_keys=True).encode()).digest())
    header = b64url(json.dumps({"typ": "JWT", "alg": "ed25519-nkey"}).encode())
    body = b64url(json.dumps(claims).encode())
    signature = issuer.sign(f"{header}.{body}".encode(), work)
    return f"{header}.{body}.{b64url(signature)}"


UNLIMITED = {"subs": -1, "data": -1, "payload": -1}


def main():
    os.chdir(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory() as work:
        user = Key(PREFIX_USER, work)
        with open("user.nk", "w") as out:
            out.write(user.seed + "\n")
        with open("user.pub", "w") as out:
            out.write(user.public + "\n")

        operator = Key(PREFIX_OPERATOR, work)
        account = Key(PREFIX_ACCOUNT, work)
        creds_user = Key(PREFIX_USER, work)
        operator_jwt = jwt({"name": "troupe-test-operator", "sub": operator.public,
                            "nats": {"type": "operator", "version": 2}}, operator, work)
        account_jwt = jwt({"name": "troupe-test-account", "sub": account.public,
                           "nats": {"limits": dict(UNLIMITED, imports=-1, exports=-1,
                                                   wildcards=True, conn=-1, leaf=-1),
                                    "default_permissions": {"pub": {}, "sub": {}},
                                    "type": "account", "version": 2}}, operator, work)
        user_jwt = jwt({"name": "troupe-test-user", "sub": creds_user.public,
                        "nats": dict(UNLIMITED, pub={}, sub={}, type="user", version=2)},
                       account, work)
        with open("operator.jwt", "w") as out:
            out.write(operator_jwt + "\n")
        with open("account.jwt", "w") as out:
            out.write(account_jwt + "\n")
        with open("account.pub", "w") as out:
            out.write(account.public + "\n")
        with open("user.creds", "w") as out:
            out.write("-----BEGIN NATS USER JWT-----\n" + user_jwt +
                      "\n------END NATS USER JWT------\n\n"
                      "-----BEGIN USER NKEY SEED-----\n" + creds_user.seed +
                      "\n------END USER NKEY SEED------\n")


if __name__ == "__main__":
    main()
