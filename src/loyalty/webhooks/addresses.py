"""Where a webhook may go: http(s) to a public address. Loopback, private, link-local and other non-public
addresses are refused (a webhook must not become a way to reach the venue's own network) unless the setting
LOYALTY_WEBHOOKS_ALLOW_PRIVATE allows them. Checked when an endpoint is saved and again before each delivery,
since a name can resolve elsewhere later."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from loyalty.errors import InvalidInput


class AddressRefused(Exception):
    """The URL's host is, or resolves to, an address webhooks may not reach."""


def check_url(url: str, *, allow_private: bool, field: str = "url") -> str:
    """`url` cleaned, or InvalidInput naming `field`."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(field, "must be an http:// or https:// address with a host")
    if parts.username or parts.password:
        raise InvalidInput(field, "must not carry a user name or password")
    try:
        check_host(parts.hostname, allow_private=allow_private, resolve=False)
    except AddressRefused as refused:
        raise InvalidInput(field, str(refused)) from None
    return url


def check_host(host: str, *, allow_private: bool, resolve: bool = True) -> None:
    """AddressRefused when `host` is, or (with `resolve`) resolves to, a non-public address."""
    if allow_private:
        return
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(".localhost"):
        raise AddressRefused(f"{host} is this machine; webhooks go to public addresses")
    try:
        addresses = [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        if not resolve:
            return  # a name: checked at each delivery, when it is resolved
        try:
            found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        except OSError as error:
            raise AddressRefused(f"{host} does not resolve ({error})") from None
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]
    for address in addresses:
        if not address.is_global or address.is_multicast:
            raise AddressRefused(f"{host} is a loopback or private address; webhooks go to public addresses")
