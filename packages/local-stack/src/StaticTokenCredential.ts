/** Structurally an `@azure/core-auth` TokenCredential (this package does not depend on core-auth at runtime). */
export interface StaticTokenCredential {
  readonly getToken: (
    scopes: string | Array<string>,
  ) => Promise<{ token: string; expiresOnTimestamp: number; tokenType: "Bearer" }>
  /** Scopes requested so far, to assert which audience a client asked for. */
  readonly requestedScopes: () => ReadonlyArray<string>
}

/** A credential that always hands out the same fake token, for clients talking to local peers. */
export const staticTokenCredential = (token = "local-peer-token"): StaticTokenCredential => {
  const scopes: Array<string> = []
  return {
    getToken: async (requested) => {
      scopes.push(...(Array.isArray(requested) ? requested : [requested]))
      return { token, expiresOnTimestamp: Date.now() + 60 * 60 * 1000, tokenType: "Bearer" }
    },
    requestedScopes: () => [...scopes],
  }
}
