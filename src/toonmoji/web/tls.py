"""HTTPS for `toonmoji serve --https`: browsers give a page the camera only on localhost or over
HTTPS, so a phone on the same network needs TLS.

Without `--cert/--key` a self-signed certificate is made on first use (an EC P-256 key, valid for
two years, names: localhost, 127.0.0.1, ::1 and this machine's host name) and kept in the user's
config folder, so the phone accepts it once and keeps trusting the same fingerprint. A self-signed
certificate still gets a browser warning; the SHA-256 fingerprint printed at start lets the user
check that the certificate the phone shows is this one.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

from toonmoji.errors import InputError

VALID_DAYS = 730
RENEW_DAYS = 7  # a certificate this close to expiring is replaced


@dataclass(frozen=True)
class TlsFiles:
    cert: Path
    key: Path
    fingerprint: str  # SHA-256 of the certificate, hex pairs separated by ':'
    self_signed: bool = False  # made by toonmoji (else the user's --cert/--key)
    generated: bool = False  # made just now (first use, or the old one expired)


def config_dir() -> Path:
    """The user's toonmoji config folder: $TOONMOJI_CONFIG, else $XDG_CONFIG_HOME/toonmoji, else
    ~/.config/toonmoji."""
    root = os.environ.get("TOONMOJI_CONFIG")
    if root:
        return Path(root)
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "toonmoji"


def fingerprint(cert_pem: bytes) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    digest = x509.load_pem_x509_certificate(cert_pem).fingerprint(hashes.SHA256())
    return ":".join(f"{b:02X}" for b in digest)


def check_pair(cert: Path, key: Path) -> None:
    """InputError in one line unless `cert` and `key` are a PEM certificate and its private key."""
    for path in (cert, key):
        if not path.is_file():
            raise InputError(f"no such file: {path}")
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise InputError(f"cannot use {cert} with {key} for HTTPS: {getattr(exc, 'reason', None) or exc}") from None


def user_files(cert: Path, key: Path) -> TlsFiles:
    """The certificate and key the user gave (--cert/--key), checked."""
    check_pair(cert, key)
    try:
        return TlsFiles(cert, key, fingerprint(cert.read_bytes()))
    except ValueError as exc:
        raise InputError(f"cannot read the certificate {cert}: {exc}") from None


def self_signed(folder: Path | None = None, now: dt.datetime | None = None) -> TlsFiles:
    """The self-signed certificate in `folder` (default: <config>/tls), made if missing, unreadable
    as a pair, or expiring within RENEW_DAYS."""
    folder = folder or config_dir() / "tls"
    cert, key = folder / "cert.pem", folder / "key.pem"
    now = now or dt.datetime.now(dt.UTC)
    if cert.is_file() and key.is_file() and _usable(cert, key, now):
        return TlsFiles(cert, key, fingerprint(cert.read_bytes()), self_signed=True)
    cert_pem, key_pem = make_certificate(now)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _write_private(key, key_pem)
        _write_private(cert, cert_pem)
    except OSError as exc:
        raise InputError(f"cannot keep the HTTPS certificate in {folder}: {exc.strerror or exc}") from None
    return TlsFiles(cert, key, fingerprint(cert_pem), self_signed=True, generated=True)


def _usable(cert: Path, key: Path, now: dt.datetime) -> bool:
    from cryptography import x509

    try:
        check_pair(cert, key)
        expires = x509.load_pem_x509_certificate(cert.read_bytes()).not_valid_after_utc
    except (InputError, ValueError, OSError):
        return False
    return expires - now > dt.timedelta(days=RENEW_DAYS)


def make_certificate(now: dt.datetime) -> tuple[bytes, bytes]:
    """(certificate PEM, private key PEM): a self-signed server certificate for this machine."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    host = socket.gethostname() or "localhost"
    names: list[x509.GeneralName] = [x509.DNSName(n) for n in dict.fromkeys(["localhost", host, f"{host}.local"])
                                     if _dns_name_ok(n)]
    names += [x509.IPAddress(ipaddress.ip_address(a)) for a in ("127.0.0.1", "::1")]
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"toonmoji on {host}"[:64]),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "toonmoji (self-signed)")])
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject).public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_encipherment=False, content_commitment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def _dns_name_ok(name: str) -> bool:
    return all(part and len(part) <= 63 and part.replace("-", "").isalnum() and part.isascii()
               for part in name.split("."))


def _write_private(path: Path, data: bytes) -> None:
    """Atomically, readable by the user only (mkstemp makes 0600 files)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
