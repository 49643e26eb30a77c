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


def server_tls_context(cert_file, key_file):
    """TLS 1.2 and up, presenting the chain in cert_file (leaf first)."""
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.minimum_version = ssl.TLSVersion.TLSv1_2
    tls.load_cert_chain(cert_file, key_file)
    return tls
