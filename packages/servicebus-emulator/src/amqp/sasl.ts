import type { Container } from "rhea"
import type { SaslMechanism } from "./rheaInternals.ts"
import type { SharedAccessPolicy } from "./sharedAccessSignature.ts"

/** A PLAIN mechanism that checks key name and key; a success grants the connection the whole namespace. */
export class PlainWithKey implements SaslMechanism {
  outcome: boolean | undefined = undefined
  username: string | undefined = undefined
  private readonly policies: ReadonlyArray<SharedAccessPolicy>

  constructor(policies: ReadonlyArray<SharedAccessPolicy>) {
    this.policies = policies
  }

  start(response?: Buffer): void {
    const [, username, password] = (response ?? Buffer.alloc(0)).toString("utf8").split("\0")
    this.outcome = this.policies.some((p) => p.keyName === username && p.key === password)
    if (this.outcome) this.username = username
  }
}

/** Anonymous and MSSBCBS authenticate nobody: authorization comes later through CBS put-token. */
class ClaimsBased implements SaslMechanism {
  outcome: boolean | undefined = undefined
  username: string | undefined = undefined

  start(response?: Buffer): void {
    this.outcome = true
    this.username = response !== undefined && response.length > 0 ? response.toString("utf8") : "anonymous"
  }
}

/** Offers ANONYMOUS (what the JS SDK uses), PLAIN and MSSBCBS (the .NET SDK's choice). */
export const installSaslMechanisms = (container: Container, policies: ReadonlyArray<SharedAccessPolicy>): void => {
  const mechanisms = container.sasl_server_mechanisms as Record<string, () => SaslMechanism>
  mechanisms.ANONYMOUS = () => new ClaimsBased()
  mechanisms.PLAIN = () => new PlainWithKey(policies)
  mechanisms.MSSBCBS = () => new ClaimsBased()
}
