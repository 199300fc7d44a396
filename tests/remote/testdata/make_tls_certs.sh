#!/bin/sh
# Regenerates the test certificates of remote_security_test.cc with openssl:
#   ca.pem (ca.key is not kept)           a CA that signs the two below
#   server.pem server.key                  for 127.0.0.1 and localhost
#   client.pem client.key                  a client certificate (nats-server --tlsverify)
#   other_ca.pem                           a CA that signed neither (untrusted server)
# Valid for 100 years; test data only, never for a real deployment.
# Usage: tests/remote/testdata/make_tls_certs.sh (writes beside itself).
set -eu
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
days=36500

openssl req -x509 -newkey rsa:2048 -nodes -days "$days" -subj "/CN=troupe test CA" \
  -keyout "$work/ca.key" -out ca.pem
openssl req -x509 -newkey rsa:2048 -nodes -days "$days" -subj "/CN=troupe other CA" \
  -keyout "$work/other_ca.key" -out other_ca.pem

# $1: name, $2: subject, $3: extensions
sign() {
  openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$1.key" -out "$work/$1.csr"
  printf '%s\n' "$3" > "$work/$1.ext"
  openssl x509 -req -in "$work/$1.csr" -CA ca.pem -CAkey "$work/ca.key" -CAcreateserial \
    -CAserial "$work/ca.srl" -days "$days" -extfile "$work/$1.ext" -out "$1.pem"
}
sign server "/CN=127.0.0.1" "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
sign client "/CN=troupe test client" "extendedKeyUsage=clientAuth"
