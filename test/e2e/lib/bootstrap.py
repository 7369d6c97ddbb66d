#!/usr/bin/python3
"""Idempotent Keystone catalog and Nova/Glance resources for the e2e cloud.

One Python process (openstacksdk, as shipped with python3-openstackclient)
instead of dozens of openstack CLI calls, each of which pays ~1.5 s of
start-up. Credentials come from the OS_* environment (cloud.sh sources the
admin openrc); passwords of the users it creates come from the environment
too, never from argv.

  bootstrap.py catalog TYPE=URL...   services, endpoints (public, internal,
                                     admin), the service project, one user
                                     per service and the lazarus user, all
                                     with the admin role in project service
  bootstrap.py resources IMAGE_FILE  the e2e.tiny flavor and the e2e-raw image
"""

import os
import sys
import time

import openstack

# type -> (service name, user name)
SERVICES = {
    "image": ("glance", "glance"),
    "placement": ("placement", "placement"),
    "network": ("neutron", "neutron"),
    "compute": ("nova", "nova"),
    "instance-ha": ("lazarus", "lazarus"),
}
REGION = "RegionOne"


def connect():
    return openstack.connect(
        auth_url=os.environ["OS_AUTH_URL"],
        username=os.environ["OS_USERNAME"],
        password=os.environ["OS_PASSWORD"],
        project_name=os.environ["OS_PROJECT_NAME"],
        user_domain_name=os.environ["OS_USER_DOMAIN_NAME"],
        project_domain_name=os.environ["OS_PROJECT_DOMAIN_NAME"],
        region_name=REGION,
        interface="public",
        identity_api_version="3",
    )


def ensure_user(idc, name, password, project, role):
    user = idc.find_user(name, domain_id="default")
    if user is None:
        user = idc.create_user(name=name, password=password, domain_id="default",
                               default_project_id=project.id)
    else:
        # The state dir may be newer than the database: its password wins.
        idc.update_user(user, password=password)
    idc.assign_project_role_to_user(project, user, role)
    return user


def catalog(conn, pairs):
    idc = conn.identity
    project = idc.find_project("service", domain_id="default")
    if project is None:
        project = idc.create_project(name="service", domain_id="default",
                                     description="e2e service users")
    role = idc.find_role("admin")
    service_pw = os.environ["LAZARUS_E2E_SERVICE_PASSWORD"]
    lazarus_pw = os.environ["LAZARUS_E2E_LAZARUS_PASSWORD"]
    for pair in pairs:
        stype, url = pair.split("=", 1)
        name, user = SERVICES[stype]
        svc = next(iter(idc.services(type=stype)), None)
        if svc is None:
            svc = idc.create_service(name=name, type=stype, enabled=True)
        have = {e.interface: e for e in idc.endpoints(service_id=svc.id)}
        for iface in ("public", "internal", "admin"):
            ep = have.get(iface)
            if ep is None:
                idc.create_endpoint(service_id=svc.id, interface=iface, url=url,
                                    region_id=REGION, enabled=True)
            elif ep.url != url:
                idc.update_endpoint(ep, url=url)
        ensure_user(idc, user, lazarus_pw if stype == "instance-ha" else service_pw,
                    project, role)
        print("service %s (%s) -> %s" % (name, stype, url))


def resources(conn, image_file):
    flavor = conn.compute.find_flavor("e2e.tiny", ignore_missing=True)
    if flavor is None:
        conn.compute.create_flavor(name="e2e.tiny", ram=64, vcpus=1, disk=1, is_public=True)
    print("flavor e2e.tiny")
    image = conn.image.find_image("e2e-raw", ignore_missing=True)
    if image is not None and image.status != "active":
        conn.image.delete_image(image)
        image = None
    if image is None:
        with open(image_file, "rb") as data:
            image = conn.image.create_image(name="e2e-raw", data=data, disk_format="raw",
                                            container_format="bare", visibility="public",
                                            allow_duplicates=True)
        for _ in range(120):
            image = conn.image.get_image(image)
            if image.status == "active":
                break
            time.sleep(0.5)
    print("image e2e-raw %s %s" % (image.id, image.status))


def main():
    if len(sys.argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    conn = connect()
    if sys.argv[1] == "catalog":
        catalog(conn, sys.argv[2:])
    elif sys.argv[1] == "resources" and len(sys.argv) == 3:
        resources(conn, sys.argv[2])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
