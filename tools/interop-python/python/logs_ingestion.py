"""Uploads rows with azure-monitor-ingestion's LogsIngestionClient and reports whether the service took them."""

import time

from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError
from azure.monitor.ingestion import LogsIngestionClient

from common import read_input, write_output


class StaticToken:
    """The local server checks that a bearer token is present, as the real service checks that it is valid."""

    def get_token(self, *scopes, **kwargs):
        return AccessToken("local-token", int(time.time()) + 3600)


job = read_input()
client = LogsIngestionClient(endpoint=job["endpoint"], credential=StaticToken(), connection_verify=job["ca"])
try:
    client.upload(rule_id=job["ruleId"], stream_name=job["stream"], logs=job["rows"])
    write_output({"accepted": True})
except HttpResponseError as error:
    write_output({"accepted": False, "status": error.status_code, "code": error.error.code if error.error else None})
