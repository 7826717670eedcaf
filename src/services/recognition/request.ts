import { z } from 'zod';

/**
 * The fields of POST /v1/plate-reader/ after the HTTP layer has pulled them out of multipart or JSON.
 * One schema validates them and documents them in /openapi.json.
 */
const REGION_CODE = /^[a-z]{2}(-[a-z0-9]{1,3})?$/;

function isValidRegex(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

export const RecognitionConfig = z
  .object({
    mode: z.enum(['regular', 'fast', 'redaction']).optional(),
    detection_rule: z.enum(['default', 'strict']).optional(),
    detection_mode: z.enum(['plate', 'vehicle']).optional(),
    region: z.enum(['default', 'strict']).optional(),
    threshold_d: z.number().min(0).max(1).optional(),
    threshold_o: z.number().min(0).max(1).optional(),
    text_formats: z
      .array(z.string().min(1).max(200).refine(isValidRegex, 'not a valid regular expression'))
      .max(50)
      .optional(),
  })
  .strict();
export type RecognitionConfig = z.infer<typeof RecognitionConfig>;

const truthy = new Set(['true', '1', 'yes', 'on']);
const falsy = new Set(['false', '0', 'no', 'off', '']);

/** `mmc` arrives as `true`, `True`, `1`, `false` (Python clients send `True`); JSON clients send booleans. */
export const MmcFlag = z.union([z.boolean(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'boolean') return v;
  const s = v.trim().toLowerCase();
  if (truthy.has(s)) return true;
  if (falsy.has(s)) return false;
  ctx.addIssue({ code: 'custom', message: 'must be true or false' });
  return z.NEVER;
});

/** `config` is a JSON string on the wire (an object is accepted from JSON bodies). */
export const ConfigField = z.union([z.string(), z.record(z.string(), z.unknown())]).transform((v, ctx) => {
  if (typeof v !== 'string') return v;
  if (v.trim() === '') return {};
  try {
    return JSON.parse(v) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'config must be a JSON object' });
    return z.NEVER;
  }
}).pipe(RecognitionConfig);

export const RecognitionFields = z
  .object({
    upload: z.string().optional(),
    upload_url: z.string().url().max(2048).optional(),
    regions: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
      // Some clients join regions with commas instead of repeating the field.
      .transform((list) => list.flatMap((r) => r.split(',')).map((r) => r.trim().toLowerCase()).filter(Boolean))
      .pipe(z.array(z.string().regex(REGION_CODE, 'must be a region code such as us-ca or gb')).max(20)),
    camera_id: z.string().max(200).nullable().optional(),
    timestamp: z
      .string()
      .max(64)
      .refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 date-time')
      .optional(),
    mmc: MmcFlag.optional(),
    config: ConfigField.optional(),
  })
  .strict();
export type RecognitionFields = z.infer<typeof RecognitionFields>;
