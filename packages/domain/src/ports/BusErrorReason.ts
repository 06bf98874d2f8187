/**
 * The failures every bus port (publisher, subscription, dead-letter queue) names alike, in terms an operator can act
 * on; each port's reasons add their own.
 */
export const busErrorReasons = [
  /** The broker could not be reached (DNS, TCP, TLS). */
  "ConnectionRefused",
  /** The credentials were rejected or lack the right the operation needs (Send, Listen, Manage). */
  "Unauthorized",
  /** The topic or the subscription does not exist. */
  "EntityNotFound",
] as const
export type BusErrorReason = (typeof busErrorReasons)[number]
