"""SQL filters and rule actions from Python: creates a subscription's rules through ServiceBusAdministrationClient
(filter and action parameters typed by Python), reads them back, sends messages whose application properties are
Python ints, floats and strings, and receives what each subscription got, with the Python types of its properties.
The CA for the administration client comes from REQUESTS_CA_BUNDLE, which the runner sets."""

from azure.servicebus import ServiceBusMessage
from azure.servicebus.management import ServiceBusAdministrationClient, SqlRuleAction, SqlRuleFilter

from common import describe, read_input, service_bus_client, write_output

job = read_input()
topic = job["topic"]
admin = ServiceBusAdministrationClient.from_connection_string(job["bus"]["adminConnectionString"])
admin.create_subscription(topic, "by-python")
admin.delete_rule(topic, "by-python", "$Default")
admin.create_rule(
    topic,
    "by-python",
    "halves",
    filter=SqlRuleFilter("quantity / @divisor = @half AND event_type = @type",
                         parameters={"@divisor": 2, "@half": 2, "@type": "order_placed"}),
    action=SqlRuleAction("SET quantity = quantity * @factor; SET label = @label; REMOVE secret",
                         parameters={"@factor": 10, "@label": "scaled"}),
)
rule = admin.get_rule(topic, "by-python", "halves")
read_back = {
    "filter": rule.filter.sql_expression,
    "filterParameters": {key: [type(value).__name__, value] for key, value in (rule.filter.parameters or {}).items()},
    "action": rule.action.sql_expression,
    "actionParameters": {key: [type(value).__name__, value] for key, value in (rule.action.parameters or {}).items()},
}

messages = [
    # A Python int is an AMQP long: 5 / 2 is 2. A float is a double: 5.0 / 2 is 2.5.
    ServiceBusMessage(b"int", message_id="int-5", application_properties={
        "event_type": "order_placed", "quantity": 5, "secret": "s"}),
    ServiceBusMessage(b"float", message_id="float-5", application_properties={
        "event_type": "order_placed", "quantity": 5.0, "secret": "s"}),
    ServiceBusMessage(b"float", message_id="float-4", application_properties={
        "event_type": "order_placed", "quantity": 4.0, "secret": "s"}),
    ServiceBusMessage(b"other", message_id="other-5", application_properties={
        "event_type": "order_cancelled", "quantity": 5}),
]
received = {}
with service_bus_client(job["bus"]) as client:
    with client.get_topic_sender(topic) as sender:
        sender.send_messages(messages)
    for subscription in job["subscriptions"] + ["by-python"]:
        with client.get_subscription_receiver(topic, subscription, max_wait_time=2) as receiver:
            got = []
            for batch in iter(lambda: receiver.receive_messages(max_message_count=10, max_wait_time=1), []):
                for message in batch:
                    got.append(describe(message))
                    receiver.complete_message(message)
            received[subscription] = sorted(got, key=lambda m: m["messageId"])
write_output({"rule": read_back, "received": received})
