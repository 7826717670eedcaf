import { describe, expect, it } from 'vitest';
import { decodeBase64Image } from '../../src/http/base64-image.js';
import { toRecogniseOptions } from '../../src/services/recognition/options.js';
import { RecognitionFields } from '../../src/services/recognition/request.js';

describe('decodeBase64Image', () => {
  const bytes = Buffer.from('\x89PNG\r\n\x1a\nrest-of-file', 'binary');
  const b64 = bytes.toString('base64');

  it('accepts plain, wrapped, data-URL and URL-safe base64', () => {
    const wrapped = b64.replace(/(.{8})/g, '$1\n');
    for (const text of [b64, wrapped, `data:image/png;base64,${wrapped}`, b64.replace(/\+/g, '-').replace(/\//g, '_')]) {
      expect(Buffer.from(decodeBase64Image(text)).equals(bytes)).toBe(true);
    }
  });

  it('refuses text that is not base64', () => {
    expect(() => decodeBase64Image('not base64 at all!')).toThrow(/valid base64/);
    expect(() => decodeBase64Image('   ')).toThrow(/empty/);
    expect(() => decodeBase64Image('abcde')).toThrow(/valid base64/);
  });
});

describe('RecognitionFields', () => {
  it('parses the parkpow client call: repeated regions, mmc=True, config={}', () => {
    const f = RecognitionFields.parse({ regions: ['us-CA', 'MX'], mmc: 'True', config: '{}' });
    expect(f.regions).toEqual(['us-ca', 'mx']);
    expect(f.mmc).toBe(true);
    expect(f.config).toEqual({});
  });

  it('parses every config key and maps it to engine options', () => {
    const f = RecognitionFields.parse({
      regions: 'gb,fr',
      mmc: 'false',
      config: JSON.stringify({
        mode: 'fast',
        detection_rule: 'strict',
        detection_mode: 'vehicle',
        region: 'strict',
        threshold_d: 0.3,
        threshold_o: 0.6,
        text_formats: ['[a-z]{2}[0-9]{2}[a-z]{3}'],
      }),
    });
    expect(toRecogniseOptions(f.config ?? {}, f.regions, f.mmc ?? false)).toEqual({
      mode: 'fast',
      regions: ['gb', 'fr'],
      regionStrict: true,
      thresholdD: 0.3,
      thresholdO: 0.6,
      textFormats: ['[a-z]{2}[0-9]{2}[a-z]{3}'],
      mmc: false,
      detectionRule: 'strict',
      detectionMode: 'vehicle',
    });
  });

  it.each([
    [{ config: '{not json' }, /config must be a JSON object/],
    [{ config: '{"mode":"turbo"}' }, /mode/],
    [{ config: '{"threshold_d":2}' }, /threshold_d/],
    [{ config: '{"text_formats":["[a-"]}' }, /regular expression/],
    [{ config: '{"unknown_key":1}' }, /unknown_key|Unrecognized/i],
    [{ mmc: 'maybe' }, /mmc/],
    [{ regions: ['not a region'] }, /region code/],
    [{ timestamp: 'yesterday' }, /ISO 8601/],
    [{ colour: 'red' }, /colour|Unrecognized/i],
    [{ upload_url: 'not a url' }, /upload_url/],
  ])('refuses %j', (input, message) => {
    const r = RecognitionFields.safeParse(input);
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(message);
  });
});
