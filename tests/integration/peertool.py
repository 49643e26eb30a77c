# SPDX-License-Identifier: Apache-2.0
"""What the Python test peers (kafkapeer.py, hostilepeer.py, dnspeer.py) share as programs:
argument errors exit 3 like every test tool, one thread-safe line logger on stderr, and the
TLS server context they present. Imported by those scripts from their own folder."""
import ssl
import sys
import threading


def parse_or_exit(parse_arguments, argv):
    """parse_arguments(argv), but argparse's exit 2 on bad input becomes the house's exit 3."""
    try:
        return parse_arguments(argv)
    except SystemExit as leaving:
        sys.exit(0 if leaving.code == 0 else 3)


def line_logger(program):
    """log(message): one whole "PROGRAM: message" line on stderr, whichever thread calls."""
    lock = threading.Lock()

    def log(message):
        with lock:
            print(f"{program}: {message}", file=sys.stderr, flush=True)
    return log


CLIENT_AUTH = ("none", "optional", "required")


def server_tls_context(cert_file, key_file, client_auth="none", client_ca=None):
    """TLS 1.2 and up, presenting the chain in cert_file (leaf first). client_auth "optional"
    or "required" asks for a client certificate (mutual TLS) verified against the PEM file
    client_ca, whose subjects the CertificateRequest lists."""
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.minimum_version = ssl.TLSVersion.TLSv1_2
    tls.load_cert_chain(cert_file, key_file)
    if client_auth != "none":
        if not client_ca:
            raise ValueError("a client certificate is asked for, but no client CA file given")
        tls.load_verify_locations(cafile=client_ca)
        tls.verify_mode = ssl.CERT_REQUIRED if client_auth == "required" else ssl.CERT_OPTIONAL
    return tls
