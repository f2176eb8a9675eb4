"""TEST PROGRAM: one ``remote.Command`` shaped by stack config, for tests/e2e/test_standin.py.

Config (namespace ``probe``): host, port, user, privateKey (secret), dialErrorLimit,
create (the command), environment (a JSON object, optional), addPreviousOutputInEnv
(default: the provider's own default, true).
"""

import json

import pulumi
from pulumi_command import remote

config = pulumi.Config("probe")
environment = config.get("environment")
previous = config.get_bool("addPreviousOutputInEnv")
remote.Command(
    "probe",
    connection=remote.ConnectionArgs(
        host=config.require("host"),
        port=config.get_int("port") or 22,
        user=config.get("user") or "root",
        private_key=config.require_secret("privateKey"),
        dial_error_limit=config.get_int("dialErrorLimit"),
        per_dial_timeout=2,
    ),
    create=config.require("create"),
    environment=json.loads(environment) if environment else None,
    add_previous_output_in_env=previous,
)
