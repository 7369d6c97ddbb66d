#!/usr/bin/python3
"""Runs one fake nova-compute host of the e2e cloud.

The Debian nova-compute package pulls libvirt, qemu and systemd, so the
cloud runs nova.cmd.compute.main from python3-nova instead, once per fake
host, with the cloud's nova.conf plus a per-host file that sets host,
state_path, instances_path, lock_path and compute_driver = fake.FakeDriver.

Usage: compute.py NOVA_CONF HOST_CONF
"""

import sys


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: compute.py NOVA_CONF HOST_CONF\n")
        return 2
    nova_conf, host_conf = sys.argv[1], sys.argv[2]
    # Importing nova.cmd monkey-patches eventlet, as the real console script does.
    from nova.cmd import compute

    sys.argv = ["nova-compute", "--config-file", nova_conf, "--config-file", host_conf]
    return compute.main()


if __name__ == "__main__":
    sys.exit(main())
