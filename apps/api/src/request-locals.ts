/** One file part of a multipart request, as the multipart body reader leaves it (middleware/multipart-body.ts). */
export interface UploadedFile {
  /** The part's file name. */
  name: string;
  /** The part's Content-Type, as the client declared it (lowercase, parameters aside). */
  declaredType: string;
  data: Buffer;
}

/** What the middleware chain leaves on `res.locals` for the handlers (typed once, here). */
export interface ValidatedInput {
  params: unknown;
  query: unknown;
  body: unknown;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      /** Set by the auth middleware: the tenant the API key belongs to. */
      tenantId?: string;
      /** Set by the validate middleware: params, query and body as parsed by the route's schemas. */
      input?: ValidatedInput;
      /** Set by the multipart body reader: the request's file parts (absent for JSON bodies). */
      uploads?: UploadedFile[];
    }
  }
}
