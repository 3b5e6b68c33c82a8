import type { MeshConfig } from '@mesh/config';
import type { Response } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../api-deps';
import type { UploadedFile, UploadLimits } from '../middleware/multipart-body';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** What a handler answers; the router sends it (no body: an empty response, e.g. 204). */
export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Writes the response itself instead of a JSON body (event streams, HTML); resolves when it has ended. */
  respond?: (res: Response) => Promise<void> | void;
}

export interface ResponseSpec {
  description: string;
  /** Schema of the body; null when the response has none. */
  schema: z.ZodType | null;
  /** Media type of the body; default application/json. */
  contentType?: string;
}

export interface HandlerContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  deps: ApiDeps;
  /** Aborted when the client goes away, so a long `?wait` stops early. */
  signal: AbortSignal;
  /** The file parts of a `multipart/form-data` request (routes with `uploads`); empty otherwise. */
  uploads: UploadedFile[];
}

/**
 * A route that also takes `multipart/form-data`: one field holds the JSON body (validated by the
 * route's body schema), every file part is an upload, read under these limits.
 */
export interface UploadsSpec {
  /** The form field that carries the JSON body. */
  bodyField: string;
  limits(config: MeshConfig): UploadLimits;
  /** What the OpenAPI document says of the multipart form. */
  description: string;
  /** A form for the OpenAPI document: the body field's JSON and `files` (their bytes shown as text). */
  example: Record<string, unknown>;
}

/**
 * One route of the API as data: method, path, the zod schemas of its inputs and responses, and
 * its handler. The router mounts these; the same table is what an OpenAPI document is generated
 * from (paths use Express's `:param` syntax; every error body is `ErrorBody`).
 */
export interface RouteDefinition {
  method: HttpMethod;
  /** Relative to the API base path, e.g. `/networks/:network_id`. */
  path: string;
  summary: string;
  tag: string;
  /** False only for routes open to anyone (health). */
  auth: boolean;
  params: z.ZodType;
  query: z.ZodType;
  /** Absent on routes that read no body (GET, DELETE). */
  body?: z.ZodType;
  /** True when the body schema rejects an empty body: such a route answers 415 without JSON. */
  bodyRequired: boolean;
  /** This route's limit of a JSON body, when it differs from MESH_BODY_LIMIT_BYTES (e.g. inline files). */
  bodyLimitBytes?: (config: MeshConfig) => number;
  uploads?: UploadsSpec;
  responses: Record<number, ResponseSpec>;
  /** Error statuses this route answers besides the ones every route may (401, 429, 500). */
  errors: number[];
  handle(ctx: HandlerContext<unknown, unknown, unknown> & { tenantId: string }): Promise<RouteResult>;
}

interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, Extra> {
  method: HttpMethod;
  path: string;
  summary: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  bodyLimitBytes?: (config: MeshConfig) => number;
  uploads?: UploadsSpec;
  responses: Record<number, ResponseSpec>;
  errors?: number[];
  handle(ctx: Extra & HandlerContext<z.output<P>, z.output<Q>, z.output<B>>): Promise<RouteResult>;
}

type AnySpec = RouteSpec<z.ZodType, z.ZodType, z.ZodType, object>;

/** Without a schema a route takes no parameters of that kind: unknown ones are a 400. */
const NoParameters = z.strictObject({});

function toDefinition(spec: AnySpec, auth: boolean): RouteDefinition {
  return {
    method: spec.method,
    path: spec.path,
    summary: spec.summary,
    tag: spec.tag,
    auth,
    params: spec.params ?? NoParameters,
    query: spec.query ?? NoParameters,
    ...(spec.body ? { body: spec.body } : {}),
    bodyRequired: spec.body !== undefined && !spec.body.safeParse(undefined).success,
    ...(spec.bodyLimitBytes ? { bodyLimitBytes: spec.bodyLimitBytes } : {}),
    ...(spec.uploads ? { uploads: spec.uploads } : {}),
    responses: spec.responses,
    errors: spec.errors ?? [],
    // The router validates params, query and body with these very schemas before calling.
    handle: spec.handle as RouteDefinition['handle'],
  };
}

/** A route that needs an API key; its handler gets the caller's tenant. */
export function defineRoute<P extends z.ZodType = z.ZodUndefined, Q extends z.ZodType = z.ZodUndefined, B extends z.ZodType = z.ZodUndefined>(
  spec: RouteSpec<P, Q, B, { tenantId: string }>,
): RouteDefinition {
  return toDefinition(spec as unknown as AnySpec, true);
}

/** A route open to anyone (only health). */
export function definePublicRoute<P extends z.ZodType = z.ZodUndefined, Q extends z.ZodType = z.ZodUndefined, B extends z.ZodType = z.ZodUndefined>(
  spec: RouteSpec<P, Q, B, object>,
): RouteDefinition {
  return toDefinition(spec as unknown as AnySpec, false);
}
