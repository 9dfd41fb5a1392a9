#!/usr/bin/env bash
# Makes testdata/signed/: testdata/sample.msi signed by osslsigncode (SHA-256, with
# MsiDigitalSignatureEx and an RFC 3161 timestamp from osslsigncode's built-in TSA) under a test
# CA made here with openssl. Only the CA's certificate is kept (test-ca.pem); every private key
# lives in a temporary folder that is removed. Each run makes new keys, so new bytes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
cat > openssl.cnf <<'CNF'
[req]
distinguished_name=dn
[dn]
[ca]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
[leaf]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=codeSigning
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[tsa]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=critical,timeStamping
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
CNF
q() { "$@" >/dev/null 2>&1; }
q openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -subj "/CN=msikit Test Root CA" \
  -days 7300 -extensions ca -config openssl.cnf -set_serial 1
q openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr \
  -subj "/C=US/O=Contoso Ltd./CN=Contoso Release Signing" -config openssl.cnf
q openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -set_serial 0x1001 -days 7300 \
  -extfile openssl.cnf -extensions leaf -out leaf.pem
q openssl req -newkey rsa:2048 -nodes -keyout tsa.key -out tsa.csr -subj "/CN=msikit Test TSA" -config openssl.cnf
q openssl x509 -req -in tsa.csr -CA ca.pem -CAkey ca.key -set_serial 0x2002 -days 7300 \
  -extfile openssl.cnf -extensions tsa -out tsa.pem
cat tsa.pem ca.pem > tsa-chain.pem
now="$(date +%s)"
q osslsigncode sign -certs leaf.pem -key leaf.key -h sha256 -add-msi-dse -time "$now" \
  -TSA-certs tsa-chain.pem -TSA-key tsa.key -TSA-time "$now" \
  -in "$here/../sample.msi" -out "$here/sample-signed.msi"
cp ca.pem "$here/test-ca.pem"
