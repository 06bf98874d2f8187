/** The topic agents publish to, when nothing else is configured. */
export const defaultTopicName = "agent-logs"

/** The orchestrator's subscription on {@link defaultTopicName}, when nothing else is configured. */
export const defaultSubscriptionName = "orchestrator-sub"
