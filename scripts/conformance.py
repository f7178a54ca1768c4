"""Run scim2-tester against a live SCIM server and fail on any check that is not a success.

Usage: python scripts/conformance.py BASE_URL [TOKEN]
Prints one line per check and a closing 'N passed, N failed' line.
"""

import sys

import httpx2 as httpx
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

OK = {Status.SUCCESS, Status.COMPLIANT, Status.ACCEPTABLE}


def main() -> int:
    base = sys.argv[1]
    headers = {"Authorization": f"Bearer {sys.argv[2]}"} if len(sys.argv) > 2 else {}
    client = SyncSCIMClient(httpx.Client(base_url=base, headers=headers, timeout=30))
    results = check_server(client)
    passed = failed = 0
    for r in results:
        ok = r.status in OK
        passed += ok
        failed += not ok
        where = f" [{r.resource_type}]" if getattr(r, "resource_type", None) else ""
        line = f"{r.status.name:10} {r.title}{where}"
        if not ok:
            line += f": {r.reason}"
        print(line)
    print(f"conformance: {passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
