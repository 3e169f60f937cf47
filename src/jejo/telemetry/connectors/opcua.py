"""OPC UA connector (asyncua): data-change subscriptions, source timestamps, anonymous or
Basic256Sha256 (Sign / SignAndEncrypt) with client certificates, and reconnect with back-off that
re-creates the session with the same security settings and subscribes again."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jejo.telemetry.connectors import Backoff, Emit, Health
from jejo.telemetry.model import OpcUaSource, Sample, Tag

log = logging.getLogger(__name__)


def _ms(dt: datetime | None) -> int:
    if dt is None:
        dt = datetime.now(UTC)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)


class _Handler:
    def __init__(self, tags: dict[str, Tag], emit: Emit, health: Health) -> None:
        self.tags, self.emit, self.health = tags, emit, health

    def datachange_notification(self, node: Any, val: Any, data: Any) -> None:
        tag = self.tags.get(node.nodeid.to_string())
        if tag is None:
            return
        dv = data.monitored_item.Value
        ts = _ms(dv.SourceTimestamp or dv.ServerTimestamp)
        if isinstance(val, (int, float, bool)) or val is None:
            value = tag.scaled(val)
        else:
            value = str(getattr(val, "Text", val))
        self.health.samples += 1
        self.emit([Sample(tag.tag, ts, value)])

    def status_change_notification(self, status: Any) -> None:
        self.health.error(f"subscription status {status}")


def _certificate_uri(path: str | None) -> str | None:
    from cryptography import x509

    if not path:
        return None
    data = Path(path).read_bytes()
    cert = (
        x509.load_pem_x509_certificate(data)
        if b"-----BEGIN" in data
        else x509.load_der_x509_certificate(data)
    )
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None
    uris = san.get_values_for_type(x509.UniformResourceIdentifier)
    return uris[0] if uris else None


async def _secure(client: Any, source: OpcUaSource) -> None:
    from asyncua import ua
    from asyncua.crypto.security_policies import SecurityPolicyBasic256Sha256

    sec = source.security
    if sec.username:
        client.set_user(sec.username)
        client.set_password(sec.password or "")
    if sec.policy == "None":
        return
    uri = _certificate_uri(sec.certificate)
    if uri:  # the application URI must match the client certificate's
        client.application_uri = uri
    await client.set_security(
        SecurityPolicyBasic256Sha256,
        certificate=sec.certificate,
        private_key=sec.private_key,
        server_certificate=sec.server_certificate,
        mode=getattr(ua.MessageSecurityMode, sec.mode),
    )
    if sec.trust_list:
        from pathlib import Path

        from asyncua.crypto.truststore import TrustStore
        from asyncua.crypto.validator import CertificateValidator, CertificateValidatorOptions

        store = TrustStore([Path(sec.trust_list)], [Path(sec.revocation_list)] if sec.revocation_list else [])
        await store.load()
        opts = CertificateValidatorOptions
        checks = opts.TIME_RANGE | opts.TRUSTED | (opts.REVOKED if sec.revocation_list else opts(0))
        client.certificate_validator = CertificateValidator(checks, store)


async def run_opcua(
    source: OpcUaSource, tags: list[Tag], emit: Emit, health: Health, stop: asyncio.Event
) -> None:
    from asyncua import Client

    backoff = Backoff()
    by_node = {t.address: t for t in tags}
    while not stop.is_set():
        client = Client(source.endpoint, timeout=source.timeout_s)
        connected = False
        try:
            await _secure(client, source)
            await client.connect()
            connected = True
            nodes = [client.get_node(a) for a in by_node]
            handler = _Handler(
                {n.nodeid.to_string(): by_node[a] for n, a in zip(nodes, by_node, strict=True)}, emit, health
            )
            sub = await client.create_subscription(source.publishing_interval_ms, handler)
            results = await sub.subscribe_data_change(  # type: ignore[call-overload]
                nodes,
                sampling_interval=float(min((t.sampling_ms or source.publishing_interval_ms) for t in tags)),
            )
            bad = [a for a, r in zip(by_node, results, strict=True) if not isinstance(r, int)]
            if bad:
                health.last_error = f"cannot subscribe to {', '.join(bad[:5])}"
                log.warning("opcua %s: %s", source.name, health.last_error)
            health.connected = True
            if not bad:
                health.last_error = None
            backoff.reset()
            while not stop.is_set():
                try:
                    await asyncio.wait_for(stop.wait(), 1.0)
                except TimeoutError:
                    await asyncio.wait_for(client.nodes.server_state.read_value(), timeout=source.timeout_s)
        except Exception as exc:  # refused, timeout, security rejected, server gone
            health.error(exc)
            health.reconnects += 1
            log.info("opcua %s: %s", source.name, health.last_error)
        finally:
            if connected:
                try:
                    await asyncio.wait_for(client.disconnect(), 2.0)
                except Exception:
                    client.uaclient.mark_disconnected() if hasattr(
                        client.uaclient, "mark_disconnected"
                    ) else None
        if not stop.is_set():
            await backoff.wait(stop)
