"""Drive the simulator with python-novaclient 2.53, as Masakari does.

Reads NOVASIM_URL, SERVER_HOST; prints one JSON object with what it saw.
"""
import json
import os

from keystoneauth1 import loading, session
from novaclient import client

url = os.environ["NOVASIM_URL"]
host = os.environ["SERVER_HOST"]
auth = loading.get_plugin_loader("password").load_from_options(
    auth_url=url + "/v3", username="admin", password=os.environ["NOVASIM_PASSWORD"],
    project_name="admin", user_domain_name="Default", project_domain_name="Default")
nova = client.Client("2.53", session=session.Session(auth=auth))
out = {}
svc = nova.services.list(binary="nova-compute", host=host)[0]
out["service"] = [svc.id, svc.state, svc.status, svc.forced_down]
# Masakari's call: limit=None reads one page only.
servers = nova.servers.list(search_opts={"all_tenants": True, "host": host})
out["one_page"] = len(servers)
out["all_pages"] = len(nova.servers.list(search_opts={"all_tenants": True, "host": host}, limit=-1))
first = servers[0].id
try:
    nova.servers.evacuate(first)
    out["refused"] = ""
except Exception as e:  # novaclient.exceptions.BadRequest
    out["refused"] = str(e)
nova.services.force_down(svc.id, True)
nova.services.disable_log_reason(svc.id, "Masakari detected host failed.")
nova.servers.evacuate(first)
svc = nova.services.list(binary="nova-compute", host=host)[0]
out["service_after"] = [svc.state, svc.status, svc.forced_down, svc.disabled_reason]
out["migrations"] = [[m.migration_type, m.source_compute] for m in nova.migrations.list(instance_uuid=first)]
s = nova.servers.get(first)
out["server"] = [getattr(s, "OS-EXT-STS:vm_state"), getattr(s, "OS-EXT-STS:task_state"), s.locked]
print(json.dumps(out))
