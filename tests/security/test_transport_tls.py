"""MQTT over TLS for the collector: a private Mosquitto that only speaks TLS and demands a client
certificate; the collector with the CA and its certificate receives data, without its certificate it
is refused. (OPC UA Basic256Sha256 with certificates is tested in tests/telemetry.)"""

from __future__ import annotations

import asyncio
import datetime as dt
import getpass
import ipaddress
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from jejo.telemetry.connectors import Health
from jejo.telemetry.connectors.mqtt import run_mqtt
from jejo.telemetry.model import MqttSource, MqttTls, Sample, Tag

pytestmark = pytest.mark.broker


def _write_pki(folder: Path) -> dict[str, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)

    def key() -> ec.EllipticCurvePrivateKey:
        return ec.generate_private_key(ec.SECP256R1())

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    ca_key = key()
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("jejo test CA"))
        .issuer_name(name("jejo test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    out = {"ca": folder / "ca.pem"}
    out["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    for who, san in (("server", True), ("client", False)):
        k = key()
        b = (
            x509.CertificateBuilder()
            .subject_name(name("127.0.0.1" if san else "collector-1"))
            .issuer_name(ca.subject)
            .public_key(k.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
        )
        if san:
            b = b.add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False,
            )
        cert = b.sign(ca_key, hashes.SHA256())
        out[f"{who}_cert"] = folder / f"{who}.pem"
        out[f"{who}_key"] = folder / f"{who}.key"
        out[f"{who}_cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        out[f"{who}_key"].write_bytes(
            k.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    return out


@pytest.fixture
def tls_broker(tmp_path: Path) -> Iterator[tuple[int, dict[str, Path]]]:
    if shutil.which("mosquitto") is None:
        pytest.skip("mosquitto is not installed")
    pki = _write_pki(tmp_path)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\n"
        f"cafile {pki['ca']}\ncertfile {pki['server_cert']}\nkeyfile {pki['server_key']}\n"
        "require_certificate true\ntls_version tlsv1.2\n"
        f"log_dest file {tmp_path}/mosquitto.log\nuser {getpass.getuser()}\n"
    )
    proc = subprocess.Popen(
        ["mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield port, pki
    finally:
        proc.terminate()
        proc.wait(10)


TAG = Tag(tag="line.speed", source="line", address="speed", unit="m/s")


async def _collect(
    source: MqttSource, port: int, pki: dict[str, Path], seconds: float
) -> tuple[list[Sample], Health]:
    import aiomqtt

    got: list[Sample] = []
    health = Health(source.name)
    stop = asyncio.Event()
    task = asyncio.create_task(run_mqtt(source, [TAG], got.extend, health, stop))
    publisher = aiomqtt.Client(
        "127.0.0.1",
        port,
        tls_params=aiomqtt.TLSParameters(
            ca_certs=str(pki["ca"]), certfile=str(pki["client_cert"]), keyfile=str(pki["client_key"])
        ),
    )
    deadline = asyncio.get_running_loop().time() + seconds
    async with publisher:
        while not got and asyncio.get_running_loop().time() < deadline:
            await publisher.publish("plant/line", b'{"ts": 1764000000000, "values": {"speed": 1.5}}', qos=1)
            await asyncio.sleep(0.3)
    stop.set()
    await asyncio.wait_for(task, 10)
    return got, health


def test_collector_reads_over_mutual_tls(tls_broker: tuple[int, dict[str, Path]]) -> None:
    port, pki = tls_broker
    source = MqttSource(
        name="line",
        kind="mqtt",
        url=f"mqtts://127.0.0.1:{port}",
        format="json",
        topics=["plant/#"],
        tls=MqttTls(
            ca_file=str(pki["ca"]), cert_file=str(pki["client_cert"]), key_file=str(pki["client_key"])
        ),
    )
    got, health = asyncio.run(_collect(source, port, pki, 15))
    assert got and got[0] == Sample("line.speed", 1764000000000, 1.5), health


def test_collector_without_its_certificate_is_refused(tls_broker: tuple[int, dict[str, Path]]) -> None:
    port, pki = tls_broker
    source = MqttSource(
        name="line",
        kind="mqtt",
        url=f"mqtts://127.0.0.1:{port}",
        format="json",
        topics=["plant/#"],
        tls=MqttTls(ca_file=str(pki["ca"])),
    )
    got, health = asyncio.run(_collect(source, port, pki, 3))
    assert not got and not health.connected and health.last_error


def test_tls_settings_are_checked() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="both cert_file and key_file"):
        MqttTls(cert_file="client.pem")


def test_opcua_server_checked_against_a_trust_list(tmp_path: Path) -> None:
    """Basic256Sha256 SignAndEncrypt: the client trusts the server only when its certificate is in the
    configured trust list folder; with a trust list that lacks it, the connection is refused."""
    from asyncua import Client
    from asyncua.crypto.cert_gen import setup_self_signed_certificate
    from cryptography.x509.oid import ExtendedKeyUsageOID

    from jejo.sim.endpoints.opcua_server import OpcUaMachineServer
    from jejo.telemetry.connectors.opcua import _secure
    from jejo.telemetry.model import OpcUaSource

    good, bad = tmp_path / "trusted", tmp_path / "other"
    good.mkdir()
    bad.mkdir()

    async def main() -> list[str]:
        for who, use in (
            ("server", ExtendedKeyUsageOID.SERVER_AUTH),
            ("client", ExtendedKeyUsageOID.CLIENT_AUTH),
        ):
            await setup_self_signed_certificate(
                tmp_path / f"{who}.key.pem",
                tmp_path / f"{who}.der",
                f"urn:jejo:test:{who}",
                "localhost",
                [use],
                {"commonName": who},
            )
        shutil.copy(tmp_path / "server.der", good / "server.der")
        shutil.copy(tmp_path / "client.der", bad / "client.der")
        srv = OpcUaMachineServer(
            [],
            "127.0.0.1",
            0,
            certificate=str(tmp_path / "server.der"),
            private_key=str(tmp_path / "server.key.pem"),
            allow_anonymous_none=False,
        )
        await srv.start()
        outcomes = []
        try:
            for folder in (good, bad):
                source = OpcUaSource.model_validate(
                    {
                        "name": "cnc",
                        "kind": "opcua",
                        "endpoint": srv.endpoint,
                        "security": {
                            "policy": "Basic256Sha256",
                            "mode": "SignAndEncrypt",
                            "certificate": str(tmp_path / "client.der"),
                            "private_key": str(tmp_path / "client.key.pem"),
                            "trust_list": str(folder),
                        },
                    }
                )
                client = Client(srv.endpoint, timeout=5)
                await _secure(client, source)
                try:
                    await client.connect()
                    await client.disconnect()
                    outcomes.append("connected")
                except Exception as exc:
                    outcomes.append(f"refused: {type(exc).__name__}")
        finally:
            await srv.stop()
        return outcomes

    outcomes = asyncio.run(main())
    assert outcomes[0] == "connected" and outcomes[1].startswith("refused"), outcomes
