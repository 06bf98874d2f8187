/** A management request refused with an HTTP status; `detail` goes to the client in the ATOM error body. */
export class ManagementError extends Error {
  override readonly name = "ManagementError"
  readonly status: number

  constructor(status: number, detail: string) {
    super(detail)
    this.status = status
  }
}

export const badRequest = (detail: string): ManagementError => new ManagementError(400, detail)
