"""Lists the namespace's entities and reads their runtime properties through ServiceBusAdministrationClient.
azure-servicebus 7.8.2's administration client ignores connection_verify when it builds its pipeline, so the CA comes
from REQUESTS_CA_BUNDLE, which the runner sets."""

from azure.servicebus.management import ServiceBusAdministrationClient

from common import read_input, write_output

job = read_input()
admin = ServiceBusAdministrationClient.from_connection_string(job["bus"]["adminConnectionString"])
result = {
    "queues": sorted(q.name for q in admin.list_queues()),
    "topics": sorted(t.name for t in admin.list_topics()),
    "subscriptions": {t: sorted(s.name for s in admin.list_subscriptions(t)) for t in job["topics"]},
    "queueRuntime": {},
    "subscriptionRuntime": {},
}
for queue in job["queues"]:
    runtime = admin.get_queue_runtime_properties(queue)
    result["queueRuntime"][queue] = {
        "active": runtime.active_message_count,
        "deadLetter": runtime.dead_letter_message_count,
        "scheduled": runtime.scheduled_message_count,
        "total": runtime.total_message_count,
    }
for topic, subscription in job["topicSubscriptions"]:
    runtime = admin.get_subscription_runtime_properties(topic, subscription)
    result["subscriptionRuntime"][f"{topic}/{subscription}"] = {
        "active": runtime.active_message_count,
        "deadLetter": runtime.dead_letter_message_count,
        "total": runtime.total_message_count,
    }
write_output(result)
