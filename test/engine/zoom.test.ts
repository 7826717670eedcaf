import { describe, expect, it } from 'vitest';
import { detectWithCloseUp } from '../../src/engine/detect.js';
import { modeSettings } from '../../src/engine/mode.js';
import { DEFAULT_NMS } from '../../src/engine/nms.js';
import { type ZoomSettings, windowToRaw, zoomIn, zoomSuspects, zoomWindow } from '../../src/engine/zoom.js';
import { scriptedDetector } from './helpers/scripted-detector.js';

const SETTINGS: ZoomSettings = { weakFloor: 0.15, maxWindows: 2, window: 64, plateWidth: 32, maxSuspectWidth: 54 };

/** A frame whose pixel (x, y) is (x, y, 7) as bytes: sampling can be checked against the coordinates. */
function gradient(width: number, height: number) {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set([x, y, 7], (y * width + x) * 3);
  return { data, width, height, channels: 3 };
}

const box = (xmin: number, ymin: number, xmax: number, ymax: number) => ({ xmin, ymin, xmax, ymax });

describe('zoomWindow', () => {
  it('centres the window on the box at the zoom that makes it plateWidth wide, and maps back exactly', () => {
    const raw = gradient(200, 150);
    const w = zoomWindow(raw, box(100, 60, 116, 70), 64, 32);
    expect(w.zoom).toBe(2);
    expect([w.x0, w.y0]).toEqual([92, 49]);
    // Tensor pixel (x, y) samples source (x0 + (x + 0.5) / zoom - 0.5, ...): on a gradient that is its value.
    const at = (x: number, y: number) => Array.from(w.pixels.subarray((y * 64 + x) * 3, (y * 64 + x) * 3 + 3));
    expect(at(16, 22)).toEqual([100, 60, 7]);
    expect(at(18, 24)).toEqual([101, 61, 7]);
    expect(windowToRaw(box(16, 22, 48, 42), w)).toEqual(box(100, 60, 116, 70));
  });

  it('clamps to the edge pixels outside the image', () => {
    const raw = gradient(50, 40);
    const last = (64 * 64 - 1) * 3;
    const topLeft = zoomWindow(raw, box(0, 0, 8, 4), 64, 32);
    expect(Array.from(topLeft.pixels.subarray(0, 3))).toEqual([0, 0, 7]);
    const bottomRight = zoomWindow(raw, box(42, 36, 50, 40), 64, 32);
    expect(Array.from(bottomRight.pixels.subarray(0, 3))).toEqual([38, 30, 7]);
    expect(Array.from(bottomRight.pixels.subarray(last, last + 3))).toEqual([49, 39, 7]);
  });

  it('repeats a grey image\'s one channel as R, G and B, sampled as the colour frame would be', () => {
    const rgb = gradient(80, 60);
    // The grey frame holds the colour frame's first channel (x); its window must equal that channel, three times.
    const grey = { data: rgb.data.filter((_, i) => i % 3 === 0), width: 80, height: 60, channels: 1 };
    const c = zoomWindow(rgb, box(30, 20, 41, 26), 64, 32);
    const g = zoomWindow(grey, box(30, 20, 41, 26), 64, 32);
    for (let i = 0; i < 64 * 64; i++) expect([g.pixels[3 * i], g.pixels[3 * i + 1], g.pixels[3 * i + 2]]).toEqual([c.pixels[3 * i], c.pixels[3 * i], c.pixels[3 * i]]);
  });
});

