/**
 * Branded ids: a `JobId` cannot be passed where an `ApiKeyId` is expected, although both are
 * strings at run time. Each id has a fixed prefix so a stray id in a log says what it names.
 */

declare const brand: unique symbol;
export type Branded<T, B extends string> = T & { readonly [brand]: B };

export type ApiKeyId = Branded<string, 'ApiKeyId'>;
export type ArtifactId = Branded<string, 'ArtifactId'>;
export type RequestId = Branded<string, 'RequestId'>;
export type JobId = Branded<string, 'JobId'>;

export const API_KEY_ID_PATTERN = /^key_[0-9a-f]{12}$/;
export const ARTIFACT_ID_PATTERN = /^art_[0-9a-f]{24}$/;
export const JOB_ID_PATTERN = /^job_[0-9a-f]{24}$/;

export function isApiKeyId(value: string): value is ApiKeyId {
  return API_KEY_ID_PATTERN.test(value);
}

export function isArtifactId(value: string): value is ArtifactId {
  return ARTIFACT_ID_PATTERN.test(value);
}

export function isJobId(value: string): value is JobId {
  return JOB_ID_PATTERN.test(value);
}