describe('zoomSuspects', () => {
  it('keeps small weak boxes no detection covers, the strongest first, at most maxWindows', () => {
    const weak = [
      { box: box(10, 10, 50, 25), score: 0.2 },
      { box: box(300, 10, 340, 25), score: 0.4 },
      { box: box(600, 10, 640, 25), score: 0.3 },
      { box: box(100, 100, 300, 160), score: 0.45 }, // too wide to need a second look
      { box: box(900, 10, 940, 25), score: 0.35 }, // covered by a detection
    ];
    const found = [{ box: box(902, 11, 942, 26), score: 0.9 }];
    expect(zoomSuspects(weak, found, { scaleX: 1, scaleY: 1 }, 1, SETTINGS).map((s) => s.score)).toEqual([0.4, 0.3]);
  });

  it('judges the width of a suspect as the largest pass saw it, so a larger frame keeps wider suspects', () => {
    const weak = [{ box: box(10, 10, 130, 40), score: 0.3 }]; // 120 px in the decoded image
    expect(zoomSuspects(weak, [], { scaleX: 1, scaleY: 1 }, 1, SETTINGS)).toHaveLength(0); // seen at 120 px
    expect(zoomSuspects(weak, [], { scaleX: 1, scaleY: 1 }, 1 / 3, SETTINGS)).toHaveLength(1); // seen at 40 px
    // Decoded at half size (shrink-on-load), the same box is 60 decoded px, seen at 20.
    expect(zoomSuspects(weak, [], { scaleX: 0.5, scaleY: 0.5 }, 1 / 3, SETTINGS)).toHaveLength(1);
  });
});

/** A detector that sees a plate in the middle of any 64 px window (a zoomed suspect) and nothing at pass sizes. */
function windowDetector(score = 0.8) {
  return scriptedDetector((w) => (w === 64 ? [16, 26, 48, 38, score] : [0, 0, 10, 10, 0.01]));
}

describe('zoomIn', () => {
  it('returns what the window shows on the suspect, in image coordinates', async () => {
    const raw = gradient(400, 300);
    const { session, runs } = windowDetector();
    const r = await zoomIn(session, raw, { scaleX: 1, scaleY: 1 }, [{ box: box(100, 60, 116, 70), score: 0.3 }], SETTINGS, 0.5);
    expect(runs).toEqual([64]);
    expect(r.detections).toEqual([{ box: box(100, 62, 116, 68), score: expect.closeTo(0.8, 6) }]);
  });

  it('drops boxes under the threshold', async () => {
    const { session } = windowDetector(0.3);
    const r = await zoomIn(session, gradient(400, 300), { scaleX: 1, scaleY: 1 }, [{ box: box(100, 60, 116, 70), score: 0.3 }], SETTINGS, 0.5);
    expect(r.detections).toEqual([]);
  });
});

/** Weak at every pass size (a 40 x 20 box at the canvas centre), a plate in any 64 px window. */
function weakPassDetector() {
  return scriptedDetector((w, h) => (w === 64 ? [16, 26, 48, 38, 0.9] : [w / 2 - 20, h / 2 - 10, w / 2 + 20, h / 2 + 10, 0.3]));
}

function frame(width: number, height: number) {
  const raw = { data: new Uint8Array(width * height * 3).fill(90), width, height, channels: 3 };
  return { raw, toRaw: { scaleX: 1, scaleY: 1 }, width, height, resized: new Map() };
}

describe('detectWithCloseUp with the zoom-in pass', () => {
  const nms = { ...DEFAULT_NMS, scoreThreshold: 0.5 };

  it('looks again at the weak boxes of a frame larger than every pass, and keeps the plate it finds', async () => {
    const { session, runs } = weakPassDetector();
    const r = await detectWithCloseUp(session, frame(1920, 1080), [640, 1280], 320, nms, true, 0.6, SETTINGS);
    // The 640 pass's weak box is 120 px wide in the frame, 80 px as the 1280 pass sees it (well enough); the
    // 1280 pass's own is 60 px in the frame, 40 px to that pass: one window.
    expect(runs).toEqual([640, 1280, 64]);
    expect(r.detections).toHaveLength(1);
    expect(r.detections[0]?.score).toBeCloseTo(0.9, 6);
  });

  it('leaves frames the passes see whole alone', async () => {
    const { session, runs } = weakPassDetector();
    const r = await detectWithCloseUp(session, frame(1280, 720), [640, 1280], 320, nms, true, 0.6, SETTINGS);
    expect(runs).toEqual([640, 1280, 320]);
    expect(r.detections).toEqual([]);
  });

  it('is part of regular mode only', () => {
    const sizes = { default_size: 640, fast_size: 640 };
    expect(modeSettings('regular', sizes, 0.5, undefined).zoom).toBeDefined();
    expect(modeSettings('fast', sizes, 0.5, undefined).zoom).toBeUndefined();
    expect(modeSettings('redaction', sizes, 0.5, undefined).zoom).toBeUndefined();
  });
});
